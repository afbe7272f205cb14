/**
 * The Bun adapter, also what the compiled binary runs on. Spawning uses `Bun.spawn` (faster than
 * Bun's `node:child_process`), and our own stdio Bun's file sinks; files and signals use the
 * helpers Bun shares with Node.
 *
 * On POSIX nothing here touches `process.stdout`, `process.stderr` or `node:tty` at start-up: Bun
 * builds those Node streams on first use, which in a compiled binary costs about 7.5 ms
 * (`process.stdout`) and 2.5 ms (`node:tty`) of a cold start measured at about 35 ms
 * (bench/startup.ts).
 *
 * @module
 */
import { processIsTerminal, processRuntime, type ProcessStdio, processStdio, STDIO_FD } from "./node-process.ts";
import {
  type ChildProcess,
  type ExitStatus,
  type HttpListener,
  type HttpServeOptions,
  type Runtime,
  SpawnError,
  type SpawnOptions,
} from "./types.ts";
import { type TrackedWritable, trackedWritable } from "./write-tracker.ts";

/**
 * Bun gives a child's stdin as a FileSink; the core wants a WritableStream whose writes can fail.
 * Measured on Bun 1.4.5: `write` returns a promise that rejects with EPIPE when the child closed its
 * stdin (ignoring it crashes the process with an unhandled rejection), and after the child has exited
 * writes are silently dropped, so that case is turned into an EPIPE here.
 */
/** Hands `chunk` to `sink` and waits until it is flushed (either step may answer with a promise). */
async function writeToSink(sink: Bun.FileSink, chunk: Uint8Array): Promise<void> {
  const written: unknown = sink.write(chunk);
  if (written instanceof Promise) await written;
  const flushed: unknown = sink.flush();
  if (flushed instanceof Promise) await flushed;
}

function sinkToWritable(sink: Bun.FileSink, hasExited: () => boolean): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (hasExited()) {
        throw Object.assign(new Error("EPIPE: broken pipe, write (the child has exited)"), { code: "EPIPE" });
      }
      await writeToSink(sink, chunk);
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

/**
 * One of our own file sinks (stdout, stderr) as a backpressured, EPIPE-safe {@link TrackedWritable}.
 * Measured on Bun 1.4.5 with a pipe: a write the reader cannot take yet returns a promise from
 * `flush` (the event loop keeps running), and one the reader has gone from rejects with EPIPE.
 */
function sinkWritable(sink: Bun.FileSink): TrackedWritable {
  let broken: unknown = null;
  return trackedWritable(async (chunk) => {
    if (broken) throw broken;
    try {
      await writeToSink(sink, chunk);
    } catch (error) {
      broken = error;
      throw error;
    }
  });
}

type TtyBinding = { isTTY?: (fd: number) => boolean };

/** `isatty` through Bun's `tty_wrap` binding (Bun's own tests hold it to `node:tty`'s `isatty`),
 * with `node:tty`, loaded only then, where the binding is missing. */
function isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean {
  try {
    const binding = (process as { binding?: (name: string) => TtyBinding }).binding?.("tty_wrap");
    if (typeof binding?.isTTY === "function") return binding.isTTY(STDIO_FD[stream]);
  } catch {
    // No such binding in this Bun: ask node:tty.
  }
  return processIsTerminal(stream);
}

/**
 * Replaces `process.stdout` (assigning it does not build Bun's stream; defining it does) with a
 * stand-in for `process.stderr`, which is built only if something writes there: dependencies that
 * print through `process.stdout` reach stderr, not the protocol.
 */
function redirectStrayStdout(): void {
  let stderr: NodeJS.WriteStream | undefined;
  const real = (): NodeJS.WriteStream => (stderr ??= process.stderr);
  (process as { stdout: unknown }).stdout = new Proxy({}, {
    get(_, key) {
      const value: unknown = Reflect.get(real(), key);
      return typeof value === "function" ? value.bind(real()) : value;
    },
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => key in real(),
    getPrototypeOf: () => Object.getPrototypeOf(real()),
  });
}

function bunStdio(): ProcessStdio {
  return {
    stdin: Bun.stdin.stream(),
    stdout: sinkWritable(Bun.stdout.writer()),
    stderr: sinkWritable(Bun.stderr.writer()),
    isTerminal,
    redirectStrayStdout,
  };
}

/**
 * Builds the Bun runtime. Call once, early: it takes our stdout before anything can replace it.
 * The file sinks are what was measured and tested (on Linux); Windows keeps `process` streams
 * until the sinks have been run on a Windows pipe.
 */
export function createBunRuntime(): Runtime {
  const stdio = process.platform === "win32" ? processStdio(Bun.stdin.stream()) : bunStdio();
  return processRuntime({ name: "bun", version: Bun.version, stdio, spawn, serveHttp });
}
