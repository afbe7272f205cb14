/**
 * JSON-RPC over newline-delimited JSON, the way `codex app-server` speaks it: messages carry no
 * `"jsonrpc"` field, both sides send requests, and ids are per connection.
 *
 * The connection runs over a {@link LineChannel}, not a process, so it can be tested in memory and
 * knows nothing of how the peer was started.
 *
 * @module
 */
import * as v from "valibot";

/** What a JSON-RPC peer needs from the thing carrying its lines. */
export interface LineChannel {
  /** Sends one line (without its newline). Rejects when the peer can no longer read. */
  send(line: string): Promise<void>;
  /** Registers the receiver of every line the peer writes. Called once. */
  onLine(handler: (line: string) => void): void;
}

export type RequestId = string | number;

/** An error answer, from the peer or for it. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }
}

/** The request took longer than its timeout. */
export class RpcTimeoutError extends Error {
  override name = "RpcTimeoutError";
}

/** The connection closed (the peer exited, or we closed it) before the answer came. */
export class RpcClosedError extends Error {
  override name = "RpcClosedError";
}

/** JSON-RPC's reserved codes, and Codex's "overloaded, retry later". */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  overloaded: -32001,
} as const;

export interface JsonRpcOptions {
  /** Default timeout of a request. */
  requestTimeoutMs: number;
  /** How often an "overloaded" (-32001) answer is retried, with doubling backoff from 50 ms. Default 4. */
  overloadRetries?: number;
  onNotification?: (method: string, params: unknown) => void;
  /**
   * Answers a request from the peer: return the result, or throw an {@link RpcError}. Anything
   * else thrown becomes an internal error answer: every request gets a well-formed answer.
   */
  onRequest?: (method: string, params: unknown, id: RequestId) => unknown | Promise<unknown>;
  /** A line that is not a valid message: reported, never fatal. */
  onInvalid?: (line: string, reason: string) => void;
}

const Id = v.union([v.string(), v.number()]);
const ErrorObject = v.object({ code: v.number(), message: v.string(), data: v.optional(v.unknown()) });
const Incoming = v.union([
  v.object({ id: Id, method: v.string(), params: v.optional(v.unknown()) }),
  v.object({ method: v.string(), params: v.optional(v.unknown()) }),
  v.object({ id: Id, error: ErrorObject }),
  v.object({ id: Id, result: v.unknown() }),
]);

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One JSON-RPC conversation with a peer. */
export class JsonRpcConnection {
  readonly #channel: LineChannel;
  readonly #options: JsonRpcOptions;
  readonly #pending = new Map<RequestId, Pending>();
  #nextId = 1;
  #closedBy: Error | null = null;

  constructor(channel: LineChannel, options: JsonRpcOptions) {
    this.#channel = channel;
    this.#options = options;
    channel.onLine((line) => this.#receive(line));
  }

  /** Sends a request and resolves with its result; retries "overloaded" answers with backoff. */
  async request<T = unknown>(method: string, params?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const retries = this.#options.overloadRetries ?? 4;
    for (let attempt = 0;; attempt++) {
      try {
        return (await this.#requestOnce(method, params, options.timeoutMs ?? this.#options.requestTimeoutMs)) as T;
      } catch (error) {
        if (!(error instanceof RpcError) || error.code !== RPC.overloaded || attempt >= retries) throw error;
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  #requestOnce(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#closedBy) return Promise.reject(this.#closedBy);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcTimeoutError(`${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(params === undefined ? { id, method } : { id, method, params }).catch((error: Error) => {
        this.#settle(id)?.reject(new RpcClosedError(`could not send ${method}: ${error.message}`));
      });
    });
  }

  /** Sends a notification. Rejects only when the peer cannot be written to. */
  notify(method: string, params?: unknown): Promise<void> {
    if (this.#closedBy) return Promise.reject(this.#closedBy);
    return this.#send(params === undefined ? { method } : { method, params });
  }

  /** Fails every pending request with `reason`; later calls reject at once. Idempotent. */
  close(reason = "connection closed"): void {
    if (this.#closedBy) return;
    this.#closedBy = new RpcClosedError(reason);
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(this.#closedBy);
  }

  get pendingRequests(): number {
    return this.#pending.size;
  }

  #send(message: object): Promise<void> {
    return this.#channel.send(JSON.stringify(message));
  }

  #settle(id: RequestId): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  #receive(line: string): void {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.#options.onInvalid?.(line, "not JSON");
      return;
    }
    const parsed = v.safeParse(Incoming, json);
    if (!parsed.success) {
      this.#options.onInvalid?.(line, "not a JSON-RPC message");
      return;
    }
    const message = parsed.output;
    if ("method" in message) {
      if ("id" in message) void this.#answer(message.id, message.method, message.params);
      else this.#options.onNotification?.(message.method, message.params);
    } else if ("error" in message) {
      this.#settle(message.id)?.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    } else {
      const pending = this.#settle(message.id);
      if (pending) pending.resolve(message.result);
      else this.#options.onInvalid?.(line, `an answer to unknown request ${JSON.stringify(message.id)}`);
    }
  }

  async #answer(id: RequestId, method: string, params: unknown): Promise<void> {
    let reply: object;
    try {
      if (!this.#options.onRequest) {
        throw new RpcError(RPC.internalError, `this client does not take requests (${method})`);
      }
      reply = { id, result: (await this.#options.onRequest(method, params, id)) ?? {} };
    } catch (error) {
      reply = error instanceof RpcError
        ? {
          id,
          error: {
            code: error.code,
            message: error.message,
            ...(error.data === undefined ? {} : { data: error.data }),
          },
        }
        : {
          id,
          error: {
            code: RPC.internalError,
            message: `failed to handle ${method}: ${(error as Error).message ?? String(error)}`,
          },
        };
    }
    // The peer may be gone by now; there is nobody left to tell.
    await this.#send(reply).catch(() => {});
  }
}
