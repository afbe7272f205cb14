/**
 * The Bun adapter, also what the compiled binary runs on. Spawning uses `Bun.spawn` (faster than
 * Bun's `node:child_process`); stdio and files use the helpers Bun shares with Node.
 *
 * @module
 */
import { processRuntime } from "./node-process.ts";
import {
  type ChildProcess,
  type ExitStatus,
  type HttpListener,
  type HttpServeOptions,
  type Runtime,
  SpawnError,
  type SpawnOptions,
} from "./types.ts";

/**
 * Bun gives a child's stdin as a FileSink; the core wants a WritableStream whose writes can fail.
 * Measured on Bun 1.4.5: `write` returns a promise that rejects with EPIPE when the child closed its
 * stdin (ignoring it crashes the process with an unhandled rejection), and after the child has exited
 * writes are silently dropped, so that case is turned into an EPIPE here.
 */
function sinkToWritable(sink: Bun.FileSink, hasExited: () => boolean): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (hasExited()) {
        throw Object.assign(new Error("EPIPE: broken pipe, write (the child has exited)"), { code: "EPIPE" });
      }
      const written: unknown = sink.write(chunk);
      if (written instanceof Promise) await written;
      const flushed: unknown = sink.flush();
      if (flushed instanceof Promise) await flushed;
    },
    async close() {
      await sink.end();
    },
    async abort() {
      await sink.end();
    },
  });
}

async function spawn(options: SpawnOptions): Promise<ChildProcess> {
  let proc: Bun.Subprocess<"pipe" | "ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn({
      cmd: [options.command, ...options.args],
      cwd: options.cwd,
      env: options.env ? { ...options.env } : undefined,
      stdin: options.stdin === "ignore" ? "ignore" : "pipe",
      stdout: "pipe",
      stderr: "pipe",
      detached: options.newProcessGroup === true && process.platform !== "win32",
      windowsHide: true,
      windowsVerbatimArguments: options.windowsVerbatimArguments,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "UNKNOWN";
    throw new SpawnError(code, options.command, (error as Error).message, { cause: error });
  }
  const stdin = proc.stdin;
  return {
    pid: proc.pid,
    stdin: stdin && typeof stdin === "object"
      ? sinkToWritable(stdin, () => proc.exitCode !== null || proc.signalCode !== null)
      : null,
    stdout: proc.stdout,
    stderr: proc.stderr,
    exited: proc.exited.then(
      (): ExitStatus => ({
        code: proc.signalCode ? null : proc.exitCode,
        signal: proc.signalCode ? String(proc.signalCode) : null,
      }),
    ),
  };
}

/** `Bun.serve`, without its idle timeout: a long-poll or an SSE stream may be quiet for minutes. */
async function serveHttp(options: HttpServeOptions): Promise<HttpListener> {
  const server = Bun.serve({ hostname: options.hostname, port: options.port, idleTimeout: 0, fetch: options.fetch });
  return { hostname: options.hostname, port: server.port ?? options.port, close: () => server.stop(true) };
}

/** Builds the Bun runtime. Call once, early: it captures the real stdout before anything can replace it. */
export function createBunRuntime(): Runtime {
  return processRuntime({ name: "bun", version: Bun.version, stdin: Bun.stdin.stream(), spawn, serveHttp });
}
