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
 * - **Schema**: `PRAGMA user_version` is the schema version, `PRAGMA application_id` marks the file
 *   as codex-mcp's. Migrations run in order, each in its own transaction ({@link MIGRATIONS}: v1
 *   now; add v2 by appending). A database newer than this code is refused ({@link StoreError}
 *   `STATE_NEWER_SCHEMA`) before anything is written to it.
 * - **Damage**: a file that is not a database, an SQLite file of another program, or one failing
 *   `PRAGMA quick_check` is refused with `STATE_CORRUPT`, naming the file. Nothing here ever
 *   deletes, truncates or recreates a database file.
 *
 * Approvals and their outcomes are events of the log (`approval_request`, `request_answered`,
 * `approval_timeout`) plus the record's `pendingRequestIds`; results are the record's `result`
 * and the pinned `result` event.
 *
 * @module
 */
import { type Database, DatabaseError, type SqlRow, type SqlStatement, type SqlValue } from "../runtime/types.ts";
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
  type TurnRecord,
  type UpdateCondition,
} from "./store.ts";

export { StoreError, type StoreErrorCode } from "../platform/state-error.ts";
import { StoreError } from "../platform/state-error.ts";

/** The variable that moves the state directory (see state-dir.ts). */
const STATE_DIR_VARIABLE = "CODEX_MCP_STATE_DIR";

export { APPLICATION_ID, type Migration, MIGRATIONS, SCHEMA_VERSION } from "./sqlite-schema.ts";
import { APPLICATION_ID, type Migration, MIGRATIONS, TURN_COLUMNS, turnParams } from "./sqlite-schema.ts";
import { SESSION_EVENT_VERSION } from "./session-events.ts";

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

/** How one record field is stored. */
interface Column {
  key: keyof SessionRecord;
  column: string;
  /** `value`: a string or number (undefined ↔ NULL); `nullable`: null ↔ NULL; `json`: JSON text (undefined ↔ NULL). */
  kind: "value" | "nullable" | "json";
}

const COLUMNS: readonly Column[] = [
  { key: "threadId", column: "thread_id", kind: "nullable" },
  { key: "status", column: "status", kind: "value" },
  { key: "backend", column: "backend", kind: "value" },
  { key: "settings", column: "settings", kind: "json" },
  { key: "approvalTimeoutMs", column: "approval_timeout_ms", kind: "value" },
  { key: "createdAt", column: "created_at", kind: "value" },
  { key: "updatedAt", column: "updated_at", kind: "value" },
  { key: "lastActivityAt", column: "last_activity_at", kind: "value" },
  { key: "turnStartedAt", column: "turn_started_at", kind: "value" },
  { key: "turns", column: "turns", kind: "value" },
  { key: "currentTurnId", column: "current_turn_id", kind: "nullable" },
  { key: "phase", column: "phase", kind: "value" },
  { key: "lastItem", column: "last_item", kind: "value" },
  { key: "preview", column: "preview", kind: "value" },
  { key: "result", column: "result", kind: "json" },
  { key: "error", column: "error", kind: "json" },
  { key: "pendingRequestIds", column: "pending_request_ids", kind: "json" },
  { key: "forkedFrom", column: "forked_from", kind: "value" },
  { key: "owner", column: "owner", kind: "json" },
  { key: "interruptedBy", column: "interrupted_by", kind: "value" },
];
const KNOWN_KEYS: ReadonlySet<string> = new Set(["id", ...COLUMNS.map((c) => c.key)]);
const RECORD_COLUMNS = ["id", ...COLUMNS.map((c) => c.column), "extra"];

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

  deleteSession(id: string): boolean {
    const deleted = this.#transaction("delete a session", () => {
      this.#sql.deleteEvents.run(id);
      this.#sql.deleteTurns.run(id);
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

// ---- opening ---------------------------------------------------------------------------------------

/** Checks, switches to WAL and migrates an open database (copying it aside first); returns warnings and the copy. Throws on refusal. */
function prepareDatabase(
  db: Database,
  path: string,
  migrations: readonly Migration[],
  busyTimeoutMs: number,
): { warnings: string[]; backup: string | null } {
  const warnings: string[] = [];
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // The first read of the file: a file that is not a database fails here, with SQLITE_NOTADB.
  const version = pragmaNumber(db, "user_version");
  checkOwnership(db, path, version);
  if (version > latest) throw newerSchema(path, version, latest);
  const problems = db
    .prepare("PRAGMA quick_check(10)")
    .all()
    .map((row) => String(Object.values(row)[0]));
  if (problems.length !== 1 || problems[0] !== "ok") {
    throw new StoreError(
      "STATE_CORRUPT",
      `the state database ${path} is damaged (SQLite's integrity check: ${
        problems.slice(0, 3).join("; ")
      }); it was left as it is`,
      corruptHint(path),
      path,
    );
  }
  const mode = String(Object.values(db.prepare("PRAGMA journal_mode = WAL").get() ?? {})[0] ?? "");
  if (mode.toLowerCase() !== "wal") {
    warnings.push(
      `the state database ${path} could not switch to WAL (journal mode is "${mode}"); it works, but writes are slower and a reader may wait for a writer`,
    );
  }
  db.exec("PRAGMA synchronous = NORMAL");
  const backup = migrate(db, path, migrations);
  if (backup) {
    warnings.push(
      `upgraded the state database ${path} to schema version ${latest}; the file as it was is kept as ${backup}`,
    );
  }
  return { warnings, backup };
}

/** Refuses another program's SQLite file: a foreign application id, or tables at version 0. */
function checkOwnership(db: Database, path: string, version: number): void {
  const applicationId = pragmaNumber(db, "application_id");
  const foreignId = applicationId !== 0 && applicationId !== APPLICATION_ID;
  const hasTables = version === 0 && applicationId === 0 &&
    db.prepare("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 1").get() !== undefined;
  if (!foreignId && !hasTables) return;
  const why = foreignId
    ? `its application id is 0x${(applicationId >>> 0).toString(16)}, not codex-mcp's`
    : "it holds tables but no codex-mcp schema version";
  throw new StoreError(
    "STATE_CORRUPT",
    `${path} is an SQLite database of another program (${why}); codex-mcp did not touch it`,
    `Move that file away, or set ${STATE_DIR_VARIABLE} to a directory of codex-mcp's own.`,
    path,
  );
}

/** Runs the steps above the file's version, each with its version bump in one transaction. */
function migrate(db: Database, path: string, migrations: readonly Migration[]): string | null {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const from = pragmaNumber(db, "user_version");
  const backup = from >= 1 && from < latest ? backUp(db, path, from) : null;
  for (const step of migrations) {
    if (pragmaNumber(db, "user_version") >= step.version) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the lock.
      const now = pragmaNumber(db, "user_version");
      if (now > latest) throw newerSchema(path, now, latest);
      if (now < step.version) {
        if (now !== step.version - 1) {
          throw new Error(`schema step ${step.version} needs version ${step.version - 1}, the file is at ${now}`);
        }
        db.exec(step.sql);
        step.run?.(db);
        db.exec(`PRAGMA user_version = ${step.version}`);
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      }
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // nothing left to roll back
      }
      if (
        error instanceof StoreError || !(error instanceof DatabaseError) || error.code === "SQLITE_BUSY" ||
        error.code === "SQLITE_LOCKED"
      ) throw error;
      throw new StoreError(
        "STATE_MIGRATION_FAILED",
        `could not migrate the state database ${path} to schema version ${step.version} (${error.code}: ${error.message}); rolled back, the file is as it was`,
        `Report this to codex-mcp's maintainers; meanwhile set ${STATE_DIR_VARIABLE} to another directory to start with a fresh state.`,
        path,
        { cause: error },
      );
    }
  }
  return backup;
}

/**
 * Before an upgrade, a consistent copy of the database (WAL content included) at
 * `<path>.bak-v<version>`. A copy left by an earlier attempt is kept as it is: it is the file
 * before any upgrade. Without a copy there is no upgrade.
 */
function backUp(db: Database, path: string, version: number): string {
  const target = `${path}.bak-v${version}`;
  try {
    db.exec(`VACUUM INTO '${target.replaceAll("'", "''")}'`);
  } catch (error) {
    if (/exists/i.test((error as Error).message)) return target;
    throw new StoreError(
      "STATE_WRITE_FAILED",
      `could not copy the state database ${path} to ${target} before upgrading it (${
        (error as Error).message
      }); it was not upgraded`,
      "Free disk space in the state directory, or make it writable; the database is as it was.",
      path,
      { cause: error },
    );
  }
  return target;
}

function pragmaNumber(db: Database, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0] ?? 0);
}

function newerSchema(path: string, version: number, latest: number): StoreError {
  return new StoreError(
    "STATE_NEWER_SCHEMA",
    `the state database ${path} has schema version ${version}, written by a newer codex-mcp; this one understands up to version ${latest} and left the file as it is`,
    `Upgrade codex-mcp, or set ${STATE_DIR_VARIABLE} to another directory to run this version with a state of its own.`,
    path,
  );
}

function corruptHint(path: string): string {
  return `codex-mcp never deletes a state database. Move ${path} (with any -wal and -shm files next to it) aside to start afresh, or set ${STATE_DIR_VARIABLE} to another directory; the SQLite shell's ".recover" may rescue its content.`;
}

/** A {@link DatabaseError} as a {@link StoreError}; other errors (a taken id, a bug) pass through. */
function storeErrorOf(error: unknown, path: string, what: string): unknown {
  if (!(error instanceof DatabaseError)) return error;
  const detail = `${error.code}: ${error.message}`;
  switch (error.code) {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return new StoreError(
        "STATE_CORRUPT",
        `the state database ${path} is not a valid SQLite database (${detail}); it was left as it is`,
        corruptHint(path),
        path,
        { cause: error },
      );
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new StoreError(
        "STATE_BUSY",
        `could not ${what}: another process keeps the state database ${path} locked (${detail})`,
        `Another codex-mcp may be using the same state; give each server its own ${STATE_DIR_VARIABLE} if this persists.`,
        path,
        { cause: error },
      );
    case "SQLITE_UNAVAILABLE":
      return new StoreError(
        "STATE_UNAVAILABLE",
        error.message,
        "Run codex-mcp's own binary, or run it on Node ≥ 22.13, Bun, or Deno ≥ 2.2.",
        path,
        { cause: error },
      );
    case "SQLITE_CANTOPEN":
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "SQLITE_AUTH":
      if (what === "open") {
        return new StoreError(
          "STATE_DIR_UNWRITABLE",
          `cannot open the state database ${path} for writing (${detail})`,
          `Make its directory and file writable by this user, or set ${STATE_DIR_VARIABLE} to a writable directory.`,
          path,
          { cause: error },
        );
      }
    // fall through
    default:
      return new StoreError(
        "STATE_WRITE_FAILED",
        what === "open"
          ? `could not open the state database ${path} (${detail})`
          : `could not ${what} in the state database ${path} (${detail}); the change was rolled back`,
        `Check the disk (space, permissions) under ${path}, or set ${STATE_DIR_VARIABLE} elsewhere.`,
        path,
        { cause: error },
      );
  }
}

// ---- rows ------------------------------------------------------------------------------------------

function prepareStatements(db: Database) {
  const record = RECORD_COLUMNS.join(", ");
  const prepare = (sql: string): SqlStatement => db.prepare(sql);
  return {
    begin: prepare("BEGIN IMMEDIATE"),
    commit: prepare("COMMIT"),
    rollback: prepare("ROLLBACK"),
    sessionExists: prepare("SELECT 1 FROM sessions WHERE id = ?"),
    getSession: prepare(`SELECT ${record} FROM sessions WHERE id = ?`),
    insertSession: prepare(`INSERT INTO sessions (${record}) VALUES (${RECORD_COLUMNS.map(() => "?").join(", ")})`),
    updateSession: prepare(
      `UPDATE sessions SET ${RECORD_COLUMNS.slice(1).map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
    ),
    deleteSession: prepare("DELETE FROM sessions WHERE id = ?"),
    insertTurn: prepare(
      `INSERT INTO turns (session_id, ${TURN_COLUMNS.join(", ")}) VALUES (?${", ?".repeat(TURN_COLUMNS.length)})`,
    ),
    getTurn: prepare(`SELECT ${TURN_COLUMNS.join(", ")} FROM turns WHERE session_id = ? AND idx = ?`),
    updateTurn: prepare(
      `UPDATE turns SET ${TURN_COLUMNS.slice(1).map((c) => `${c} = ?`).join(", ")} WHERE session_id = ? AND idx = ?`,
    ),
    listTurns: prepare(`SELECT ${TURN_COLUMNS.join(", ")} FROM turns WHERE session_id = ? ORDER BY idx`),
    deleteTurns: prepare("DELETE FROM turns WHERE session_id = ?"),
    logState: prepare("SELECT latest_cursor, evicted_events FROM sessions WHERE id = ?"),
    updateLogState: prepare("UPDATE sessions SET latest_cursor = ?, evicted_events = evicted_events + ? WHERE id = ?"),
    loadEvents: prepare("SELECT cursor, at, type, pinned, data FROM events WHERE session_id = ? ORDER BY cursor"),
    upsertEvent: prepare(
      // Every row says which version of the event vocabulary (session-events.ts) wrote it.
      `INSERT INTO events (session_id, cursor, at, type, pinned, data, version) VALUES (?, ?, ?, ?, ?, ?, ${SESSION_EVENT_VERSION}) ` +
        "ON CONFLICT (session_id, cursor) DO UPDATE SET at = excluded.at, type = excluded.type, pinned = excluded.pinned, data = excluded.data, version = excluded.version",
    ),
    deleteEvent: prepare("DELETE FROM events WHERE session_id = ? AND cursor = ?"),
    deleteEvents: prepare("DELETE FROM events WHERE session_id = ?"),
  };
}

/** The values of {@link RECORD_COLUMNS} for `record`. */
function rowParams(record: SessionRecord): SqlValue[] {
  const params: SqlValue[] = [record.id];
  for (const { key, kind } of COLUMNS) {
    const value: unknown = record[key];
    if (kind === "json") params.push(value === undefined ? null : (JSON.stringify(value) as string));
    else if (value === undefined || value === null) params.push(null);
    else if (typeof value === "string" || typeof value === "number") params.push(value);
    else throw new TypeError(`session field ${key} must be a string or a number, got ${typeof value}`);
  }
  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  for (const [key, value] of Object.entries(record)) {
    if (KNOWN_KEYS.has(key) || value === undefined) continue;
    extra[key] = value;
    hasExtra = true;
  }
  params.push(hasExtra ? JSON.stringify(extra) : null);
  return params;
}

function paramsRow(params: readonly SqlValue[]): SqlRow {
  return Object.fromEntries(RECORD_COLUMNS.map((column, i) => [column, params[i] ?? null]));
}

/** A row of `turns` as a fresh {@link TurnRecord}. */
function turnOf(row: SqlRow): TurnRecord {
  const turn: TurnRecord = {
    index: Number(row.idx),
    turnId: (row.turn_id as string | null) ?? null,
    promptPreview: String(row.prompt_preview),
    startedAt: Number(row.started_at),
    status: row.status as TurnRecord["status"],
  };
  if (row.ended_at !== null && row.ended_at !== undefined) turn.endedAt = Number(row.ended_at);
  if (typeof row.result === "string") turn.result = JSON.parse(row.result);
  if (typeof row.error === "string") turn.error = JSON.parse(row.error);
  if (typeof row.usage === "string") turn.usage = JSON.parse(row.usage);
  return turn;
}

/** A row of `sessions` as a fresh {@link SessionRecord}. */
function recordOf(row: SqlRow): SessionRecord {
  const record: Record<string, unknown> = { id: row.id };
  for (const { key, column, kind } of COLUMNS) {
    const value = row[column];
    if (kind === "nullable") record[key] = value ?? null;
    else if (value === null || value === undefined) continue;
    else record[key] = kind === "json" ? JSON.parse(value as string) : value;
  }
  if (typeof row.extra === "string") {
    for (const [key, value] of Object.entries(JSON.parse(row.extra) as Record<string, unknown>)) {
      if (!(key in record)) record[key] = value;
    }
  }
  return record as unknown as SessionRecord;
}
