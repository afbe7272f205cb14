/**
 * The plain data the supervisor, its children and the registry share. Its own module so that
 * child.ts and registry.ts depend on it rather than on each other.
 *
 * @module
 */
import type { Signal } from "../runtime/types.ts";

/** One step of teardown: close the child's stdin, or send a signal to its tree. */
export type TeardownStep = "close-stdin" | Signal;

/** How a teardown proceeds. */
export interface TeardownOptions {
  /** How long to wait after each step before the next. */
  graceMs?: number;
  /** The steps, in order; `SIGKILL` is appended when missing so that teardown always ends. */
  escalation?: readonly TeardownStep[];
}

/** What ended the child: itself, a teardown, or its overall time limit. */
/** `silence`: torn down because it wrote nothing for its `silenceMs` (a hung child that never exits). */
export type EndReason = "exit" | "teardown" | "timeout" | "silence";

/** How a child ended. */
export interface ExitReport {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`"SIGKILL"`, …), or `null`. */
  signal: string | null;
  /** The last bytes of its stderr (64 KiB by default), as text. */
  stderrTail: string;
  /** All stderr bytes it wrote, including those no longer in the tail. */
  stderrBytes: number;
  /** From spawn to the child's exit. */
  durationMs: number;
  endedBy: EndReason;
  /** The signals teardown (or the clean-up after a voluntary exit) delivered, in order. */
  signalsSent: Signal[];
}

/** One live child, as plain data. */
export interface ChildRecord {
  /** Unique within this registry. */
  readonly id: number;
  readonly pid: number;
  /** The process group the child leads (POSIX), or `null` where there are none (Windows). */
  readonly pgid: number | null;
  /** The program, as given to spawn (arguments are not kept: they may hold prompts). */
  readonly command: string;
  /** A human name, e.g. `app-server` or `exec thread 1234`. */
  readonly label: string;
  /** When it was spawned, in milliseconds since the epoch. */
  readonly startedAt: number;
}

/** What the registry needs from a child to stop it. */
export interface Stoppable {
  teardown(options?: TeardownOptions): Promise<ExitReport>;
}
