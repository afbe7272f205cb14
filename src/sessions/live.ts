/**
 * What is alive about each session in this process and is never stored: the subscription to its
 * thread, facts of the turn running here, and the listeners that want to hear of every change
 * (long polls, waits for a result, progress reporters), with the waits built on them.
 *
 * @module
 */
import type { TurnUsage } from "./store.ts";

/** One session's live state. */
export interface Live {
  unsubscribe: (() => void) | null;
  /** The turn's output schema, to parse its final message. */
  outputSchema: Record<string, unknown> | undefined;
  cancelRequested: boolean;
  /** Codex has started the current turn (turn_started seen): only then can it be interrupted. */
  turnActive: boolean;
  /** The turn record of the turn running here, while it runs. */
  turnIndex: number | null;
  /** The call's wall-clock limit on the running turn (turnTimeoutMs), while it runs. */
  turnLimit: ReturnType<typeof setTimeout> | null;
  /** The running turn's token usage as Codex last reported it, for its result. */
  turnUsage: TurnUsage | undefined;
  /** A turn to start once the running one ends (codex_reply mode "queue"); its watcher's stop. */
  queued: { stop: () => void } | null;
  /** Called on every change: waiters and progress reporters. */
  readonly listeners: Set<() => void>;
}

/** How a wait ended. */
export type WaitOutcome = "finished" | "needs_answer" | "timeout" | "aborted";

export class LiveSessions {
  readonly #live = new Map<string, Live>();
  readonly #onListenerError: (error: unknown) => void;
  readonly #anyListeners = new Set<(sessionId: string) => void>();

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** The session's live state, made on first use. */
  of(sessionId: string): Live {
    let live = this.#live.get(sessionId);
    if (!live) {
      live = {
        unsubscribe: null,
        outputSchema: undefined,
        cancelRequested: false,
        turnActive: false,
        turnIndex: null,
        turnLimit: null,
        queued: null,
        turnUsage: undefined,
        listeners: new Set(),
      };
      this.#live.set(sessionId, live);
    }
    return live;
  }

  /** The session's live state if it has any (reading never makes one). */
  peek(sessionId: string): Live | undefined {
    return this.#live.get(sessionId);
  }

  /** Forgets the session: stops listening to its thread. */
  forget(sessionId: string): void {
    this.#live.get(sessionId)?.unsubscribe?.();
    this.disarmTurnLimit(sessionId);
    this.#live.get(sessionId)?.queued?.stop();
    this.#live.delete(sessionId);
  }

  /** Calls `onExpiry` after `ms` unless the turn running now (turn record `index`) ends first. */
  armTurnLimit(sessionId: string, index: number, ms: number, onExpiry: () => void): void {
    const live = this.of(sessionId);
    this.disarmTurnLimit(sessionId);
    live.turnLimit = setTimeout(() => {
      live.turnLimit = null;
      if (live.turnIndex === index) onExpiry();
    }, ms);
  }

  disarmTurnLimit(sessionId: string): void {
    const live = this.#live.get(sessionId);
    if (live?.turnLimit) clearTimeout(live.turnLimit);
    if (live) live.turnLimit = null;
  }

  /** Calls `listener` on every change to the session; returns the unsubscribe function. */
  onChange(sessionId: string, listener: () => void): () => void {
    const live = this.of(sessionId);
    live.listeners.add(listener);
    return () => void live.listeners.delete(listener);
  }

  /** Calls `listener` with the session's id on every change to any session; returns the unsubscribe function. */
  onAnyChange(listener: (sessionId: string) => void): () => void {
    this.#anyListeners.add(listener);
    return () => void this.#anyListeners.delete(listener);
  }

  /** Tells the session's listeners that something changed; one that throws does not stop the rest. */
  notify(sessionId: string): void {
    // Called for every event Codex sends (each delta too): the sets are walked, not copied.
    for (const listener of this.#live.get(sessionId)?.listeners ?? []) this.#call(() => listener());
    for (const listener of this.#anyListeners) this.#call(() => listener(sessionId));
  }

  #call(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.#onListenerError(error);
    }
  }

  /** Resolves once `condition` holds (checked on every change), or after `timeoutMs`. */
  until(sessionId: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const stop = this.onChange(sessionId, () => condition() && done());
    });
  }

  /**
   * Resolves with what `check` says once it says anything (checked now and on every change), or
   * "timeout" after `timeoutMs`, or "aborted" when `signal` aborts — whichever is first.
   */
  waitFor(
    sessionId: string,
    check: () => WaitOutcome | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WaitOutcome> {
    const now = check();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: WaitOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stop();
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      const onAbort = () => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      const stop = this.onChange(sessionId, () => {
        const outcome = check();
        if (outcome) finish(outcome);
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort);
    });
  }
}
