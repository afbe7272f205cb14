/**
 * The behaviour every {@link SessionStore} must have, as one suite to run against each
 * implementation (memory and SQLite: see sqlite-store.test.ts). A store is made by the given
 * factory; `cleanup` runs after each test.
 *
 * ```ts
 * describeStoreContract("MemorySessionStore", (options) => new MemorySessionStore(options));
 * ```
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { EventLogOptions, SessionEvent } from "../../src/sessions/event-log.ts";
import { SessionNotFoundError, type SessionRecord, type SessionStore } from "../../src/sessions/store.ts";
import { manualClock, reassemble } from "./helpers.ts";

export interface StoreFactoryOptions {
  now?: () => number;
  eventLog?: Omit<EventLogOptions, "now" | "onEvict">;
}

export type StoreFactory = (options: StoreFactoryOptions) => SessionStore;

/** A complete record, as the manager creates them. */
export function record(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
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

/** Events as plain data, for comparisons across stores. */
export function plain(events: readonly SessionEvent[]): unknown[] {
  return events.map((e) => JSON.parse(JSON.stringify(e)));
}

export function describeStoreContract(
  name: string,
  make: StoreFactory,
  cleanup: () => void | Promise<void> = () => {},
): void {
  describe(`${name} (store contract)`, () => {
    const opened: SessionStore[] = [];
    const open = (options: StoreFactoryOptions = {}): SessionStore => {
      const store = make(options);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) {
        try {
          store.close();
        } catch {
          // closed by the test
        }
      }
      await cleanup();
    });

    test("create, get, update, delete", () => {
      const clock = manualClock(5000);
      const store = open({ now: clock.now });
      const created = store.createSession(record("s1"));
      expect(created).toEqual(record("s1"));
      expect(() => store.createSession(record("s1"))).toThrow(/already exists/);
      expect(store.getSession("s1")).toEqual(record("s1"));
      expect(store.getSession("nope")).toBeUndefined();

      const updated = store.updateSession("s1", {
        status: "idle",
        threadId: "th",
        turns: 1,
        result: { turnId: "t", status: "completed", text: "done" },
      });
      expect(updated).toMatchObject({ status: "idle", threadId: "th", turns: 1, updatedAt: 5000, createdAt: 1000 });
      expect(store.getSession("s1")).toEqual(updated!);
      expect(store.getSession("s1")!.result).toEqual({ turnId: "t", status: "completed", text: "done" });
      expect(store.updateSession("s1", { updatedAt: 42 })!.updatedAt).toBe(42);
      expect(store.updateSession("s1", { turnStartedAt: 7 })!.turnStartedAt).toBe(7);
      expect(store.updateSession("s1", { turnStartedAt: undefined })!.turnStartedAt).toBeUndefined();
      expect(store.getSession("s1")!.turnStartedAt).toBeUndefined();
      expect(() => store.updateSession("s1", { id: "s2" })).toThrow(/cannot change/);
      expect(store.updateSession("s1", { id: "s1", phase: "same id is fine" })!.phase).toBe("same id is fine");
      expect(store.updateSession("nope", { status: "idle" })).toBeUndefined();

      expect(store.deleteSession("s1")).toBe(true);
      expect(store.deleteSession("s1")).toBe(false);
      expect(store.getSession("s1")).toBeUndefined();
      expect(store.listSessions()).toEqual([]);
    });

    test("every field of a record survives, optional ones included", () => {
      const store = open();
      const full = record("full", {
        threadId: "thread-1",
        status: "error",
        backend: "exec",
        settings: {
          cwd: "/w",
          model: "m",
          approvalPolicy: "never",
          sandbox: "read-only",
          config: { nested: { a: [1, "two", null] } },
        } as SessionRecord["settings"],
        turnStartedAt: 1234.5,
        turns: 3,
        currentTurnId: "turn-3",
        phase: "running a command",
        lastItem: "$ npm test → exit 0",
        preview: 'ünïcødé 😀 "quoted"\n',
        result: {
          turnId: "turn-2",
          status: "failed",
          text: null,
          structuredOutput: { ok: false, list: [1, 2] },
          structuredOutputError: "bad",
        },
        error: { code: "TURN_FAILED", message: "it broke", hint: "retry" },
        pendingRequestIds: ["r1", "r2"],
        forkedFrom: "s0",
        owner: { pid: 4242, startTime: "12345" },
        interruptedBy: "restart",
      });
      store.createSession(full);
      expect(store.getSession("full")).toEqual(full);
      expect(store.listSessions()).toEqual([full]);
      const cleared = store.updateSession("full", {
        lastItem: undefined,
        result: undefined,
        error: undefined,
        pendingRequestIds: undefined,
        forkedFrom: undefined,
        owner: undefined,
        interruptedBy: undefined,
        updatedAt: 1000,
      });
      const expected: Partial<SessionRecord> = { ...full };
      for (
        const key of [
          "lastItem",
          "result",
          "error",
          "pendingRequestIds",
          "forkedFrom",
          "owner",
          "interruptedBy",
        ] as const
      ) delete expected[key];
      expect(cleared).toEqual(expected as SessionRecord);
      expect(store.getSession("full")).toEqual(expected as SessionRecord);
    });

    test("fields a store does not know are kept", () => {
      const store = open();
      const withExtra = { ...record("x"), futureField: { a: 1 }, anotherOne: "b" } as SessionRecord;
      store.createSession(withExtra);
      expect(store.getSession("x")).toEqual(withExtra);
      expect(store.updateSession("x", { futureField: 2 } as Partial<SessionRecord>)).toMatchObject({
        futureField: 2,
        anotherOne: "b",
      });
    });

    test("records are copies in and out", () => {
      const store = open();
      const input = record("s1");
      store.createSession(input);
      input.settings.cwd = "/changed";
      const out = store.getSession("s1")!;
      expect(out.settings.cwd).toBe("/work");
      out.status = "error";
      out.settings.cwd = "/mutated";
      expect(store.getSession("s1")).toMatchObject({ status: "running", settings: { cwd: "/work" } });
      const patch = { pendingRequestIds: ["r1"] };
      const returned = store.updateSession("s1", patch)!;
      patch.pendingRequestIds.push("r2");
      returned.pendingRequestIds!.push("r3");
      expect(store.getSession("s1")!.pendingRequestIds).toEqual(["r1"]);
      store.listSessions()[0]!.settings.cwd = "/listed";
      expect(store.getSession("s1")!.settings.cwd).toBe("/work");
    });

    test("list: most recently active first, filtered by status and age, limited", () => {
      const store = open();
      store.createSession(record("a", { status: "idle", lastActivityAt: 100 }));
      store.createSession(record("b", { status: "running", lastActivityAt: 300 }));
      store.createSession(record("c", { status: "error", lastActivityAt: 200 }));
      store.createSession(record("d", { status: "idle", lastActivityAt: 400 }));
      // Ties: newer first, then by id.
      store.createSession(record("f", { status: "cancelled", lastActivityAt: 50, createdAt: 10 }));
      store.createSession(record("e", { status: "cancelled", lastActivityAt: 50, createdAt: 10 }));
      store.createSession(record("g", { status: "cancelled", lastActivityAt: 50, createdAt: 20 }));
      const ids = (filter?: Parameters<SessionStore["listSessions"]>[0]) => store.listSessions(filter).map((r) => r.id);
      expect(ids()).toEqual(["d", "b", "c", "a", "g", "e", "f"]);
      expect(ids({ status: "idle" })).toEqual(["d", "a"]);
      expect(ids({ status: ["idle", "error"] })).toEqual(["d", "c", "a"]);
      expect(ids({ activeBefore: 300 })).toEqual(["c", "a", "g", "e", "f"]);
      expect(ids({ activeSince: 300 })).toEqual(["d", "b"]);
      expect(ids({ status: "idle", activeBefore: 300 })).toEqual(["a"]);
      expect(ids({ activeSince: 100, activeBefore: 300 })).toEqual(["c", "a"]);
      expect(ids({ limit: 2 })).toEqual(["d", "b"]);
      expect(ids({ limit: 0 })).toEqual([]);
      expect(ids({ status: [] })).toEqual([]);
      store.updateSession("a", { lastActivityAt: 500 });
      expect(ids({ limit: 1 })).toEqual(["a"]);
    });

    test("events per session; a deleted session's events and waits go with it", async () => {
      const store = open({ eventLog: { softLimit: 3, hardLimit: 6 } });
      store.createSession(record("s1"));
      store.createSession(record("s2"));
      expect(store.appendEvent("s1", "turn_started", { turnId: "t" })).toMatchObject([{
        cursor: 1,
        type: "turn_started",
      }]);
      store.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "a" });
      store.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "b" });
      store.appendEvent("s2", "warning", { message: "other" });
      expect(store.readEvents("s1", 1).events.map((e) => [e.cursor, e.data.delta ?? null])).toEqual([[1, null], [
        2,
        "ab",
      ]]);
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
      expect(store.readEvents("s1", 1).events).toEqual([]);

      const pending = store.waitForEvents("s2", 2, 10_000);
      store.close();
      expect(await pending).toBe(false);
    });

    test("unknown sessions: writes report it, reads throw SessionNotFoundError", async () => {
      const store = open();
      expect(store.updateSession("ghost", { status: "idle" })).toBeUndefined();
      expect(store.deleteSession("ghost")).toBe(false);
      expect(store.appendEvent("ghost", "warning", {})).toEqual([]);
      expect(() => store.readEvents("ghost", 1)).toThrow(SessionNotFoundError);
      expect(() => store.latestCursor("ghost")).toThrow(SessionNotFoundError);
      expect(() => store.eventStats("ghost")).toThrow(SessionNotFoundError);
      expect(await store.waitForEvents("ghost", 1, 10_000)).toBe(false);
    });

    test("a wait wakes on the next append; events carry the clock's time and the pinned flag", async () => {
      const clock = manualClock(10_000);
      const store = open({ now: clock.now });
      store.createSession(record("s"));
      const wait = store.waitForEvents("s", 1, 10_000);
      clock.advance(5);
      store.appendEvent("s", "result", { text: "done" });
      expect(await wait).toBe(true);
      store.appendEvent("s", "warning", { w: 1 }, { pinned: true });
      store.appendEvent("s", "approval_request", { requestId: "r" }, { pinned: false });
      expect(store.readEvents("s", 1).events.map((e) => [e.cursor, e.at, e.type, e.pinned])).toEqual([
        [1, 10_005, "result", true],
        [2, 10_005, "warning", true],
        [3, 10_005, "approval_request", false],
      ]);
      const controller = new AbortController();
      const aborted = store.waitForEvents("s", 4, 10_000, controller.signal);
      controller.abort();
      expect(await aborted).toBe(false);
      expect(await store.waitForEvents("s", 4, 20)).toBe(false);
    });

    test("a delta is merged while unread, never after a read", () => {
      const store = open();
      store.createSession(record("s"));
      store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "one " });
      const merged = store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "two " });
      expect(merged).toMatchObject([{ cursor: 1, data: { delta: "one two " } }]);
      expect(store.readEvents("s", 1).events).toMatchObject([{ cursor: 1, data: { delta: "one two " } }]);
      expect(store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "three" })).toMatchObject([{
        cursor: 2,
        data: { delta: "three" },
      }]);
      expect(store.readEvents("s", 1).events.map((e) => e.data.delta)).toEqual(["one two ", "three"]);
    });

    test("a long field is cut into continuation events, readable in pages", () => {
      const store = open();
      store.createSession(record("s"));
      const output = "line of output\n".repeat(5_000); // ~75 KiB
      const stored = store.appendEvent("s", "command_finished", { itemId: "c", command: "cat big", output });
      expect(stored.length).toBeGreaterThan(4);
      expect(stored.slice(1).every((e) => e.type === "command_finished_continued")).toBe(true);
      const all: SessionEvent[] = [];
      let cursor = 1;
      for (let page = 0; page < 20; page++) {
        const read = store.readEvents("s", cursor, { maxBytes: 32 * 1024 });
        all.push(...read.events);
        cursor = read.nextCursor;
        if (!read.hasMore) break;
      }
      expect(all.length).toBe(stored.length);
      expect(reassemble(all, 1, "output")).toBe(output);
      expect(store.eventStats("s")).toMatchObject({
        firstCursor: 1,
        latestCursor: stored.length,
        size: stored.length,
        evicted: 0,
      });
    });

    test("pinned events outlive ordinary ones; byte bounds evict too", () => {
      const store = open({
        eventLog: { softLimit: 4, hardLimit: 6, softMaxBytes: 1_000_000, hardMaxBytes: 2_000_000 },
      });
      store.createSession(record("s"));
      store.appendEvent("s", "approval_request", { requestId: "r1" });
      for (let i = 0; i < 6; i++) store.appendEvent("s", "warning", { i });
      store.appendEvent("s", "result", { text: "done" });
      const kept = store.readEvents("s", 1).events;
      expect(kept[0]).toMatchObject({ cursor: 1, type: "approval_request", pinned: true });
      expect(kept.map((e) => e.cursor)).toEqual([1, 6, 7, 8]);
      expect(store.eventStats("s")).toMatchObject({ size: 4, evicted: 4, latestCursor: 8 });

      const small = open({ eventLog: { softMaxBytes: 2_000, hardMaxBytes: 4_000 } });
      small.createSession(record("b"));
      for (let i = 0; i < 20; i++) small.appendEvent("b", "warning", { text: "x".repeat(300) });
      const stats = small.eventStats("b");
      expect(stats.bytes).toBeLessThanOrEqual(2_000);
      expect(stats.evicted + stats.size).toBe(20);
      expect(stats.latestCursor).toBe(20);
    });
  });
}
