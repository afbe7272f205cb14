/**
 * Sessions in memory: the store of `CODEX_MCP_STORE=memory`, and the one most tests use. Records are copied in
 * and out, so callers cannot change stored state by accident, just as with rows of a database.
 *
 * @module
 */
import {
  type AppendOptions,
  EventLog,
  type EventLogOptions,
  type ReadLimits,
  type ReadResult,
  type SessionEvent,
} from "./event-log.ts";
import {
  compareByActivity,
  type EventLogStats,
  matchesFilter,
  type SessionFilter,
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
  type TaskHandle,
  type TurnRecord,
  type UpdateCondition,
} from "./store.ts";

export interface MemorySessionStoreOptions {
  /** Clock for `updatedAt` and event times. Default `Date.now`. */
  now?: () => number;
  /** Bounds and chunking of every session's event log. */
  eventLog?: Omit<EventLogOptions, "now">;
}

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, { record: SessionRecord; log: EventLog; turns: TurnRecord[] }>();
  readonly #tasks = new Map<string, TaskHandle>();
  readonly #now: () => number;
  readonly #logOptions: EventLogOptions;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? (() => Date.now());
    this.#logOptions = { ...options.eventLog, now: this.#now };
  }

  createSession(record: SessionRecord): SessionRecord {
    if (this.#sessions.has(record.id)) throw new Error(`session ${JSON.stringify(record.id)} already exists`);
    const stored = structuredClone(record);
    this.#sessions.set(record.id, { record: stored, log: new EventLog(this.#logOptions), turns: [] });
    return structuredClone(stored);
  }

  getSession(id: string): SessionRecord | undefined {
    const session = this.#sessions.get(id);
    return session && structuredClone(session.record);
  }

  listSessions(filter: SessionFilter = {}): SessionRecord[] {
    const matching = [...this.#sessions.values()].map((s) => s.record).filter((r) => matchesFilter(r, filter));
    matching.sort(compareByActivity);
    const limited = filter.limit === undefined ? matching : matching.slice(0, Math.max(0, filter.limit));
    return limited.map((r) => structuredClone(r));
  }

  addTurn(sessionId: string, turn: TurnRecord): boolean {
    const session = this.#sessions.get(sessionId);
    if (!session) return false;
    if (session.turns.some((t) => t.index === turn.index)) {
      throw new Error(`session ${sessionId} already has turn ${turn.index}`);
    }
    session.turns.push(structuredClone(turn));
    return true;
  }

  updateTurn(sessionId: string, index: number, patch: Partial<Omit<TurnRecord, "index">>): TurnRecord | undefined {
    const turns = this.#sessions.get(sessionId)?.turns;
    const at = turns?.findIndex((t) => t.index === index) ?? -1;
    if (!turns || at < 0) return undefined;
    turns[at] = { ...turns[at]!, ...structuredClone(patch), index };
    return structuredClone(turns[at]!);
  }

  listTurns(sessionId: string): TurnRecord[] {
    return structuredClone(this.#sessions.get(sessionId)?.turns ?? []);
  }

  createTask(task: TaskHandle): boolean {
    if (!this.#sessions.has(task.sessionId)) return false;
    if (this.#tasks.has(task.taskId)) throw new Error(`task ${JSON.stringify(task.taskId)} already exists`);
    this.#tasks.set(task.taskId, structuredClone(task));
    return true;
  }

  getTask(taskId: string): TaskHandle | undefined {
    const task = this.#tasks.get(taskId);
    return task && structuredClone(task);
  }

  updateTask(taskId: string, patch: Partial<Pick<TaskHandle, "result" | "updatedAt">>): TaskHandle | undefined {
    const task = this.#tasks.get(taskId);
    if (!task) return undefined;
    const updated = { ...task, ...structuredClone(patch) };
    this.#tasks.set(taskId, updated);
    return structuredClone(updated);
  }

  updateSession(id: string, patch: Partial<SessionRecord>, condition?: UpdateCondition): SessionRecord | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (condition?.ifStatus && !condition.ifStatus.includes(session.record.status)) return undefined;
    if (patch.id !== undefined && patch.id !== id) {
      throw new Error(`a session's id cannot change (${id} → ${patch.id})`);
    }
    session.record = { ...session.record, ...structuredClone(patch), id, updatedAt: patch.updatedAt ?? this.#now() };
    return structuredClone(session.record);
  }

  deleteSession(id: string): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    for (const [taskId, task] of this.#tasks) if (task.sessionId === id) this.#tasks.delete(taskId);
    session.log.close();
    return true;
  }

  appendEvent(id: string, type: string, data: Record<string, unknown>, options?: AppendOptions): SessionEvent[] {
    return this.#sessions.get(id)?.log.append(type, data, options) ?? [];
  }

  readEvents(id: string, fromCursor: number, limits?: ReadLimits): ReadResult {
    return this.#log(id).read(fromCursor, limits);
  }

  latestCursor(id: string): number {
    return this.#log(id).latestCursor;
  }

  eventStats(id: string): EventLogStats {
    const log = this.#log(id);
    return {
      firstCursor: log.firstCursor,
      latestCursor: log.latestCursor,
      size: log.size,
      bytes: log.bytes,
      evicted: log.evicted,
    };
  }

  waitForEvents(id: string, afterCursor: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#sessions.get(id)?.log.waitForEvents(afterCursor, timeoutMs, signal) ?? Promise.resolve(false);
  }

  close(): void {
    for (const { log } of this.#sessions.values()) log.close();
    this.#sessions.clear();
    this.#tasks.clear();
  }

  #log(id: string): EventLog {
    const session = this.#sessions.get(id);
    if (!session) throw new SessionNotFoundError(id);
    return session.log;
  }
}
