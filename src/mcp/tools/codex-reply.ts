/**
 * `codex_reply`: a follow-up turn in an existing session, with the conversation so far. A session
 * whose Codex process is gone (crashed, cancelled, restarted) is resumed first.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { ServerContext } from "../context.ts";
import { errorResult } from "../errors.ts";
import { formRoute } from "../approvals/mode.ts";
import { resumedWait } from "../approvals/round-trip.ts";
import { checkModelChoice } from "../../sessions/model-check.ts";
import { knownModels } from "../resources/models.ts";
import { acceptedPolicy, turnTimeout, vocabulary, waitForResult, withErrorBranch } from "./schemas.ts";
import { answeredAsTask } from "../tasks/tasks.ts";
import { askThrough, continueWait, type ToolExtra, waitAndAnswer } from "./session-view.ts";
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
      sessionId: Name.min(1),
      prompt: Prompt,
      model: Name.optional(),
      effort: Effort.optional(),
      summary: Summary.optional(),
      collaborationMode: CollaborationMode.optional(),
      approvalPolicy: ApprovalPolicy.optional(),
      sandbox: SandboxMode.optional(),
      cwd: Name.optional().describe("Absolute working directory for this and later turns."),
      images: ImagePaths.optional(),
      outputSchema: OutputSchema.optional(),
      waitForResult: waitForResult(config.maxWaitMs).optional(),
      turnTimeoutMs: turnTimeout(config.runningTtlMs).optional(),
      approvals: Approvals.optional(),
      mode: z.enum(["steer", "queue"]).optional().describe(
        'For a session whose turn is still running: "steer" adds this prompt to the running turn (Codex takes it in at its next step; app-server backend only), "queue" runs it as the next turn when this one ends. Without mode such a session is SESSION_BUSY. A session with no turn running starts the turn either way.',
      ),
    }),
    output: z.object(withErrorBranch(SessionView)),
  };
});

export function registerCodexReply(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_reply",
    {
      title: "Continue a Codex session",
      description:
        'Sends a follow-up prompt to a session whose turn is over (status idle, error or cancelled); Codex sees the whole conversation. Per-turn overrides apply to this turn and later ones. With mode "steer" or "queue" it also works while a turn runs (steer: into that turn; queue: as the next one). Returns like codex; waitForResult waits for the result.',
      inputSchema: deferred("codex_reply.input", () => schemas(ctx.config).input, ctx.toolSchemas),
      outputSchema: deferred("codex_reply.output", () => schemas(ctx.config).output, ctx.toolSchemas),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        // The retry of a call that asked the person (2026-07-28 era): it goes on waiting.
        const resumed = resumedWait((extra as ToolExtra).mcpReq, "codex_reply");
        if (resumed) return await continueWait(ctx, resumed, extra as ToolExtra);
        const policy = acceptedPolicy(args.approvalPolicy);
        const route = formRoute(ctx, args.approvals, (extra as ToolExtra).mcpReq);
        const modelWarnings = checkModelChoice(await knownModels(ctx, args), {
          model: args.model,
          effort: args.effort,
          sessionModel: ctx.sessions.get(args.sessionId).settings.model,
        });
        const act = args.mode === "steer"
          ? ctx.sessions.steer.bind(ctx.sessions)
          : args.mode === "queue"
          ? ctx.sessions.queue.bind(ctx.sessions)
          : ctx.sessions.reply.bind(ctx.sessions);
        await act(args.sessionId, {
          prompt: args.prompt,
          model: args.model,
          effort: args.effort,
          summary: args.summary,
          collaborationMode: args.collaborationMode,
          approvalPolicy: policy.policy,
          sandbox: args.sandbox,
          cwd: args.cwd,
          images: args.images,
          outputSchema: args.outputSchema,
        }, { turnTimeoutMs: args.turnTimeoutMs });
        // A client that takes tasks gets one for the turn instead of a wait (tasks/tasks.ts).
        const asTask = args.mode === undefined &&
          answeredAsTask(ctx, (extra as ToolExtra).mcpReq, args.sessionId, "codex_reply", route === "round-trip");
        if (asTask) return asTask;
        const roundTrip = askThrough(ctx, route, args.sessionId, "codex_reply");
        return await waitAndAnswer(ctx, args.sessionId, args.waitForResult ?? 0, extra as ToolExtra, [
          ...policy.warnings,
          ...modelWarnings,
        ], roundTrip);
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}
