/**
 * Where sessions live: their records and their event logs. The manager talks only to this
 * interface, so sessions can move from memory (`memory-store.ts`) to SQLite (sessions that
 * survive a restart) without touching it.
 *
 * Every method but {@link SessionStore.waitForEvents} is synchronous on purpose: the SQLite store
 * sits on a synchronous driver (node:sqlite's DatabaseSync, bun:sqlite, Deno's node:sqlite), and a
 * synchronous store keeps append-then-read ordering trivial for the manager. The SQLite store is
 * expected to keep an `EventLog` (event-log.ts) per open session as the hot copy (cursors, merging, chunking,
 * eviction and waiting stay in one place) and to write through in the same call: upsert what
 * `append` returns (a merged delta comes back with its old cursor), delete what the log's
 * `onEvict` reports, and `EventLog.restore` on open.
 *
 * Unknown session ids: writes (`updateSession`, `appendEvent`, `deleteSession`) report it through
 * their return value and never throw, because they come from backend events and timers that can
 * race with a deletion; reads of events (`readEvents`, `latestCursor`, `eventStats`) throw
 * {@link SessionNotFoundError}, because a client asked about a session that is not there;
 * `waitForEvents` resolves false.
 *
 * @module
 */
import type { ApprovalsSetting } from "../config.ts";
import type { ApprovalPolicy, Backend, SandboxMode, ThreadSettings, TurnOutcome } from "../codex/backend.ts";
import type { ErrorInfo } from "../errors/registry.ts";
import type { AppendOptions, ReadLimits, ReadResult, SessionEvent } from "./event-log.ts";

export type { AppendOptions, ReadLimits, ReadResult, SessionEvent };

export const SESSION_STATUSES = ["running", "waiting_approval", "waiting_input", "idle", "error", "cancelled"] as const;
/**
 * running → waiting_approval / waiting_input (Codex asked something) → running → idle (turn done)
 * → running (a reply) …; error (a turn failed or Codex crashed; a reply resumes); cancelled.
 */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** How Codex is driven for this session. */
export type BackendMode = Backend["mode"];

/**
 * How a session's thread is set up, in the sessions layer's own words (stored with the record and
 * shown by `get` with `includeSensitive`). The backend's `ThreadSettings` is made from it in one
 * place ({@link threadSettingsOf}), so a driver's settings type never shapes what is stored.
 */
export interface SessionSettings {
  /** Absolute. */
  cwd: string;
  approvalPolicy: ApprovalPolicy;
  sandbox: SandboxMode;
  model?: string;
  /** A profile of the user's config.toml. */
  profile?: string;
  /** Codex config overrides (dotted keys allowed). */
  config?: Record<string, unknown>;
  baseInstructions?: string;
  developerInstructions?: string;
  personality?: string;
  /** A thread Codex does not persist. */
  ephemeral?: boolean;
  /** Who answers the session's approvals and questions, as the call that started it chose
   * (absent: CODEX_MCP_APPROVALS). Not Codex's: it never reaches the thread. */
  approvals?: ApprovalsSetting;
}

/** The backend's settings for a session's thread. */
export function threadSettingsOf(s: SessionSettings): ThreadSettings {
  return {
    cwd: s.cwd,
    approvalPolicy: s.approvalPolicy,
    sandbox: s.sandbox,
    ...(s.model !== undefined && { model: s.model }),
    ...(s.profile !== undefined && { profile: s.profile }),
    ...(s.config !== undefined && { config: s.config }),
    ...(s.baseInstructions !== undefined && { baseInstructions: s.baseInstructions }),
    ...(s.developerInstructions !== undefined && { developerInstructions: s.developerInstructions }),
    ...(s.personality !== undefined && { personality: s.personality }),
    ...(s.ephemeral !== undefined && { ephemeral: s.ephemeral }),
  };
}

/** The outcome of the last finished turn. */
export interface SessionResult {
  turnId: string;
  status: TurnOutcome;
  /** The turn's last agent message. */
  text: string | null;
  /** The final message parsed, when the turn had an output schema. */
  structuredOutput?: unknown;
  /** Why the final message could not be parsed against the output schema. */
  structuredOutputError?: string;
  /** What the turn cost in tokens, as Codex last reported it. */
  usage?: TurnUsage;
  /** What the turn changed in files: the start of its unified diff; the whole is the event at `cursor`. */
  diff?: { cursor: number; chars: number; preview: string; truncated: boolean };
}

/** Why the session is in `error`: a code of the registry, the message, and a hint. */
export type SessionFailure = ErrorInfo;

/** One session as stored: plain JSON data (one row, or one JSON column, in SQLite). */
export interface SessionRecord {
  id: string;
  /** Codex's thread; null until it has started. */
  threadId: string | null;
  status: SessionStatus;
  backend: BackendMode;
  settings: SessionSettings;
  /** How long Codex's requests wait for the client before being declined. */
  approvalTimeoutMs: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last change to this record. */
  updatedAt: number;
  /** Epoch ms of the last sign of life from Codex or the client: what age filters and lifecycle use. */
  lastActivityAt: number;
  /** When the running turn started; unset between turns. */
  turnStartedAt?: number;
  /** Turns started so far. */
  turns: number;
  currentTurnId: string | null;
  /** What the session is doing, in a few words ("running a command"). */
  phase: string;
  /** The latest item worth showing ("$ npm test → exit 0"). */
  lastItem?: string;
  /** The first prompt, shortened: the session's title in lists. */
  preview: string;
  result?: SessionResult;
  error?: SessionFailure;
  /** Requests of Codex waiting on the client, by our request id (kept so a restart can tell they were lost). */
  pendingRequestIds?: string[];
  /** The session this one was forked from. */
  forkedFrom?: string;
  /** Set when the session's first turn is Codex's reviewer (`codex_review`): what it reviews. */
  reviewOf?: string;
  /** Who started it over HTTP (the bearer token's principal): only that principal sees it. */
  principal?: string;
  /** The server process that runs this session (pid and OS start time): a restart can tell its
   * own sessions from those of a server that died, and from those of one still running. */
  owner?: { pid: number; startTime: string | null };
  /** Set when a turn was cut short by the server stopping: by a restart (found at start-up) or by
   * a shutdown whose grace ran out. A reply resumes the thread. */
  interruptedBy?: "restart" | "shutdown";
}

/** How much of a prompt a turn record keeps. */
export const PROMPT_PREVIEW_CHARS = 120;

/** `rolled_back`: the turn ran, then `codex_session rollback` dropped it from the conversation. */
export const TURN_STATUSES = ["running", "completed", "interrupted", "failed", "rolled_back"] as const;
export type TurnStatus = (typeof TURN_STATUSES)[number];

/** Tokens a turn used, as Codex last reported them. */
export interface TurnUsage {
  inputTokens: number;
  cachedInputTokens?: number;
  outputTokens: number;
  reasoningOutputTokens?: number;
  totalTokens?: number;
  /** The model's context window, when Codex says. */
  contextWindow?: number;
}

/** One turn of a session: a prompt and what came of it. One turn is one future MCP task. */
export interface TurnRecord {
  /** 1, 2, …: the turn's place in its session. */
  index: number;
  /** Codex's turn id, once Codex has started the turn. */
  turnId: string | null;
  /** The prompt, shortened. */
  promptPreview: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt?: number;
  status: TurnStatus;
  result?: { text: string | null; structuredOutput?: unknown; structuredOutputError?: string };
  error?: SessionFailure;
  usage?: TurnUsage;
}

/**
 * A call that became an MCP Task (src/mcp/tasks/): the turn of a session it stands for. Stored
 * with its session, so a task outlives a restart, and goes when the session is forgotten.
 */
export interface TaskHandle {
  taskId: string;
  sessionId: string;
  /** The turn ({@link TurnRecord.index}) the task stands for. */
  turnIndex: number;
  /** The tool whose call became the task. */
  tool: string;
  /** Whether its approvals and questions go to the person (else to whoever polls). */
  askPerson: boolean;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** The call's result, kept once the turn has ended: what the task answers from then on. */
  result?: Record<string, unknown>;
}

/** Which sessions {@link SessionStore.listSessions} returns. All given conditions must hold. */
export interface SessionFilter {
  status?: SessionStatus | readonly SessionStatus[];
  /** Only sessions whose `lastActivityAt` is before this (epoch ms): the ones idle for a while. */
  activeBefore?: number;
  /** Only sessions whose `lastActivityAt` is at or after this (epoch ms). */
  activeSince?: number;
  /** At most this many, the most recently active first. */
  limit?: number;
}

/** When {@link SessionStore.updateSession} may apply its patch. */
export interface UpdateCondition {
  ifStatus?: readonly SessionStatus[];
}

/** The state of one session's event log. */
export interface EventLogStats {
  firstCursor: number;
  latestCursor: number;
  /** Retained events and their JSON bytes. */
  size: number;
  bytes: number;
  /** Events evicted so far. */
  evicted: number;
}

export interface SessionStore {
  /** Stores a new session (a copy of `record`) with an empty event log. Throws if the id is taken. */
  createSession(record: SessionRecord): SessionRecord;
  /** A copy of the record, or undefined. */
  getSession(id: string): SessionRecord | undefined;
  /** Copies of the matching records, the most recently active first. */
  listSessions(filter?: SessionFilter): SessionRecord[];
  /**
   * Applies `patch` (a key set to undefined clears the field; `id` cannot change) and returns the
   * new record, or undefined when the session is gone. `updatedAt` is set to now unless the patch
   * sets it. With `ifStatus` it is a compare-and-set: the patch applies only while the session's
   * status is one of those, in one step no other writer (of this process or of another sharing
   * the file) can come between; otherwise nothing changes and the result is undefined too.
   */
  updateSession(id: string, patch: Partial<SessionRecord>, condition?: UpdateCondition): SessionRecord | undefined;
  /** Removes the session, its turns, its events and its tasks, ending its pending waits. False when there was none. */
  deleteSession(id: string): boolean;
  /** Adds a turn to the session (a copy of `turn`); false when the session is gone. */
  addTurn(sessionId: string, turn: TurnRecord): boolean;
  /** Applies `patch` to one turn (a key set to undefined clears it); the new turn, or undefined. */
  updateTurn(sessionId: string, index: number, patch: Partial<Omit<TurnRecord, "index">>): TurnRecord | undefined;
  /** The session's turns, first to last; [] for an unknown session. */
  listTurns(sessionId: string): TurnRecord[];
  /** Stores a task handle (a copy); false when its session is gone. Throws if the id is taken. */
  createTask(task: TaskHandle): boolean;
  /** A copy of the task handle, or undefined. */
  getTask(taskId: string): TaskHandle | undefined;
  /** Applies `patch` to a task handle; the new handle, or undefined when it is gone. */
  updateTask(taskId: string, patch: Partial<Pick<TaskHandle, "result" | "updatedAt">>): TaskHandle | undefined;
  /** {@link EventLog.append} on the session's log; [] when the session is gone (the event is dropped). */
  appendEvent(id: string, type: string, data: Record<string, unknown>, options?: AppendOptions): SessionEvent[];
  /** {@link EventLog.read} on the session's log. */
  readEvents(id: string, fromCursor: number, limits?: ReadLimits): ReadResult;
  latestCursor(id: string): number;
  eventStats(id: string): EventLogStats;
  /** {@link EventLog.waitForEvents} on the session's log; false at once when the session is gone. */
  waitForEvents(id: string, afterCursor: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Ends every pending wait and releases the storage. The store is not used afterwards. */
  close(): void;
  /** Frees what is cached in memory for a session; it stays stored. Persistent stores only. */
  unloadSession?(id: string): void;
}

/** A read about a session the store does not have. */
export class SessionNotFoundError extends Error {
  readonly code = "SESSION_NOT_FOUND";
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`no session ${JSON.stringify(sessionId)}`);
    this.name = "SessionNotFoundError";
    this.sessionId = sessionId;
  }
}

/** Whether `record` passes `filter`; shared by stores that filter in memory. */
export function matchesFilter(record: SessionRecord, filter: SessionFilter): boolean {
  if (filter.status !== undefined) {
    const statuses: readonly SessionStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    if (!statuses.includes(record.status)) return false;
  }
  if (filter.activeBefore !== undefined && !(record.lastActivityAt < filter.activeBefore)) return false;
  if (filter.activeSince !== undefined && !(record.lastActivityAt >= filter.activeSince)) return false;
  return true;
}

/** The order of {@link SessionStore.listSessions}: most recently active first, then newest, then by id. */
export function compareByActivity(a: SessionRecord, b: SessionRecord): number {
  return b.lastActivityAt - a.lastActivityAt || b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
