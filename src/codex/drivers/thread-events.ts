/**
 * One thread's events on their way to the sessions layer: fan-out to every listener, and a
 * bounded backlog of what arrives before the first listener subscribes (a driver may report a
 * thread's first events before the manager has subscribed to it). Both drivers use it.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import type { BackendEvent } from "../backend.ts";

export type Listener = (event: BackendEvent) => void;

/** Events kept for a thread nobody has subscribed to yet. */
const BACKLOG_LIMIT = 2_000;

export class ThreadEvents {
  readonly #log: Logger;
  readonly #listeners = new Set<Listener>();
  /** Events before the first subscriber; `null` from then on. */
  #backlog: BackendEvent[] | null = [];

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Delivers the backlog (once, to the first subscriber), then every later event. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    const backlog = this.#backlog;
    this.#backlog = null;
    for (const event of backlog ?? []) this.#deliver(listener, event);
    return () => void this.#listeners.delete(listener);
  }

  /** Hands `event` to every listener; a listener that throws does not stop the others. */
  emit(event: BackendEvent): void {
    if (this.#backlog) {
      this.#backlog.push(event);
      if (this.#backlog.length > BACKLOG_LIMIT) this.#backlog.shift();
    }
    for (const listener of [...this.#listeners]) this.#deliver(listener, event);
  }

  #deliver(listener: Listener, event: BackendEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#log.warn(`a listener of ${event.type} events threw`, error);
    }
  }
}
