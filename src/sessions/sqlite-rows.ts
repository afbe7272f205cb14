/**
 * How records and turns map onto rows of the state database, and the prepared statements the
 * store runs. One column per record field (JSON for the structured ones); fields without a column
 * go to `extra`, so a field added to {@link SessionRecord} later is kept, not dropped.
 *
 * @module
 */
import type { Database, SqlRow, SqlStatement, SqlValue } from "../runtime/types.ts";
import { SESSION_EVENT_VERSION } from "./session-events.ts";
import { TURN_COLUMNS } from "./sqlite-schema.ts";
import type { SessionRecord, TaskHandle, TurnRecord } from "./store.ts";

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
export const RECORD_COLUMNS = ["id", ...COLUMNS.map((c) => c.column), "extra"];

export function prepareStatements(db: Database) {
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
    insertTask: prepare(
      "INSERT INTO tasks (task_id, session_id, turn_index, tool, ask_person, created_at, updated_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    getTask: prepare(
      "SELECT task_id, session_id, turn_index, tool, ask_person, created_at, updated_at, result FROM tasks WHERE task_id = ?",
    ),
    updateTask: prepare("UPDATE tasks SET updated_at = ?, result = ? WHERE task_id = ?"),
    deleteTasks: prepare("DELETE FROM tasks WHERE session_id = ?"),
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
export function rowParams(record: SessionRecord): SqlValue[] {
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

export function paramsRow(params: readonly SqlValue[]): SqlRow {
  return Object.fromEntries(RECORD_COLUMNS.map((column, i) => [column, params[i] ?? null]));
}

/** A row of `turns` as a fresh {@link TurnRecord}. */
export function turnOf(row: SqlRow): TurnRecord {
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
export function recordOf(row: SqlRow): SessionRecord {
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

type Statements = ReturnType<typeof prepareStatements>;

/** A `tasks` row as a handle. */
function taskOf(row: SqlRow): TaskHandle {
  return {
    taskId: String(row.task_id),
    sessionId: String(row.session_id),
    turnIndex: Number(row.turn_index),
    tool: String(row.tool),
    askPerson: Number(row.ask_person) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(typeof row.result === "string" && { result: JSON.parse(row.result) as Record<string, unknown> }),
  };
}

/** Stores a task handle; false when its session is gone. Run inside a transaction. */
export function insertTask(sql: Statements, task: TaskHandle): boolean {
  if (!sql.sessionExists.get(task.sessionId)) return false;
  const { taskId, sessionId, turnIndex, tool, askPerson, createdAt, updatedAt, result } = task;
  const json = result === undefined ? null : JSON.stringify(result);
  sql.insertTask.run(taskId, sessionId, turnIndex, tool, askPerson ? 1 : 0, createdAt, updatedAt, json);
  return true;
}

export function selectTask(sql: Statements, taskId: string): TaskHandle | undefined {
  const row = sql.getTask.get(taskId);
  return row ? taskOf(row) : undefined;
}

/** Applies `patch` to a task handle; run inside a transaction. */
export function patchTask(
  sql: Statements,
  taskId: string,
  patch: Partial<Pick<TaskHandle, "result" | "updatedAt">>,
): TaskHandle | undefined {
  const current = selectTask(sql, taskId);
  if (!current) return undefined;
  const task = { ...current, ...patch };
  sql.updateTask.run(task.updatedAt, task.result === undefined ? null : JSON.stringify(task.result), taskId);
  return task;
}
