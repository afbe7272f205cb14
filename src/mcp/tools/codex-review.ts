/**
 * `codex_review`: Codex's own reviewer as a session — of the uncommitted changes, against a base
 * branch, of one commit, or by custom instructions. The session's first turn is the review; its
 * result's text is the review (findings with priority, file and lines, as Codex writes them).
 * It waits, polls, asks for approvals and is cancelled like any session; `codex_reply` continues
 * the conversation about it.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { ReviewTarget } from "../../codex/backend.ts";
import type { ServerContext } from "../context.ts";
import { errorResult } from "../errors.ts";
import { formRoute } from "../approvals/mode.ts";
import { resumedWait } from "../approvals/round-trip.ts";
import { acceptedPolicy, vocabulary, waitForResult, withErrorBranch } from "./schemas.ts";
import { answeredAsTask } from "../tasks/tasks.ts";
import { askThrough, continueWait, type ToolExtra, waitAndAnswer } from "./session-view.ts";
import { deferred, once, perConfig } from "./deferred-schema.ts";
import type { Config } from "../../config.ts";

/** What to review, as a caller names it. */
const Target = once(() => {
  const { Name, Prompt } = vocabulary();
  return z.union([
    z.literal("uncommitted").describe("The working tree's uncommitted changes."),
    z.object({ baseBranch: Name.min(1) }).describe("The changes against this branch."),
    z.object({ commit: Name.min(1), title: Name.optional() }).describe("One commit (its sha)."),
    z.object({ instructions: Prompt }).describe("What to review, in your words."),
  ]);
});

function targetOf(target: z.infer<ReturnType<typeof Target>>): { target: ReviewTarget; describe: string } {
  if (target === "uncommitted") return { target: { kind: "uncommitted" }, describe: "Review the uncommitted changes" };
  if ("baseBranch" in target) {
    return {
      target: { kind: "baseBranch", branch: target.baseBranch },
      describe: `Review against ${target.baseBranch}`,
    };
  }
  if ("commit" in target) {
    return {
      target: { kind: "commit", sha: target.commit, ...(target.title !== undefined && { title: target.title }) },
      describe: `Review commit ${target.commit}`,
    };
  }
  return { target: { kind: "custom", instructions: target.instructions }, describe: target.instructions };
}

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = perConfig((config: Config) => {
  const { ApprovalPolicy, Approvals, Name, SandboxMode, SessionView } = vocabulary();
  return {
    input: z.object({
      target: Target(),
      cwd: Name.optional().describe("The repository to review. Default: the server's working directory."),
      approvalPolicy: ApprovalPolicy.optional().describe("Default never: a review reads, it does not change."),
      sandbox: SandboxMode.optional().describe("Default read-only."),
      model: Name.optional(),
      advanced: z.object({
        waitForResult: waitForResult(config.maxWaitMs).optional(),
        approvals: Approvals.optional(),
      }).optional(),
    }),
    output: z.object(withErrorBranch(SessionView)),
  };
});

export function registerCodexReview(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_review",
    {
      title: "Review code with Codex",
      description:
        "Starts Codex's own reviewer as a session: target \"uncommitted\", {baseBranch}, {commit}, or {instructions}. Returns like codex (sessionId at once, or the result with advanced.waitForResult); the result's text is the review, each finding with its priority, file and lines. Poll, answer approvals and continue it (codex_reply) like any session. App-server backend only.",
      inputSchema: deferred("codex_review.input", () => schemas(ctx.config).input, ctx.toolSchemas),
      outputSchema: deferred("codex_review.output", () => schemas(ctx.config).output, ctx.toolSchemas),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        // The retry of a call that asked the person (2026-07-28 era): it goes on waiting.
        const resumed = resumedWait((extra as ToolExtra).mcpReq, "codex_review");
        if (resumed) return await continueWait(ctx, resumed, extra as ToolExtra);
        const a = args.advanced ?? {};
        const policy = acceptedPolicy(args.approvalPolicy ?? "never");
        const route = formRoute(ctx, a.approvals, (extra as ToolExtra).mcpReq);
        const { target, describe } = targetOf(args.target);
        const record = await ctx.sessions.start({
          settings: {
            cwd: args.cwd ?? ctx.runtime.cwd(),
            approvalPolicy: policy.policy,
            sandbox: args.sandbox ?? "read-only",
            model: args.model,
          },
          turn: { prompt: describe },
          review: target,
        });
        // A client that takes tasks gets one for the turn instead of a wait (tasks/tasks.ts).
        const asTask = answeredAsTask(
          ctx,
          (extra as ToolExtra).mcpReq,
          record.id,
          "codex_review",
          route === "round-trip",
        );
        if (asTask) return asTask;
        const roundTrip = askThrough(ctx, route, record.id, "codex_review");
        return await waitAndAnswer(
          ctx,
          record.id,
          a.waitForResult ?? 0,
          extra as ToolExtra,
          policy.warnings,
          roundTrip,
        );
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}
