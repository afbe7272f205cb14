/**
 * The Node adapter (Node ≥ 22). Spawning uses `node:child_process`; the server's stdio and files
 * come from the helpers Node shares with Bun.
 *
 * @module
 */
import { spawn as nodeSpawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable, Writable } from "node:stream";
import { processRuntime, processStdio } from "./node-process.ts";
import {
  type ChildProcess,
  type ExitStatus,
  type HttpListener,
  type HttpServeOptions,
  type Runtime,
  SpawnError,
  type SpawnOptions,
} from "./types.ts";

async function spawn(options: SpawnOptions): Promise<ChildProcess> {
  const child = nodeSpawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    // `detached` makes the child call setsid(): it leads a new group. On Windows it would open a console.
    detached: options.newProcessGroup === true && process.platform !== "win32",
    stdio: [options.stdin === "ignore" ? "ignore" : "pipe", "pipe", "pipe"],
    windowsHide: true,
    windowsVerbatimArguments: options.windowsVerbatimArguments,
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once(
      "error",
      (error: NodeJS.ErrnoException) =>
        reject(new SpawnError(error.code ?? "UNKNOWN", options.command, error.message, { cause: error })),
    );
  });
  // Later errors (a failed kill, EPIPE on stdin) surface through the streams; never as a crash.
  child.on("error", () => {});
  child.stdin?.on("error", () => {});
  return {
    pid: child.pid!,
    stdin: child.stdin ? (Writable.toWeb(child.stdin) as WritableStream<Uint8Array>) : null,
    stdout: Readable.toWeb(child.stdout!) as unknown as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(child.stderr!) as unknown as ReadableStream<Uint8Array>,
    exited,
  };
}

/** A Node request as a Web-standard one (the body streamed, not read ahead). */
function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) { for (const v of value) headers.append(name, v); }
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    signal,
    ...(hasBody && { body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>, duplex: "half" }),
  } as RequestInit);
}

/** Writes a Web-standard response, streaming its body until it ends or the client goes away. */
async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

/** `node:http` in front of a Web-standard handler. */
function serveHttp(options: HttpServeOptions): Promise<HttpListener> {
  const server = createServer((req, res) => {
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    options.fetch(webRequest(req, gone.signal))
      .then((response) => sendResponse(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      const address = server.address();
      resolve({
        hostname: options.hostname,
        port: typeof address === "object" && address ? address.port : options.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Builds the Node runtime. Call once, early: it captures the real stdout before anything can replace it. */
export function createNodeRuntime(): Runtime {
  // A closed or broken stdin must not surface as an unhandled 'error' event.
  process.stdin.on("error", () => {});
  const stdin = Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array>;
  return processRuntime({ name: "node", version: process.versions.node, stdio: processStdio(stdin), spawn, serveHttp });
}
