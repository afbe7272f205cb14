/**
 * The SQLite store: the same contract as the memory store (store-contract.ts, run against both),
 * the same answers as the memory store on a random workload, and what only a database has:
 * reopening, crash safety (SIGKILL mid-stream), schema versions and migrations, refusing damaged,
 * foreign or newer files without touching them, rollback of a failed write, WAL, file modes.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { loadRuntime } from "../../src/runtime/detect.ts";
import { type Database, DatabaseError, type SqlStatement } from "../../src/runtime/types.ts";
import { MemorySessionStore } from "../../src/sessions/memory-store.ts";
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  SqliteSessionStore,
  type SqliteSessionStoreOptions,
  StoreError,
} from "../../src/sessions/sqlite-store.ts";
import { prepareStateDir } from "../../src/platform/state-dir.ts";
import type { SessionStore } from "../../src/sessions/store.ts";
import { manualClock } from "./helpers.ts";
import { describeStoreContract, plain, record } from "./store-contract.ts";
import { SESSION_EVENT_VERSION } from "../../src/sessions/session-events.ts";

const runtime = await loadRuntime();
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "codex-mcp-sqlite-"));
  scratch.push(dir);
  return dir;
}

function tempDb(): string {
  return join(tempDir(), "state.db");
}

function openStore(path: string, options: Partial<SqliteSessionStoreOptions> = {}): SqliteSessionStore {
  return SqliteSessionStore.open({ path, openDatabase: runtime.openDatabase, ...options });
}

/** Raw SQL on a file, outside the store. */
function withDb<T>(path: string, body: (db: Database) => T): T {
  const db = runtime.openDatabase(path);
  try {
    return body(db);
  } finally {
    db.close();
  }
}

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw new Error(`expected a StoreError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected a StoreError, nothing was thrown");
}

describeStoreContract("MemorySessionStore", (options) => new MemorySessionStore(options));
describeStoreContract("SqliteSessionStore", (options) => openStore(tempDb(), options));

describe("SqliteSessionStore answers like the memory store", () => {
  test("a random workload of sessions, deltas, long fields, reads, evictions and deletions", () => {
    // A small seeded generator: the same run every time.
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const clock = manualClock();
    const eventLog = { softLimit: 40, hardLimit: 60, softMaxBytes: 200_000, hardMaxBytes: 300_000, chunkBytes: 2048 };
    const memory = new MemorySessionStore({ now: clock.now, eventLog });
    const sqlite = openStore(tempDb(), { now: clock.now, eventLog });
    const stores: SessionStore[] = [memory, sqlite];
    const ids = ["a", "b", "c", "d"];
    const both = (op: (s: SessionStore) => unknown): void => {
      const results = stores.map((s) => {
        try {
          return { value: JSON.parse(JSON.stringify(op(s) ?? null)) as unknown };
        } catch (error) {
          return { error: (error as Error).name + ": " + (error as Error).message };
        }
      });
      expect(results[1]).toEqual(results[0]!);
    };
    for (let step = 0; step < 3_000; step++) {
      clock.advance(Math.floor(random() * 3));
      const id = pick(ids);
      const roll = random();
      // Draw every random value before the operation, which runs once per store.
      const [r1, r2, r3] = [random(), random(), random()];
      const deltaType = pick(["agent_message_delta", "reasoning_delta", "command_output_delta"]);
      const status = pick(["idle", "running", "error"] as const);
      const otherType = pick(["warning", "result", "approval_request", "item_completed"]);
      const listStatus = pick([undefined, "idle", ["running", "error"]] as const);
      if (roll < 0.04) both((s) => s.createSession(record(id, { lastActivityAt: clock.now() })));
      else if (roll < 0.06) both((s) => s.deleteSession(id));
      else if (roll < 0.12) both((s) => s.updateSession(id, { status, lastActivityAt: clock.now(), turns: step }));
      else if (roll < 0.5) {
        both((s) =>
          s.appendEvent(id, deltaType, {
            itemId: `i${Math.floor(step / 40)}`,
            delta: "δ".repeat(1 + Math.floor(r1 * 300)),
          })
        );
      } else if (roll < 0.55) {
        both((s) =>
          s.appendEvent(id, "command_finished", { itemId: `c${step}`, output: "out\n".repeat(Math.floor(r1 * 3_000)) })
        );
      } else if (roll < 0.65) both((s) => s.appendEvent(id, otherType, { step }));
      else if (roll < 0.85) {
        both((s) =>
          s.readEvents(id, Math.floor(r1 * 400) - 5, {
            maxEvents: 1 + Math.floor(r2 * 30),
            maxBytes: 32 * 1024 + Math.floor(r3 * 40_000),
          })
        );
      } else if (roll < 0.9) both((s) => s.eventStats(id));
      else if (roll < 0.95) both((s) => s.latestCursor(id));
      else both((s) => s.listSessions({ limit: 1 + Math.floor(r1 * 4), status: listStatus }));
    }
    both((s) => s.listSessions());
    for (const s of stores) s.close();
  });
});

describe("SqliteSessionStore on disk", () => {
  test("a second store on the same file sees sessions, events, results; cursors continue", () => {
    const path = tempDb();
    // 16 KiB pieces (the 0.1 default): the test counts them.
    const eventLog = { softLimit: 5, hardLimit: 8, chunkBytes: 16 * 1024 };
    const first = openStore(path, { eventLog });
    first.createSession(record("s1", { lastActivityAt: 10 }));
    first.createSession(record("s2", { lastActivityAt: 20 }));
    first.appendEvent("s1", "turn_started", { turnId: "t1" });
    first.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "Hel" });
    first.appendEvent("s1", "agent_message_delta", { itemId: "m", delta: "lo" }); // merged into cursor 2
    const long = first.appendEvent("s1", "command_finished", { itemId: "c", output: "y".repeat(40_000) });
    expect(long.length).toBe(3);
    for (let i = 0; i < 4; i++) first.appendEvent("s1", "warning", { i }); // evicts the oldest
    first.appendEvent("s1", "result", { turnId: "t1", text: "Hello" });
    first.updateSession("s1", {
      status: "idle",
      threadId: "th-1",
      result: { turnId: "t1", status: "completed", text: "Hello", structuredOutput: { ok: true } },
      lastActivityAt: 30,
    });
    const before = {
      events: plain(first.readEvents("s1", 0).events),
      stats: first.eventStats("s1"),
      s2: first.latestCursor("s2"),
      records: first.listSessions(),
    };
    first.close();

    const second = openStore(path, { eventLog });
    expect(second.listSessions()).toEqual(before.records);
    expect(second.getSession("s1")).toMatchObject({
      status: "idle",
      threadId: "th-1",
      result: { text: "Hello", structuredOutput: { ok: true } },
    });
    expect(plain(second.readEvents("s1", 0).events)).toEqual(before.events);
    expect(second.eventStats("s1")).toEqual(before.stats);
    expect(before.stats).toMatchObject({ latestCursor: 10, evicted: 5 });
    expect(second.latestCursor("s2")).toBe(0);
    // Cursors continue; a delta is not merged into an event of the previous life (a reader may have seen it).
    expect(second.appendEvent("s1", "agent_message_delta", { itemId: "m2", delta: "a" })).toMatchObject([{
      cursor: 11,
    }]);
    second.close();

    // Even when the newest events were evicted (a tiny byte bound), the next cursor is never reused.
    const third = openStore(path, {
      eventLog: { softLimit: 5, hardLimit: 8, softMaxBytes: 10, hardMaxBytes: 100_000 },
    });
    third.appendEvent("s1", "warning", { big: "z".repeat(100) });
    const stats = third.eventStats("s1");
    expect(stats.latestCursor).toBe(12);
    third.close();
    const fourth = openStore(path);
    expect(fourth.latestCursor("s1")).toBe(12);
    expect(fourth.appendEvent("s1", "warning", {})).toMatchObject([{ cursor: 13 }]);
    expect(fourth.eventStats("s1").evicted).toBe(stats.evicted);
    fourth.close();
  });

  test("what is in the tables: merged deltas overwrite their row, evicted rows are deleted, a deleted session leaves nothing", () => {
    const path = tempDb();
    const store = openStore(path, { eventLog: { softLimit: 3, hardLimit: 6 } });
    store.createSession(record("s"));
    store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "a" });
    store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "b" });
    const rows = () =>
      withDb(
        path,
        (db) =>
          db.prepare("SELECT cursor, type, pinned, data FROM events WHERE session_id = ? ORDER BY cursor").all("s"),
      );
    expect(rows()).toEqual([{
      cursor: 1,
      type: "agent_message_delta",
      pinned: 0,
      data: JSON.stringify({ itemId: "m", delta: "ab" }),
    }]);
    store.appendEvent("s", "result", { text: "r" });
    for (let i = 0; i < 4; i++) store.appendEvent("s", "warning", { i });
    expect(rows().map((r) => [r.cursor, r.pinned])).toEqual([[2, 1], [5, 0], [6, 0]]);
    expect(withDb(path, (db) => db.prepare("SELECT latest_cursor, evicted_events FROM sessions WHERE id = 's'").get()))
      .toEqual({ latest_cursor: 6, evicted_events: 3 });
    store.deleteSession("s");
    expect(rows()).toEqual([]);
    expect(withDb(path, (db) => db.prepare("SELECT count(*) AS n FROM sessions").get())).toEqual({ n: 0 });
    store.close();
  });

  test("listing and getting sessions of an earlier process reads no events", () => {
    const path = tempDb();
    const first = openStore(path);
    for (const id of ["a", "b", "c"]) {
      first.createSession(record(id));
      for (let i = 0; i < 50; i++) first.appendEvent(id, "warning", { i });
    }
    first.close();

    const eventQueries: string[] = [];
    const spying = (file: string): Database => {
      const db = runtime.openDatabase(file);
      return {
        ...db,
        exec: (sql) => db.exec(sql),
        close: () => db.close(),
        prepare(sql) {
          const statement = db.prepare(sql);
          const note = () => void (/\bFROM events\b/i.test(sql) && eventQueries.push(sql));
          return {
            run: (...p) => statement.run(...p),
            get: (...p) => (note(), statement.get(...p)),
            all: (...p) => (note(), statement.all(...p)),
          } satisfies SqlStatement;
        },
      };
    };
    const second = openStore(path, { openDatabase: spying });
    expect(second.listSessions().map((r) => r.id).sort()).toEqual(["a", "b", "c"]);
    expect(second.listSessions({ status: "running", limit: 2 })).toHaveLength(2);
    expect(second.getSession("b")).toMatchObject({ id: "b" });
    second.updateSession("b", { status: "idle" });
    expect(eventQueries).toEqual([]);
    expect(second.readEvents("b", 1).events).toHaveLength(50);
    expect(eventQueries).toHaveLength(1); // b's log, loaded once
    second.readEvents("b", 1);
    second.latestCursor("b");
    expect(eventQueries).toHaveLength(1);
    second.close();
  });

  test("a failed write rolls back the whole append and the store reloads what is on disk", () => {
    const path = tempDb();
    let failEventInserts = false;
    const flaky = (file: string): Database => {
      const db = runtime.openDatabase(file);
      return {
        path: db.path,
        exec: (sql) => db.exec(sql),
        close: () => db.close(),
        prepare(sql) {
          const statement = db.prepare(sql);
          return {
            ...statement,
            run(...params) {
              // Fail the third event row of an append: the first two went in before the failure.
              if (failEventInserts && sql.startsWith("INSERT INTO events") && params[1] === 4) {
                throw new DatabaseError("SQLITE_FULL", 13, "database or disk is full");
              }
              return statement.run(...params);
            },
            get: (...p) => statement.get(...p),
            all: (...p) => statement.all(...p),
          };
        },
      };
    };
    const store = openStore(path, { openDatabase: flaky });
    store.createSession(record("s"));
    store.appendEvent("s", "warning", { first: true });
    const waiting = store.waitForEvents("s", 2, 10_000);
    failEventInserts = true;
    const error = storeError(() =>
      store.appendEvent("s", "command_finished", { itemId: "c", output: "w".repeat(60_000) })
    );
    expect(error).toMatchObject({ code: "STATE_WRITE_FAILED", path });
    expect(error.message).toContain("SQLITE_FULL");
    expect(error.message).toContain("rolled back");
    failEventInserts = false;
    // Nothing of the failed append is anywhere: not in memory, not on disk.
    expect(store.latestCursor("s")).toBe(1);
    expect(store.readEvents("s", 1).events.map((e) => e.cursor)).toEqual([1]);
    expect(withDb(path, (db) => db.prepare("SELECT count(*) AS n, max(cursor) AS m FROM events").get())).toEqual({
      n: 1,
      m: 1,
    });
    expect(withDb(path, (db) => db.prepare("SELECT latest_cursor FROM sessions").get())).toEqual({ latest_cursor: 1 });
    void waiting; // settled one way or the other; the log it waited on was replaced
    // The store goes on from what is on disk.
    expect(store.appendEvent("s", "warning", { after: true })).toMatchObject([{ cursor: 2 }]);
    store.close();
    const reopened = openStore(path);
    expect(reopened.readEvents("s", 1).events.map((e) => e.data)).toEqual([{ first: true }, { after: true }]);
    reopened.close();
  });

  test("SIGKILL while events stream: the database opens cleanly and holds every event reported written", async () => {
    const path = tempDb();
    const child = spawn(process.execPath, [join(import.meta.dir, "sqlite-kill-writer.ts"), path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => void (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal }))
    );
    /** The newest reported version of each event, by session and cursor. */
    const reported = new Map<string, Map<number, { type: string; data: Record<string, unknown> }>>();
    let appends = 0;
    let sawReady = false;
    const lines = createInterface({ input: child.stdout });
    const killed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the writer reported only ${appends} appends in 20 s; stderr: ${stderr}`)),
        20_000,
      );
      lines.on("line", (line) => {
        if (line === "ready") return void (sawReady = true);
        let parsed: { s: string; e: [number, string, Record<string, unknown>][] };
        try {
          parsed = JSON.parse(line);
        } catch {
          return; // the last line may be cut by the kill
        }
        const events = reported.get(parsed.s) ?? new Map();
        reported.set(parsed.s, events);
        for (const [cursor, type, data] of parsed.e) events.set(cursor, { type, data });
        if (++appends === 4_000) {
          child.kill("SIGKILL"); // while it is writing
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await killed;
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(sawReady).toBe(true);

    const store = openStore(path); // runs quick_check: a damaged file would throw STATE_CORRUPT
    let checked = 0;
    for (const [id, events] of reported) {
      const stored = new Map(
        store.readEvents(id, 1, { maxEvents: 1e9, maxBytes: 1e12 }).events.map((e) => [e.cursor, e]),
      );
      // Atomic appends: the log's latest cursor is exactly its newest row (no eviction in the writer).
      expect(store.latestCursor(id)).toBe(Math.max(0, ...stored.keys()));
      for (const [cursor, { type, data }] of events) {
        const event = stored.get(cursor);
        expect(event?.type).toBe(type);
        if (typeof data.delta === "string") {
          // A delta may have grown by merges committed after the last report, never shrunk.
          const { delta, ...rest } = event!.data;
          expect(rest).toEqual({ ...data, delta: undefined });
          expect(typeof delta === "string" && delta.startsWith(data.delta)).toBe(true);
        } else {
          expect(event!.data).toEqual(data);
        }
        checked++;
      }
      // Every long field is whole: its continuations were committed with it.
      for (const event of stored.values()) {
        if (event.data.outputTruncated !== true) continue;
        const parts = [...stored.values()].filter((e) =>
          e.type === "command_finished_continued" && e.data.of === event.cursor
        );
        expect(parts.at(-1)?.data.last).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(4_000);
    store.close();
  }, 40_000);

  test("WAL, synchronous=NORMAL, schema version and application id are set", () => {
    const path = tempDb();
    const store = openStore(path);
    store.createSession(record("s"));
    expect(existsSync(`${path}-wal`)).toBe(true);
    withDb(path, (db) => {
      expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
      expect(db.prepare("PRAGMA application_id").get()).toEqual({ application_id: 0x63786d63 });
    });
    store.close();
    expect(SCHEMA_VERSION).toBe(4);
  });

  test("migrations: a next step upgrades the file in place after copying it aside; a failing step changes nothing; older code refuses the newer file", () => {
    const path = tempDb();
    const next = SCHEMA_VERSION + 1;
    const current = openStore(path);
    current.createSession(record("old"));
    current.appendEvent("old", "result", { text: "kept" });
    current.close();
    const before = readFileSync(path);

    const broken = [...MIGRATIONS, {
      version: next,
      sql: "ALTER TABLE sessions ADD COLUMN note TEXT; ALTER TABLE no_such_table ADD COLUMN x TEXT;",
    }];
    const failed = storeError(() => openStore(path, { migrations: broken }));
    expect(failed.code).toBe("STATE_MIGRATION_FAILED");
    expect(failed.message).toContain(`schema version ${next}`);
    expect(failed.message).toContain("no_such_table");
    expect(readFileSync(path).equals(before)).toBe(true);
    withDb(path, (db) => {
      expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
      expect(db.prepare("SELECT name FROM pragma_table_info('sessions') WHERE name = 'note'").all()).toEqual([]);
    });

    const nextSteps = [...MIGRATIONS, {
      version: next,
      sql:
        "ALTER TABLE sessions ADD COLUMN note TEXT; CREATE TABLE approvals (session_id TEXT, request_id TEXT, outcome TEXT);",
    }];
    const upgraded = openStore(path, { migrations: nextSteps });
    expect(upgraded.backup).toBe(`${path}.bak-v${SCHEMA_VERSION}`);
    expect(upgraded.warnings.join("\n")).toContain(`.bak-v${SCHEMA_VERSION}`);
    expect(upgraded.getSession("old")).toEqual(record("old"));
    expect(upgraded.readEvents("old", 1).events).toMatchObject([{ type: "result", data: { text: "kept" } }]);
    upgraded.close();
    withDb(path, (db) => expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: next }));
    // The copy is the database as it was: the old version, the same session.
    withDb(`${path}.bak-v${SCHEMA_VERSION}`, (db) => {
      expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
      expect(db.prepare("SELECT id FROM sessions").all()).toEqual([{ id: "old" }]);
    });
    // Opening again at the new version runs nothing and copies nothing.
    const again = openStore(path, { migrations: nextSteps });
    expect(again.backup).toBeNull();
    again.close();

    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_NEWER_SCHEMA");
  });

  test("turns: added, updated and listed in order; deleted with their session", () => {
    const path = tempDb();
    const store = openStore(path);
    store.createSession(record("t"));
    expect(store.addTurn("t", { index: 1, turnId: null, promptPreview: "one", startedAt: 1, status: "running" })).toBe(
      true,
    );
    store.addTurn("t", { index: 2, turnId: "turn-b", promptPreview: "two", startedAt: 2, status: "running" });
    expect(store.updateTurn("t", 1, { turnId: "turn-a", status: "completed", endedAt: 5, result: { text: "done" } }))
      .toMatchObject({ index: 1, turnId: "turn-a", status: "completed" });
    expect(store.updateTurn("t", 9, { status: "failed" })).toBeUndefined();
    expect(store.addTurn("gone", { index: 1, turnId: null, promptPreview: "", startedAt: 1, status: "running" })).toBe(
      false,
    );
    store.close();
    const reopened = openStore(path);
    expect(reopened.listTurns("t")).toEqual([
      {
        index: 1,
        turnId: "turn-a",
        promptPreview: "one",
        startedAt: 1,
        endedAt: 5,
        status: "completed",
        result: { text: "done" },
      },
      { index: 2, turnId: "turn-b", promptPreview: "two", startedAt: 2, status: "running" },
    ]);
    reopened.deleteSession("t");
    expect(reopened.listTurns("t")).toEqual([]);
    reopened.close();
  });

  test("every event row carries the version of the event vocabulary that wrote it", () => {
    const path = tempDb();
    const store = openStore(path);
    store.createSession(record("v"));
    store.appendEvent("v", "agent_message", { itemId: "i", text: "hi" });
    store.close();
    withDb(path, (db) => {
      expect(db.prepare("SELECT type, version FROM events").all()).toEqual([
        { type: "agent_message", version: SESSION_EVENT_VERSION },
      ]);
    });
  });

  test("a newer schema is refused with a clear error, and the file is not touched", () => {
    const path = tempDb();
    const store = openStore(path);
    store.createSession(record("s"));
    store.close();
    withDb(path, (db) => db.exec("PRAGMA user_version = 7"));
    const bytes = readFileSync(path);
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_NEWER_SCHEMA");
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain("schema version 7");
    expect(error.message).toContain(`up to version ${SCHEMA_VERSION}`);
    expect(error.hint).toMatch(/Upgrade codex-mcp/);
    expect(error.hint).toContain("CODEX_MCP_STATE_DIR");
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  test("a file that is not a database: STATE_CORRUPT naming it, and it stays byte for byte", () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(path, garbage);
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_CORRUPT");
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain("left as it is");
    expect(error.hint).toContain("never deletes");
    expect(readFileSync(path).equals(garbage)).toBe(true);
    expect(readdirSync(dir)).toEqual(["state.db"]); // no journal or WAL files left either
    // A text file too (a user's typo in the path, say).
    writeFileSync(path, "not a database\n".repeat(200));
    expect(storeError(() => openStore(path)).code).toBe("STATE_CORRUPT");
    expect(readFileSync(path, "utf8")).toBe("not a database\n".repeat(200));
  });

  test("a damaged database (valid header, broken pages): STATE_CORRUPT, untouched", () => {
    const path = tempDb();
    const store = openStore(path);
    for (let s = 0; s < 20; s++) {
      store.createSession(record(`s${s}`));
      for (let i = 0; i < 30; i++) store.appendEvent(`s${s}`, "warning", { text: `event ${i} of ${s} `.repeat(20) });
    }
    store.close();
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    expect(bytes.length / pageSize).toBeGreaterThan(10);
    // Scribble over pages 3 and 4 (b-tree pages of the tables).
    for (let i = 2 * pageSize; i < 4 * pageSize; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(path, bytes);
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_CORRUPT");
    expect(error.message).toContain(path);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  test("another program's SQLite file is refused, untouched", () => {
    const path = tempDb();
    withDb(path, (db) => db.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')"));
    const bytes = readFileSync(path);
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_CORRUPT");
    expect(error.message).toContain("another program");
    expect(readFileSync(path).equals(bytes)).toBe(true);

    const other = tempDb();
    withDb(other, (db) => db.exec("PRAGMA application_id = 1234"));
    expect(storeError(() => openStore(other)).message).toContain("application id is 0x4d2");
  });

  test("a directory that is gone: STATE_DIR_UNWRITABLE naming the file", () => {
    const path = join(tempDir(), "missing", "state.db");
    const error = storeError(() => openStore(path));
    expect(error.code).toBe("STATE_DIR_UNWRITABLE");
    expect(error.message).toContain(path);
  });

  test("two stores on one file (two servers sharing a state directory) see each other's sessions", () => {
    const path = tempDb();
    const a = openStore(path);
    const b = openStore(path);
    a.createSession(record("from-a"));
    expect(b.getSession("from-a")).toMatchObject({ id: "from-a" });
    b.updateSession("from-a", { status: "idle" });
    expect(a.getSession("from-a")!.status).toBe("idle");
    // Event logs are per process: a deletion by the other one makes appends report the session gone.
    a.appendEvent("from-a", "warning", { n: 1 });
    expect(b.deleteSession("from-a")).toBe(true);
    expect(a.appendEvent("from-a", "warning", { n: 2 })).toEqual([]);
    expect(() => a.readEvents("from-a", 1)).toThrow(/no session/);
    expect(withDb(a.path, (db) => db.prepare("SELECT count(*) AS n FROM events").get())).toEqual({ n: 0 });
    a.close();
    b.close();
  });

  test("files: state dir 0700, database, -wal and -shm 0600", async () => {
    const root = tempDir();
    const prepared = await prepareStateDir({
      env: { CODEX_MCP_STATE_DIR: join(root, "state") },
      platform: runtime.platform,
      cwd: root,
      fs: runtime.fs,
    });
    const store = openStore(prepared.databasePath);
    store.createSession(record("s"));
    store.appendEvent("s", "warning", {});
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(prepared.path)).toBe(0o700);
    expect(mode(prepared.databasePath)).toBe(0o600);
    expect(mode(`${prepared.databasePath}-wal`)).toBe(0o600);
    expect(mode(`${prepared.databasePath}-shm`)).toBe(0o600);
    store.close();
  });
});
