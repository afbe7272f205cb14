/**
 * The state database's schema, as numbered steps, and the data steps that go with them. The
 * store (sqlite-store.ts) runs them on open, after copying the file aside (`state.db.bak-v<N>`).
 *
 * @module
 */
import type { Database, SqlValue } from "../runtime/types.ts";
import { failure } from "../errors/registry.ts";
import { PROMPT_PREVIEW_CHARS, type TurnRecord } from "./store.ts";

/** `PRAGMA application_id` of codex-mcp's databases: "cxmc". */
export const APPLICATION_ID = 0x63786d63;

/**
 * One schema step: `sql`, then `run` (a data step that needs code), take a database at
 * `version - 1` to `version`, in one transaction with the version bump.
 */
export interface Migration {
  version: number;
  sql: string;
  run?: (db: Database) => void;
}

/**
 * The schema, as steps. Never edit a released step: add the next one (`ALTER TABLE …`, a new
 * table, a data fix) with the next version. Each runs in its own transaction with the version bump.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        thread_id TEXT,
        status TEXT,
        backend TEXT,
        settings TEXT,             -- JSON
        approval_timeout_ms INTEGER,
        created_at INTEGER,        -- epoch ms
        updated_at INTEGER,
        last_activity_at INTEGER,
        turn_started_at INTEGER,
        turns INTEGER,
        current_turn_id TEXT,
        phase TEXT,
        last_item TEXT,
        preview TEXT,
        result TEXT,               -- JSON
        error TEXT,                -- JSON
        pending_request_ids TEXT,  -- JSON
        forked_from TEXT,
        owner TEXT,                -- JSON: the server process running the session
        interrupted_by TEXT,
        extra TEXT,                -- JSON: record fields without a column of their own
        latest_cursor INTEGER NOT NULL DEFAULT 0,   -- highest event cursor ever given out
        evicted_events INTEGER NOT NULL DEFAULT 0   -- events evicted so far
      );
      CREATE INDEX sessions_by_activity ON sessions (last_activity_at DESC, created_at DESC, id);
      CREATE TABLE events (
        session_id TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        pinned INTEGER NOT NULL,   -- 0 or 1
        data TEXT NOT NULL,        -- JSON
        PRIMARY KEY (session_id, cursor)
      );
    `,
  },
  {
    // Turn records: one row per turn. Databases of version 1 get their turns rebuilt from the
    // event log (see backfillTurns).
    version: 2,
    sql: `
      CREATE TABLE turns (
        session_id TEXT NOT NULL,
        idx INTEGER NOT NULL,      -- 1, 2, …: the turn's place in its session
        turn_id TEXT,              -- Codex's, once Codex started the turn
        prompt_preview TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL,      -- running | completed | interrupted | failed
        result TEXT,               -- JSON: text, structuredOutput, structuredOutputError
        error TEXT,                -- JSON: code, message, hint
        usage TEXT,                -- JSON: token usage
        PRIMARY KEY (session_id, idx)
      );
    `,
    run: backfillTurns,
  },
  {
    // The version of the event vocabulary (session-events.ts) each event row was written in;
    // the rows written before there was one are version 1.
    version: 3,
    sql: "ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 1;",
  },
  {
    // MCP Tasks: a handle per call that became a task, naming the turn it stands for.
    version: 4,
    sql: `
      CREATE TABLE tasks (
        task_id TEXT PRIMARY KEY NOT NULL,
        session_id TEXT NOT NULL,
        turn_index INTEGER NOT NULL,
        tool TEXT NOT NULL,
        ask_person INTEGER NOT NULL,   -- 0 or 1
        created_at INTEGER NOT NULL,   -- epoch ms
        updated_at INTEGER NOT NULL,
        result TEXT                    -- JSON: the call's result, once the turn has ended
      );
      CREATE INDEX tasks_by_session ON tasks (session_id);
    `,
  },
];

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Version 1 kept no turns: rebuild them from each session's event log, as well as what is left of
 * it allows (events evicted from a long log are gone, and so are the turns they alone told of).
 * A turn starts at `turn_requested`, learns Codex's id from `turn_started` and its usage from
 * `token_usage`, and ends at its `result`, at `backend_crashed`, or at `interrupted_by_restart`.
 */
function backfillTurns(db: Database): void {
  const insert = db.prepare(
    `INSERT INTO turns (session_id, ${TURN_COLUMNS.join(", ")}) VALUES (?${", ?".repeat(TURN_COLUMNS.length)})`,
  );
  const sessions = db.prepare("SELECT id, status, error FROM sessions").all() as {
    id: string;
    status: string;
    error: string | null;
  }[];
  const events = db.prepare("SELECT at, type, data FROM events WHERE session_id = ? ORDER BY cursor");
  for (const session of sessions) {
    const turns: TurnRecord[] = [];
    const current = (at: number): TurnRecord => {
      const last = turns.at(-1);
      if (last && last.status === "running") return last;
      const turn: TurnRecord = {
        index: turns.length + 1,
        turnId: null,
        promptPreview: "",
        startedAt: at,
        status: "running",
      };
      turns.push(turn);
      return turn;
    };
    for (const row of events.all(session.id) as { at: number; type: string; data: string }[]) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      switch (row.type) {
        case "turn_requested": {
          const turn = current(row.at);
          turn.promptPreview = String(data.prompt ?? "").slice(0, PROMPT_PREVIEW_CHARS);
          turn.startedAt = row.at;
          break;
        }
        case "turn_started":
          current(row.at).turnId = typeof data.turnId === "string" ? data.turnId : null;
          break;
        case "token_usage":
          if (turns.at(-1)?.status === "running") turns.at(-1)!.usage = data.usage as TurnRecord["usage"];
          break;
        case "result": {
          const turn = current(row.at);
          turn.status = data.status === "failed" || data.status === "interrupted" ? data.status : "completed";
          turn.endedAt = row.at;
          turn.result = {
            text: typeof data.text === "string" ? data.text : null,
            ...(data.structuredOutput !== undefined && { structuredOutput: data.structuredOutput }),
            ...(typeof data.structuredOutputError === "string" &&
              { structuredOutputError: data.structuredOutputError }),
          };
          break;
        }
        case "backend_crashed":
          if (turns.at(-1)?.status === "running") {
            Object.assign(turns.at(-1)!, {
              status: "failed",
              endedAt: row.at,
              error: failure("CODEX_CRASHED", String(data.message ?? "Codex crashed")),
            });
          }
          break;
        case "interrupted_by_restart":
          if (turns.at(-1)?.status === "running") {
            Object.assign(turns.at(-1)!, {
              status: "interrupted",
              endedAt: row.at,
              error: failure("INTERRUPTED_BY_RESTART", "codex-mcp stopped while this turn was running"),
            });
          }
          break;
      }
    }
    // The session's own error belongs to its last turn when that turn failed; a turn left open in
    // a session that is no longer running never got its end recorded.
    const last = turns.at(-1);
    const active = ["running", "waiting_approval", "waiting_input"].includes(session.status);
    if (last && last.status === "running" && !active) {
      last.status = session.status === "error" ? "failed" : "interrupted";
    }
    if (last && last.status === "failed" && !last.error && session.error) last.error = JSON.parse(session.error);
    for (const t of turns) insert.run(session.id, ...turnParams(t));
  }
}

/** The columns of `turns` a {@link TurnRecord} fills, in order. */
export const TURN_COLUMNS = [
  "idx",
  "turn_id",
  "prompt_preview",
  "started_at",
  "ended_at",
  "status",
  "result",
  "error",
  "usage",
];

/** A turn as the values of {@link TURN_COLUMNS}. */
export function turnParams(t: TurnRecord): SqlValue[] {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return [
    t.index,
    t.turnId,
    t.promptPreview,
    t.startedAt,
    t.endedAt ?? null,
    t.status,
    json(t.result),
    json(t.error),
    json(t.usage),
  ];
}
