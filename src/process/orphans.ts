/**
 * Orphan reaping. A server that dies hard (SIGKILL, a crash, a killed terminal) cannot tear its
 * children down, and `codex app-server` processes outlive it. So each server keeps a ledger of its
 * live children in the state directory — one file per server, named after its own pid and start
 * time, so concurrent servers never write the same file — and at start-up every server reaps the
 * ledgers of servers that are gone.
 *
 * A pid is only ever signalled when the process holding it now has the start time recorded when
 * it was spawned: a pid the OS has since given to another program is left alone.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { FileSystem, Runtime } from "../runtime/types.ts";
import { parseProcStat } from "./tree-kill.ts";
import type { ChildRegistry } from "./registry.ts";
import type { ChildRecord } from "./types.ts";
import type { Supervisor } from "./supervisor.ts";
import { delay } from "./timeouts.ts";

/** A process, told apart from later ones with the same pid by its start time. */
export interface ProcessIdentity {
  pid: number;
  /** An opaque token from the OS; equal tokens mean the same process. `null`: could not be read. */
  startTime: string | null;
}

/** Reads a process's start time token, or `null` when it is gone or the platform cannot tell. */
export type Identify = (pid: number) => Promise<string | null>;

/** Linux: from /proc. Other platforms: through `run` (e.g. `ps -o lstart= -p PID`), when given. */
export function identifier(
  runtime: Pick<Runtime, "platform" | "fs">,
  run?: (argv: string[]) => Promise<string | null>,
): Identify {
  if (runtime.platform === "linux") {
    return async (pid) => {
      try {
        const stat = parseProcStat(await runtime.fs.readTextFile(`/proc/${pid}/stat`));
        return stat && stat.state !== "Z" && stat.state !== "X" ? stat.startTime : null;
      } catch {
        return null;
      }
    };
  }
  if (run && runtime.platform !== "win32") {
    return async (pid) => {
      const out = await run(["ps", "-o", "lstart=", "-p", String(pid)]);
      return out && out.trim() !== "" ? out.trim() : null;
    };
  }
  return async () => null;
}

/** Where a state directory keeps the ledgers. */
export function childLedgerDir(stateDir: string): string {
  return `${stateDir}/children`;
}

/** Runs a short command through the supervisor and returns its stdout (`null` on failure). */
export function supervisedOutput(supervisor: Supervisor): (argv: string[]) => Promise<string | null> {
  return async ([command, ...args]) => {
    if (command === undefined) return null;
    const lines: string[] = [];
    try {
      const child = await supervisor.spawn({
        command,
        args,
        stdin: "ignore",
        timeoutMs: 5_000,
        label: command,
        onStdoutLine: (l) => void lines.push(l),
      });
      const exit = await child.exit;
      await child.stdoutDone;
      return exit.code === 0 ? lines.join("\n") : null;
    } catch {
      return null;
    }
  };
}

/** One child in a ledger. */
export interface LedgerEntry {
  pid: number;
  pgid: number | null;
  label: string;
  startedAt: number;
  startTime: string | null;
}

interface LedgerFile {
  owner: ProcessIdentity;
  children: LedgerEntry[];
}

export interface LedgerOptions {
  fs: Pick<FileSystem, "writeTextFile" | "remove" | "mkdir">;
  /** `<state dir>/children`. */
  dir: string;
  owner: ProcessIdentity;
  identify: Identify;
  log: Logger;
}

/** This server's ledger: kept in step with the supervisor's registry. */
export class ChildLedger {
  readonly #o: LedgerOptions;
  readonly #entries = new Map<number, LedgerEntry>();
  readonly #file: string;
  #writing: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | null = null;

  constructor(options: LedgerOptions) {
    this.#o = options;
    this.#file = `${options.dir}/${options.owner.pid}-${options.owner.startTime ?? "unknown"}.json`;
  }

  /** Follows `registry` from now on, recording each child with its OS start time. */
  attach(registry: ChildRegistry): void {
    this.#unsubscribe = registry.subscribe((event) => {
      if (event.type === "added") void this.#add(event.record);
      else {
        this.#entries.delete(event.record.pid);
        this.#save();
      }
    });
    for (const record of registry.list()) void this.#add(record);
  }

  async #add(record: ChildRecord): Promise<void> {
    const startTime = await this.#o.identify(record.pid);
    this.#entries.set(record.pid, {
      pid: record.pid,
      pgid: record.pgid,
      label: record.label,
      startedAt: record.startedAt,
      startTime,
    });
    this.#save();
  }

  /** Writes are serialised; each writes the whole (small) ledger. */
  #save(): void {
    const body: LedgerFile = { owner: this.#o.owner, children: [...this.#entries.values()] };
    this.#writing = this.#writing.then(async () => {
      try {
        await this.#o.fs.mkdir(this.#o.dir, { recursive: true, mode: 0o700 });
        await this.#o.fs.writeTextFile(this.#file, JSON.stringify(body), { mode: 0o600 });
      } catch (error) {
        this.#o.log.warn(`could not write the child ledger ${this.#file}`, error);
      }
    });
  }

  /** On a clean shutdown, after every child is gone: the ledger is no longer needed. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    await this.#writing;
    await this.#o.fs.remove(this.#file).catch(() => {});
  }

  /** Waits for pending writes (tests). */
  flushed(): Promise<void> {
    return this.#writing;
  }
}

/** What happened to one child of a dead server. */
export interface ReapedChild extends LedgerEntry {
  owner: ProcessIdentity;
  outcome: "terminated" | "killed" | "already-gone" | "pid-reused" | "unverifiable" | "survived";
}

export interface ReapReport {
  ledgers: number;
  /** Ledgers of servers still running, left alone. */
  liveOwners: number;
  children: ReapedChild[];
}

export interface ReapOptions {
  fs: Pick<FileSystem, "readDir" | "readTextFile" | "remove">;
  dir: string;
  self: ProcessIdentity;
  identify: Identify;
  signal: {
    kill: Runtime["kill"];
    killGroup: Runtime["killGroup"];
  };
  graceMs: number;
  log: Logger;
}

/** Terminates the children of servers that are gone, then removes their ledgers. */
export async function reapOrphans(o: ReapOptions): Promise<ReapReport> {
  const report: ReapReport = { ledgers: 0, liveOwners: 0, children: [] };
  let names: string[];
  try {
    names = (await o.fs.readDir(o.dir)).filter((n) => n.endsWith(".json"));
  } catch {
    return report; // no ledgers yet
  }
  for (const name of names) {
    const path = `${o.dir}/${name}`;
    let ledger: LedgerFile;
    try {
      ledger = JSON.parse(await o.fs.readTextFile(path)) as LedgerFile;
    } catch (error) {
      o.log.warn(`ignoring an unreadable child ledger ${path}`, error);
      continue;
    }
    report.ledgers += 1;
    if (ledger.owner.pid === o.self.pid && ledger.owner.startTime === o.self.startTime) continue;
    if (ledger.owner.startTime !== null && (await o.identify(ledger.owner.pid)) === ledger.owner.startTime) {
      report.liveOwners += 1;
      continue;
    }
    for (const child of ledger.children ?? []) {
      report.children.push({ ...child, owner: ledger.owner, outcome: await reap(child, o) });
    }
    await o.fs.remove(path).catch(() => {});
  }
  return report;
}

async function reap(child: LedgerEntry, o: ReapOptions): Promise<ReapedChild["outcome"]> {
  if (child.startTime === null) return "unverifiable";
  const now = await o.identify(child.pid);
  if (now === null) return "already-gone";
  if (now !== child.startTime) return "pid-reused";
  const send = (signal: "SIGTERM" | "SIGKILL") => {
    try {
      if (child.pgid !== null) o.signal.killGroup(child.pgid, signal);
      else o.signal.kill(child.pid, signal);
    } catch (error) {
      o.log.debug(`signalling orphan ${child.pid} failed`, error);
    }
  };
  const gone = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await delay(25)) {
      if ((await o.identify(child.pid)) !== child.startTime) return true;
    }
    return (await o.identify(child.pid)) !== child.startTime;
  };
  send("SIGTERM");
  if (await gone(o.graceMs)) return "terminated";
  send("SIGKILL");
  return (await gone(1_000)) ? "killed" : "survived";
}
