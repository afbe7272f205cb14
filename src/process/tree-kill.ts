/**
 * How teardown reaches a child *and everything it started*. Codex runs shell commands, MCP servers
 * and sandboxes below itself; signalling only the direct child would orphan them.
 *
 * - POSIX: every child leads its own process group (spawned with `newProcessGroup`), and one
 *   signal to the group reaches all descendants that did not leave it — even after the leader
 *   itself has exited, since the group id stays the leader's pid while any member lives.
 * - Whether a group is empty is asked with signal 0, which counts zombies. Orphaned zombies linger
 *   until init reaps them — forever when codex-mcp itself is PID 1 in a container — so on Linux a
 *   group that still answers is checked in /proc for members that are not zombies.
 * - Windows: there are no such groups and no catchable SIGTERM for console programs, so every
 *   escalation step runs `taskkill /PID <pid> /T /F`, which kills the tree by parentage. The
 *   graceful path there is closing stdin, which teardown always tries first.
 *
 * @module
 */
import type { FileSystem, Runtime, Signal } from "../runtime/types.ts";

/** Runs a helper program to completion with an exact argument vector (no shell). */
export type CommandRunner = (argv: readonly string[]) => Promise<{ code: number | null }>;

/** A platform's way of signalling a child's whole tree. */
export interface TreeKiller {
  /** Whether children must be spawned as process-group leaders for this killer to reach their trees. */
  readonly usesProcessGroups: boolean;
  /**
   * Sends `signal` to the tree rooted at the child `pid`. `leaderAlive` says whether the child itself
   * is still running. Resolves `false` when nothing was left to signal.
   */
  signalTree(pid: number, signal: Signal, leaderAlive: boolean): Promise<boolean>;
  /** Whether any process of the tree is still running (zombies do not count where the OS lets us tell);
   * `null` when this cannot be told. */
  treeAlive(pid: number): Promise<boolean | null>;
}

/**
 * POSIX: the child's process group (pgid = its pid) is its tree. With `fs` on Linux, zombies are
 * told apart from running members through /proc.
 */
export function processGroupKiller(runtime: Pick<Runtime, "kill" | "killGroup">, linuxProc?: FileSystem): TreeKiller {
  return {
    usesProcessGroups: true,
    async signalTree(pid, signal, leaderAlive) {
      try {
        return runtime.killGroup(pid, signal);
      } catch {
        // EPERM: some member is not ours to signal. Still stop the child itself.
        return leaderAlive ? runtime.kill(pid, signal) : false;
      }
    },
    async treeAlive(pid) {
      try {
        if (!runtime.killGroup(pid, 0)) return false;
      } catch {
        // EPERM: members exist that we may not signal; they still count.
      }
      if (!linuxProc) return true;
      return (await groupHasRunningMember(linuxProc, pid)) ?? true;
    },
  };
}

/** Linux: whether a member of group `pgid` is anything but a zombie, from /proc; `null` when unreadable. */
export async function groupHasRunningMember(
  fs: Pick<FileSystem, "readDir" | "readTextFile">,
  pgid: number,
): Promise<boolean | null> {
  let entries: string[];
  try {
    entries = await fs.readDir("/proc");
  } catch {
    return null;
  }
  const states = await Promise.all(
    entries
      .filter((name) => /^[0-9]+$/.test(name))
      .map(async (pid) => {
        try {
          return parseProcStat(await fs.readTextFile(`/proc/${pid}/stat`));
        } catch {
          return null; // exited while we looked
        }
      }),
  );
  return states.some((s) => s !== null && s.pgrp === pgid && s.state !== "Z" && s.state !== "X");
}

/**
 * The state letter, process group and start time of a `/proc/<pid>/stat` line
 * ("pid (comm) S ppid pgrp … starttime …"). The start time (field 22, clock ticks since boot) tells
 * a process from a later one that reuses its pid.
 */
export function parseProcStat(line: string): { state: string; pgrp: number; startTime: string } | null {
  // `comm` may itself contain spaces and parentheses: the fields resume after the last ')'.
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  return fields[0] && Number.isInteger(pgrp) ? { state: fields[0], pgrp, startTime: fields[19] ?? "" } : null;
}

/** The exact command that kills a Windows process tree by force. */
export function taskkillArgv(pid: number): string[] {
  return ["taskkill", "/PID", String(pid), "/T", "/F"];
}

/** Windows: `taskkill /T /F` for every step, whatever the signal's name. */
export function taskkillKiller(run: CommandRunner): TreeKiller {
  return {
    usesProcessGroups: false,
    async signalTree(pid, _signal, leaderAlive) {
      // /T walks parentage from a live root; once the child is gone its pid may belong to a stranger.
      if (!leaderAlive) return false;
      const { code } = await run(taskkillArgv(pid));
      return code === 0;
    },
    treeAlive: async () => null,
  };
}

/** A {@link CommandRunner} on the runtime: output is drained and dropped, failure to start is `code: null`. */
function runtimeCommandRunner(runtime: Pick<Runtime, "spawn">): CommandRunner {
  return async (argv) => {
    const [command, ...args] = argv;
    if (command === undefined) return { code: null };
    try {
      const child = await runtime.spawn({ command, args, stdin: "ignore" });
      const drain = (stream: ReadableStream<Uint8Array>) => stream.pipeTo(new WritableStream()).catch(() => {});
      const [status] = await Promise.all([child.exited, drain(child.stdout), drain(child.stderr)]);
      return { code: status.code };
    } catch {
      return { code: null };
    }
  };
}

/** The tree killer for the runtime's platform. */
export function treeKillerFor(
  runtime: Pick<Runtime, "platform" | "kill" | "killGroup" | "spawn" | "fs">,
  run?: CommandRunner,
): TreeKiller {
  if (runtime.platform === "win32") return taskkillKiller(run ?? runtimeCommandRunner(runtime));
  return processGroupKiller(runtime, runtime.platform === "linux" ? runtime.fs : undefined);
}
