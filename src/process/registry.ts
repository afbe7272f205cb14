/**
 * Every live child of this server, as plain data. The supervisor adds a child when it spawns and
 * removes it once it has exited and its tree is gone; server shutdown tears down whatever is left.
 * Records are JSON-safe so they can be persisted: after a crash, the next server start can find the
 * process groups it left behind (pid + start time guard against pid reuse).
 *
 * @module
 */
import type { ChildRecord, ExitReport, Stoppable, TeardownOptions } from "./types.ts";

/** A change to the registry, for persistence. */
export type RegistryEvent = { type: "added" | "removed"; record: ChildRecord };

/** Live children, keyed by {@link ChildRecord.id}. */
export class ChildRegistry {
  readonly #entries = new Map<number, { record: ChildRecord; child: Stoppable }>();
  readonly #listeners = new Set<(event: RegistryEvent) => void>();
  #nextId = 1;

  /** Allocates the id for the next record. */
  nextId(): number {
    return this.#nextId++;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(record: ChildRecord, child: Stoppable): void {
    this.#entries.set(record.id, { record, child });
    this.#emit({ type: "added", record });
  }

  remove(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#emit({ type: "removed", record: entry.record });
  }

  /** Copies of the live records, oldest first. */
  list(): ChildRecord[] {
    return [...this.#entries.values()].map((entry) => ({ ...entry.record }));
  }

  /** Calls `listener` on every add and remove; returns a function that unsubscribes. */
  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Tears every live child down at once (server shutdown) and waits for all of them. */
  async teardownAll(options?: TeardownOptions): Promise<ExitReport[]> {
    return Promise.all([...this.#entries.values()].map((entry) => entry.child.teardown(options)));
  }

  #emit(event: RegistryEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing observer must not break process bookkeeping.
      }
    }
  }
}
