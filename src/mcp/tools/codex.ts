/**
 * `codex`: start a Codex session — a thread and its first turn. Answers at once with the session
 * to poll, or, with `advanced.waitForResult`, when the turn is done (or needs an answer).
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { ServerContext } from "../context.ts";
import { errorResult } from "../errors.ts";
import { formRoute } from "../approvals/mode.ts";
import { resumedWait } from "../approvals/round-trip.ts";
import { innerMcpOverrides } from "../../diagnostics/inner-mcp.ts";
import { checkModelChoice } from "../../sessions/model-check.ts";
import { knownModels } from "../resources/models.ts";
import { acceptedPolicy, boundedJson, turnTimeout, vocabulary, waitForResult, withErrorBranch } from "./schemas.ts";
import { answeredAsTask } from "../tasks/tasks.ts";
import { askThrough, continueWait, type ToolExtra, waitAndAnswer } from "./session-view.ts";
import { capabilityNote } from "./capability-note.ts";
import { deferred, perConfig } from "./deferred-schema.ts";
import type { Config } from "../../config.ts";

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = perConfig((config: Config) => {
  const {
    ApprovalPolicy,
    Approvals,
    CollaborationMode,
    Effort,
    ImagePaths,
    Name,
    OutputSchema,
    Prompt,
    SandboxMode,
    SessionView,
    Summary,
  } = vocabulary();
  return {
    input: z.object({
      prompt: Prompt.describe("The task for Codex."),
      approvalPolicy: ApprovalPolicy,
      sandbox: SandboxMode,
      cwd: Name.optional().describe("Absolute working directory for Codex. Default: the server's."),
      model: Name.optional().describe("Model name; default: Codex's configuration."),
      effort: Effort.optional(),
      profile: Name.optional().describe("A profile from the user's Codex config.toml."),
      advanced: z
        .object({
          baseInstructions: z.string().optional(),
          developerInstructions: z.string().optional(),
          personality: z.string().optional(),
          summary: Summary.optional(),
          collaborationMode: CollaborationMode.optional(),
          config: boundedJson("advanced.config").optional().describe(
            'Codex config overrides, e.g. {"model_reasoning_effort":"high"}.',
          ),
          ephemeral: z.boolean().optional().describe("Do not persist the thread."),
          outputSchema: OutputSchema.optional(),
          images: ImagePaths.optional(),
          approvalTimeoutMs: z.number().int().min(1_000).max(3_600_000).optional().describe(
            "Decline unanswered approvals after this long (default 60000).",
          ),
          waitForResult: waitForResult(config.maxWaitMs).optional(),
          turnTimeoutMs: turnTimeout(config.runningTtlMs).optional(),
          approvals: Approvals.optional(),
          mcpServers: z.union([z.enum(["inherit", "none"]), z.array(Name).max(64)]).optional().describe(
            'The MCP servers of the user\'s Codex config that run inside this session: "inherit" (all), "none", or the names to keep. Default: CODEX_MCP_INNER_MCP (inherit). Kept for the session\'s later turns and forks.',
          ),
        })
        .optional(),
    }),
    output: z.object(withErrorBranch(SessionView)),
  };
});

export function registerCodex(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex",
    {
      title: "Start a Codex session",
      description:
        "Starts an OpenAI Codex agent on a task: a new session (a Codex thread) and its first turn. Returns at once with sessionId and status; follow it with codex_check (poll, answer approvals) and continue it with codex_reply. With advanced.waitForResult (ms) it waits for the result instead, sending progress notifications, and falls back to the polling shape if the turn takes longer or Codex needs an answer from you (while the person is asked in a form, it keeps waiting). If your client cancels the call (its own tool timeout), only the wait ends: the turn keeps running; find it with codex_session list and poll it." +
        capabilityNote(ctx.config.backendMode),
      inputSchema: deferred("codex.input", () => schemas(ctx.config).input, ctx.toolSchemas),
      outputSchema: deferred("codex.output", () => schemas(ctx.config).output, ctx.toolSchemas),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        // The retry of a call that asked the person (2026-07-28 era): it goes on waiting.
        const resumed = resumedWait((extra as ToolExtra).mcpReq, "codex");
        if (resumed) return await continueWait(ctx, resumed, extra as ToolExtra);
        const a = args.advanced ?? {};
        const policy = acceptedPolicy(args.approvalPolicy);
        const cwd = args.cwd ?? ctx.runtime.cwd();
        const route = formRoute(ctx, a.approvals, (extra as ToolExtra).mcpReq);
        const inner = await innerMcpOverrides(a.mcpServers ?? ctx.config.innerMcp, { ...ctx.runtime, cwd });
        const config = Object.keys(inner).length > 0 ? { ...a.config, ...inner } : a.config;
        const modelWarnings = checkModelChoice(await knownModels(ctx, args), {
          model: args.model,
          effort: args.effort,
        });
        const record = await ctx.sessions.start({
          settings: {
            cwd,
            approvalPolicy: policy.policy,
            sandbox: args.sandbox,
            model: args.model,
            profile: args.profile,
            config,
            baseInstructions: a.baseInstructions,
            developerInstructions: a.developerInstructions,
            personality: a.personality,
            ephemeral: a.ephemeral,
            approvals: a.approvals,
          },
          turn: {
            prompt: args.prompt,
            images: a.images,
            outputSchema: a.outputSchema,
            effort: args.effort,
            summary: a.summary,
            collaborationMode: a.collaborationMode,
          },
          approvalTimeoutMs: a.approvalTimeoutMs,
          turnTimeoutMs: a.turnTimeoutMs,
        });
        // A client that takes tasks gets one for the turn instead of a wait (tasks/tasks.ts).
        const asTask = answeredAsTask(ctx, (extra as ToolExtra).mcpReq, record.id, "codex", route === "round-trip");
        if (asTask) return asTask;
        const roundTrip = askThrough(ctx, route, record.id, "codex");
        return await waitAndAnswer(ctx, record.id, a.waitForResult ?? 0, extra as ToolExtra, [
          ...policy.warnings,
          ...modelWarnings,
        ], roundTrip);
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}
