/**
 * `codex_check`: watch a session and answer what Codex asks.
 * - `poll`: events from a cursor (long-poll with pollOptions.waitMs), pending actions, the result.
 * - `respond_permission`: accept, acceptForSession, decline or cancel an approval request.
 * - `respond_user_input`: answer Codex's questions.
 *
 * @module
 */
import type { CallToolResult, InputRequiredResult, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import { RESPONSE_MODES, shapeEvents } from "../../sessions/poll-shape.ts";
import type { ServerContext } from "../context.ts";
import { errorResult, ToolError } from "../errors.ts";
import { boundedJson, decisionOf, MAX_WAIT_MS, vocabulary, withErrorBranch } from "./schemas.ts";
import { followWait, sessionView, structuredResult, type ToolExtra } from "./session-view.ts";
import { askRoute, opensUrls } from "../approvals/mode.ts";
import { applyFormAnswers, askInRoundTrip, resumedWait } from "../approvals/round-trip.ts";
import { READ_LIMITS } from "../../sessions/read-limits.ts";
import { capabilityNote } from "./capability-note.ts";
import { MIN_READ_MAX_BYTES } from "../../sessions/event-log.ts";
import { deferred, perConfig } from "./deferred-schema.ts";
import type { Config } from "../../config.ts";

/** What ends a long poll's wait. */
const WAKE_ON = ["change", "event"] as const;

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = perConfig((config: Config) => {
  const { DecisionInput, Name, PollFields, SessionView } = vocabulary();
  return {
    input: z.object({
      action: z.enum(["poll", "respond_permission", "respond_user_input"]),
      sessionId: Name.min(1),
      cursor: z.number().int().min(1).optional().describe("poll: first event to return (default 1: from the start)."),
      maxEvents: z.number().int().min(1).max(READ_LIMITS.maxEvents).optional().describe(
        `poll: default ${READ_LIMITS.defaultMaxEvents}.`,
      ),
      responseMode: z.enum(RESPONSE_MODES).optional().describe(
        "poll: minimal (only approvals, results, errors and counts), delta_compact (default: deltas merged), full.",
      ),
      pollOptions: z
        .object({
          waitMs: z.number().int().min(0).max(MAX_WAIT_MS).optional().describe(
            `Wait up to this long; this server waits at most ${config.maxWaitMs} ms (CODEX_MCP_MAX_WAIT_MS). Keep it under your client's tool timeout.`,
          ),
          wakeOn: z.enum(WAKE_ON).optional().describe(
            'What ends the wait. "change" (default): something worth a turn of yours — the turn ends, fails or needs an answer — with everything that arrived meanwhile in one answer. "event": any new event (every delta).',
          ),
          maxBytes: z.number().int().min(READ_LIMITS.minBytes).max(READ_LIMITS.maxBytes).optional().describe(
            `Cap on the response size (default ${READ_LIMITS.defaultMaxBytes}); large outputs arrive over several polls.`,
          ),
        })
        .optional(),
      requestId: Name.optional().describe("respond_*: the action's requestId."),
      decision: DecisionInput.optional().describe(
        "respond_permission: accept, acceptForSession, decline, cancel, or {acceptWithAmendment: {command}} when offered ({acceptWithExecpolicyAmendment: {execpolicy_amendment}} is the deprecated spelling, still accepted).",
      ),
      content: boundedJson("content").optional().describe(
        "respond_permission on an mcp_elicitation action with a requestedSchema: the fields, with decision accept.",
      ),
      answers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional().describe(
        "respond_user_input: question id → answer(s).",
      ),
    }),
    output: z.object(withErrorBranch({ ...SessionView, ...partial(PollFields) })),
  };
});

export function registerCodexCheck(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_check",
    {
      title: "Watch and answer a Codex session",
      description:
        "action=poll: the session's events after `cursor` (pass the previous nextCursor), its pending actions and result; pollOptions.waitMs long-polls (returns as soon as something new arrives). action=respond_permission: answer an approval (requestId, decision). action=respond_user_input: answer questions (requestId, answers: {questionId: [answers]}). Unanswered requests are declined after the session's approval timeout." +
        capabilityNote(ctx.config.backendMode),
      inputSchema: deferred("codex_check.input", () => schemas(ctx.config).input, ctx.toolSchemas),
      outputSchema: deferred("codex_check.output", () => schemas(ctx.config).output, ctx.toolSchemas),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args, extra) => {
      try {
        switch (args.action) {
          case "poll":
            return await poll(ctx, args, extra as ToolExtra);
          case "respond_permission": {
            const requestId = required(args.requestId, "requestId", "respond_permission");
            const decision = decisionOf(required(args.decision, "decision", "respond_permission"));
            const record = await ctx.sessions.respondPermission(
              args.sessionId,
              requestId,
              decision,
              "client",
              args.content,
            );
            return structuredResult(sessionView(ctx.sessions, record));
          }
          case "respond_user_input": {
            const requestId = required(args.requestId, "requestId", "respond_user_input");
            const answers = required(args.answers, "answers", "respond_user_input");
            const normalized = Object.fromEntries(
              Object.entries(answers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]),
            );
            const record = await ctx.sessions.respondUserInput(args.sessionId, requestId, normalized);
            return structuredResult(sessionView(ctx.sessions, record));
          }
        }
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}

function required<T>(value: T | undefined, name: string, action: string): T {
  if (value === undefined) {
    throw new ToolError(
      "INVALID_ARGUMENT",
      `${action} needs ${name}`,
      `Pass ${name}; poll first to see the pending actions and their requestIds.`,
    );
  }
  return value;
}

function partial<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}

async function poll(
  ctx: ServerContext,
  args: {
    sessionId: string;
    cursor?: number;
    maxEvents?: number;
    responseMode?: "minimal" | "delta_compact" | "full";
    pollOptions?: { waitMs?: number; maxBytes?: number; wakeOn?: (typeof WAKE_ON)[number] };
  },
  extra: ToolExtra,
): Promise<CallToolResult | InputRequiredResult> {
  const sessions = ctx.sessions;
  const cursor = args.cursor ?? 1;
  const maxBytes = args.pollOptions?.maxBytes ?? READ_LIMITS.defaultMaxBytes;
  const session = sessions.get(args.sessionId);
  // The retry of a poll that asked the person (2026-07-28 era): their answers first, then what is
  // left of the poll's wait.
  const resumed = resumedWait(extra.mcpReq, "codex_check");
  if (resumed && resumed.sessionId !== args.sessionId) {
    throw new ToolError(
      "INVALID_ARGUMENT",
      "this requestState belongs to a poll of another session",
      "Retry the poll that returned it, with its arguments, its requestState and the answers.",
    );
  }
  if (resumed) await applyFormAnswers(sessions, resumed.sessionId, resumed.asked, extra.mcpReq.inputResponses);
  const until = resumed?.until ?? Date.now() + Math.min(args.pollOptions?.waitMs ?? 0, ctx.config.maxWaitMs);
  const waitMs = Math.max(0, until - Date.now());
  const wakeOnEvent = args.pollOptions?.wakeOn === "event";
  // "change" waits only while the turn runs: a session that is idle, failed or waiting for an
  // answer has nothing to wait for. "event" waits only when there is nothing unread.
  const wait = waitMs > 0 &&
    (wakeOnEvent ? sessions.latestCursor(args.sessionId) < cursor : sessions.get(args.sessionId).status === "running");
  if (wait) {
    const stop = followWait(ctx, args.sessionId, extra);
    try {
      if (wakeOnEvent) await sessions.waitForEvents(args.sessionId, cursor, waitMs, extra.mcpReq.signal);
      else await sessions.waitForTurn(args.sessionId, waitMs, extra.mcpReq.signal);
    } finally {
      stop();
    }
  }
  // A waiting poll that finds Codex asking, from a 2026-07-28 client that shows forms, asks the
  // person in its result (as a waiting codex call does), unless the session's approvals go to the model.
  if (
    waitMs > 0 && Date.now() < until && !extra.mcpReq.signal.aborted &&
    askRoute(ctx, session.settings.approvals, extra.mcpReq) === "round-trip"
  ) {
    const pending = sessions.pending(args.sessionId);
    if (pending.length > 0) {
      return await askInRoundTrip(
        sessions,
        { tool: "codex_check", sessionId: args.sessionId, until, warnings: [] },
        pending,
        opensUrls(extra.mcpReq),
      );
    }
  }
  const view = sessionView(sessions, sessions.get(args.sessionId), (s, r) => ctx.approvals.asking(s, r));
  // The events may use what the rest of the answer leaves of maxBytes; the answer carries the
  // JSON twice (structured and as text), so each copy gets under half.
  const overhead = JSON.stringify(view).length * 2 + 1024;
  const budget = Math.max(MIN_READ_MAX_BYTES, Math.floor((maxBytes - overhead) / 2.2));
  const read = sessions.read(args.sessionId, cursor, {
    maxEvents: args.maxEvents ?? READ_LIMITS.defaultMaxEvents,
    maxBytes: budget,
  });
  const record = sessions.get(args.sessionId);
  const shaped = shapeEvents(read.events, args.responseMode ?? "delta_compact", {
    session: { sessionId: record.id, threadId: record.threadId, cwd: record.settings.cwd },
  });
  let events = shaped.events.map((e: (typeof shaped.events)[number]) => ({ ...e, at: new Date(e.at).toISOString() }));
  let nextCursor = read.nextCursor;
  let hasMore = read.hasMore;
  // Control fields first and events last: a client that shows a truncated preview of a long
  // answer still shows the model the cursor and what to do next.
  const { sessionId, status, interactionState, actions, result: turnResult, error, recommendedNextAction, ...rest } =
    view;
  const build = () =>
    structuredResult({
      sessionId,
      status,
      interactionState,
      actions,
      ...(turnResult && { result: turnResult }),
      ...(error && { error }),
      nextCursor,
      hasMore,
      ...(read.cursorResetTo !== undefined &&
        { cursorResetTo: read.cursorResetTo, missedEvents: read.missedEvents ?? 0 }),
      recommendedNextAction,
      ...rest,
      ...(shaped.counts && { eventCounts: shaped.counts }),
      events,
    });
  let result = build();
  // Escaping can grow the text copy: trim from the end until the whole answer fits.
  while (events.length > 1 && JSON.stringify(result).length > maxBytes) {
    events = events.slice(0, -1);
    nextCursor = events.at(-1)!.cursor + 1;
    hasMore = true;
    result = build();
  }
  return result;
}
