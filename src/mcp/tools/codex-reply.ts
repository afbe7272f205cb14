/**
 * `codex_reply`: a follow-up turn in an existing session, with the conversation so far. A session
 * whose Codex process is gone (crashed, cancelled, restarted) is resumed first.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerContext } from "../context.ts";
import { errorResult } from "../errors.ts";
import { ImagePaths } from "./codex.ts";
import { asksByForm } from "../approvals/mode.ts";
import {
  acceptedPolicy,
  ApprovalPolicy,
  Approvals,
  CollaborationMode,
  Effort,
  Name,
  OutputSchema,
  Prompt,
  SandboxMode,
  SessionView,
  Summary,
  turnTimeout,
  waitForResult,
  withErrorBranch,
} from "./schemas.ts";
import { type ToolExtra, waitAndAnswer } from "./session-view.ts";

export function registerCodexReply(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_reply",
    {
      title: "Continue a Codex session",
      description:
        "Sends a follow-up prompt to a session whose turn is over (status idle, error or cancelled); Codex sees the whole conversation. Per-turn overrides apply to this turn and later ones. Returns like codex; waitForResult waits for the result.",
      inputSchema: {
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
        waitForResult: waitForResult(ctx.config.maxWaitMs).optional(),
        turnTimeoutMs: turnTimeout(ctx.config.runningTtlMs).optional(),
        approvals: Approvals.optional(),
      },
      outputSchema: withErrorBranch(SessionView),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        const policy = acceptedPolicy(args.approvalPolicy);
        const byForm = asksByForm(ctx, args.approvals);
        await ctx.sessions.reply(args.sessionId, {
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
        if (byForm) ctx.approvals.follow(args.sessionId);
        return await waitAndAnswer(ctx, args.sessionId, args.waitForResult ?? 0, extra as ToolExtra, policy.warnings);
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}
