// deno-lint-ignore-file no-explicit-any -- Codex's JSON-RPC messages, read loosely in tests
/**
 * Minimal JSON-RPC-over-stdio driver for `codex app-server` (test tooling, not product code).
 *
 * ```ts
 * const server = startAppServer({ env: home.env, cwd: home.workspace, onRequest: (r) => ({ decision: "decline" }) });
 * await server.initialize();                         // initialize + initialized
 * const { thread } = await server.request("thread/start", { cwd, approvalPolicy: "never" });
 * await server.request("turn/start", { threadId: thread.id, input: [textInput("hi")] });
 * const done = await server.waitForNotification("turn/completed");
 * await server.close();                              // stdin EOF → SIGTERM → SIGKILL
 * ```
 *
 * Lines are newline-delimited JSON of any length. Server → client requests (approvals …) are
 * recorded in `serverRequests` and answered with `onRequest`'s return value (a thrown error
 * becomes a JSON-RPC error, code -32603). Without `onRequest` they get such an error.
 * Every started server is tracked; `closeAllAppServers()` closes stragglers, and on process
 * exit any still running is SIGKILLed.
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { codexBinary } from "./codex-bin.ts";

export type JsonRpcId = number | string;

export interface Notification {
  method: string;
  params: any;
}

export interface ServerRequest {
  id: JsonRpcId;
  method: string;
  params: any;
}

export class JsonRpcError extends Error {
  code: number;
  data: unknown;
  constructor(method: string, error: { code: number; message: string; data?: unknown }) {
    super(`${method}: JSON-RPC error ${error.code}: ${error.message}`);
    this.code = error.code;
    this.data = error.data;
  }
}

export interface AppServerOptions {
  /** Full environment (e.g. CodexHome.env). */
  env: Record<string, string>;
  /** Working directory of the app-server process. */
  cwd?: string;
  /** Executable; default the npm-installed native Codex. */
  bin?: string;
  /** Arguments; default ["app-server"]. */
  args?: string[];
  /** Answers server → client requests. */
  onRequest?: (request: ServerRequest) => unknown | Promise<unknown>;
  /** Echo stderr to our stderr (also enabled by env HARNESS_DEBUG=1). */
  echoStderr?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppServer {
  readonly pid: number;
  /** All notifications received, in order. */
  readonly notifications: Notification[];
  /** All server → client requests received, in order. */
  readonly serverRequests: ServerRequest[];
  /** stderr text so far (last 64 KiB). */
  stderr(): string;
  /** Send a request; resolves with `result`, rejects with JsonRpcError or on timeout/exit. */
  request<T = any>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Send a notification. */
  notify(method: string, params?: unknown): void;
  /** `initialize` (experimentalApi on) followed by the `initialized` notification. */
  initialize(clientName?: string): Promise<any>;
  /**
   * First notification (already received or future) matching `method` and `predicate`.
   * Searches from index `from` (default 0) of `notifications`.
   */
  waitForNotification(
    method: string,
    predicate?: (params: any) => boolean,
    options?: { timeoutMs?: number; from?: number },
  ): Promise<Notification>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** End stdin, wait up to `graceMs` (default 3000), then SIGTERM, then SIGKILL. Idempotent. */
  close(graceMs?: number): Promise<ExitInfo>;
}

const live = new Set<AppServer>();
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

/** Close every app-server still running (use in afterAll/afterEach). */
export async function closeAllAppServers(): Promise<void> {
  await Promise.all([...live].map((s) => s.close()));
}

/** A `turn/start` text input item. */
export function textInput(text: string): { type: "text"; text: string; text_elements: [] } {
  return { type: "text", text, text_elements: [] };
}

const STDERR_LIMIT = 64 * 1024;

/** Spawn `codex app-server` and wire up JSON-RPC. */
export function startAppServer(options: AppServerOptions): AppServer {
  const bin = options.bin ?? codexBinary();
  const child = spawn(bin, options.args ?? ["app-server"], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of liveChildren) c.kill("SIGKILL");
    });
  }

  const echo = options.echoStderr ?? process.env.HARNESS_DEBUG === "1";
  const notifications: Notification[] = [];
  const serverRequests: ServerRequest[] = [];
  const pending = new Map<JsonRpcId, { method: string; resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners = new Set<() => void>();
  let stderrText = "";
  let nextId = 1;
  let exitInfo: ExitInfo | undefined;
  let spawnError: Error | undefined;

  const exited = new Promise<ExitInfo>((resolve) => {
    child.on("error", (err) => {
      spawnError = err;
      // "exit" may never follow a spawn failure
      if (child.pid === undefined) finish({ code: null, signal: null });
    });
    child.on("exit", (code, signal) => finish({ code, signal }));
    function finish(info: ExitInfo) {
      if (exitInfo) return;
      exitInfo = info;
      liveChildren.delete(child);
      live.delete(server);
      const why = spawnError
        ? `failed to start: ${spawnError.message}`
        : `exited (code ${info.code}, signal ${info.signal})`;
      for (const p of pending.values()) p.reject(new Error(`${p.method}: app-server ${why}\n${tail()}`));
      pending.clear();
      for (const l of [...listeners]) l();
      resolve(info);
    }
  });

  const tail = () => (stderrText ? `stderr tail:\n${stderrText.slice(-2000)}` : "");

  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-STDERR_LIMIT);
    if (echo) process.stderr.write(`[app-server ${child.pid}] ${chunk}`);
  });

  const send = (message: unknown) => {
    if (!child.stdin.writable) return;
    child.stdin.write(JSON.stringify(message) + "\n");
  };
  child.stdin.on("error", () => {}); // EPIPE after exit is reported via `exited`

  async function answer(request: ServerRequest) {
    try {
      if (!options.onRequest) throw new Error(`harness: no onRequest handler for ${request.method}`);
      const result = await options.onRequest(request);
      send({ id: request.id, result: result ?? {} });
    } catch (err) {
      send({ id: request.id, error: { code: -32603, message: err instanceof Error ? err.message : String(err) } });
    }
  }

  function onLine(line: string) {
    if (!line.trim()) return;
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      if (echo) process.stderr.write(`[app-server ${child.pid}] non-JSON stdout: ${line}\n`);
      return;
    }
    if (msg.method !== undefined && msg.id !== undefined) {
      const request: ServerRequest = { id: msg.id, method: msg.method, params: msg.params };
      serverRequests.push(request);
      void answer(request);
    } else if (msg.method !== undefined) {
      notifications.push({ method: msg.method, params: msg.params });
    } else if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new JsonRpcError(p.method, msg.error));
      else p.resolve(msg.result);
    }
    for (const l of [...listeners]) l();
  }

  let buffer = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });

  let closing: Promise<ExitInfo> | undefined;

  const server: AppServer = {
    get pid() {
      return child.pid ?? -1;
    },
    notifications,
    serverRequests,
    exited,
    stderr: () => stderrText,

    request(method, params, timeoutMs = 10_000) {
      if (exitInfo) return Promise.reject(new Error(`${method}: app-server already exited\n${tail()}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: no answer within ${timeoutMs} ms\n${tail()}`));
        }, timeoutMs);
        pending.set(id, {
          method,
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        send(params === undefined ? { id, method } : { id, method, params });
      });
    },

    notify(method, params) {
      send(params === undefined ? { method } : { method, params });
    },

    async initialize(clientName = "codex-mcp-harness") {
      const result = await server.request("initialize", {
        clientInfo: { name: clientName, title: "codex-mcp test harness", version: "0.0.0" },
        capabilities: { experimentalApi: true },
      });
      server.notify("initialized");
      return result;
    },

    waitForNotification(method, predicate = () => true, { timeoutMs = 10_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        let index = from;
        const check = () => {
          for (; index < notifications.length; index++) {
            const n = notifications[index]!;
            if (n.method === method && predicate(n.params)) {
              cleanup();
              resolve(n);
              return;
            }
          }
          if (exitInfo) {
            cleanup();
            reject(new Error(`waiting for ${method}: app-server exited (code ${exitInfo.code})\n${tail()}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = notifications.slice(-15).map((n) => n.method).join(", ");
          reject(new Error(`no ${method} notification within ${timeoutMs} ms; last seen: ${seen}\n${tail()}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },

    close(graceMs = 3000) {
      closing ??= (async () => {
        if (exitInfo) return exitInfo;
        const within = (ms: number) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), ms);
            void exited.then(() => (clearTimeout(timer), resolve(true)));
          });
        child.stdin.end();
        if (await within(graceMs)) return exitInfo!;
        child.kill("SIGTERM");
        if (await within(2000)) return exitInfo!;
        child.kill("SIGKILL");
        return exited;
      })();
      return closing;
    },
  };
  live.add(server);
  return server;
}
