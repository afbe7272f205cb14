/**
 * Newline-delimited text from a byte stream: the framing of MCP's stdio transport and of Codex's
 * JSON-RPC and JSONL output. Lines can be very long (Codex sends a whole 1 MiB command output in
 * one line), so chunks are collected and joined once per line instead of re-concatenated per chunk.
 *
 * @module
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Options for {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Lines longer than this many bytes are dropped, not buffered without bound. Default 64 MiB. */
  maxLineBytes?: number;
  /** Called for each dropped line with its length so far. */
  onOversizedLine?: (bytes: number) => void;
}

/**
 * Splits bytes into lines without their terminator (`\n` or `\r\n`), decoded as UTF-8 (invalid
 * sequences become U+FFFD). A last line without a terminator is emitted at the end of the stream.
 */
export class LineSplitter extends TransformStream<Uint8Array, string> {
  constructor(options: LineSplitterOptions = {}) {
    const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
    const decoder = new TextDecoder();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let discarding = false;

    const reset = () => {
      pending = [];
      pendingBytes = 0;
    };

    const take = (tail: Uint8Array): Uint8Array => {
      if (pending.length === 0) return tail;
      const line = new Uint8Array(pendingBytes + tail.length);
      let offset = 0;
      for (const part of pending) {
        line.set(part, offset);
        offset += part.length;
      }
      line.set(tail, offset);
      reset();
      return line;
    };
    const decode = (bytes: Uint8Array): string => {
      const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
      return decoder.decode(bytes.subarray(0, end));
    };
    super({
      transform(chunk, controller) {
        let start = 0;
        for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
          const segment = chunk.subarray(start, end);
          start = end + 1;
          if (discarding) {
            discarding = false; // the oversized line ends here; it was reported when it overflowed
          } else if (pendingBytes + segment.length > maxLineBytes) {
            options.onOversizedLine?.(pendingBytes + segment.length);
            reset();
          } else {
            controller.enqueue(decode(take(segment)));
          }
        }
        if (start === chunk.length || discarding) return;
        const rest = chunk.subarray(start);
        if (pendingBytes + rest.length > maxLineBytes) {
          options.onOversizedLine?.(pendingBytes + rest.length);
          reset();
          discarding = true;
          return;
        }
        // Copy: the runtime may reuse the chunk's buffer after we return.
        pending.push(rest.slice());
        pendingBytes += rest.length;
      },
      flush(controller) {
        if (!discarding && pendingBytes > 0) controller.enqueue(decode(take(new Uint8Array(0))));
      },
    });
  }
}
