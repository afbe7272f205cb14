/**
 * The Deno adapter, on Deno's own APIs. Stdout goes through `Deno.stdout.writable`: Deno's
 * `process.stdout.write` blocks the whole event loop while a reader is slow (measured: a 1.2 s
 * stall), the writable stream does not. SQLite is `node:sqlite`, which Deno implements natively.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { openNodeSqlite } from "./node-sqlite.ts";
import {
  type ChildProcess,
  type FileSystem,
  type Runtime,
  type Signal,
  SpawnError,
  type SpawnOptions,
} from "./types.ts";
import { trackedWritable } from "./write-tracker.ts";

const platform = Deno.build.os === "windows" ? "win32" : Deno.build.os;
const arch = ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch] ?? Deno.build.arch;

function spawnErrorCode(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "ENOENT";
  if (error instanceof Deno.errors.PermissionDenied) return "EACCES";
  return (error as { code?: string }).code ?? "UNKNOWN";
}

async function spawn(options: SpawnOptions): Promise<ChildProcess> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.command, {
      args: [...options.args],
      cwd: options.cwd,
      env: options.env ? { ...options.env } : undefined,
      clearEnv: options.env !== undefined,
      stdin: options.stdin === "ignore" ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      // Deno's `detached` calls setsid() on POSIX: the child leads a new process group.
      detached: options.newProcessGroup === true && platform !== "win32",
      windowsRawArguments: options.windowsVerbatimArguments,
    }).spawn();
  } catch (error) {
    throw new SpawnError(spawnErrorCode(error), options.command, (error as Error).message, { cause: error });
  }
  return {
    pid: child.pid,
    stdin: options.stdin === "ignore" ? null : child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited: child.status.then((s) => ({ code: s.signal ? null : s.code, signal: s.signal })),
  };
}

function kill(pid: number, signal: Signal | 0): boolean {
  try {
    Deno.kill(pid, signal);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const fs: FileSystem = {
  readTextFile: (path) => Deno.readTextFile(path),
  async writeTextFile(path, data, options) {
    try {
      await Deno.writeTextFile(path, data, { mode: options?.mode, createNew: options?.createNew });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw Object.assign(error, { code: "EEXIST" });
      throw error;
    }
  },
  async stat(path) {
    try {
      const s = await Deno.stat(path);
      return {
        isFile: s.isFile,
        isDirectory: s.isDirectory,
        size: s.size,
        mode: s.mode === null ? null : s.mode & 0o7777,
        mtimeMs: s.mtime?.getTime() ?? null,
      };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  },
  mkdir: (path, options) => Deno.mkdir(path, options),
  async remove(path, options) {
    try {
      await Deno.remove(path, options);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  },
  async readDir(path) {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    return names;
  },
  realPath: (path) => Deno.realPath(path),
  makeTempDir: (prefix) => Deno.makeTempDir({ prefix }),
  chmod: (path, mode) => Deno.chmod(path, mode),
  rename: (from, to) => Deno.rename(from, to),
};

/** A writer for one of Deno's std streams that never closes the underlying fd. */
function stdWritable(stream: Deno.StdStream) {
  const writer = stream.writable.getWriter();
  return trackedWritable((chunk) => writer.write(chunk));
}

/** Builds the Deno runtime. Call once, early: it captures the real stdout before anything can replace it. */
export function createDenoRuntime(): Runtime {
  const stdout = stdWritable(Deno.stdout);
  const stderr = stdWritable(Deno.stderr);
  return {
    name: "deno",
    version: Deno.version.deno,
    platform,
    arch,
    pid: Deno.pid,
    execPath: Deno.execPath(),
    args: Deno.args,
    env: Deno.env.toObject(),
    stdio: {
      stdin: Deno.stdin.readable,
      stdout: stdout.stream,
      stderr: stderr.stream,
      isTerminal: (name) => ({ stdin: Deno.stdin, stdout: Deno.stdout, stderr: Deno.stderr })[name].isTerminal(),
      redirectStrayStdout() {
        const out = Deno.stdout as { write: Deno.StdStream["write"]; writeSync: Deno.StdStream["writeSync"] };
        out.write = (p) => Deno.stderr.write(p);
        out.writeSync = (p) => Deno.stderr.writeSync(p);
        // Deno's Node compatibility layer keeps its own `process.stdout`; route it too.
        const nodeProcess = (globalThis as {
          process?: { stdout?: { write: unknown }; stderr?: { write: (...args: unknown[]) => unknown } };
        }).process;
        if (nodeProcess?.stdout && nodeProcess.stderr) {
          const stderrWrite = nodeProcess.stderr.write.bind(nodeProcess.stderr);
          nodeProcess.stdout.write = stderrWrite;
        }
      },
    },
    fs,
    cwd: () => Deno.cwd(),
    spawn,
    kill,
    killGroup(pgid, signal) {
      if (platform === "win32") throw new Error("process groups are POSIX-only; use taskkill /T on Windows");
      return kill(-pgid, signal);
    },
    onSignal(signal, handler) {
      try {
        Deno.addSignalListener(signal, handler);
      } catch {
        return () => {}; // not available on this platform (SIGHUP on Windows, SIGBREAK elsewhere)
      }
      return () => Deno.removeSignalListener(signal, handler);
    },
    onUnhandledError(handler) {
      globalThis.addEventListener("error", (event) => {
        event.preventDefault();
        handler((event as ErrorEvent).error);
      });
      globalThis.addEventListener("unhandledrejection", (event) => {
        event.preventDefault();
        handler((event as PromiseRejectionEvent).reason);
      });
    },
    unrefTimer: (timer) => Deno.unrefTimer(timer as unknown as number),
    memoryRss: () => Deno.memoryUsage().rss,
    // Deno's node:sqlite (Deno ≥ 2.2) is the same DatabaseSync as Node's and Bun's.
    openDatabase: (path) => openNodeSqlite(DatabaseSync, path, `deno ${Deno.version.deno}`),
    async serveHttp(options) {
      const server = Deno.serve({ hostname: options.hostname, port: options.port, onListen: () => {} }, options.fetch);
      return { hostname: options.hostname, port: server.addr.port, close: () => server.shutdown() };
    },
    async exit(code) {
      await Promise.race([Promise.all([stdout.settled(), stderr.settled()]), new Promise((r) => setTimeout(r, 5000))]);
      Deno.exit(code);
    },
  };
}
