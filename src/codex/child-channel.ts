/**
 * A supervised child as a {@link LineChannel}: what the JSON-RPC connection to `codex app-server`
 * runs over. Lines the child writes before anyone listens are kept, not lost.
 *
 * @module
 */
import type { SupervisedChild } from "../process/child.ts";
import type { SpawnChildOptions, Supervisor } from "../process/supervisor.ts";
import type { LineChannel } from "./jsonrpc.ts";

export interface ChildChannel {
  child: SupervisedChild;
  channel: LineChannel;
}

/** Starts a child through the supervisor with its stdout delivered as lines to one listener. */
export async function spawnLineChannel(supervisor: Supervisor, options: Omit<SpawnChildOptions, "onStdoutLine">): Promise<ChildChannel> {
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
