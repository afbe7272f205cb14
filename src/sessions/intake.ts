/**
 * Codex's events on their way into a session: each is stored in the public vocabulary, reduced
 * (reducer.ts) to a patch of the record and effects, and the effects are carried out — pending
 * requests held with their timers, the turn record kept, the result recorded. Then the status
 * follows what is pending and the session's listeners hear of it. A store write that fails is
 * logged; the backend keeps going.
 *
 * @module
 */
import type { BackendEvent, RequestAnswer } from "../codex/backend.ts";
import type { Logger } from "../log.ts";
import type { Live, LiveSessions } from "./live.ts";
import type { PendingRequest, PendingRequests } from "./pending-requests.ts";
import { activeStatus, type Effect, isActive, reduce } from "./reducer.ts";
import { fromBackendEvent, recordOwn } from "./session-events.ts";
import type { SessionRecord, SessionResult, SessionStore, TurnRecord } from "./store.ts";

export interface IntakeDeps {
  store: SessionStore;
  live: LiveSessions;
  pending: PendingRequests;
  log: Logger;
  /** Answers a request nobody answered in time (the manager's answer path). */
  answer(sessionId: string, pending: PendingRequest, answer: RequestAnswer): Promise<void>;
}

/** How much of a turn's diff its result shows; the rest is read from its `turn_diff` event. */
const DIFF_PREVIEW_CHARS = 4_000;

export class EventIntake {
  readonly #d: IntakeDeps;

  constructor(deps: IntakeDeps) {
    this.#d = deps;
  }

  /** The listener to subscribe to a session's thread with. */
  listener(sessionId: string): (event: BackendEvent) => void {
    return (event) => this.#onEvent(sessionId, event);
  }

  /** Records the end of the session's current turn (if it has one open here). */
  endTurn(sessionId: string, end: Pick<TurnRecord, "status"> & Partial<TurnRecord>): void {
    const live = this.#d.live.peek(sessionId);
    if (!live?.turnIndex) return;
    this.#d.store.updateTurn(sessionId, live.turnIndex, { ...end, endedAt: Date.now() });
    live.turnIndex = null;
    live.turnUsage = undefined;
    this.#d.live.disarmTurnLimit(sessionId);
  }

  #onEvent(sessionId: string, event: BackendEvent): void {
    try {
      this.#applyEvent(sessionId, event);
    } catch (error) {
      // A store write can fail (disk full, a locked database): report it, keep the backend going.
      this.#d.log.error(`session ${sessionId}: could not record ${event.type}`, error);
    }
  }

  #applyEvent(sessionId: string, event: BackendEvent): void {
    if (!this.#d.store.getSession(sessionId)) return;
    const { type, data } = fromBackendEvent(event);
    this.#d.store.appendEvent(sessionId, type, data);
    const live = this.#d.live.of(sessionId);
    const extras = event.type === "turn_completed" ? this.#resultExtras(sessionId, live, event.turnId, event.diff) : {};
    const { patch, effects } = reduce(event, {
      hasOutputSchema: live.outputSchema !== undefined,
      cancelRequested: live.cancelRequested,
    }, Date.now());
    if (patch.result) patch.result = { ...patch.result, ...extras };
    for (const effect of effects) if (effect.type === "result") effect.result = { ...effect.result, ...extras };
    for (const effect of effects) this.#carryOut(sessionId, live, effect);
    this.#update(sessionId, patch);
    this.settleStatus(sessionId);
  }

  /**
   * What a finished turn's result carries beside Codex's answer: what the turn cost (its last
   * token usage), and what it changed — the diff whole in an event of its own, its start (and
   * where the rest is) in the result.
   */
  #resultExtras(sessionId: string, live: Live, turnId: string, diff: string | undefined): Partial<SessionResult> {
    const usage = live.turnUsage;
    live.turnUsage = undefined;
    if (!diff) return usage ? { usage } : {};
    const [head] = this.#d.store.appendEvent(sessionId, "turn_diff", { turnId, diff }, { pinned: true });
    const preview = diff.slice(0, DIFF_PREVIEW_CHARS);
    return {
      ...(usage && { usage }),
      diff: { cursor: head?.cursor ?? 0, chars: diff.length, preview, truncated: preview.length < diff.length },
    };
  }

  #carryOut(sessionId: string, live: Live, effect: Effect): void {
    switch (effect.type) {
      case "pending_add": {
        const timeoutMs = this.#d.store.getSession(sessionId)?.approvalTimeoutMs ?? 60_000;
        this.#d.pending.add(sessionId, effect.request, timeoutMs, (p) => void this.#expire(sessionId, p));
        this.#update(sessionId, { pendingRequestIds: this.#d.pending.ids(sessionId) });
        break;
      }
      case "pending_drop":
        this.dropPending(sessionId, effect.requestId);
        break;
      case "turn_active":
        live.turnActive = effect.active;
        break;
      case "turn_usage":
        live.turnUsage = effect.usage;
        if (live.turnIndex) this.#d.store.updateTurn(sessionId, live.turnIndex, { usage: effect.usage });
        break;
      case "turn_end":
        this.endTurn(sessionId, effect.end);
        break;
      case "result":
        recordOwn(this.#d.store, sessionId, "result", { ...effect.result }, { pinned: true });
        break;
      case "unsubscribe":
        live.unsubscribe?.();
        live.unsubscribe = null;
        break;
    }
  }

  /** Nobody answered in time: decline (or answer nothing), and record that it happened. */
  async #expire(sessionId: string, pending: PendingRequest): Promise<void> {
    const requestId = pending.request.requestId;
    if (!this.#d.pending.get(sessionId, requestId)) return;
    const answer = pending.request.type === "approval_request"
      ? ({ kind: "approval", decision: "decline" } as const)
      : ({ kind: "user_input", answers: {} } as const);
    recordOwn(this.#d.store, sessionId, "approval_timeout", {
      requestId,
      kind: pending.request.type === "approval_request" ? pending.request.kind : "user_input",
      answer: answer.kind === "approval" ? "decline" : "no answers",
    }, { pinned: true });
    try {
      await this.#d.answer(sessionId, pending, answer);
    } catch (error) {
      this.#d.log.warn(`session ${sessionId}: could not auto-decline ${requestId}`, error);
    }
  }

  /** Drops one or all of the session's pending requests, and says so on the record. */
  dropPending(sessionId: string, requestId?: string): void {
    if (!this.#d.pending.drop(sessionId, requestId)) return;
    if (this.#d.store.getSession(sessionId)) {
      this.#update(sessionId, { pendingRequestIds: this.#d.pending.ids(sessionId) });
    }
  }

  /** While a turn runs, the status follows what is pending; then every listener hears of the change. */
  settleStatus(sessionId: string): void {
    const record = this.#d.store.getSession(sessionId);
    if (!record || !isActive(record.status)) return this.#d.live.notify(sessionId);
    const status = activeStatus(this.#d.pending.list(sessionId).map((p) => p.request));
    if (status !== record.status) this.#update(sessionId, { status });
    this.#d.live.notify(sessionId);
  }

  #update(sessionId: string, patch: Partial<SessionRecord>): void {
    this.#d.store.updateSession(sessionId, { ...patch, updatedAt: Date.now() });
  }
}
