/**
 * MCP over stdio on Web streams: one JSON-RPC message per line, in and out.
 *
 * Why our own and not the SDK's (it is handed to the SDK's `serveStdio` as its transport): the
 * SDK's reads Node streams and writes with `process.stdout.write`, which blocks Deno's event loop
 * on a slow reader — measured by `bench/stdio-transport.ts` with the v2 SDK (2.4): 1.25 s of
 * stall against 21 ms for this one, for 8 MiB of answers to a client reading 64 KiB per 10 ms.
 * This one runs on any runtime's streams, answers malformed lines instead of dropping them,
 * finishes in-flight requests when stdin ends, and lets the caller wait until every byte has been
 * written.
 *
 * @module
 */
import {
  type JSONRPCMessage,
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  type Transport,
} from "@modelcontextprotocol/server";
import { LineSplitter } from "../../../streams/lines.ts";
import { TaskListens } from "./task-listens.ts";

type RequestId = string | number;

/** Options for {@link StdioTransport}. */
export interface StdioTransportOptions {
  /** A line longer than this is refused with a parse error. Default 64 MiB. */
  maxMessageBytes?: number;
  /** After stdin ends, how long requests already received may take to be answered. Default 10 s. */
  inputEndGraceMs?: number;
}

const encoder = new TextEncoder();

/** Requests of the 2025 era answered before the initialize exchange has completed. */
const BEFORE_INITIALIZE = new Set(["initialize", "ping", "server/discover"]);

/** An SDK {@link Transport} over a byte stream in and a byte stream out. */
export class StdioTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onerror?: Transport["onerror"];
  onclose?: Transport["onclose"];

  /**
   * The protocol version of this connection, once known: the one the server agreed to in its
   * `initialize` answer (2025 era), or the one claimed in the `_meta` of the first request the
   * server answered with a result (2026-07-28 era, which has no `initialize`).
   */
  protocolVersion: string | undefined;
  /** Resolves once the transport has closed (end of input, a signal, or {@link close}). */
  readonly closed: Promise<void>;

  readonly #input: ReadableStream<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #maxMessageBytes: number;
  readonly #inputEndGraceMs: number;
  /** Requests from the client not yet answered: at the end of input we wait for these. */
  readonly #unanswered = new Set<RequestId>();
  #answered: () => void = () => {};
  #initializeId: RequestId | undefined;
  /** Until the era is known: the revision each 2026-era request claimed, by request id. */
  readonly #claims = new Map<RequestId, string>();
  /** A 2026-era request arrived: the 2025-era "initialize first" rule no longer applies. */
  #modern = false;
  /** Listen streams that asked for task notifications (the SDK entry serves the rest of listen). */
  readonly #taskListens = new TaskListens();
  #resolveClosed: () => void = () => {};
  #reader: ReadableStreamDefaultReader<string> | undefined;
  #lastWrite: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    input: ReadableStream<Uint8Array>,
    output: WritableStream<Uint8Array>,
    options: StdioTransportOptions = {},
  ) {
    this.#input = input;
    this.#writer = output.getWriter();
    this.#maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.#inputEndGraceMs = options.inputEndGraceMs ?? 10_000;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  async start(): Promise<void> {
    if (this.#reader) throw new Error("StdioTransport already started");
    const lines = this.#input.pipeThrough(
      new LineSplitter({
        maxLineBytes: this.#maxMessageBytes,
        onOversizedLine: (bytes) =>
          this.#sendError(
            null,
            ProtocolErrorCode.ParseError,
            `Parse error: message of ${bytes} bytes exceeds the limit of ${this.#maxMessageBytes}`,
          ),
      }),
    );
    this.#reader = lines.getReader();
    void this.#readLoop(this.#reader);
  }

  async #readLoop(reader: ReadableStreamDefaultReader<string>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#receive(value);
      }
    } catch (error) {
      if (!this.#closed) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
    await this.#finishAfterInputEnds();
  }

  #receive(line: string): void {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.#sendError(null, ProtocolErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
      return;
    }
    // The server package's own schema copy (importing @modelcontextprotocol/core for it would load
    // a second copy of every schema at start-up).
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(parsed);
    } catch {
      const id = requestIdOf(parsed);
      this.#sendError(
        id ?? null,
        ProtocolErrorCode.InvalidRequest,
        "Invalid Request: not a JSON-RPC 2.0 message (see https://www.jsonrpc.org/specification)",
      );
      return;
    }
    const claimed = "method" in message ? claimedVersion(message.params) : undefined;
    if (claimed !== undefined) {
      this.#modern = true;
      // A 2026-07-28 request names its revision itself; the server entry validates the claim.
      if (this.protocolVersion === undefined && "id" in message && message.id !== undefined) {
        this.#claims.set(message.id, claimed);
      }
    } else if (
      "method" in message && "id" in message && this.protocolVersion === undefined &&
      this.#initializeId === undefined && !this.#modern && !BEFORE_INITIALIZE.has(message.method)
    ) {
      // A 2025-era client may send only pings before the initialize exchange. Requests that follow
      // the initialize request without waiting for its answer are served in order after it.
      this.#sendError(
        message.id,
        ProtocolErrorCode.InvalidRequest,
        `codex-mcp is not initialized yet: send initialize first (only ping is answered before it), not ${
          JSON.stringify(message.method.slice(0, 100))
        }`,
      );
      return;
    }
    if ("method" in message && "id" in message) {
      // A subscription (2026-07-28) is answered only when the connection ends: not waited for.
      if (message.method !== "subscriptions/listen") this.#unanswered.add(message.id);
      if (message.method === "initialize") this.#initializeId = message.id;
    } else if ("method" in message && message.method === "notifications/cancelled") {
      // A cancelled request is never answered (the spec says so): stop waiting for its answer.
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined && this.#unanswered.delete(id) && this.#unanswered.size === 0) this.#answered();
    }
    const refusal = this.#taskListens.inbound(message);
    if (refusal) {
      this.#unanswered.delete((message as { id: RequestId }).id);
      this.#write(JSON.stringify(refusal)).catch(() => {});
      return;
    }
    this.onmessage?.(message);
  }

  /** End of input: give requests already received time to be answered, then close. */
  async #finishAfterInputEnds(): Promise<void> {
    if (this.#closed) return;
    if (this.#unanswered.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.#answered = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#inputEndGraceMs))),
      ]);
      clearTimeout(timer);
    }
    await this.close();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("StdioTransport is closed"));
    message = this.#taskListens.outbound(message);
    if (("result" in message || "error" in message) && message.id !== undefined) {
      if (message.id === this.#initializeId && "result" in message) {
        this.protocolVersion = (message.result as { protocolVersion?: string }).protocolVersion;
      }
      const claim = this.#claims.get(message.id);
      if (claim !== undefined && "result" in message && this.protocolVersion === undefined) {
        this.protocolVersion = claim;
        this.#claims.clear();
      }
      this.#claims.delete(message.id);
      if (this.#unanswered.delete(message.id) && this.#unanswered.size === 0) this.#answered();
    }
    return this.#write(JSON.stringify(message));
  }

  #write(json: string): Promise<void> {
    const done = this.#writer.write(encoder.encode(json + "\n"));
    this.#lastWrite = done.catch(() => {});
    return done;
  }

  #sendError(id: RequestId | null, code: number, message: string): void {
    if (this.#closed) return;
    this.#write(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } })).catch(() => {});
  }

  /** `notifications/tasks` with `task` (a task as `tasks/get` shows it) to the streams that asked for it. */
  notifyTask(task: Record<string, unknown>): void {
    if (this.#closed) return;
    for (const message of this.#taskListens.deliveries(task)) this.#write(JSON.stringify(message)).catch(() => {});
  }

  /** Resolves when every message sent so far has been handed to the output. */
  flushed(): Promise<void> {
    return this.#lastWrite;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader?.cancel().catch(() => {});
    await this.#lastWrite;
    this.#writer.releaseLock();
    this.onclose?.();
    this.#resolveClosed();
  }
}

/** The protocol revision a request's `_meta` claims (the 2026-07-28 per-request envelope). */
function claimedVersion(params: unknown): string | undefined {
  const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const version = meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === "string" ? version : undefined;
}

function requestIdOf(value: unknown): RequestId | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  const id = (value as { id: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
