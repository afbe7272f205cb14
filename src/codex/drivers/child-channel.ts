/**
 * A supervised child as a {@link LineChannel}: what the JSON-RPC connection to `codex app-server`
 * runs over. Lines the child writes before anyone listens are kept, not lost.
 *
 * @module
 */
import type { SupervisedChild } from "../../process/child.ts";
import type { ExitReport } from "../../process/types.ts";
import type { SpawnChildOptions, Supervisor } from "../../process/supervisor.ts";
import { delay } from "../../process/timeouts.ts";
import { type LineChannel, RpcTimeoutError } from "./jsonrpc.ts";

export interface ChildChannel {
  child: SupervisedChild;
  channel: LineChannel;
}

/** Starts a child through the supervisor with its stdout delivered as lines to one listener. */
export async function spawnLineChannel(
  supervisor: Supervisor,
  options: Omit<SpawnChildOptions, "onStdoutLine">,
): Promise<ChildChannel> {
  let listener: ((line: string) => void) | null = null;
  const early: string[] = [];
  const child = await supervisor.spawn({
    ...options,
    onStdoutLine: (line) => (listener ? listener(line) : early.push(line)),
  });
  const channel: LineChannel = {
    async send(line) {
      const result = await child.write(line + "\n");
      if (!result.ok) throw result.error;
    },
    onLine(handler) {
      listener = handler;
      for (const line of early.splice(0)) handler(line);
    },
  };
  return { child, channel };
}

/**
 * The answer to `request`, unless the child exits first: then `exitError(report)` is thrown. A
 * request that fails otherwise — a broken pipe on write — is usually that same exit, seen a moment
 * late, so for up to `settleMs` the exit (with the child's own last words) is preferred as the
 * explanation. A timeout is reported as it is: the child is still running.
 */
export async function answerOrExit<T>(
  child: SupervisedChild,
  request: Promise<T>,
  exitError: (report: ExitReport) => Error,
  settleMs = 500,
): Promise<T> {
  const exited = child.exit.then(exitError);
  try {
    return await Promise.race([request, exited.then((error) => Promise.reject(error))]);
  } catch (error) {
    if (error instanceof RpcTimeoutError) throw error;
    throw (await Promise.race([exited, delay(settleMs).then(() => null)])) ?? error;
  }
}
