/**
 * Sessions that survive a restart: a {@link SessionStore} on an SQLite file, through the runtime's
 * synchronous {@link Database} handle (node:sqlite under Node, Bun and Deno).
 *
 * How it works, as store.ts asks:
 * - **Records** live in the `sessions` table only (one column per field; settings, result, error,
 *   pending request ids and owner as JSON; fields this schema has no column for in `extra`, so a field
 *   added to {@link SessionRecord} later is kept, not dropped). Every read is a query, so
 *   `listSessions` sees sessions of earlier processes without loading any of their events.
 * - **Events**: each session whose events are touched gets an {@link EventLog} in memory, the hot
 *   copy that merges, chunks, evicts and wakes waiters. It is rebuilt with `EventLog.restore` on
 *   first access (lazily, per session). Every `appendEvent` writes through in ONE transaction: what
 *   `append` returned is upserted by cursor (a merged delta overwrites its row), what the log
 *   evicted is deleted, and the session's `latest_cursor` (cursors are never reused, also after a
 *   restart) and eviction count move on. A failed write rolls back and drops the hot copy, so the
 *   next access reloads exactly what is on disk.
 * - **One transaction per logical change**: create, update, delete, append. `BEGIN IMMEDIATE`, so
 *   a second process on the same file waits (busy timeout) instead of failing half-way.
 * - **Durability**: WAL with `synchronous=NORMAL`. A committed change survives the process being
 *   killed (SIGKILL included: the WAL is in the OS's hands at commit); after a power cut the last
 *   few commits may be lost, never the database's consistency.
 * - **Schema** (sqlite-schema.ts): `PRAGMA user_version` is the schema version, `PRAGMA
 *   application_id` marks the file as codex-mcp's. Opening (sqlite-open.ts) copies an older file to
 *   `state.db.bak-v<N>`, then runs the missing steps in order, each in its own transaction. A
 *   database newer than this code is refused (`STATE_NEWER_SCHEMA`) before anything is written to
 *   it. Rows and statements are in sqlite-rows.ts.
 * - **Damage**: a file that is not a database, an SQLite file of another program, or one failing
 *   `PRAGMA quick_check` is refused with `STATE_CORRUPT`, naming the file. Nothing here ever
 *   deletes, truncates or recreates a database file.
 *
 * Approvals and their outcomes are events of the log (`approval_request`, `request_answered`,
 * `approval_timeout`) plus the record's `pendingRequestIds`; results are the record's `result`
 * and the pinned `result` event. MCP task handles are rows of `tasks`, deleted with their session.
 *
 * It stays one file (past 400 lines) because every method is the same shape around the shared
 * transaction and error mapping; the rows, statements, schema and opening are their own modules.
 *
 * @module
 */
import type { Database, SqlValue } from "../runtime/types.ts";
import {
  type AppendOptions,
  EventLog,
  type EventLogOptions,
  type ReadLimits,
  type ReadResult,
  type SessionEvent,
} from "./event-log.ts";
import {
  type EventLogStats,
  type SessionFilter,
  SessionNotFoundError,
  type SessionRecord,
  type SessionStatus,
  type SessionStore,
  type TaskHandle,
  type TurnRecord,
  type UpdateCondition,
} from "./store.ts";

import { prepareDatabase, storeErrorOf } from "./sqlite-open.ts";
import {
  insertTask,
  paramsRow,
  patchTask,
  prepareStatements,
  RECORD_COLUMNS,
  recordOf,
  rowParams,
  selectTask,
  turnOf,
} from "./sqlite-rows.ts";
import { type Migration, MIGRATIONS, turnParams } from "./sqlite-schema.ts";

export { StoreError, type StoreErrorCode } from "../platform/state-error.ts";
export { APPLICATION_ID, type Migration, MIGRATIONS, SCHEMA_VERSION } from "./sqlite-schema.ts";

export interface SqliteSessionStoreOptions {
  /** The database file. Its directory must exist (see `prepareStateDir`). */
  path: string;
  /** The runtime's `openDatabase`. */
  openDatabase: (path: string) => Database;
  /** Clock for `updatedAt` and event times. Default `Date.now`. */
  now?: () => number;
  /** Bounds and chunking of every session's event log. */
  eventLog?: Omit<EventLogOptions, "now" | "onEvict">;
  /** How long a write waits for another process holding the file. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Schema steps; tests only (to build a database of another version). Default {@link MIGRATIONS}. */
  migrations?: readonly Migration[];
}

/** Thrown inside an append's transaction to roll it back when the session's row is gone. */
const SESSION_GONE = new Error("the session was deleted");

/** A session's hot event log and what the database knows about it. */
interface OpenLog {
  log: EventLog;
  /** Evicted before this process loaded the log (the log counts only its own). */
  evictedBefore: number;
  /** Filled by the log's `onEvict` during one append. */
  evictedNow: SessionEvent[];
}

export class SqliteSessionStore implements SessionStore {
  /** The database file. */
  readonly path: string;
  /** Things worth a log line (e.g. WAL unavailable on this file system). */
  readonly warnings: string[];
  /** The copy made before upgrading the file's schema on this open, if one was made. */
  readonly backup: string | null;
  readonly #db: Database;
  readonly #now: () => number;
  readonly #logOptions: Omit<EventLogOptions, "onEvict">;
  readonly #logs = new Map<string, OpenLog>();
  readonly #sql: ReturnType<typeof prepareStatements>;
  #closed = false;

  private constructor(db: Database, options: SqliteSessionStoreOptions, warnings: string[], backup: string | null) {
    this.backup = backup;
    this.#db = db;
    this.path = options.path;
    this.warnings = warnings;
    this.#now = options.now ?? (() => Date.now());
    this.#logOptions = { ...options.eventLog, now: this.#now };
    this.#sql = prepareStatements(db);
  }

  /**
   * Opens (or creates) the database at `options.path`: checks it is codex-mcp's, not newer than
   * this code, and intact; switches it to WAL; migrates it to {@link SCHEMA_VERSION}. Throws
   * {@link StoreError}; the file is left as it was whenever it is refused.
   */
  static open(options: SqliteSessionStoreOptions): SqliteSessionStore {
    const { path } = options;
    let db: Database;
    try {
      db = options.openDatabase(path);
    } catch (error) {
      throw storeErrorOf(error, path, "open");
    }
    try {
      const { warnings, backup } = prepareDatabase(
        db,
        path,
        options.migrations ?? MIGRATIONS,
        options.busyTimeoutMs ?? 5_000,
      );
      return new SqliteSessionStore(db, options, warnings, backup);
    } catch (error) {
      try {
        db.close();
      } catch {
        // already failing: the first error is the one to report
      }
      throw storeErrorOf(error, path, "open");
    }
  }

  createSession(record: SessionRecord): SessionRecord {
    const params = rowParams(record);
    const stored = this.#transaction("create a session", () => {
      if (this.#sql.sessionExists.get(record.id)) {
        throw new Error(`session ${JSON.stringify(record.id)} already exists`);
      }
      this.#sql.insertSession.run(...params);
      return recordOf(paramsRow(params));
    });
    this.#logs.get(record.id)?.log.close();
    this.#logs.set(record.id, this.#newLog({ events: [], latestCursor: 0 }, 0));
    return stored;
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.#read(() => this.#sql.getSession.get(id));
    return row && recordOf(row);
  }

  listSessions(filter: SessionFilter = {}): SessionRecord[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.status !== undefined) {
      const statuses: readonly SessionStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
      if (statuses.length === 0) return [];
      where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
      params.push(...statuses);
    }
    if (filter.activeBefore !== undefined) {
      where.push("last_activity_at < ?");
      params.push(filter.activeBefore);
    }
    if (filter.activeSince !== undefined) {
      where.push("last_activity_at >= ?");
      params.push(filter.activeSince);
    }
    let sql = `SELECT ${RECORD_COLUMNS.join(", ")} FROM sessions`;
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    sql += " ORDER BY last_activity_at DESC, created_at DESC, id ASC";
    if (filter.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(Math.max(0, Math.floor(filter.limit)));
    }
    return this.#read(() => this.#db.prepare(sql).all(...params)).map(recordOf);
  }

  updateSession(id: string, patch: Partial<SessionRecord>, condition?: UpdateCondition): SessionRecord | undefined {
    if (patch.id !== undefined && patch.id !== id) {
      throw new Error(`a session's id cannot change (${id} → ${patch.id})`);
    }
    // Read, check and write in one write transaction: another server sharing the file waits.
    return this.#transaction("update a session", () => {
      const row = this.#sql.getSession.get(id);
      if (!row) return undefined;
      const current = recordOf(row);
      if (condition?.ifStatus && !condition.ifStatus.includes(current.status)) return undefined;
      const params = rowParams({ ...current, ...patch, id, updatedAt: patch.updatedAt ?? this.#now() });
      this.#sql.updateSession.run(...params.slice(1), id);
      return recordOf(paramsRow(params));
    });
  }

  addTurn(sessionId: string, turn: TurnRecord): boolean {
    return this.#transaction("record a turn", () => {
      if (!this.#sql.sessionExists.get(sessionId)) return false;
      this.#sql.insertTurn.run(sessionId, ...turnParams(turn));
      return true;
    });
  }

  updateTurn(sessionId: string, index: number, patch: Partial<Omit<TurnRecord, "index">>): TurnRecord | undefined {
    return this.#transaction("update a turn", () => {
      const row = this.#sql.getTurn.get(sessionId, index);
      if (!row) return undefined;
      const turn = { ...turnOf(row), ...patch, index };
      this.#sql.updateTurn.run(...turnParams(turn).slice(1), sessionId, index);
      return turn;
    });
  }

  listTurns(sessionId: string): TurnRecord[] {
    return this.#read(() => this.#sql.listTurns.all(sessionId).map(turnOf));
  }

  createTask(task: TaskHandle): boolean {
    return this.#transaction("store a task", () => insertTask(this.#sql, task));
  }

  getTask(taskId: string): TaskHandle | undefined {
    return this.#read(() => selectTask(this.#sql, taskId));
  }

  updateTask(taskId: string, patch: Partial<Pick<TaskHandle, "result" | "updatedAt">>): TaskHandle | undefined {
    return this.#transaction("update a task", () => patchTask(this.#sql, taskId, patch));
  }

  deleteSession(id: string): boolean {
    const deleted = this.#transaction("delete a session", () => {
      this.#sql.deleteEvents.run(id);
      this.#sql.deleteTurns.run(id);
      this.#sql.deleteTasks.run(id);
      return this.#sql.deleteSession.run(id).changes > 0;
    });
    const open = this.#logs.get(id);
    this.#logs.delete(id);
    open?.log.close();
    return deleted;
  }

  appendEvent(id: string, type: string, data: Record<string, unknown>, options?: AppendOptions): SessionEvent[] {
    const open = this.#open(id);
    if (!open) return [];
    try {
      return this.#transaction("store an event", () => {
        open.evictedNow = [];
        const stored = open.log.append(type, data, options);
        const gone = open.evictedNow;
        open.evictedNow = [];
        // No row: another process sharing the file deleted the session. Drop the event, as for any unknown id.
        if (this.#sql.updateLogState.run(open.log.latestCursor, gone.length, id).changes === 0) throw SESSION_GONE;
        const goneCursors = new Set(gone.map((e) => e.cursor));
        for (const event of stored) {
          if (goneCursors.has(event.cursor)) continue; // appended and evicted at once
          this.#sql.upsertEvent.run(
            id,
            event.cursor,
            event.at,
            event.type,
            event.pinned ? 1 : 0,
            JSON.stringify(event.data),
          );
        }
        for (const event of gone) this.#sql.deleteEvent.run(id, event.cursor);
        return stored;
      });
    } catch (error) {
      // The hot copy may hold what the database does not: drop it, the next access reloads.
      if (this.#logs.get(id) === open) this.#logs.delete(id);
      open.log.close();
      if (error === SESSION_GONE) return [];
      throw error;
    }
  }

  readEvents(id: string, fromCursor: number, limits?: ReadLimits): ReadResult {
    return this.#openOrThrow(id).log.read(fromCursor, limits);
  }

  latestCursor(id: string): number {
    return this.#openOrThrow(id).log.latestCursor;
  }

  eventStats(id: string): EventLogStats {
    const { log, evictedBefore } = this.#openOrThrow(id);
    return {
      firstCursor: log.firstCursor,
      latestCursor: log.latestCursor,
      size: log.size,
      bytes: log.bytes,
      evicted: evictedBefore + log.evicted,
    };
  }

  waitForEvents(id: string, afterCursor: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#open(id)?.log.waitForEvents(afterCursor, timeoutMs, signal) ?? Promise.resolve(false);
  }

  /** Drops the session's event log from memory; everything stays in the database. */
  unloadSession(id: string): void {
    this.#logs.get(id)?.log.close();
    this.#logs.delete(id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { log } of this.#logs.values()) log.close();
    this.#logs.clear();
    try {
      this.#db.exec("PRAGMA optimize");
    } catch {
      // only a hint to the query planner
    }
    this.#db.close();
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** The session's hot log, loaded from the database on first access; undefined when there is no such session. */
  #open(id: string): OpenLog | undefined {
    const cached = this.#logs.get(id);
    if (cached) return cached;
    const loaded = this.#read(() => {
      const state = this.#sql.logState.get(id);
      if (!state) return undefined;
      const events = this.#sql.loadEvents.all(id).map(
        (row): SessionEvent => ({
          cursor: row.cursor as number,
          at: row.at as number,
          type: row.type as string,
          pinned: row.pinned === 1,
          data: JSON.parse(row.data as string) as Record<string, unknown>,
        }),
      );
      return { events, latestCursor: state.latest_cursor as number, evicted: state.evicted_events as number };
    });
    if (!loaded) return undefined;
    // Nothing restored is merged into: a reader of the previous process may have seen it.
    const open = this.#newLog({ events: loaded.events, latestCursor: loaded.latestCursor }, loaded.evicted);
    this.#logs.set(id, open);
    return open;
  }

  #openOrThrow(id: string): OpenLog {
    const open = this.#open(id);
    if (!open) throw new SessionNotFoundError(id);
    return open;
  }

  #newLog(snapshot: { events: SessionEvent[]; latestCursor: number }, evictedBefore: number): OpenLog {
    const open: OpenLog = { log: undefined as unknown as EventLog, evictedBefore, evictedNow: [] };
    open.log = EventLog.restore(snapshot, {
      ...this.#logOptions,
      onEvict: (events) => void open.evictedNow.push(...events),
    });
    return open;
  }

  /** Runs `body` in one write transaction; rolls back and throws {@link StoreError} (or `body`'s own error) on failure. */
  #transaction<T>(what: string, body: () => T): T {
    try {
      this.#sql.begin.run();
    } catch (error) {
      throw storeErrorOf(error, this.path, what);
    }
    try {
      const result = body();
      this.#sql.commit.run();
      return result;
    } catch (error) {
      try {
        this.#sql.rollback.run();
      } catch {
        // SQLite may have rolled back already (e.g. after SQLITE_FULL)
      }
      throw storeErrorOf(error, this.path, what);
    }
  }

  #read<T>(body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw storeErrorOf(error, this.path, "read the state");
    }
  }
}
