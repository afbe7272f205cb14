/**
 * One supervised child: its pipes are always drained, its stdin never throws, and it always ends
 * in an {@link ExitReport} — whether it exits on its own, is torn down, or outlives its time limit.
 *
 * Pipes: a child blocks forever once a pipe buffer (64 KiB on Linux) is full, so stdout and stderr
 * are read concurrently from the moment of spawn whether or not anyone wants the data. stdout is
 * delivered whole line by whole line; stderr is kept as a bounded tail for error messages.
 *
 * Teardown is an escalation: close stdin (Codex exits ~50 ms after EOF and cleans up its commands),
 * wait, SIGTERM the tree, wait, SIGKILL the tree. Each wait ends early once the child has exited
 * and nothing is left in its process group; SIGKILL is always the final step.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ChildProcess, ExitStatus, Signal } from "../runtime/types.ts";
import { LineSplitter } from "../streams/lines.ts";
import { StdinError, type StdinFailure, type StdinResult } from "./errors.ts";
import type { ChildRecord, EndReason, ExitReport, TeardownOptions, TeardownStep } from "./types.ts";
import { StderrRing } from "./stderr-ring.ts";
import { delay, settlesWithin } from "./timeouts.ts";
import type { TreeKiller } from "./tree-kill.ts";

/** The default escalation. The exec backend prefers `["close-stdin", "SIGINT", "SIGTERM", "SIGKILL"]`. */
export const DEFAULT_ESCALATION: readonly TeardownStep[] = ["close-stdin", "SIGTERM", "SIGKILL"];

/** Everything a {@link SupervisedChild} is built from; assembled by the supervisor. */
export interface ChildInit {
  process: ChildProcess;
  record: ChildRecord;
  killer: TreeKiller;
  /** Monotonic milliseconds (`performance.now()`) just before the spawn. */
  spawnedAt: number;
  /** Teardown used by {@link SupervisedChild.teardown} without options, by the time limit and by the clean-up. */
  teardown: Required<TeardownOptions>;
  /** Tear the child down when it is still running after this long. */
  timeoutMs?: number;
  /** Tear the child down when it writes nothing (no stdout or stderr line) for this long. */
  silenceMs?: number;
  /** After a voluntary exit, signal what is left of the child's process group. */
  reapGroupOnExit: boolean;
  /** After the exit, how long to wait for the pipes to reach EOF before abandoning them. */
  drainMs: number;
  stderrTailBytes: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  maxLineBytes?: number;
  logger?: Logger;
  /** Called once the report is settled (the registry drops the child here). */
  onSettled?: (report: ExitReport) => void;
}

const encoder = new TextEncoder();

/** After the final SIGKILL, how long to wait at most for the process group to empty. */
const AFTER_KILL_SETTLE_MS = 250;

/** A running (or finished) child under supervision. */
export class SupervisedChild {
  readonly record: ChildRecord;
  /** Resolves however the child ended; never rejects. */
  readonly exit: Promise<ExitReport>;
  /** Resolves when stdout reached EOF (or was abandoned after the exit). */
  readonly stdoutDone: Promise<void>;

  readonly #init: ChildInit;
  readonly #ring: StderrRing;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | null;
  readonly #leaderExit: Promise<ExitStatus>;
  readonly #readers: ReadableStreamDefaultReader<unknown>[] = [];
  readonly #signalsSent: Signal[] = [];
  readonly #stderrDone: Promise<void>;
  #status: ExitStatus | null = null;
  #exitedAt = 0;
  #stdinClosing: Promise<StdinResult> | null = null;
  #stdinClosedAt = 0;
  #treeWork: Promise<void> | null = null;
  #treeGone = false;
  #endedBy: EndReason = "exit";
  #timer: ReturnType<typeof setTimeout> | null = null;
  #silence: ReturnType<typeof setTimeout> | null = null;

  constructor(init: ChildInit) {
    this.#init = init;
    this.record = init.record;
    this.#ring = new StderrRing(init.stderrTailBytes);
    const proc = init.process;

    this.#writer = proc.stdin ? proc.stdin.getWriter() : null;
    // A broken pipe also rejects `closed`; the result types report it, so this must not go unhandled.
    this.#writer?.closed.catch(() => {});

    this.stdoutDone = this.#drainStdout(proc.stdout);
    this.#stderrDone = this.#drainStderr(proc.stderr);

    this.#leaderExit = proc.exited.then(
      (status) => this.#onLeaderExit(status),
      (error: unknown) => {
        init.logger?.warn(`child ${this.#describe()}: could not observe its exit`, error);
        return this.#onLeaderExit({ code: null, signal: null });
      },
    );

    if (init.timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        init.logger?.warn(`child ${this.#describe()} exceeded its ${init.timeoutMs} ms limit; tearing it down`);
        this.#beginTeardown("timeout", init.teardown);
      }, init.timeoutMs);
    }
    this.#heard();

    this.exit = this.#finish();
  }

  get pid(): number {
    return this.record.pid;
  }

  /** The process group it leads, or `null` on Windows. */
  get pgid(): number | null {
    return this.record.pgid;
  }

  get label(): string {
    return this.record.label;
  }

  /** Whether the child itself is still running (its descendants may outlive it briefly). */
  get running(): boolean {
    return this.#status === null;
  }

  get hasStdin(): boolean {
    return this.#writer !== null;
  }

  /** Its stderr so far (the kept tail). */
  stderrTail(): string {
    return this.#ring.text();
  }

  /**
   * Writes to the child's stdin. Never rejects: a child that has exited, closed its stdin or never
   * had one gives `{ ok: false, error }`. Writes are delivered in call order. A write still pending
   * when the child exits resolves as `exited` (a grandchild may hold the pipe open and never read).
   */
  write(data: string | Uint8Array): Promise<StdinResult> {
    const refused = this.#stdinRefusal();
    if (refused) return Promise.resolve(refused);
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    return this.#raceExit(this.#writer!.write(bytes));
  }

  /** Closes the child's stdin (EOF). Idempotent: later calls return the first call's result. */
  closeStdin(): Promise<StdinResult> {
    if (!this.#stdinClosing) {
      this.#stdinClosedAt = performance.now();
      const refused = this.#stdinRefusal();
      if (refused && refused.error.reason !== "exited") {
        this.#stdinClosing = Promise.resolve(refused);
      } else {
        // Close even after the exit, so the runtime can release the pipe.
        const closing = this.#writer!.close();
        closing.catch(() => {});
        this.#stdinClosing = refused ? Promise.resolve(refused) : this.#raceExit(closing);
      }
    }
    return this.#stdinClosing;
  }

  /**
   * Stops the child and its tree (see the module comment) and resolves with its report, which is
   * {@link SupervisedChild.exit}. Calling it again, or after the child exited, returns that same
   * promise; options of later calls are ignored.
   */
  teardown(options?: TeardownOptions): Promise<ExitReport> {
    this.#beginTeardown("teardown", { ...this.#init.teardown, ...options });
    return this.exit;
  }

  #beginTeardown(reason: EndReason, options: Required<TeardownOptions>): void {
    if (this.#treeWork) return;
    if (this.#silence !== null) clearTimeout(this.#silence);
    if (this.#status === null) this.#endedBy = reason;
    this.#treeWork = this.#escalate(options.escalation, options.graceMs).catch((error: unknown) => {
      this.#init.logger?.error(`child ${this.#describe()}: teardown failed`, error);
    });
  }

  async #escalate(requested: readonly TeardownStep[], graceMs: number): Promise<void> {
    const steps = requested.at(-1) === "SIGKILL" ? requested : [...requested, "SIGKILL" as const];
    for (const [index, step] of steps.entries()) {
      if (step === "close-stdin") {
        if (this.#status !== null || this.#writer === null) continue;
        // When the caller closed stdin already, the child has had part of its grace period.
        const waited = this.#stdinClosing ? performance.now() - this.#stdinClosedAt : 0;
        void this.closeStdin();
        if (waited < graceMs && (await this.#quietWithin(graceMs - waited))) return;
        continue;
      }
      const leaderAlive = this.#status === null;
      if (!leaderAlive && (await this.#treeIsGone())) return;
      const delivered = await this.#init.killer.signalTree(this.pid, step, leaderAlive);
      if (delivered) this.#signalsSent.push(step);
      else if (this.#status !== null) {
        this.#treeGone = true;
        return;
      }
      if (index === steps.length - 1) {
        // SIGKILL cannot be ignored: wait for the child itself, then briefly for the rest of the
        // tree to finish dying. Only briefly: where /proc is missing (macOS), orphaned zombies count
        // as members until init reaps them.
        await this.#leaderExit;
        await this.#quietWithin(Math.min(graceMs, AFTER_KILL_SETTLE_MS));
        return;
      }
      if (await this.#quietWithin(graceMs)) return;
    }
    await this.#leaderExit;
  }

  /**
   * Waits up to `ms` for the child to exit and its tree to empty; `true` when both happened. The tree
   * is polled at growing intervals (10 ms up to 200 ms): a check may scan /proc.
   */
  async #quietWithin(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    if (!(await settlesWithin(this.#leaderExit, ms))) return false;
    for (let pause = 10;; pause = Math.min(pause * 2, 200)) {
      if (await this.#treeIsGone()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await delay(Math.min(pause, left));
    }
  }

  /** Whether nothing of the child's tree is left; once true, the group id is never signalled again. */
  async #treeIsGone(): Promise<boolean> {
    if (!this.#treeGone && (await this.#init.killer.treeAlive(this.pid)) !== true) this.#treeGone = true;
    return this.#treeGone;
  }

  #onLeaderExit(status: ExitStatus): ExitStatus {
    this.#status = status;
    this.#exitedAt = performance.now();
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#silence !== null) clearTimeout(this.#silence);
    return status;
  }

  async #finish(): Promise<ExitReport> {
    const status = await this.#leaderExit;
    const init = this.#init;
    if (!this.#treeWork && init.reapGroupOnExit && init.killer.usesProcessGroups) {
      // The child is gone; anything left in its group is an orphan of ours.
      const signals = init.teardown.escalation.filter((step): step is Signal => step !== "close-stdin");
      this.#treeWork = this.#escalate(signals, init.teardown.graceMs).catch((error: unknown) => {
        init.logger?.error(`child ${this.#describe()}: clean-up of its process group failed`, error);
      });
    }
    await this.#treeWork;
    if (!(await settlesWithin(Promise.all([this.stdoutDone, this.#stderrDone]), init.drainMs))) {
      // Something outside the group still holds a pipe: stop reading rather than wait forever.
      for (const reader of this.#readers) reader.cancel().catch(() => {});
    }
    const report: ExitReport = {
      code: status.code,
      signal: status.signal,
      stderrTail: this.#ring.text(),
      stderrBytes: this.#ring.totalBytes,
      durationMs: Math.round(this.#exitedAt - init.spawnedAt),
      endedBy: this.#endedBy,
      signalsSent: [...this.#signalsSent],
    };
    init.logger?.debug(`child ${this.#describe()} ended`, {
      code: report.code,
      signal: report.signal,
      endedBy: report.endedBy,
      durationMs: report.durationMs,
    });
    try {
      init.onSettled?.(report);
    } catch (error) {
      init.logger?.warn(`child ${this.#describe()}: exit observer failed`, error);
    }
    return report;
  }

  #stdinRefusal(): { ok: false; error: StdinError } | null {
    if (this.#writer === null) return failure("no-stdin", "the child was started without stdin");
    if (this.#stdinClosing) return failure("closed", "stdin was already closed");
    if (this.#status !== null) return failure("exited", "the child has exited");
    return null;
  }

  async #raceExit(operation: Promise<void>): Promise<StdinResult> {
    const outcome: Promise<StdinResult> = operation.then(
      () => ({ ok: true }),
      (error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        const name = (error as { name?: unknown } | null)?.name;
        // Node reports a write to a dead child as an AbortError once the pipe has failed.
        if (
          code === "EPIPE" || name === "BrokenPipe" || code === "ABORT_ERR" || code === "ERR_STREAM_DESTROYED" ||
          code === "ECONNRESET"
        ) {
          return failure("broken-pipe", "the child's stdin is closed (broken pipe)", error);
        }
        if (this.#status !== null) return failure("exited", "the child has exited", error);
        return failure("failed", `writing to the child's stdin failed: ${String(error)}`, error);
      },
    );
    const exited = this.#leaderExit.then(() => failure("exited", "the child exited before the write completed"));
    return Promise.race([outcome, exited]);
  }

  async #drainStdout(stream: ReadableStream<Uint8Array>): Promise<void> {
    const onLine = this.#init.onStdoutLine;
    if (!onLine) return this.#pump(stream, () => {});
    return this.#pump(stream.pipeThrough(this.#splitter("stdout")), (line) => this.#deliver(onLine, line, "stdout"));
  }

  async #drainStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    const ring = this.#ring;
    const onLine = this.#init.onStderrLine;
    if (!onLine) return this.#pump(stream, (chunk) => ring.push(chunk));
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        ring.push(chunk);
        controller.enqueue(chunk);
      },
    });
    return this.#pump(
      stream.pipeThrough(tap).pipeThrough(this.#splitter("stderr")),
      (line) => this.#deliver(onLine, line, "stderr"),
    );
  }

  #splitter(name: string): LineSplitter {
    return new LineSplitter({
      maxLineBytes: this.#init.maxLineBytes,
      onOversizedLine: (bytes) =>
        this.#init.logger?.warn(`child ${this.#describe()}: dropped a ${bytes}-byte ${name} line (over the limit)`),
    });
  }

  /** Reads `stream` to its end; a read error ends it quietly (the exit report tells what happened). */
  /**
   * (Re)starts the silence timer: a stopped or deadlocked child never exits, and with nothing to
   * ask it, its silence is what gives it away.
   */
  #heard(): void {
    const silenceMs = this.#init.silenceMs;
    if (silenceMs === undefined || this.#status !== null || this.#treeWork) return;
    if (this.#silence !== null) clearTimeout(this.#silence);
    this.#silence = setTimeout(() => {
      this.#init.logger?.warn(`child ${this.#describe()} wrote nothing for ${silenceMs} ms; tearing it down`);
      this.#beginTeardown("silence", this.#init.teardown);
    }, silenceMs);
  }

  async #pump<T>(stream: ReadableStream<T>, each: (value: T) => void): Promise<void> {
    const reader = stream.getReader();
    this.#readers.push(reader as ReadableStreamDefaultReader<unknown>);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#heard();
        each(value);
      }
    } catch {
      // The pipe failed or was cancelled after the exit: nothing more will come.
    } finally {
      reader.releaseLock();
    }
  }

  #deliver(callback: (line: string) => void, line: string, name: string): void {
    try {
      callback(line);
    } catch (error) {
      this.#init.logger?.warn(`child ${this.#describe()}: the ${name} line handler threw`, error);
    }
  }

  #describe(): string {
    return `${this.record.label} (pid ${this.record.pid})`;
  }
}

function failure(reason: StdinFailure, message: string, cause?: unknown): { ok: false; error: StdinError } {
  return { ok: false, error: new StdinError(reason, message, cause === undefined ? undefined : { cause }) };
}
