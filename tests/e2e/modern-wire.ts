/**
 * The 2026-07-28 wire by hand: spawns the compiled server and sends requests with the per-request
 * `_meta` envelope, to send what no SDK client would (tampered state, a tasks request without the
 * extension) and to watch the raw answers. Also a raw request path for the Tasks requester of
 * `@modelcontextprotocol/ext-tasks`, which needs one beside the SDK `Client`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { Transport } from "@modelcontextprotocol/client";
import { COMPILED } from "./launch.ts";

// deno-lint-ignore no-explicit-any -- tests read whatever fields they check
export type Json = Record<string, any>;

/** The envelope of a 2026-07-28 request from a client with `capabilities`. */
export function envelope(capabilities: Json = {}): Json {
  return {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": capabilities,
    "io.modelcontextprotocol/clientInfo": { name: "raw-wire", version: "0" },
  };
}

export interface Wire {
  /** Sends a request with the envelope of `capabilities` (default: the wire's own) and waits. */
  request(method: string, params: Json, capabilities?: Json): Promise<Json>;
  /** Sends a request without waiting (a listen stream is answered only when it ends); its id. */
  send(method: string, params: Json, capabilities?: Json): number;
  /** Every notification the server sent, in order. */
  notifications: Json[];
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<void>;
  close(): void;
}

/** The compiled server over raw stdio, with `env`; requests declare `capabilities`. */
export function rawWire(env: Record<string, string>, capabilities: Json): Wire {
  const child = spawn(COMPILED, [], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let buffer = "";
  const answers = new Map<number, (m: Json) => void>();
  const notifications: Json[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (message.method && message.id === undefined) notifications.push(message);
      else answers.get(message.id)?.(message);
    }
  });
  child.stdin.on("error", () => {});
  let id = 0;
  const send = (method: string, params: Json, caps = capabilities) => {
    id += 1;
    child.stdin.write(
      JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: envelope(caps) } }) + "\n",
    );
    return id;
  };
  return {
    request: (method, params, caps = capabilities) =>
      new Promise<Json>((resolve) => {
        answers.set(send(method, params, caps), resolve);
      }),
    send,
    notifications,
    child,
    stderr: () => stderr,
    exited,
    close: () => child.kill("SIGKILL"),
  };
}

/**
 * A client transport that also sends raw requests on the same connection (string ids of its
 * own, answered here instead of reaching the `Client`): the `rawDispatch` ext-tasks needs.
 */
export class RawDispatchTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onerror?: Transport["onerror"];
  onclose?: Transport["onclose"];
  readonly #inner: Transport;
  readonly #raw = new Map<string, (m: Json) => void>();
  #next = 0;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  start(): Promise<void> {
    this.#inner.onmessage = (message, extra) => {
      const id = (message as Json).id;
      const waiting = typeof id === "string" ? this.#raw.get(id) : undefined;
      if (waiting) {
        this.#raw.delete(id);
        waiting(message as Json);
      } else this.onmessage?.(message, extra);
    };
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onclose = () => this.onclose?.();
    return this.#inner.start();
  }

  send(...args: Parameters<Transport["send"]>): Promise<void> {
    return this.#inner.send(...args);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Sends `request` as is (with an id of ours) and resolves with its result or error. */
  async dispatch(request: unknown): Promise<{ kind: "result"; result: Json } | { kind: "error"; error: Json }> {
    const id = `raw-${++this.#next}`;
    const answered = new Promise<Json>((resolve) => this.#raw.set(id, resolve));
    await this.#inner.send({ ...(request as Json), jsonrpc: "2.0", id } as never);
    const message = await answered;
    return "error" in message ? { kind: "error", error: message.error } : { kind: "result", result: message.result };
  }
}
