/**
 * Wraps a sink so the adapter can wait until everything written has been handed to the OS.
 * Needed because `process.exit()` right after a large write truncates it (measured in Node and Bun).
 *
 * @module
 */

/** A writable stream plus a promise for "every write so far has settled". */
export interface TrackedWritable {
  readonly stream: WritableStream<Uint8Array>;
  settled(): Promise<void>;
}

/**
 * Builds a {@link WritableStream} from `write`, which must resolve once the chunk is handed to the OS.
 * A failed write (EPIPE when the reader has gone) rejects that write and every later one, and
 * never escapes as an unhandled error.
 */
export function trackedWritable(write: (chunk: Uint8Array) => Promise<void>): TrackedWritable {
  let last: Promise<void> = Promise.resolve();
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      const done = write(chunk);
      last = done.catch(() => {});
      return done;
    },
  });
  return { stream, settled: () => last };
}
