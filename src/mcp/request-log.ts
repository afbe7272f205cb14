/**
 * Log messages (`notifications/message`) while a call waits on a session: each new event of the
 * session becomes one message, at a level by what it says (a command ran: `info`; Codex asks the
 * person: `notice`; a failed command: `warning`; a failed turn: `error`; plans, reasoning and
 * usage: `debug`). Streamed output deltas are not logged: the completed item carries them.
 *
 * Only clients that asked get any, at the level they asked for: in the 2026-07-28 era the
 * request's own log level (`_meta["io.modelcontextprotocol/logLevel"]`), in the 2025 era the
 * connection's `logging/setLevel`. A client that never asked pays no bytes for them.
 *
 * @module
 */
import { LOG_LEVEL_META_KEY, type LoggingLevel, type Notification } from "@modelcontextprotocol/server";
import type { SessionEvent } from "../sessions/event-log.ts";
import type { SessionManager } from "../sessions/manager.ts";

/** The levels, least severe first (RFC 5424's, as MCP names them). */
const LOG_LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** The parts of the SDK's per-request context (`ctx.mcpReq`) this needs. */
export interface LogRequest {
  /** The request's `_meta` envelope, present on 2026-07-28 requests only. */
  envelope?: Record<string, unknown>;
  notify: (notification: Notification) => Promise<void>;
}

/** The level below which nothing is sent for `request`, or `undefined` when the client asked for none. */
export function requestedLevel(
  request: LogRequest,
  connectionLevel: LoggingLevel | undefined,
): LoggingLevel | undefined {
  if (request.envelope === undefined) return connectionLevel;
  const level = request.envelope[LOG_LEVEL_META_KEY];
  return LOG_LEVELS.includes(level as LoggingLevel) ? level as LoggingLevel : undefined;
}

/** Changes closer together than this are read as one. */
const COALESCE_MS = 50;

/** At most this many characters of a command, message or answer go into one log line. */
const MAX_TEXT = 300;

const clip = (text: unknown): string => {
  const s = typeof text === "string" ? text : JSON.stringify(text) ?? "";
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
};

/** An event's level and line, or `null` for the events that are not logged. */
export function logLineOf(event: Pick<SessionEvent, "type" | "data">): { level: LoggingLevel; text: string } | null {
  const d = event.data;
  switch (event.type) {
    case "agent_message_delta":
    case "reasoning_delta":
    case "command_output_delta":
      return null;
    case "turn_requested":
      return { level: "info", text: `turn requested: ${clip(d.prompt)}` };
    case "turn_started":
      return { level: "info", text: "turn started" };
    case "command_started":
      return { level: "info", text: `running ${clip(d.command)}${d.cwd ? ` in ${d.cwd}` : ""}` };
    case "command_completed": {
      const failed = typeof d.exitCode === "number" && d.exitCode !== 0;
      return {
        level: failed ? "warning" : "info",
        text: `${clip(d.command)} exited ${d.exitCode ?? "?"}${
          d.durationMs !== undefined ? ` after ${d.durationMs} ms` : ""
        }`,
      };
    }
    case "file_change": {
      const paths = Array.isArray(d.changes) ? d.changes.map((c) => (c as { path?: string }).path ?? "?") : [];
      return { level: "info", text: `file changes (${d.status ?? "?"}): ${clip(paths.join(", "))}` };
    }
    case "agent_message":
      return { level: "info", text: `Codex says: ${clip(d.text)}` };
    case "approval_request":
      return {
        level: "notice",
        text: `Codex asks to approve ${d.kind}: ${clip(d.command ?? d.files ?? d.message ?? d.reason ?? "")}`,
      };
    case "user_input_request":
      return { level: "notice", text: `Codex asks: ${clip(d.questions)}` };
    case "request_answered":
      return { level: "info", text: `request ${d.requestId} answered${answerOf(d)}` };
    case "approval_timeout":
      return { level: "warning", text: `nobody answered request ${d.requestId} in time: ${d.answer}` };
    case "warning":
      return { level: "warning", text: clip(d.message) };
    case "error":
      return { level: d.willRetry ? "warning" : "error", text: clip(d.message) };
    case "backend_crashed":
      return { level: "error", text: `Codex stopped: ${clip(d.message)}` };
    case "turn_completed": {
      const ok = d.status === "completed";
      return { level: ok ? "info" : "error", text: `turn ${d.status}${d.error ? `: ${clip(d.error)}` : ""}` };
    }
    default:
      return { level: "debug", text: `${event.type} ${clip(d)}` };
  }
}

function answerOf(d: Readonly<Record<string, unknown>>): string {
  const by = typeof d.by === "string" ? ` by the ${d.by}` : "";
  if (typeof d.decision === "string") return `: ${d.decision}${by}`;
  if (d.answers !== undefined) return `${by}`;
  return d.automatic ? " automatically" : "";
}

/**
 * Sends a session's new events as log messages for one waiting request, from the cursor it was
 * started at, until stopped. Does nothing when the client asked for no log messages.
 */
export class RequestLog {
  readonly #request: LogRequest;
  readonly #threshold: number;
  readonly #sessions: SessionManager;
  readonly #sessionId: string;
  #cursor: number;
  #pending: ReturnType<typeof setTimeout> | undefined;

  constructor(request: LogRequest, level: LoggingLevel | undefined, sessions: SessionManager, sessionId: string) {
    this.#request = request;
    this.#threshold = level === undefined ? Infinity : LOG_LEVELS.indexOf(level);
    this.#sessions = sessions;
    this.#sessionId = sessionId;
    this.#cursor = this.enabled ? sessions.latestCursor(sessionId) + 1 : 0;
  }

  get enabled(): boolean {
    return this.#threshold !== Infinity;
  }

  /** Something changed: send what is new shortly (a burst of changes is read once). */
  soon(): void {
    if (!this.enabled || this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.flush();
    }, COALESCE_MS);
  }

  /** Sends what is new since the last call, and stops a pending {@link soon}. */
  flush(): void {
    clearTimeout(this.#pending);
    this.#pending = undefined;
    if (!this.enabled) return;
    const read = this.#sessions.read(this.#sessionId, this.#cursor, { maxEvents: 200, maxBytes: 256 * 1024 });
    this.#cursor = read.nextCursor;
    for (const event of read.events) {
      const line = logLineOf(event);
      if (!line || LOG_LEVELS.indexOf(line.level) < this.#threshold) continue;
      const notification: Notification = {
        method: "notifications/message",
        params: {
          level: line.level,
          logger: "codex",
          data: { message: line.text, sessionId: this.#sessionId, event: event.type, cursor: event.cursor },
        },
      };
      this.#request.notify(notification).catch(() => {});
    }
    if (read.hasMore) this.flush();
  }
}
