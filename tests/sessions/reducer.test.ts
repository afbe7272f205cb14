/**
 * The session reducer, the pending-request book and the sweep plan as plain functions and
 * values: no backend, no store, no waiting on timers.
 */
import { describe, expect, test } from "bun:test";
import type { ApprovalRequest } from "../../src/codex/backend.ts";
import { planSweep, type SessionPolicy } from "../../src/sessions/lifecycle.ts";
import { PendingRequests } from "../../src/sessions/pending-requests.ts";
import { activeStatus, reduce } from "../../src/sessions/reducer.ts";
import type { SessionRecord } from "../../src/sessions/store.ts";
import { loadConfig } from "../../src/config.ts";

const facts = { hasOutputSchema: false, cancelRequested: false };
const approval: ApprovalRequest = {
  type: "approval_request",
  requestId: "req_1",
  kind: "command",
  turnId: "t1",
  itemId: "i1",
  availableDecisions: ["accept", "decline"],
};

describe("reduce", () => {
  test("turn_started: the turn is active and current; the exec backend's thread id is taken", () => {
    const { patch, effects } = reduce({ type: "turn_started", turnId: "t1", threadId: "th" }, facts, 5);
    expect(patch).toEqual({ lastActivityAt: 5, currentTurnId: "t1", threadId: "th", phase: "thinking" });
    expect(effects).toEqual([{ type: "turn_active", active: true }]);
  });

  test("a completed turn: idle, its result recorded and pinned, its turn ended, what was pending dropped", () => {
    const { patch, effects } = reduce(
      { type: "turn_completed", turnId: "t1", status: "completed", finalMessage: "done" },
      facts,
      9,
    );
    expect(patch).toMatchObject({ status: "idle", phase: "done", currentTurnId: null, result: { text: "done" } });
    expect(effects).toEqual([
      { type: "turn_active", active: false },
      { type: "pending_drop" },
      { type: "result", result: { turnId: "t1", status: "completed", text: "done" } },
      { type: "turn_end", end: { status: "completed", result: { text: "done" }, error: undefined } },
    ]);
  });

  test("structured output is parsed when the turn asked for it, and a non-JSON answer says why", () => {
    const withSchema = { ...facts, hasOutputSchema: true };
    const ok = reduce(
      { type: "turn_completed", turnId: "t", status: "completed", finalMessage: '{"a":1}' },
      withSchema,
      0,
    );
    expect(ok.patch.result?.structuredOutput).toEqual({ a: 1 });
    const bad = reduce({ type: "turn_completed", turnId: "t", status: "completed", finalMessage: "no" }, withSchema, 0);
    expect(bad.patch.result?.structuredOutputError).toContain("not JSON");
  });

  test("a failed turn is an error with TURN_FAILED and Codex's message; an interrupt after cancel is cancelled", () => {
    const failed = reduce(
      { type: "turn_completed", turnId: "t", status: "failed", error: { message: "quota exceeded" } },
      facts,
      0,
    );
    expect(failed.patch).toMatchObject({ status: "error", error: { code: "TURN_FAILED", message: "quota exceeded" } });
    const cancelled = reduce(
      { type: "turn_completed", turnId: "t", status: "interrupted" },
      { ...facts, cancelRequested: true },
      0,
    );
    expect(cancelled.patch.status).toBe("cancelled");
    expect(reduce({ type: "turn_completed", turnId: "t", status: "interrupted" }, facts, 0).patch.status).toBe("idle");
  });

  test("a crash: error CODEX_CRASHED, stop listening, drop what is pending, end the turn as failed", () => {
    const { patch, effects } = reduce(
      { type: "backend_crashed", message: "exited with code 1", stderrTail: "" },
      facts,
      0,
    );
    expect(patch).toMatchObject({ status: "error", error: { code: "CODEX_CRASHED", message: "exited with code 1" } });
    expect(effects.map((e) => e.type)).toEqual(["turn_active", "unsubscribe", "pending_drop", "turn_end"]);
  });

  test("a command waiting for approval shows as pending, not running", () => {
    const { patch } = reduce({ ...approval, command: "rm -rf build" }, facts, 0);
    expect(patch).toMatchObject({ phase: "waiting for approval", lastItem: "$ rm -rf build (waiting for approval)" });
  });

  test("requests are added and resolved as effects; usage goes to the turn", () => {
    expect(reduce(approval, facts, 0).effects).toEqual([{ type: "pending_add", request: approval }]);
    expect(reduce({ type: "request_resolved", requestId: "req_1" }, facts, 0).effects).toEqual([
      { type: "pending_drop", requestId: "req_1" },
    ]);
    const usage = { inputTokens: 10, outputTokens: 2, totalTokens: 12 };
    expect(reduce({ type: "token_usage", usage }, facts, 0).effects).toEqual([{ type: "turn_usage", usage }]);
  });

  test("while a turn runs, approvals come before questions in the status", () => {
    expect(activeStatus([])).toBe("running");
    expect(activeStatus([{ type: "user_input_request" }])).toBe("waiting_input");
    expect(activeStatus([{ type: "user_input_request" }, { type: "approval_request" }])).toBe("waiting_approval");
  });
});

describe("PendingRequests", () => {
  test("take is a claim: the second take of one request gets nothing, and the timer no longer fires", async () => {
    const book = new PendingRequests();
    const expired: string[] = [];
    book.add("s", approval, 20, (p) => expired.push(p.request.requestId));
    expect(book.ids("s")).toEqual(["req_1"]);
    expect(book.take("s", "req_1")?.request.requestId).toBe("req_1");
    expect(book.take("s", "req_1")).toBeUndefined();
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toEqual([]);
  });

  test("an unanswered request expires (and stays held until answered); drop without an id clears the session", async () => {
    const book = new PendingRequests();
    const expired: string[] = [];
    book.add("s", approval, 5, (p) => expired.push(p.request.requestId), 1_000);
    book.add("s", { ...approval, requestId: "req_2" }, 60_000, () => {});
    expect(book.get("s", "req_1")).toMatchObject({ createdAt: 1_000, expiresAt: 1_005 });
    await new Promise((r) => setTimeout(r, 30));
    expect(expired).toEqual(["req_1"]);
    expect(book.get("s", "req_1")).toBeDefined();
    expect(book.drop("s")).toBe(true);
    expect(book.list("s")).toEqual([]);
    expect(book.drop("s")).toBe(false);
  });
});

describe("planSweep", () => {
  const MINUTE = 60_000;
  // The lifecycle defaults, as the configuration declares them (30 min idle, 4 h running, 5 min, 7 days).
  const policy: SessionPolicy = loadConfig({});
  const at = (id: string, patch: Partial<SessionRecord>) =>
    ({ id, status: "idle", lastActivityAt: 0, ...patch }) as SessionRecord;

  test("cancels this server's idle and overlong sessions, forgets old terminal ones, deletes past retention", () => {
    const now = 10 * 24 * 60 * MINUTE;
    const records = [
      at("idle-old", { lastActivityAt: now - policy.idleTtlMs }),
      at("idle-new", { lastActivityAt: now - 1 }),
      at("long", { status: "running", lastActivityAt: now, turnStartedAt: now - policy.runningTtlMs }),
      at("done", { status: "cancelled", lastActivityAt: now - policy.terminalTtlMs }),
      at("ancient", { status: "error", lastActivityAt: 0 }),
      at("theirs", { lastActivityAt: now - policy.idleTtlMs * 2 }),
    ];
    const plan = planSweep(records, { policy, now, persistent: true, isMine: (r) => r.id !== "theirs" });
    expect(plan).toEqual([
      { kind: "cancel", sessionId: "idle-old", reason: "idle for 1800 s" },
      { kind: "cancel", sessionId: "long", reason: "turn ran for 14400 s" },
      { kind: "forget", sessionId: "done", fromDisk: false },
      { kind: "forget", sessionId: "ancient", fromDisk: true },
    ]);
  });
});
