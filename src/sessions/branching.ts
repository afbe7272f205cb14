/**
 * Sessions made from threads that exist already: a fork of a session (its whole conversation, or
 * up to one of its turns), and an import of one of Codex's own threads (listed from CODEX_HOME,
 * started here, in the Codex TUI or the app). Both start idle; a reply continues them. And the
 * rollback of a session's conversation to before one of its turns.
 *
 * @module
 */
import type { Backend } from "../codex/backend.ts";
import type { ThreadFilter, ThreadSummary } from "../codex/listings.ts";
import type { Admission } from "./admission.ts";
import { asCodedError, SessionError } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Owner } from "./lifecycle.ts";
import { recordOwn } from "./session-events.ts";
import { isActive } from "./reducer.ts";
import { type SessionRecord, type SessionSettings, type SessionStore, threadSettingsOf } from "./store.ts";

/** What branching needs from the manager. */
export interface BranchingDeps {
  get(sessionId: string): SessionRecord;
  mayAct(record: SessionRecord): Promise<void>;
  admission: Admission;
  /** This server's sessions (for its caps). */
  mine(): SessionRecord[];
  backend(): Promise<Backend>;
  /** Follows the thread's events as the session's. */
  listen(sessionId: string, backend: Backend, threadId: string): void;
  /** Whether this server follows the session's thread (it is loaded in the backend). */
  listening(sessionId: string): boolean;
  store: SessionStore;
  owner: Owner | undefined;
  approvalTimeoutMs: number;
}

export class Branching {
  readonly #d: BranchingDeps;

  constructor(deps: BranchingDeps) {
    this.#d = deps;
  }

  /** A new session with the conversation, or with its turns up to and including `throughTurnId`. */
  async fork(sessionId: string, throughTurnId?: string): Promise<SessionRecord> {
    const d = this.#d;
    const source = d.get(sessionId);
    await d.mayAct(source);
    await d.admission.settings(source.settings, false);
    d.admission.counts(d.mine(), true);
    if (!source.threadId) {
      throw new SessionError(
        "SESSION_NOT_FOUND",
        `session ${sessionId} has no Codex thread to fork`,
        "Fork a session that has run at least one turn.",
      );
    }
    if (throughTurnId !== undefined && !d.store.listTurns(sessionId).some((t) => t.turnId === throughTurnId)) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `session ${sessionId} has no turn ${JSON.stringify(throughTurnId)}`,
        "Take a turnId from the session's turns (get), or leave it out to fork the whole conversation.",
      );
    }
    const backend = await d.backend();
    let thread;
    try {
      thread = await backend.forkThread(source.threadId, threadSettingsOf(source.settings), throughTurnId);
    } catch (error) {
      throw asCodedError(error);
    }
    const now = Date.now();
    const record: SessionRecord = {
      ...source,
      id: newId("s"),
      threadId: thread.threadId,
      status: "idle",
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      turnStartedAt: undefined,
      currentTurnId: null,
      turns: 0,
      phase: "forked",
      result: undefined,
      error: undefined,
      forkedFrom: source.id,
      owner: d.owner,
      interruptedBy: undefined,
    };
    d.store.createSession(record);
    d.listen(record.id, backend, thread.threadId);
    recordOwn(d.store, record.id, "forked", { from: source.id, fromThreadId: source.threadId });
    return d.get(record.id);
  }

  /**
   * Rolls the conversation back to before `turnId`: Codex drops that turn and every later one
   * from the thread's history (`thread/revert`), and they are marked `rolled_back` here. Files
   * the turns changed stay changed. The session must be between turns.
   */
  async rollback(sessionId: string, turnId: string): Promise<SessionRecord> {
    const d = this.#d;
    const record = d.get(sessionId);
    await d.mayAct(record);
    const backend = await d.backend();
    if (!backend.capabilities.rollback) {
      throw new SessionError(
        "NOT_SUPPORTED",
        `the ${backend.mode} backend cannot roll a conversation back`,
        "Fork the session up to an earlier turn instead, or use the app-server backend.",
      );
    }
    if (isActive(record.status)) {
      throw new SessionError(
        "SESSION_BUSY",
        `session ${sessionId} is ${record.status}: a rollback waits for the turn to end`,
        "Wait for the turn to end, or interrupt it, then roll back.",
      );
    }
    const turns = d.store.listTurns(sessionId);
    const target = turns.find((t) => t.turnId === turnId && t.status !== "rolled_back");
    if (!record.threadId || !target) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `session ${sessionId} has no turn ${JSON.stringify(turnId)} in its conversation`,
        "Take a turn id from the session's turns that is not rolled back already.",
      );
    }
    try {
      if (!d.listening(sessionId)) {
        await backend.resumeThread(record.threadId, threadSettingsOf(record.settings));
        d.listen(sessionId, backend, record.threadId);
      }
      await backend.revertThread(record.threadId, turnId);
    } catch (error) {
      throw asCodedError(error);
    }
    const dropped = turns.filter((t) => t.index >= target.index && t.status !== "rolled_back");
    for (const turn of dropped) d.store.updateTurn(sessionId, turn.index, { status: "rolled_back" });
    recordOwn(d.store, sessionId, "rolled_back", { turnId, turnsDropped: dropped.length });
    return d.get(sessionId);
  }

  /** Codex's own threads (started here, in the TUI or the app), newest first. */
  async threads(filter: ThreadFilter): Promise<ThreadSummary[]> {
    const backend = await this.#d.backend();
    try {
      return await backend.listThreads(filter);
    } catch (error) {
      throw asCodedError(error);
    }
  }

  /**
   * A session over an existing Codex thread (one from `threads`, or a `codex resume` id): idle,
   * with no turns of its own yet; the first reply loads the thread with its whole history.
   */
  async importThread(threadId: string, settings: SessionSettings, principal?: string): Promise<SessionRecord> {
    const d = this.#d;
    await d.admission.settings(settings, true);
    d.admission.counts(d.mine(), true);
    const backend = await d.backend();
    const now = Date.now();
    const record: SessionRecord = {
      id: newId("s"),
      threadId,
      status: "idle",
      backend: backend.mode,
      settings,
      approvalTimeoutMs: d.approvalTimeoutMs,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      turnStartedAt: undefined,
      turns: 0,
      currentTurnId: null,
      phase: "imported",
      lastItem: undefined,
      preview: `(imported thread ${threadId})`,
      result: undefined,
      error: undefined,
      forkedFrom: undefined,
      owner: d.owner,
      ...(principal !== undefined && { principal }),
    };
    d.store.createSession(record);
    recordOwn(d.store, record.id, "imported", { threadId });
    return d.get(record.id);
  }
}
