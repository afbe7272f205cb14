/**
 * The last bytes a child wrote to stderr, in a fixed-size ring. Errors quote this tail ("Codex
 * said: …"), while a child that floods stderr costs a constant amount of memory.
 *
 * @module
 */

/** Default size of the kept tail: enough for a stack trace or a config error, small per child. */
export const DEFAULT_STDERR_TAIL_BYTES = 64 * 1024;

/** Keeps the most recent `capacity` bytes pushed into it. */
export class StderrRing {
  readonly capacity: number;
  readonly #buffer: Uint8Array;
  /** Index of the oldest kept byte. */
  #start = 0;
  #length = 0;
  #total = 0;

  constructor(capacity: number = DEFAULT_STDERR_TAIL_BYTES) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`stderr tail capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#buffer = new Uint8Array(capacity);
  }

  /** Every byte ever pushed, including the ones no longer kept. */
  get totalBytes(): number {
    return this.#total;
  }

  /** Whether older bytes were dropped to make room. */
  get truncated(): boolean {
    return this.#total > this.#length;
  }

  push(chunk: Uint8Array): void {
    this.#total += chunk.length;
    const capacity = this.capacity;
    if (chunk.length >= capacity) {
      this.#buffer.set(chunk.subarray(chunk.length - capacity));
      this.#start = 0;
      this.#length = capacity;
      return;
    }
    const end = (this.#start + this.#length) % capacity;
    const first = Math.min(chunk.length, capacity - end);
    this.#buffer.set(chunk.subarray(0, first), end);
    if (first < chunk.length) this.#buffer.set(chunk.subarray(first), 0);
    const length = this.#length + chunk.length;
    if (length > capacity) {
      this.#start = (this.#start + length - capacity) % capacity;
      this.#length = capacity;
    } else {
      this.#length = length;
    }
  }

  /** The kept bytes, oldest first (a copy). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    const first = Math.min(this.#length, this.capacity - this.#start);
    out.set(this.#buffer.subarray(this.#start, this.#start + first));
    if (first < this.#length) out.set(this.#buffer.subarray(0, this.#length - first), first);
    return out;
  }

  /**
   * The kept bytes as UTF-8 text. When older bytes were dropped the cut may fall inside a character:
   * its orphaned continuation bytes are skipped rather than shown as U+FFFD.
   */
  text(): string {
    let bytes = this.bytes();
    if (this.truncated) {
      let skip = 0;
      while (skip < 3 && skip < bytes.length && (bytes[skip]! & 0xc0) === 0x80) skip++;
      bytes = bytes.subarray(skip);
    }
    return new TextDecoder().decode(bytes);
  }
}
