/**
 * The session as the tools show it, and the waiting that `codex`, `codex_reply` and `codex_check`
 * share: progress notifications while waiting, and an answer even when the client cancels.
 *
 * @module
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { applyFormAnswers, askInRoundTrip, type RoundTripRequest, type WaitState } from "../approvals/round-trip.ts";
import { type FormRoute, opensUrls, type RequestCapabilities } from "../approvals/mode.ts";
import type { PendingRequest, SessionManager } from "../../sessions/manager.ts";
import type { SessionRecord, TurnUsage } from "../../sessions/store.ts";
import type { ServerContext } from "../context.ts";
import { ProgressReporter, type ProgressRequest } from "../progress.ts";
import { requestedLevel, RequestLog } from "../request-log.ts";
import { parseReview } from "./review-findings.ts";
import { shownFailure, toolHint } from "../errors.ts";
import type { InteractionState } from "./schemas.ts";
import type { ApprovalDecision } from "../../codex/backend.ts";

/** How long to suggest waiting between polls, by status. */
const POLL_INTERVAL_MS = { running: 2_000, waiting: 1_000, settled: 5_000 } as const;

function actionOf(pending: PendingRequest, askedInClient: boolean) {
  const r = pending.request;
  const common = {
    requestId: r.requestId,
    ...(askedInClient && { askedInClient: true }),
    createdAt: new Date(pending.createdAt).toISOString(),
    expiresAt: new Date(pending.expiresAt).toISOString(),
  };
  if (r.type === "user_input_request") {
    return {
      ...common,
      kind: "user_input" as const,
      respondWith: "respond_user_input" as const,
      questions: r.questions.map((q) => ({ id: q.id, header: q.header, question: q.question, options: q.options })),
    };
  }
  return {
    ...common,
    kind: r.kind,
    respondWith: "respond_permission" as const,
    ...(r.command !== undefined && { command: r.command }),
    ...(r.cwd !== undefined && { cwd: r.cwd }),
    ...(r.reason !== undefined && { reason: r.reason }),
    ...(r.message !== undefined && { message: r.message }),
    ...(r.files !== undefined && { files: r.files }),
    availableDecisions: r.availableDecisions,
    ...(r.proposedExecpolicyAmendment !== undefined && { proposedExecpolicyAmendment: r.proposedExecpolicyAmendment }),
    ...(r.requestedSchema !== undefined && { requestedSchema: r.requestedSchema }),
    ...(r.url !== undefined && { url: r.url }),
  };
}

/**
 * The turn's result; for the review turn of a `codex_review` session (its first), with the
 * findings read from the review's text (`review`: overall verdict and findings), when it has any.
 */
function withFindings(record: SessionRecord) {
  const result = record.result!;
  if (!record.reviewOf || record.turns !== 1 || !result.text) return result;
  const review = parseReview(result.text);
  return review ? { ...result, review } : result;
}

/** Whether the person is being asked this request through the client's form (mcp/approvals/). */
export type AskedInClient = (sessionId: string, requestId: string) => boolean;

/** The fields every session tool returns. */
export function sessionView(sessions: SessionManager, record: SessionRecord, asked: AskedInClient = () => false) {
  const actions = sessions.pending(record.id).map((p) => actionOf(p, asked(record.id, p.request.requestId)));
  const interactionState: InteractionState = record.status === "waiting_approval"
    ? "needs_approval"
    : record.status === "waiting_input"
    ? "needs_input"
    : record.status === "running"
    ? "working"
    : record.status === "error"
    ? "failed"
    : record.status === "cancelled"
    ? "cancelled"
    : "ready";
  const cursor = sessions.latestCursor(record.id);
  // Control fields first (a truncated preview keeps them), details after.
  return {
    sessionId: record.id,
    status: record.status,
    interactionState,
    actions,
    ...(record.result && { result: withFindings(record) }),
    ...(record.error && { error: shownFailure(record.error) }),
    recommendedNextAction: nextAction(record, actions, cursor),
    threadId: record.threadId,
    pollInterval: record.status === "running"
      ? POLL_INTERVAL_MS.running
      : actions.length > 0
      ? POLL_INTERVAL_MS.waiting
      : POLL_INTERVAL_MS.settled,
    progress: {
      turns: record.turns,
      events: cursor,
      phase: record.phase,
      ...(record.lastItem !== undefined && { lastItem: record.lastItem }),
      lastActivityAt: new Date(record.lastActivityAt).toISOString(),
    },
  };
}

export type SessionViewValue = ReturnType<typeof sessionView>;

/** The decisions a request takes, as they go into `decision`: exactly its availableDecisions. */
function decisionChoices(available: readonly ApprovalDecision[] | undefined): string {
  const choices = (available ?? ["accept", "decline"]).map((d) => JSON.stringify(d));
  return choices.join("|");
}

function nextAction(record: SessionRecord, actions: ReturnType<typeof actionOf>[], cursor: number): string {
  const id = JSON.stringify(record.id);
  const first = actions[0];
  if (first?.askedInClient) {
    return `Codex asks ${
      first.respondWith === "respond_permission" ? "for approval" : "questions"
    }, and the person is being asked in your client's form: wait for their answer with codex_check {"action":"poll","sessionId":${id},"cursor":${
      cursor + 1
    },"pollOptions":{"waitMs":30000}}. Answer it yourself (${first.respondWith}, requestId ${
      JSON.stringify(first.requestId)
    }) only if the person asked you to; it is declined automatically at ${first.expiresAt}.`;
  }
  if (first?.respondWith === "respond_permission") {
    return `Codex asks for approval (${first.kind}${
      first.command ? `: ${first.command}` : ""
    }). Answer with codex_check {"action":"respond_permission","sessionId":${id},"requestId":${
      JSON.stringify(first.requestId)
    },"decision":${decisionChoices(first.availableDecisions)}}; it is declined automatically at ${first.expiresAt}.`;
  }
  if (first?.respondWith === "respond_user_input") {
    return `Codex asks questions. Answer with codex_check {"action":"respond_user_input","sessionId":${id},"requestId":${
      JSON.stringify(first.requestId)
    },"answers":{"<question id>":["<answer>"]}} before ${first.expiresAt}.`;
  }
  switch (record.status) {
    case "running":
      return `Codex is working. Call codex_check {"action":"poll","sessionId":${id},"cursor":${
        cursor + 1
      },"pollOptions":{"waitMs":30000}} to wait for what happens next.`;
    case "idle":
      return `The turn is over: read result.text. To continue, call codex_reply {"sessionId":${id},"prompt":"…"}.`;
    case "error":
      return record.error
        ? `${record.error.message}. ${toolHint(record.error)}`
        : "The session failed; start a new one with codex.";
    case "cancelled":
      return `The session was cancelled. Start a new one with codex, or codex_reply {"sessionId":${id}} to resume its thread.`;
    default:
      return `Poll with codex_check {"action":"poll","sessionId":${id}}.`;
  }
}

/** A successful tool result: the value as structured content and as JSON text. */
export function structuredResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/** One line for progress notifications: what Codex is doing now (and the turn's tokens so far). */
export function describe(record: SessionRecord, usage?: TurnUsage): string {
  const doing = `${record.status}: ${record.phase}${record.lastItem ? ` — ${record.lastItem}` : ""}`;
  return usage ? `${doing} (${tokens(usage)})` : doing;
}

/** "12.3k tokens", and of how many the context holds when Codex says. */
function tokens(usage: TurnUsage): string {
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
  const total = usage.totalTokens ?? usage.inputTokens + usage.outputTokens;
  return `${k(total)} tokens${usage.contextWindow ? ` of ${k(usage.contextWindow)}` : ""}`;
}

/** The progress line of a session: its state and its current turn's tokens. */
function progressLine(sessions: SessionManager, sessionId: string): string {
  return describe(sessions.get(sessionId), sessions.turns(sessionId).at(-1)?.usage);
}

/**
 * The part of the SDK's handler context the tools use: progress, cancellation, the request's id,
 * and (2026-07-28 era) the client's capabilities and the answers of a retried call.
 */
export interface ToolExtra {
  mcpReq: ProgressRequest & RequestCapabilities & RoundTripRequest & { signal: AbortSignal; id: string | number };
}

/**
 * Progress and log messages for a call while it waits on a session, each if the client asked for
 * it; returns what stops them (after logging what the wait saw last).
 */
export function followWait(ctx: ServerContext, sessionId: string, extra: ToolExtra): () => void {
  const reporter = new ProgressReporter(extra.mcpReq, () => progressLine(ctx.sessions, sessionId));
  const log = new RequestLog(extra.mcpReq, requestedLevel(extra.mcpReq, ctx.logLevel), ctx.sessions, sessionId);
  const stop = ctx.sessions.onChange(sessionId, () => {
    reporter.activity();
    log.soon();
  });
  reporter.start();
  return () => {
    reporter.stop();
    stop();
    log.flush();
  };
}

/**
 * Waits up to `waitMs` for the session's turn (sending progress and log messages when asked for), then answers
 * with the session view. A cancelled call only stops waiting: the turn goes on, the session stays
 * as it is, and nothing is sent for the cancelled request (the spec says a receiver of
 * `notifications/cancelled` should not answer; the SDK drops the value returned here). Clients
 * cancel calls when their own tool timeout fires, which must not cost the work; stopping a turn is
 * `codex_session interrupt` or `cancel`.
 */
export async function waitAndAnswer(
  ctx: ServerContext,
  sessionId: string,
  waitMs: number,
  extra: ToolExtra,
  warnings: readonly string[] = [],
  roundTrip?: { tool: string; until?: number },
): Promise<CallToolResult | InputRequiredResult> {
  const sessions = ctx.sessions;
  const until = roundTrip?.until ?? Date.now() + Math.min(waitMs, ctx.config.maxWaitMs);
  const left = until - Date.now();
  if (left > 0) {
    const stop = followWait(ctx, sessionId, extra);
    try {
      await waitThroughForms(ctx, sessionId, until, extra.mcpReq.signal);
    } finally {
      stop();
    }
  }
  // Codex asks while the call still waits: the person answers in forms of the call's result, and
  // the client's retry goes on waiting (approvals/round-trip.ts).
  if (roundTrip && Date.now() < until && !extra.mcpReq.signal.aborted) {
    const pending = sessions.pending(sessionId);
    if (pending.length > 0) {
      return await askInRoundTrip(
        sessions,
        { tool: roundTrip.tool, sessionId, until, warnings: [...warnings] },
        pending,
        opensUrls(extra.mcpReq),
      );
    }
  }
  const view = sessionView(sessions, sessions.get(sessionId), (s, r) => ctx.approvals.asking(s, r));
  return structuredResult(warnings.length > 0 ? { ...view, warnings: [...warnings] } : view);
}

/**
 * Waits for the session's turn until `until`. While the person is being asked by a pushed form
 * (2025 era) for everything Codex waits on, the caller has nothing to do, so the wait goes on;
 * it ends when the turn does, when Codex waits on something nobody is asked (a dismissed form,
 * a client without forms), or at `until`.
 */
async function waitThroughForms(ctx: ServerContext, sessionId: string, until: number, signal: AbortSignal) {
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return;
    const outcome = await ctx.sessions.waitForTurn(sessionId, left, signal);
    if (outcome !== "needs_answer" || !ctx.approvals.following(sessionId)) return;
    // The asker opens its forms on the same change: let it, then look.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const pending = ctx.sessions.pending(sessionId);
    if (pending.length > 0 && !pending.every((p) => ctx.approvals.asking(sessionId, p.request.requestId))) return;
    await ctx.approvals.formDone(sessionId, until - Date.now(), signal);
  }
}

/**
 * The retry of a waiting call whose result asked the person (`input_required`): applies their
 * answers, then waits for what is left of the call's wait. Nothing is started again.
 */
export async function continueWait(ctx: ServerContext, state: WaitState, extra: ToolExtra) {
  await applyFormAnswers(ctx.sessions, state.sessionId, state.asked, extra.mcpReq.inputResponses);
  return await waitAndAnswer(ctx, state.sessionId, 0, extra, state.warnings, { tool: state.tool, until: state.until });
}

/**
 * After a call started or continued a session: a 2025-era client that shows forms is asked from
 * now on (pushed forms); a 2026-07-28 one is asked in this call's result if it waits. Returns the
 * round trip for {@link waitAndAnswer}.
 */
export function askThrough(ctx: ServerContext, route: FormRoute, sessionId: string, tool: string) {
  if (route === "push") ctx.approvals.follow(sessionId);
  return route === "round-trip" ? { tool } : undefined;
}
