/** The in-memory store: records in and out as copies, filters, events per session, deletion. */
import { describe, expect, test } from "bun:test";
import { MemorySessionStore } from "../../src/sessions/memory-store.ts";
import { SessionNotFoundError, type SessionRecord } from "../../src/sessions/store.ts";
import { manualClock } from "./helpers.ts";

function record(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    threadId: null,
    status: "running",
    backend: "app-server",
    settings: { cwd: "/work", approvalPolicy: "on-request", sandbox: "workspace-write" },
    approvalTimeoutMs: 60_000,
    createdAt: 1000,
    updatedAt: 1000,
    lastActivityAt: 1000,
    turns: 0,
    currentTurnId: null,
    phase: "starting Codex",
    preview: `prompt of ${id}`,
    ...overrides,
  };
}

describe("MemorySessionStore", () => {
  test("create, get, update, delete", () => {
    const clock = manualClock(5000);
    const store = new MemorySessionStore({ now: clock.now });
    const created = store.createSession(record("s1"));
    expect(created).toEqual(record("s1"));
    expect(() => store.createSession(record("s1"))).toThrow(/already exists/);
    expect(store.getSession("nope")).toBeUndefined();

    const updated = store.updateSession("s1", { status: "idle", threadId: "th", turns: 1, result: { turnId: "t", status: "completed", text: "done" } });
    expect(updated).toMatchObject({ status: "idle", threadId: "th", turns: 1, updatedAt: 5000, createdAt: 1000 });
    expect(store.getSession("s1")!.result).toEqual({ turnId: "t", status: "completed", text: "done" });
    expect(store.updateSession("s1", { updatedAt: 42 })!.updatedAt).toBe(42);
    expect(store.updateSession("s1", { turnStartedAt: 7 })!.turnStartedAt).toBe(7);
    expect(store.updateSession("s1", { turnStartedAt: undefined })!.turnStartedAt).toBeUndefined();
    expect(() => store.updateSession("s1", { id: "s2" })).toThrow(/cannot change/);
    expect(store.updateSession("nope", { status: "idle" })).toBeUndefined();

    expect(store.deleteSession("s1")).toBe(true);
    expect(store.deleteSession("s1")).toBe(false);
    expect(store.getSession("s1")).toBeUndefined();
  });

  test("records are copies in and out", () => {
    const store = new MemorySessionStore();
    const input = record("s1");
    store.createSession(input);
    input.settings.cwd = "/changed";
    const out = store.getSession("s1")!;
    expect(out.settings.cwd).toBe("/work");
    out.status = "error";
    out.settings.cwd = "/mutated";
    expect(store.getSession("s1")).toMatchObject({ status: "running", settings: { cwd: "/work" } });
    const patch = { pendingRequestIds: ["r1"] };
    store.updateSession("s1", patch);
    patch.pendingRequestIds.push("r2");
    expect(store.getSession("s1")!.pendingRequestIds).toEqual(["r1"]);
  });

  test("list: most recently active first, filtered by status and age, limited", () => {
    const store = new MemorySessionStore();
    store.createSession(record("a", { status: "idle", lastActivityAt: 100 }));
    store.createSession(record("b", { status: "running", lastActivityAt: 300 }));
    store.createSession(record("c", { status: "error", lastActivityAt: 200 }));
    store.createSession(record("d", { status: "idle", lastActivityAt: 400 }));
    const ids = (filter?: Parameters<MemorySessionStore["listSessions"]>[0]) => store.listSessions(filter).map((r) => r.id);
    expect(ids()).toEqual(["d", "b", "c", "a"]);
    expect(ids({ status: "idle" })).toEqual(["d", "a"]);
    expect(ids({ status: ["idle", "error"] })).toEqual(["d", "c", "a"]);
    expect(ids({ activeBefore: 300 })).toEqual(["c", "a"]);
    expect(ids({ activeSince: 300 })).toEqual(["d", "b"]);
    expect(ids({ status: "idle", activeBefore: 300 })).toEqual(["a"]);
    expect(ids({ limit: 2 })).toEqual(["d", "b"]);
    expect(ids({ status: [] })).toEqual([]);
  });

  test("events per session; a deleted session's events and waits go with it", async () => {
    const store = new MemorySessionStore({ eventLog: { softLimit: 3, hardLimit: 6 } });
    store.createSession(record("s1"));
    store.createSession(record("s2"));
    expect(store.appendEvent("s1", "turn_started", { turnId: "t" })).toMatchObject([{ cursor: 1, type: "turn_started" }]);
    store.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "a" });
    store.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "b" });
    store.appendEvent("s2", "warning", { message: "other" });
    expect(store.readEvents("s1", 1).events.map((e) => [e.cursor, e.data.delta ?? null])).toEqual([[1, null], [2, "ab"]]);
    expect(store.latestCursor("s1")).toBe(2);
    expect(store.latestCursor("s2")).toBe(1);
    for (let i = 0; i < 5; i++) store.appendEvent("s1", "warning", { i });
    expect(store.eventStats("s1")).toMatchObject({ firstCursor: 5, latestCursor: 7, size: 3, evicted: 4 });
    expect(store.readEvents("s1", 1)).toMatchObject({ cursorResetTo: 5, missedEvents: 4 });

    expect(await store.waitForEvents("s1", 1, 1000)).toBe(true);
    const waiting = store.waitForEvents("s1", 8, 10_000);
    store.deleteSession("s1");
    expect(await waiting).toBe(false);

    expect(store.appendEvent("s1", "warning", {})).toEqual([]);
    expect(() => store.readEvents("s1", 1)).toThrow(SessionNotFoundError);
    expect(() => store.latestCursor("s1")).toThrow(SessionNotFoundError);
    expect(() => store.eventStats("s1")).toThrow(SessionNotFoundError);
    expect(await store.waitForEvents("s1", 1, 10_000)).toBe(false);

    store.createSession(record("s1"));
    expect(store.latestCursor("s1")).toBe(0); // a new session of the same id starts a new log

    const pending = store.waitForEvents("s2", 2, 10_000);
    store.close();
    expect(await pending).toBe(false);
    expect(store.listSessions()).toEqual([]);
  });

  test("SessionNotFoundError carries the code and id", () => {
    const error = new SessionNotFoundError("x");
    expect(error).toMatchObject({ code: "SESSION_NOT_FOUND", sessionId: "x", name: "SessionNotFoundError" });
    expect(error.message).toContain('"x"');
  });
});
