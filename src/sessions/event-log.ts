/**
 * One session's event log: what a polling client reads with a cursor. Append-only, bounded, and
 * shaped so that every poll makes progress within a byte budget:
 *
 * - **Cursors** are 1, 2, 3 … per session and never reused, also across eviction, so a client's
 *   cursor always means the same point in the session.
 * - **Deltas are merged** (agent text, reasoning, command output of one item) into the newest event
 *   while no reader has seen it, so a chatty stream costs a few events, not thousands; an event a
 *   reader has been handed is never changed again, so nobody misses text.
 * - **Events are small**: a long field (a 1 MiB command output, a long final message) is cut into
 *   chunks that follow as `<type>_continued` events, so every event fits any poll of at least
 *   {@link MIN_READ_MAX_BYTES} and a client pages through big outputs instead of getting one
 *   unbounded response.
 * - **Eviction keeps what matters**: past the soft bounds the oldest ordinary events go; pinned
 *   ones (approvals, results, errors) go only past the hard bounds. A client whose cursor fell
 *   behind is told so (`cursorResetTo`, `missedEvents`) instead of silently skipping.
 *
 * Synchronous apart from {@link EventLog.waitForEvents}; pure TypeScript (timers and AbortSignal
 * are the only platform features used).
 *
 * Longer than ~400 lines on purpose: it is one data structure whose invariants lean on each other
 * (cursors, merging, chunking under a byte bound, pinned eviction, waiting) (docs/ARCHITECTURE.md,
 * "Long files").
 *
 * @module
 */
import { joinsSurrogatePair, jsonBytes, jsonStringBytes, splitJsonText, utf8Bytes } from "./json-text.ts";
import { READ_LIMITS } from "./read-limits.ts";

/** One stored event. Frozen: the log hands out the objects it keeps. */
export interface SessionEvent {
  /** 1, 2, 3 … per session, never reused. */
  readonly cursor: number;
  /** When it was appended, epoch ms (a merged delta keeps the time of its first part). */
  readonly at: number;
  readonly type: string;
  /** Kept through ordinary eviction (see {@link EventLogOptions.softLimit}). */
  readonly pinned: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Types kept until the hard bounds: what a client must not miss even when it polls rarely. */
const DEFAULT_PINNED_TYPES: readonly string[] = [
  "approval_request",
  "user_input_request",
  "result",
  "error",
  "turn_completed",
  "backend_crashed",
  "approval_timeout",
];

/** Streaming types whose consecutive events for one `data.itemId` are merged (`data.delta` appended). */
export const MERGEABLE_DELTA_TYPES: readonly string[] = [
  "agent_message_delta",
  "reasoning_delta",
  "command_output_delta",
];

/** The suffix of the type of a long field's continuation events. */
export const CONTINUED_SUFFIX = "_continued";

/** Event-count bounds: the peer's numbers, which hold a long turn's story with merged deltas. */
const DEFAULT_SOFT_LIMIT = 1000;
const DEFAULT_HARD_LIMIT = 2000;
/** Byte bounds of one session's stored JSON, applied like the count bounds (soft: ordinary events go; hard: pinned ones too). */
const DEFAULT_SOFT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_HARD_MAX_BYTES = 32 * 1024 * 1024;
/**
 * Longest piece of a field kept in one event, in JSON-escaped UTF-8 bytes. Small enough that a
 * poll answer sized for a model client (24 KiB, the event in it twice) always has room for one.
 */
export const DEFAULT_CHUNK_BYTES = 4 * 1024;
/** Room for everything in an event besides its one chunk: an event's JSON stays within chunk + this (~8 KiB by default). */
export const EVENT_OVERHEAD_BYTES = 4 * 1024;
const MIN_CHUNK_BYTES = 1024;
const MAX_CHUNK_BYTES = 24 * 1024;

/**
 * The smallest `maxBytes` a caller may pass to {@link EventLog.read}; the poll tool raises smaller
 * values to it. Every event stored with the default chunk is at most chunk +
 * {@link EVENT_OVERHEAD_BYTES} (8 KiB), so at this budget a read returns at least one event and
 * stays within the budget. (Events stored by 0.1 with 16 KiB chunks are larger: a read returns
 * one of them even when it does not fit, so a client always makes progress.)
 */
export const MIN_READ_MAX_BYTES = DEFAULT_CHUNK_BYTES + EVENT_OVERHEAD_BYTES;
/** What a {@link ReadResult} adds around its events in JSON, at most (three 16-digit numbers and the keys). */
const READ_ENVELOPE_BYTES = 128;
/** Fields smaller than this are not worth moving into continuations. */
const MIN_SPILL_BYTES = 64;
/** setTimeout's largest delay; longer waits would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface EventLogOptions {
  /** Past this many events the oldest unpinned ones are evicted. Default 1000. */
  softLimit?: number;
  /** Past this many events pinned ones are evicted too, oldest first. Default 2000. */
  hardLimit?: number;
  /** Like `softLimit`, in bytes of stored JSON. Default 16 MiB. */
  softMaxBytes?: number;
  /** Like `hardLimit`, in bytes of stored JSON. Default 32 MiB. */
  hardMaxBytes?: number;
  /** Chunk size for long fields and deltas, 1–24 KiB. Default 16 KiB. */
  chunkBytes?: number;
  /** Types appended as pinned unless `append` says otherwise. Default {@link DEFAULT_PINNED_TYPES}. */
  pinnedTypes?: Iterable<string>;
  /** Clock for `at`. Default `Date.now`. */
  now?: () => number;
  /** Told about every evicted event, e.g. for a persistent store to delete its copy. */
  onEvict?: (events: readonly SessionEvent[]) => void;
}

export interface AppendOptions {
  /** Overrides the type's default from `pinnedTypes`. */
  pinned?: boolean;
}

export interface ReadLimits {
  /** At most this many events. Default `READ_LIMITS.defaultMaxEvents` (read-limits.ts). */
  maxEvents?: number;
  /**
   * At most this many bytes of `JSON.stringify(result)` — but always at least one event when one is
   * available, so the caller must enforce the floor {@link MIN_READ_MAX_BYTES} for the bound to
   * hold. Default `READ_LIMITS.defaultMaxBytes`.
   */
  maxBytes?: number;
}

export interface ReadResult {
  /** Events with cursor ≥ the requested one, oldest first. */
  events: SessionEvent[];
  /** The cursor to read from next: the last returned cursor + 1 (the requested one when nothing was new). */
  nextCursor: number;
  /** Whether more events are stored after the returned ones. */
  hasMore: boolean;
  /** Set when the requested cursor no longer (or never) existed: where this read actually started. */
  cursorResetTo?: number;
  /** How many events between the requested cursor and the last returned one were evicted. */
  missedEvents?: number;
}

/** What {@link EventLog.restore} needs to continue a log after a restart. */
export interface EventLogSnapshot {
  /** The retained events, ascending by cursor. */
  events: readonly SessionEvent[];
  /** The highest cursor ever given out (≥ the last event's). */
  latestCursor: number;
  /** The highest cursor ever returned by a read: events up to it are never merged into. */
  deliveredCursor?: number;
}

interface Entry {
  event: SessionEvent;
  /** UTF-8 bytes of `JSON.stringify(event)`. */
  bytes: number;
  /** For a mergeable delta: JSON bytes of `data.delta` (without quotes); otherwise -1. */
  deltaBytes: number;
}

interface Waiter {
  cursor: number;
  settle: (value: boolean) => void;
}

export class EventLog {
  readonly #softLimit: number;
  readonly #hardLimit: number;
  readonly #softMaxBytes: number;
  readonly #hardMaxBytes: number;
  readonly #chunkBytes: number;
  readonly #maxEventBytes: number;
  readonly #pinnedTypes: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #onEvict: ((events: readonly SessionEvent[]) => void) | undefined;
  readonly #waiters = new Set<Waiter>();
  /** Retained events, ascending by cursor (gaps where events were evicted). */
  #entries: Entry[] = [];
  #bytes = 0;
  #latest = 0;
  #delivered = 0;
  #evicted = 0;
  #closed = false;

  constructor(options: EventLogOptions = {}) {
    this.#softLimit = positiveInteger("softLimit", options.softLimit ?? DEFAULT_SOFT_LIMIT);
    this.#hardLimit = positiveInteger("hardLimit", options.hardLimit ?? Math.max(DEFAULT_HARD_LIMIT, this.#softLimit));
    this.#softMaxBytes = positiveInteger("softMaxBytes", options.softMaxBytes ?? DEFAULT_SOFT_MAX_BYTES);
    this.#hardMaxBytes = positiveInteger(
      "hardMaxBytes",
      options.hardMaxBytes ?? Math.max(DEFAULT_HARD_MAX_BYTES, this.#softMaxBytes),
    );
    if (this.#hardLimit < this.#softLimit) {
      throw new RangeError(`hardLimit (${this.#hardLimit}) must be at least softLimit (${this.#softLimit})`);
    }
    if (this.#hardMaxBytes < this.#softMaxBytes) {
      throw new RangeError(
        `hardMaxBytes (${this.#hardMaxBytes}) must be at least softMaxBytes (${this.#softMaxBytes})`,
      );
    }
    this.#chunkBytes = positiveInteger("chunkBytes", options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    if (this.#chunkBytes < MIN_CHUNK_BYTES || this.#chunkBytes > MAX_CHUNK_BYTES) {
      throw new RangeError(
        `chunkBytes must be between ${MIN_CHUNK_BYTES} and ${MAX_CHUNK_BYTES}, got ${this.#chunkBytes}`,
      );
    }
    this.#maxEventBytes = this.#chunkBytes + EVENT_OVERHEAD_BYTES;
    this.#pinnedTypes = new Set(options.pinnedTypes ?? DEFAULT_PINNED_TYPES);
    this.#now = options.now ?? (() => Date.now());
    this.#onEvict = options.onEvict;
  }

  /** A log continuing from persisted state: same cursors, no merging into what was already read. */
  static restore(snapshot: EventLogSnapshot, options: EventLogOptions = {}): EventLog {
    const log = new EventLog(options);
    let previous = 0;
    for (const stored of snapshot.events) {
      if (!Number.isSafeInteger(stored.cursor) || stored.cursor <= previous) {
        throw new RangeError(
          `restored events must have ascending positive cursors (got ${stored.cursor} after ${previous})`,
        );
      }
      previous = stored.cursor;
      const event = freezeEvent(stored.cursor, stored.at, stored.type, stored.pinned, { ...stored.data });
      log.#entries.push(log.#entryOf(event));
      log.#bytes += log.#entries[log.#entries.length - 1]!.bytes;
    }
    log.#latest = Math.max(previous, snapshot.latestCursor);
    log.#delivered = Math.min(log.#latest, snapshot.deliveredCursor ?? log.#latest);
    return log;
  }

  /** The highest cursor given out so far (0 before the first event). */
  get latestCursor(): number {
    return this.#latest;
  }

  /** The oldest retained cursor; `latestCursor + 1` when nothing is retained. */
  get firstCursor(): number {
    return this.#entries[0]?.event.cursor ?? this.#latest + 1;
  }

  /** The highest cursor a read has returned; events up to it are final. */
  get deliveredCursor(): number {
    return this.#delivered;
  }

  /** Retained events. */
  get size(): number {
    return this.#entries.length;
  }

  /** UTF-8 bytes of the retained events' JSON. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Events evicted so far. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Pending {@link waitForEvents} calls (each holds one timer). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Stores an event; returns what was stored or changed, in cursor order. Usually that is one new
   * event. A delta may instead be merged into the newest event (returned with its old cursor and
   * the longer `data.delta`: a persistent copy should upsert by cursor), or split into several
   * deltas when longer than a chunk. A long field gives the event plus its continuations.
   * `data` is copied (top level); nested values are kept by reference and must not change.
   */
  append(type: string, data: Record<string, unknown>, options: AppendOptions = {}): SessionEvent[] {
    const pinned = options.pinned ?? this.#pinnedTypes.has(type);
    const at = this.#now();
    const stored = MERGEABLE_DELTA_TYPES.includes(type) && typeof data.delta === "string"
      ? this.#appendDelta(type, data, data.delta, pinned, at)
      : this.#appendWithContinuations(type, { ...data }, pinned, at);
    this.#evict();
    this.#wake();
    return stored;
  }

  /**
   * Events with cursor ≥ `fromCursor`, oldest first, within `limits`. A cursor below 1 reads from
   * the start. When the events at `fromCursor` were evicted the read starts at the oldest retained
   * one and says so in `cursorResetTo` and `missedEvents`; a cursor beyond the next one (a client
   * holding a cursor from another life of the session) is reset to `latestCursor + 1`.
   */
  read(fromCursor: number, limits: ReadLimits = {}): ReadResult {
    const maxEvents = Math.max(1, Math.floor(limits.maxEvents ?? READ_LIMITS.defaultMaxEvents));
    const budget = (limits.maxBytes ?? READ_LIMITS.defaultMaxBytes) - READ_ENVELOPE_BYTES;
    const from = Number.isFinite(fromCursor) ? Math.max(1, Math.floor(fromCursor)) : 1;
    const next = this.#latest + 1;
    if (from > next) return { events: [], nextCursor: next, hasMore: false, cursorResetTo: next, missedEvents: 0 };

    const start = this.#indexOf(from);
    const events: SessionEvent[] = [];
    let used = 2; // the array's brackets
    for (let i = start; i < this.#entries.length && events.length < maxEvents; i++) {
      const entry = this.#entries[i]!;
      const cost = entry.bytes + (events.length > 0 ? 1 : 0);
      if (events.length > 0 && used + cost > budget) break;
      used += cost;
      events.push(entry.event);
    }
    const hasMore = start + events.length < this.#entries.length;
    const last = events[events.length - 1];
    if (!last) {
      // Nothing retained at or after `from`: whatever lay between was evicted.
      if (from === next) return { events, nextCursor: from, hasMore };
      return { events, nextCursor: next, hasMore, cursorResetTo: next, missedEvents: next - from };
    }
    this.#delivered = Math.max(this.#delivered, last.cursor);
    const result: ReadResult = { events, nextCursor: last.cursor + 1, hasMore };
    if (events[0]!.cursor > from) result.cursorResetTo = events[0]!.cursor;
    const missed = last.cursor - from + 1 - events.length;
    if (missed > 0) result.missedEvents = missed;
    return result;
  }

  /**
   * Resolves true as soon as an event with cursor ≥ `afterCursor` exists (at once if one does), false
   * when `timeoutMs` passes, `signal` aborts or the log is closed. For long polls: call it with the
   * `nextCursor` of the last read. Leaves no timer or listener behind.
   */
  waitForEvents(afterCursor: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#latest >= afterCursor) return Promise.resolve(true);
    if (this.#closed || signal?.aborted || !(timeoutMs > 0)) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => waiter.settle(false);
      const timer = setTimeout(() => waiter.settle(false), Math.min(timeoutMs, MAX_TIMER_MS));
      const waiter: Waiter = {
        cursor: afterCursor,
        settle: (value) => {
          this.#waiters.delete(waiter);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Ends every pending wait (false) and makes later waits return at once: the session is gone. */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.settle(false);
  }

  // ---- appending -------------------------------------------------------------------------------

  /** A delta: merged into the newest event when allowed and it fits, else new delta events of at most a chunk. */
  #appendDelta(
    type: string,
    data: Record<string, unknown>,
    delta: string,
    pinned: boolean,
    at: number,
  ): SessionEvent[] {
    const pieces = jsonStringBytes(delta) > this.#chunkBytes ? splitJsonText(delta, this.#chunkBytes) : [delta];
    const stored: SessionEvent[] = [];
    let first = 0;
    const tail = this.#entries[this.#entries.length - 1];
    if (tail && this.#canMergeInto(tail, type, data, pinned)) {
      const before = tail.event.data.delta as string;
      const piece = pieces[0]!;
      const added = jsonStringBytes(piece) - (joinsSurrogatePair(before, piece) ? 8 : 0);
      if (tail.deltaBytes + added <= this.#chunkBytes) {
        tail.event = freezeEvent(tail.event.cursor, tail.event.at, type, pinned, {
          ...tail.event.data,
          delta: before + piece,
        });
        tail.deltaBytes += added;
        tail.bytes += added;
        this.#bytes += added;
        stored.push(tail.event);
        first = 1;
      }
    }
    for (let i = first; i < pieces.length; i++) {
      stored.push(...this.#appendWithContinuations(type, { ...data, delta: pieces[i] }, pinned, at));
    }
    return stored;
  }

  /** Whether a delta may go into `tail`: the newest event, never handed to a reader, same stream and fields. */
  #canMergeInto(tail: Entry, type: string, data: Record<string, unknown>, pinned: boolean): boolean {
    const event = tail.event;
    if (tail.deltaBytes < 0 || event.type !== type || event.pinned !== pinned) return false;
    if (event.cursor !== this.#latest || event.cursor <= this.#delivered) return false;
    if (typeof data.itemId !== "string" || event.data.itemId !== data.itemId) return false;
    const keys = Object.keys(data);
    if (keys.length !== Object.keys(event.data).length) return false;
    return keys.every((key) => key === "delta" || (key in event.data && event.data[key] === data[key]));
  }

  /**
   * Stores `data` as one event, moving what does not fit into continuation events. A field longer
   * than a chunk is cut: the event keeps the first part (`<field>Truncated: true`, `<field>Bytes`:
   * UTF-8 bytes of the whole), and `<type>_continued` events `{of, field, index, text, last}` carry
   * the rest. When the event is still over its bound, the largest remaining fields are cut the same
   * way; a non-string field is cut as its JSON text (`<field>Encoding: "json"`).
   */
  #appendWithContinuations(type: string, data: Record<string, unknown>, pinned: boolean, at: number): SessionEvent[] {
    const envelope = jsonBytes({ cursor: this.#latest + 1, at, type, pinned, data: {} }) - 2;
    const spills = this.#spill(data, this.#maxEventBytes - envelope);
    const head = this.#push(type, data, pinned, at);
    const stored = [head];
    for (const { field, rest } of spills) {
      rest.forEach((text, i) => {
        stored.push(
          this.#push(
            type + CONTINUED_SUFFIX,
            { of: head.cursor, field, index: i + 1, text, last: i === rest.length - 1 },
            pinned,
            at,
          ),
        );
      });
    }
    return stored;
  }

  /** Cuts fields of `data` (in place) until its JSON fits `budget`; returns the cut-off parts. */
  #spill(data: Record<string, unknown>, budget: number): { field: string; rest: string[] }[] {
    const chunk = this.#chunkBytes;
    let size = jsonBytes(data);
    if (size <= Math.min(budget, chunk)) return []; // no field can be over a chunk
    const spills: { field: string; rest: string[] }[] = [];
    const fields = Object.keys(data)
      .map((field) => ({ field, bytes: jsonBytes(data[field]) }))
      .sort((a, b) => b.bytes - a.bytes);
    for (const { field, bytes } of fields) {
      const tooLong = bytes > chunk + 2; // + the quotes of a string
      if (!tooLong && size <= budget) continue;
      if (bytes < MIN_SPILL_BYTES) break;
      const value = data[field];
      const text = typeof value === "string" ? value : (JSON.stringify(value) as string);
      data[field] = "";
      data[`${field}Truncated`] = true;
      data[`${field}Bytes`] = utf8Bytes(text);
      if (typeof value !== "string") data[`${field}Encoding`] = "json";
      const without = jsonBytes(data);
      const pieces = splitJsonText(text, chunk, Math.min(chunk, budget - without));
      if (pieces.length === 1) {
        // It fits after all: leave it whole.
        data[field] = value;
        delete data[`${field}Truncated`];
        delete data[`${field}Bytes`];
        delete data[`${field}Encoding`];
        continue;
      }
      data[field] = pieces[0];
      size = without + jsonStringBytes(pieces[0]!);
      spills.push({ field, rest: pieces.slice(1) });
    }
    return spills;
  }

  #push(type: string, data: Record<string, unknown>, pinned: boolean, at: number): SessionEvent {
    const entry = this.#entryOf(freezeEvent(this.#latest + 1, at, type, pinned, data));
    this.#latest = entry.event.cursor;
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    return entry.event;
  }

  #entryOf(event: SessionEvent): Entry {
    const { data } = event;
    const mergeable = MERGEABLE_DELTA_TYPES.includes(event.type) && typeof data.delta === "string" &&
      data.deltaTruncated === undefined;
    return { event, bytes: jsonBytes(event), deltaBytes: mergeable ? jsonStringBytes(data.delta as string) : -1 };
  }

  // ---- bounds ----------------------------------------------------------------------------------

  /** Oldest unpinned events go while over a soft bound; then the oldest of any kind while over a hard one. */
  #evict(): void {
    const overSoft = (): boolean => this.#entries.length > this.#softLimit || this.#bytes > this.#softMaxBytes;
    const overHard = (): boolean => this.#entries.length > this.#hardLimit || this.#bytes > this.#hardMaxBytes;
    if (!overSoft()) return;
    const gone: SessionEvent[] = [];
    const remove = (index: number): void => {
      const [entry] = this.#entries.splice(index, 1);
      this.#bytes -= entry!.bytes;
      gone.push(entry!.event);
    };
    for (let i = 0; i < this.#entries.length && overSoft();) {
      if (this.#entries[i]!.event.pinned) i++;
      else remove(i);
    }
    // Only pinned events are left before the soft bound could not be met; the oldest of them go.
    while (this.#entries.length > 1 && overHard()) remove(0);
    if (gone.length === 0) return;
    gone.sort((a, b) => a.cursor - b.cursor);
    this.#evicted += gone.length;
    this.#onEvict?.(gone);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Index of the first retained event with cursor ≥ `cursor` (binary search). */
  #indexOf(cursor: number): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#entries[mid]!.event.cursor < cursor) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) if (this.#latest >= waiter.cursor) waiter.settle(true);
  }
}

function freezeEvent(
  cursor: number,
  at: number,
  type: string,
  pinned: boolean,
  data: Record<string, unknown>,
): SessionEvent {
  return Object.freeze({ cursor, at, type, pinned, data: Object.freeze(data) });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
