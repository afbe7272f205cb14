// deno-lint-ignore-file no-explicit-any -- Codex's JSON-RPC messages, read loosely in tests
/**
 * A scriptable fake of the OpenAI Responses API for driving the real Codex CLI offline.
 *
 * Uses only `node:http`, so it runs under Bun, Node and Deno.
 *
 * ```ts
 * const model = await startFakeModel();          // listens on 127.0.0.1, port 0
 * model.url                                      // "http://127.0.0.1:PORT/v1" (config.toml base_url)
 * model.enqueue(reply.execCommand("echo done", { callId: "c1" }), reply.message("all done"));
 * // ... run a Codex turn ...
 * model.requests[0]!.lastUserText()              // the prompt Codex sent
 * model.requests[1]!.toolOutput("c1")            // "…Process exited with code 0…Output:\ndone\n"
 * await model.close();                           // ends hanging streams, closes the server
 * ```
 *
 * Serving `POST …/responses` (any path ending in `/responses`), per request:
 *   1. the next script of the queue (`enqueue`), else
 *   2. the handler (`startFakeModel({ handler })` or `setHandler`), if it returns a script, else
 *   3. the fallback: HTTP 400 with the plain-text body {@link NO_SCRIPT_BODY} ("fake-model: no
 *      scripted response"). Codex ends the turn `failed` with `turn.error.message` equal to that
 *      text, so a missing script is loud, never a silent pass. (400, not 500: Codex replaces a
 *      500's body by a generic "high demand" message.) Override with `fallback`.
 * Every other path/method is answered 404 (and still recorded).
 *
 * Script builders (`reply.*`), all returning a {@link Script}:
 *   - `reply.message(text | deltas[], opts)`  assistant message; an array is streamed as
 *                                               `response.output_text.delta`s, text = join
 *   - `reply.execCommand(cmd, opts)`          `exec_command` function call ({ sandboxPermissions:
 *                                               "require_escalated", justification, yieldTimeMs, workdir })
 *   - `reply.functionCall(name, args, opts)`  any function call (args: object or JSON string)
 *   - `reply.applyPatch(patch, opts)`         `apply_patch` custom tool call
 *   - `reply.customToolCall(name, input)`     any custom tool call
 *   - `reply.reasoning(summary | deltas[])`   reasoning item: added, summary deltas, done
 *   - `reply.items([s1, s2, …], opts)`        several items in ONE response (items of the given
 *                                               response scripts, in order; their own options ignored)
 *   - `reply.failed(message, opts)`           `response.created` then `response.failed`
 *   - `reply.events(events, opts)`            raw SSE events, full control
 *   - `reply.httpError(status, body)`         plain HTTP error (body: string or JSON value)
 *   - `reply.hang({ events })`                200 + headers + `events` (default: response.created),
 *                                               then never finishes until the client goes or close()
 * Response options (`ResponseOptions`): `delayMs` between SSE events (slow stream), `usage`,
 * `responseId`, `omitCompleted` (stream ends without `response.completed`).
 * Call/item ids default to unique values (`call_1`, `msg_2`, …); pass `callId`/`id` to fix them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import zlib from "node:zlib";

/** Body of the fallback answer (HTTP 400) when no script is queued and no handler answers. */
export const NO_SCRIPT_BODY = "fake-model: no scripted response";

/** One SSE event: serialised as `event: <type>\ndata: <json>\n\n`. */
export type SseEvent = { type: string } & Record<string, unknown>;

/** Builds the SSE events of one output item, given its `output_index` in the response. */
export type ItemEvents = (outputIndex: number) => SseEvent[];

export interface Usage {
  input_tokens: number;
  input_tokens_details: unknown;
  output_tokens: number;
  output_tokens_details: unknown;
  total_tokens: number;
}

export interface ResponseOptions {
  /** Delay before each SSE event after the first, in ms (a slow stream). */
  delayMs?: number;
  /** Merged into the default usage {input 10, output 5, total 15}. */
  usage?: Partial<Usage>;
  /** `response.id`; default a unique `resp_N`. */
  responseId?: string;
  /** End the stream without `response.completed` (Codex: "stream closed before response.completed"). */
  omitCompleted?: boolean;
}

/** A normal streamed response: created → items → completed. */
export interface ResponseScript extends ResponseOptions {
  kind: "response";
  items: ItemEvents[];
}
/** Raw SSE events, sent as given (then the stream ends). */
export interface EventsScript {
  kind: "events";
  events: SseEvent[];
  delayMs?: number;
}
export interface HttpErrorScript {
  kind: "httpError";
  status: number;
  body: string;
  headers: Record<string, string>;
}
/** 200 + SSE headers + `events`, then nothing until the client disconnects or close(). */
export interface HangScript {
  kind: "hang";
  events: SseEvent[];
}
export type Script = ResponseScript | EventsScript | HttpErrorScript | HangScript;

/** Decides a script for a request dynamically; return undefined to fall through to the fallback. */
export type Handler = (request: RecordedRequest) => Script | undefined | Promise<Script | undefined>;

/** One input item of a Responses request (loosely typed: tests poke at it). */
export type InputItem = { type?: string; role?: string; call_id?: string; [key: string]: unknown };

/** A request the fake model received. */
export interface RecordedRequest {
  /** 0-based position among all recorded requests. */
  index: number;
  method: string;
  /** URL path including query, e.g. "/v1/responses". */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Raw body text (decompressed if the client sent content-encoding gzip/deflate/br). */
  rawBody: string;
  /** Parsed JSON body, or undefined if the body is empty or not JSON. */
  body: any;
  /** Date.now() when the body had been read. */
  time: number;
  /** `body.input` (Responses input items), [] if absent. */
  input: InputItem[];
  /** Texts of all `role: "user"` message items, in order (includes Codex's injected context). */
  userTexts(): string[];
  /** The last user message text (normally the prompt of the current turn). */
  lastUserText(): string | undefined;
  /** Output text sent back for a tool call: `function_call_output` or `custom_tool_call_output`. */
  toolOutput(callId: string): string | undefined;
  /** All tool outputs in this request, in order. */
  toolOutputs(): Array<{ type: string; callId: string; output: string }>;
}

export interface FakeModelOptions {
  /** Consulted when the queue is empty. */
  handler?: Handler;
  /** Answer when neither queue nor handler gives one; default HTTP 400 {@link NO_SCRIPT_BODY}. */
  fallback?: Script;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
}

export interface FakeModel {
  /** Base URL ending in `/v1`, for `base_url` in config.toml. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests to `…/responses` only. */
  responsesRequests(): RecordedRequest[];
  /** Append scripts to the queue; each is consumed by one `/responses` request. */
  enqueue(...scripts: Script[]): void;
  /** Scripts still queued. */
  pending(): number;
  /** Replace (or remove, with undefined) the handler. */
  setHandler(handler: Handler | undefined): void;
  /** Resolve once at least `count` `/responses` requests have arrived (default timeout 10 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Forget recorded requests and queued scripts. */
  reset(): void;
  /** End all open (hanging/slow) streams and close the server. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Script builders

let idCounter = 0;
const nextId = (prefix: string): string => `${prefix}_${++idCounter}`;

const DEFAULT_USAGE: Usage = {
  input_tokens: 10,
  input_tokens_details: null,
  output_tokens: 5,
  output_tokens_details: null,
  total_tokens: 15,
};

function response(items: ItemEvents[], opts: ResponseOptions = {}): ResponseScript {
  return { kind: "response", items, ...opts };
}

/** Split text into `n` roughly equal non-empty pieces. */
function splitText(text: string, n: number): string[] {
  if (n <= 1 || text.length <= 1) return [text];
  const size = Math.ceil(text.length / n);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

export interface MessageOptions extends ResponseOptions {
  id?: string;
  /** Split a plain string into this many streamed deltas. */
  deltas?: number;
}

export interface FunctionCallOptions extends ResponseOptions {
  callId?: string;
  id?: string;
}

export interface ExecCommandOptions extends FunctionCallOptions {
  /** `yield_time_ms`; default 10000 so short commands finish within the call. null omits it. */
  yieldTimeMs?: number | null;
  /** e.g. "require_escalated" to ask for running outside the sandbox. */
  sandboxPermissions?: string;
  justification?: string;
  workdir?: string;
  /** Extra fields merged into the arguments object. */
  extraArgs?: Record<string, unknown>;
}

export interface ReasoningOptions extends ResponseOptions {
  id?: string;
  /** Split a plain string into this many streamed summary deltas. */
  deltas?: number;
}

function functionCallItem(name: string, args: unknown, opts: FunctionCallOptions): ItemEvents {
  const item = {
    type: "function_call",
    id: opts.id ?? nextId("fc"),
    call_id: opts.callId ?? nextId("call"),
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
  };
  return (outputIndex) => [{ type: "response.output_item.done", output_index: outputIndex, item }];
}

function customToolCallItem(name: string, input: string, opts: FunctionCallOptions): ItemEvents {
  const item = {
    type: "custom_tool_call",
    id: opts.id ?? nextId("ctc"),
    call_id: opts.callId ?? nextId("call"),
    name,
    input,
  };
  return (outputIndex) => [{ type: "response.output_item.done", output_index: outputIndex, item }];
}

function pickResponseOptions(opts: ResponseOptions): ResponseOptions {
  const { delayMs, usage, responseId, omitCompleted } = opts;
  return { delayMs, usage, responseId, omitCompleted };
}

/** Builders for {@link Script}s. */
export const reply = {
  /** An assistant message. Pass an array (or `deltas: n`) to stream it as text deltas. */
  message(text: string | string[], opts: MessageOptions = {}): ResponseScript {
    const pieces = Array.isArray(text) ? text : opts.deltas ? splitText(text, opts.deltas) : [];
    const full = Array.isArray(text) ? text.join("") : text;
    const id = opts.id ?? nextId("msg");
    const item: ItemEvents = (outputIndex) => {
      const events: SseEvent[] = [];
      if (pieces.length > 0) {
        events.push({
          type: "response.output_item.added",
          output_index: outputIndex,
          item: { type: "message", role: "assistant", id, content: [] },
        });
        for (const delta of pieces) {
          events.push({
            type: "response.output_text.delta",
            item_id: id,
            output_index: outputIndex,
            content_index: 0,
            delta,
          });
        }
      }
      events.push({
        type: "response.output_item.done",
        output_index: outputIndex,
        item: {
          type: "message",
          role: "assistant",
          id,
          content: [{ type: "output_text", text: full, annotations: [] }],
        },
      });
      return events;
    };
    return response([item], pickResponseOptions(opts));
  },

  /** A call of Codex's `exec_command` tool. */
  execCommand(cmd: string, opts: ExecCommandOptions = {}): ResponseScript {
    const args: Record<string, unknown> = { cmd };
    const yieldTimeMs = opts.yieldTimeMs === undefined ? 10000 : opts.yieldTimeMs;
    if (yieldTimeMs !== null) args.yield_time_ms = yieldTimeMs;
    if (opts.workdir !== undefined) args.workdir = opts.workdir;
    if (opts.sandboxPermissions !== undefined) args.sandbox_permissions = opts.sandboxPermissions;
    if (opts.justification !== undefined) args.justification = opts.justification;
    Object.assign(args, opts.extraArgs);
    return response([functionCallItem("exec_command", args, opts)], pickResponseOptions(opts));
  },

  /** A call of any function tool; `args` is an object (JSON-encoded) or a raw JSON string. */
  functionCall(name: string, args: unknown, opts: FunctionCallOptions = {}): ResponseScript {
    return response([functionCallItem(name, args, opts)], pickResponseOptions(opts));
  },

  /**
   * How a model reaches an MCP tool that Codex keeps behind tool search (its deferred MCP tools):
   * a client-run `tool_search_call` for `query` until the search's output is in `request`, then
   * the call of `tool` in `namespace` (`mcp__<server name>`) with `args`, as `callId`.
   */
  viaToolSearch(
    request: RecordedRequest,
    call: { query: string; namespace: string; tool: string; args?: unknown; callId: string },
  ): ResponseScript {
    const searched = request.input.some((i) => i.type === "tool_search_output");
    const item = searched
      ? {
        type: "function_call",
        id: `fc_${call.callId}`,
        call_id: call.callId,
        namespace: call.namespace,
        name: call.tool,
        arguments: JSON.stringify(call.args ?? {}),
      }
      : {
        type: "tool_search_call",
        id: `ts_${call.callId}`,
        call_id: `ts_${call.callId}`,
        execution: "client",
        status: "completed",
        arguments: { query: call.query },
      };
    return response([(outputIndex) => [{ type: "response.output_item.done", output_index: outputIndex, item }]]);
  },

  /** A call of Codex's `apply_patch` custom tool (`*** Begin Patch … *** End Patch`). */
  applyPatch(patch: string, opts: FunctionCallOptions = {}): ResponseScript {
    return response([customToolCallItem("apply_patch", patch, opts)], pickResponseOptions(opts));
  },

  /** A call of any custom (free-form input) tool. */
  customToolCall(name: string, input: string, opts: FunctionCallOptions = {}): ResponseScript {
    return response([customToolCallItem(name, input, opts)], pickResponseOptions(opts));
  },

  /** A reasoning item with one summary text, streamed as summary deltas (array or `deltas: n`). */
  reasoning(summary: string | string[], opts: ReasoningOptions = {}): ResponseScript {
    const full = Array.isArray(summary) ? summary.join("") : summary;
    const pieces = Array.isArray(summary) ? summary : splitText(summary, opts.deltas ?? 1);
    const id = opts.id ?? nextId("rs");
    const item: ItemEvents = (outputIndex) => [
      { type: "response.output_item.added", output_index: outputIndex, item: { type: "reasoning", id, summary: [] } },
      ...pieces.map((delta): SseEvent => ({
        type: "response.reasoning_summary_text.delta",
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        delta,
      })),
      {
        type: "response.output_item.done",
        output_index: outputIndex,
        item: { type: "reasoning", id, summary: [{ type: "summary_text", text: full }] },
      },
    ];
    return response([item], pickResponseOptions(opts));
  },

  /** Several items in one response, e.g. `reply.items([reply.reasoning("…"), reply.message("hi")])`. */
  items(parts: ResponseScript[], opts: ResponseOptions = {}): ResponseScript {
    return response(
      parts.flatMap((p) => p.items),
      pickResponseOptions(opts),
    );
  },

  /** `response.created` then `response.failed` with `{ error: { code, message } }`. */
  failed(message: string, opts: { code?: string; responseId?: string; delayMs?: number } = {}): EventsScript {
    const id = opts.responseId ?? nextId("resp");
    return {
      kind: "events",
      delayMs: opts.delayMs,
      events: [
        { type: "response.created", response: { id } },
        { type: "response.failed", response: { id, error: { code: opts.code ?? "server_error", message } } },
      ],
    };
  },

  /** Raw SSE events, sent verbatim. */
  events(events: SseEvent[], opts: { delayMs?: number } = {}): EventsScript {
    return { kind: "events", events, delayMs: opts.delayMs };
  },

  /** A plain HTTP error; a non-string body is sent as JSON. */
  httpError(status: number, body: unknown = "", opts: { headers?: Record<string, string> } = {}): HttpErrorScript {
    const isString = typeof body === "string";
    return {
      kind: "httpError",
      status,
      body: isString ? body : JSON.stringify(body),
      headers: { "content-type": isString ? "text/plain" : "application/json", ...opts.headers },
    };
  },

  /** Send headers (and `events`, default `response.created`) then never finish. */
  hang(opts: { events?: SseEvent[] } = {}): HangScript {
    return { kind: "hang", events: opts.events ?? [{ type: "response.created", response: { id: nextId("resp") } }] };
  },
};

/** The complete SSE event list a {@link ResponseScript} produces. */
export function responseEvents(script: ResponseScript): SseEvent[] {
  const id = script.responseId ?? nextId("resp");
  const events: SseEvent[] = [{ type: "response.created", response: { id } }];
  script.items.forEach((item, index) => events.push(...item(index)));
  if (!script.omitCompleted) {
    events.push({ type: "response.completed", response: { id, usage: { ...DEFAULT_USAGE, ...script.usage } } });
  }
  return events;
}

/** Serialise one SSE event. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

// ---------------------------------------------------------------------------------------------
// Request recording

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && typeof part.text === "string" ? part.text : ""))
      .join("");
  }
  return "";
}

function makeRecord(
  index: number,
  req: http.IncomingMessage,
  rawBody: string,
): RecordedRequest {
  let body: any;
  try {
    body = rawBody ? JSON.parse(rawBody) : undefined;
  } catch {
    body = undefined;
  }
  const input: InputItem[] = Array.isArray(body?.input) ? body.input : [];
  const toolOutputs = () =>
    input
      .filter((i) =>
        (i.type === "function_call_output" || i.type === "custom_tool_call_output") && typeof i.call_id === "string"
      )
      .map((i) => ({ type: i.type as string, callId: i.call_id as string, output: contentText(i.output) }));
  const userTexts = () =>
    input.filter((i) => i.type === "message" && i.role === "user").map((i) => contentText(i.content));
  return {
    index,
    method: req.method ?? "",
    path: req.url ?? "",
    headers: req.headers,
    rawBody,
    body,
    time: Date.now(),
    input,
    userTexts,
    lastUserText: () => userTexts().at(-1),
    toolOutputs,
    toolOutput: (callId) => toolOutputs().find((o) => o.callId === callId)?.output,
  };
}

function decodeBody(buffer: Buffer, encoding: string | undefined): string {
  switch (encoding) {
    case "gzip":
      return zlib.gunzipSync(buffer).toString("utf8");
    case "deflate":
      return zlib.inflateSync(buffer).toString("utf8");
    case "br":
      return zlib.brotliDecompressSync(buffer).toString("utf8");
    case "zstd": {
      const z = zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer };
      if (z.zstdDecompressSync) return z.zstdDecompressSync(buffer).toString("utf8");
      return buffer.toString("utf8");
    }
    default:
      return buffer.toString("utf8");
  }
}

// ---------------------------------------------------------------------------------------------
// Server

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Start a fake Responses API on 127.0.0.1 with a free port. */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const requests: RecordedRequest[] = [];
  const queue: Script[] = [];
  let handler = options.handler;
  const fallback: Script = options.fallback ?? reply.httpError(400, NO_SCRIPT_BODY);
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let closed = false;
  let closePromise: Promise<void> | undefined;

  const isResponses = (r: RecordedRequest) => r.method === "POST" && /\/responses(\?|$)/.test(r.path);
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  async function serve(record: RecordedRequest, res: http.ServerResponse): Promise<void> {
    if (!isResponses(record)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end(`fake-model: no route for ${record.method} ${record.path}`);
      return;
    }
    let script = queue.shift();
    if (!script && handler) script = await handler(record);
    script ??= fallback;

    if (script.kind === "httpError") {
      res.writeHead(script.status, script.headers);
      res.end(script.body);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    let gone = false;
    res.on("close", () => (gone = true));
    const write = (event: SseEvent) => {
      if (!gone && !res.destroyed) res.write(sseFrame(event));
    };

    if (script.kind === "hang") {
      script.events.forEach(write);
      return; // left open; released when the client disconnects or on close()
    }
    const events = script.kind === "events" ? script.events : responseEvents(script);
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && script.delayMs) await sleep(script.delayMs);
      if (gone || closed) return;
      write(events[i]!);
    }
    res.end();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let raw: string;
      try {
        raw = decodeBody(Buffer.concat(chunks), req.headers["content-encoding"]);
      } catch {
        raw = Buffer.concat(chunks).toString("utf8");
      }
      const record = makeRecord(requests.length, req, raw);
      requests.push(record);
      notify();
      serve(record, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake-model: handler error: ${String(err)}`);
      });
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    requests,
    responsesRequests: () => requests.filter(isResponses),
    enqueue: (...scripts) => void queue.push(...scripts),
    pending: () => queue.length,
    setHandler: (h) => void (handler = h),
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = requests.filter(isResponses);
          if (got.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(got);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake-model: ${requests.filter(isResponses).length}/${count} /responses requests after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closePromise ??= new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closePromise;
    },
  };
}
