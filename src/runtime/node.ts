/**
 * The Node adapter (Node ≥ 22). Spawning uses `node:child_process`; the server's stdio and files
 * come from the helpers Node shares with Bun.
 *
 * @module
 */
import { spawn as nodeSpawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { processRuntime } from "./node-process.ts";
import { type ChildProcess, type ExitStatus, type Runtime, SpawnError, type SpawnOptions } from "./types.ts";

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

/** Builds the Node runtime. Call once, early: it captures the real stdout before anything can replace it. */
export function createNodeRuntime(): Runtime {
  // A closed or broken stdin must not surface as an unhandled 'error' event.
  process.stdin.on("error", () => {});
  return processRuntime({
    name: "node",
    version: process.versions.node,
    stdin: Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array>,
    spawn,
  });
}
