/**
 * The pieces Node and Bun share: both implement Node's `process` and `node:fs` natively, so one
 * implementation serves both adapters. Each adapter passes its own stdio in: Node's is
 * {@link processStdio}; Bun's are file sinks on POSIX (its `process.stdout` costs milliseconds of
 * start-up; see bun.ts). Deno does not use this file: its `process.stdout.write` blocks the event
 * loop on a slow reader.
 *
 * @module
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNodeSqlite } from "./node-sqlite.ts";
import type { Database, FileSystem, Runtime, RuntimeName, ServerStdio, Signal } from "./types.ts";
import { type TrackedWritable, trackedWritable } from "./write-tracker.ts";

/** `node:fs/promises` as a {@link FileSystem}. */
const nodeFileSystem: FileSystem = {
  readTextFile: (path) => readFile(path, "utf8"),
  async writeTextFile(path, data, options) {
    await writeFile(path, data, { encoding: "utf8", mode: options?.mode, flag: options?.createNew ? "wx" : "w" });
  },
  async stat(path) {
    try {
      const s = await stat(path);
      return {
        isFile: s.isFile(),
        isDirectory: s.isDirectory(),
        size: s.size,
        mode: process.platform === "win32" ? null : s.mode & 0o7777,
        mtimeMs: s.mtimeMs,
      };
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
  },
  async mkdir(path, options) {
    await mkdir(path, { recursive: options?.recursive ?? false, mode: options?.mode });
  },
  async remove(path, options) {
    await rm(path, { recursive: options?.recursive ?? false, force: true });
  },
  readDir: (path) => readdir(path),
  realPath: (path) => realpath(path),
  makeTempDir: (prefix) => mkdtemp(join(tmpdir(), prefix)),
  chmod: (path, mode) => chmod(path, mode),
  rename: (from, to) => rename(from, to),
};

/**
 * Opens an SQLite database with `node:sqlite`, loaded on first use (not at start-up: Node prints an
 * ExperimentalWarning, on stderr, when it loads, and Node before 22.13 has no such module at all,
 * which then fails here with `SQLITE_UNAVAILABLE` instead of at import).
 */
function openProcessDatabase(path: string, runtime: string): Database {
  const sqlite = process.getBuiltinModule?.("node:sqlite") as typeof import("node:sqlite") | undefined;
  return openNodeSqlite(sqlite?.DatabaseSync, path, runtime);
}

type NodeWrite = (chunk: Uint8Array | string, callback?: (error?: Error | null) => void) => boolean;

/** A write stream of `process` as a backpressured, EPIPE-safe {@link TrackedWritable}. Node and Bun
 * write `process.stdout` asynchronously to a pipe (measured), so a slow reader never blocks the loop. */
function processWritable(stream: NodeJS.WriteStream, write: NodeWrite): TrackedWritable {
  let broken: Error | null = null;
  // Without a listener an EPIPE 'error' event would crash the server when the client goes away.
  stream.on("error", (error: Error) => {
    broken = error;
  });
  return trackedWritable(
    (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (broken) return reject(broken);
        write(chunk, (error) => (error ? reject(error) : resolve()));
      }),
  );
}

/** The file descriptor of each of our standard streams. */
export const STDIO_FD = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** `isatty` from `node:tty`, loaded on the first call: a compiled Bun binary that never asks does not pay for it. */
export function processIsTerminal(stream: keyof typeof STDIO_FD): boolean {
  return (process.getBuiltinModule("node:tty") as typeof import("node:tty")).isatty(STDIO_FD[stream]);
}

/**
 * Our stdio on `process` streams, with `stdin` as given (Node's, or Bun's). The protocol keeps the
 * original `process.stdout.write`, captured before the stray-stdout redirect replaces it.
 */
export function processStdio(stdin: ReadableStream<Uint8Array>): ProcessStdio {
  return {
    stdin,
    stdout: processWritable(process.stdout, process.stdout.write.bind(process.stdout) as NodeWrite),
    stderr: processWritable(process.stderr, process.stderr.write.bind(process.stderr) as NodeWrite),
    isTerminal: processIsTerminal,
    // Dependencies that print through `process.stdout.write` reach stderr, not the protocol.
    redirectStrayStdout() {
      process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
    },
  };
}

/** `process.kill` with "no such process" reported as `false`; signal `0` only probes. */
function killProcess(pid: number, signal: Signal | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ESRCH") return false;
    throw error;
  }
}

function killProcessGroup(pgid: number, signal: Signal | 0): boolean {
  if (process.platform === "win32") throw new Error("process groups are POSIX-only; use taskkill /T on Windows");
  return killProcess(-pgid, signal);
}

function onProcessSignal(signal: Signal, handler: () => void): () => void {
  const unsupported = process.platform === "win32"
    ? signal !== "SIGINT" && signal !== "SIGBREAK" && signal !== "SIGTERM"
    : signal === "SIGBREAK";
  if (unsupported) return () => {};
  process.on(signal, handler);
  return () => void process.off(signal, handler);
}

function onUnhandledProcessError(handler: (error: unknown) => void): void {
  process.on("uncaughtException", handler);
  process.on("unhandledRejection", handler);
}

/** Exits after the tracked streams have settled (bounded, so a wedged reader cannot hold us forever). */
async function exitAfter(streams: readonly TrackedWritable[], code: number): Promise<never> {
  await Promise.race([Promise.all(streams.map((s) => s.settled())), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(code);
}

/** Our own stdio, as the adapter builds it: writes are tracked so that exiting can wait for them. */
export interface ProcessStdio extends Pick<ServerStdio, "stdin" | "isTerminal" | "redirectStrayStdout"> {
  stdout: TrackedWritable;
  stderr: TrackedWritable;
}

/** What differs between the Node and Bun adapters; everything else is Node's `process`. */
export interface ProcessRuntimeParts {
  name: RuntimeName;
  version: string;
  stdio: ProcessStdio;
  spawn: Runtime["spawn"];
  serveHttp: Runtime["serveHttp"];
}

/**
 * A {@link Runtime} on Node's `process`, for Node and Bun. Call once, early: it captures the real
 * stdout before anything can replace it.
 */
export function processRuntime(parts: ProcessRuntimeParts): Runtime {
  const { stdout, stderr } = parts.stdio;
  return {
    name: parts.name,
    version: parts.version,
    platform: process.platform,
    arch: process.arch,
    pid: process.pid,
    execPath: process.execPath,
    args: process.argv.slice(2),
    env: { ...process.env } as Record<string, string>,
    stdio: {
      stdin: parts.stdio.stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
      isTerminal: parts.stdio.isTerminal,
      redirectStrayStdout: parts.stdio.redirectStrayStdout,
    },
    fs: nodeFileSystem,
    cwd: () => process.cwd(),
    spawn: parts.spawn,
    kill: killProcess,
    killGroup: killProcessGroup,
    onSignal: onProcessSignal,
    onUnhandledError: onUnhandledProcessError,
    unrefTimer: (timer) => void (timer as { unref?: () => void }).unref?.(),
    memoryRss: () => process.memoryUsage.rss(),
    openDatabase: (path) => openProcessDatabase(path, `${parts.name} ${parts.version}`),
    exit: (code) => exitAfter([stdout, stderr], code),
    serveHttp: parts.serveHttp,
  };
}
