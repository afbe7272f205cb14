/**
 * Diagnostics, always on stderr: stdout belongs to the protocol.
 *
 * @module
 */

export type LogLevel = "error" | "warn" | "info" | "debug";
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

export interface Logger {
  /** Changes the threshold, e.g. once the configuration has been read. */
  setLevel(level: LogLevel): void;
  /** Writes `text` as it is, whatever the level: for messages a person must see (preflight, refusals). */
  print(text: string): void;
  error(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  debug(message: string, detail?: unknown): void;
}

const encoder = new TextEncoder();

/**
 * A logger that writes `codex-mcp[level]: message` lines to `stderr`. Never throws, never blocks.
 * It holds stderr's only writer: everything else that must reach stderr goes through {@link Logger.print}.
 */
export function createLogger(stderr: WritableStream<Uint8Array>, level: LogLevel): Logger {
  const writer = stderr.getWriter();
  let threshold = LOG_LEVELS.indexOf(level);
  const print = (text: string) => void writer.write(encoder.encode(text)).catch(() => {});
  const emit = (at: LogLevel, message: string, detail?: unknown) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    let line = `codex-mcp[${at}]: ${message}`;
    if (detail !== undefined) {
      line += ` ${detail instanceof Error ? (detail.stack ?? detail.message) : safeJson(detail)}`;
    }
    print(line + "\n");
  };
  return {
    setLevel: (next) => void (threshold = LOG_LEVELS.indexOf(next)),
    print,
    error: (m, d) => emit("error", m, d),
    warn: (m, d) => emit("warn", m, d),
    info: (m, d) => emit("info", m, d),
    debug: (m, d) => emit("debug", m, d),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
