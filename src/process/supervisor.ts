/**
 * The one way codex-mcp starts a child process. It applies the same rules to every child: an
 * argument vector and never a shell string, its own process group, drained pipes, a bounded
 * stderr tail, an optional time limit and silence limit (a hung child), escalating teardown, and an entry in the registry of live
 * children until it is gone, so that server shutdown can stop everything it started.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type ChildProcess, type Runtime, SpawnError } from "../runtime/types.ts";
import { DEFAULT_ESCALATION, SupervisedChild } from "./child.ts";
import { ChildSpawnError } from "./errors.ts";
import { ChildRegistry } from "./registry.ts";
import type { ChildRecord, ExitReport, TeardownOptions, TeardownStep } from "./types.ts";
import { DEFAULT_STDERR_TAIL_BYTES } from "./stderr-ring.ts";
import { DEFAULT_TIMEOUTS, MAX_TIMEOUT_MS, type ProcessTimeouts } from "./timeouts.ts";
import { type TreeKiller, treeKillerFor } from "./tree-kill.ts";

/** After a child exits, how long its pipes may stay open (held by something that escaped its group) before we stop reading. */
const DEFAULT_DRAIN_MS = 500;

/** Settings shared by every child of one supervisor. */
export interface SupervisorOptions {
  runtime: Pick<Runtime, "spawn" | "kill" | "killGroup" | "platform" | "fs">;
  /** Defaults come from {@link DEFAULT_TIMEOUTS}; the server passes the values from its config. */
  timeouts?: Partial<ProcessTimeouts>;
  /** Default teardown escalation ({@link DEFAULT_ESCALATION}). */
  escalation?: readonly TeardownStep[];
  /** Bytes of stderr kept per child (64 KiB). */
  stderrTailBytes?: number;
  drainMs?: number;
  registry?: ChildRegistry;
  /** How to signal a child's tree; chosen by platform when absent (tests inject fakes). */
  treeKiller?: TreeKiller;
  logger?: Logger;
}

/** One child to start. */
export interface SpawnChildOptions {
  /** The program: a path, or a bare name found on PATH. Never a shell command line. */
  command: string;
  args: readonly string[];
  /** A human name for logs and the registry; defaults to the command. */
  label?: string;
  cwd?: string;
  /** The complete environment; inherited when absent. */
  env?: Readonly<Record<string, string>>;
  /** `"ignore"` connects stdin to /dev/null (default `"pipe"`). */
  stdin?: "pipe" | "ignore";
  /** Windows: hand `args` to the command line unquoted (see `buildInvocation` in src/codex/install/locate.ts). */
  windowsVerbatimArguments?: boolean;
  /** Receives each stdout line whole (without its newline). Without it stdout is read and dropped. */
  onStdoutLine?: (line: string) => void;
  /** Receives each stderr line; stderr is kept in the tail either way. */
  onStderrLine?: (line: string) => void;
  /** Longer lines are dropped (and logged) instead of buffered. Default 64 MiB. */
  maxLineBytes?: number;
  stderrTailBytes?: number;
  /** The child's overall time limit: when it is still running after this long, it is torn down. */
  timeoutMs?: number;
  /** When it writes nothing (no stdout or stderr line) for this long, it is torn down: `endedBy: "silence"`. */
  silenceMs?: number;
  /** This child's teardown defaults (grace, escalation). */
  teardown?: TeardownOptions;
  /** After a voluntary exit, signal whatever is left in its process group (default true). */
  reapGroupOnExit?: boolean;
}

/** Starts and tracks children; see the module comment. */
export class Supervisor {
  readonly registry: ChildRegistry;
  /** The time limits in force, for the Codex clients to apply to start-up and requests. */
  readonly timeouts: ProcessTimeouts;

  readonly #options: SupervisorOptions;
  readonly #killer: TreeKiller;
  readonly #inFlight = new Set<Promise<unknown>>();
  #shuttingDown = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.registry = options.registry ?? new ChildRegistry();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    for (const [name, value] of Object.entries(this.timeouts)) checkDuration(`timeouts.${name}`, value);
    this.#killer = options.treeKiller ?? treeKillerFor(options.runtime);
  }

  /** Starts a child. Rejects with {@link ChildSpawnError} when it cannot be started. */
  spawn(options: SpawnChildOptions): Promise<SupervisedChild> {
    const started = this.#spawn(options);
    const tracked = started.catch(() => {});
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return started;
  }

  /**
   * Tears down every live child at once (server shutdown) and waits until all have exited. New
   * spawns are refused from now on; spawns already under way are waited for and torn down too.
   */
  async teardownAll(options?: TeardownOptions): Promise<ExitReport[]> {
    this.#shuttingDown = true;
    await Promise.all(this.#inFlight);
    return this.registry.teardownAll(options);
  }

  async #spawn(options: SpawnChildOptions): Promise<SupervisedChild> {
    const { command, args } = options;
    if (this.#shuttingDown) throw new ChildSpawnError("SHUTDOWN", command);
    if (typeof command !== "string" || command === "") {
      throw new ChildSpawnError("EINVAL", String(command), { detail: "empty command" });
    }
    if (!Array.isArray(args) || args.some((arg) => typeof arg !== "string")) {
      throw new ChildSpawnError("EINVAL", command, { detail: "args must be an array of strings" });
    }
    const values = [command, ...args, ...Object.entries(options.env ?? {}).flat()];
    if (values.some((value) => value.includes("\0"))) throw new ChildSpawnError("EINVAL", command);
    if (options.timeoutMs !== undefined) checkDuration("timeoutMs", options.timeoutMs);
    if (options.silenceMs !== undefined) checkDuration("silenceMs", options.silenceMs);

    const teardown = {
      graceMs: options.teardown?.graceMs ?? this.timeouts.killGraceMs,
      escalation: options.teardown?.escalation ?? this.#options.escalation ?? DEFAULT_ESCALATION,
    };
    checkDuration("teardown.graceMs", teardown.graceMs);

    const spawnedAt = performance.now();
    const startedAt = Date.now();
    let proc: ChildProcess;
    try {
      proc = await this.#options.runtime.spawn({
        command,
        args,
        cwd: options.cwd,
        env: options.env,
        stdin: options.stdin ?? "pipe",
        newProcessGroup: this.#killer.usesProcessGroups,
        windowsVerbatimArguments: options.windowsVerbatimArguments,
      });
    } catch (error) {
      if (error instanceof SpawnError) {
        throw new ChildSpawnError(error.code, command, { cause: error, detail: error.message });
      }
      throw new ChildSpawnError("UNKNOWN", command, { cause: error, detail: String(error) });
    }

    const record: ChildRecord = {
      id: this.registry.nextId(),
      pid: proc.pid,
      pgid: this.#killer.usesProcessGroups ? proc.pid : null,
      command,
      label: options.label ?? command,
      startedAt,
    };
    const logger = this.#options.logger;
    const child = new SupervisedChild({
      process: proc,
      record,
      killer: this.#killer,
      spawnedAt,
      teardown,
      timeoutMs: options.timeoutMs,
      silenceMs: options.silenceMs,
      reapGroupOnExit: options.reapGroupOnExit ?? true,
      drainMs: this.#options.drainMs ?? DEFAULT_DRAIN_MS,
      stderrTailBytes: options.stderrTailBytes ?? this.#options.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES,
      onStdoutLine: options.onStdoutLine,
      onStderrLine: options.onStderrLine,
      maxLineBytes: options.maxLineBytes,
      logger,
      onSettled: () => this.registry.remove(record.id),
    });
    // Registered synchronously, before any exit can be observed; `onSettled` removes it again
    // just before `child.exit` resolves.
    this.registry.add(record, child);
    logger?.debug(`started ${record.label}`, { pid: record.pid, pgid: record.pgid, command });
    return child;
  }
}

/** Builds a {@link Supervisor}. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  return new Supervisor(options);
}

function checkDuration(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${value}`);
  }
}
