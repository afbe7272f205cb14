/**
 * {@link Backend} over `codex exec --json`: the fallback for Codex builds without `app-server`.
 * One short-lived process per turn; Codex keeps the thread's history in CODEX_HOME between them.
 *
 * - A thread's first turn runs `codex exec`, later turns `codex exec resume <id>` (see `args.ts`
 *   for the flags and what resume forgets). The prompt goes in on stdin, which is then closed:
 *   no argument injection, no length limit, and exec never waits on an open pipe.
 * - Codex creates a thread only when its first turn runs, so {@link ExecBackend.startThread}
 *   answers with a provisional id (`exec_…`). Once Codex names the thread (`thread.started`), the
 *   backend answers to both ids, and that turn's `turn_started` carries Codex's id.
 * - Exec has no turn ids: turns are numbered here (`exec_turn_<n>`). `turn_started` is emitted
 *   when Codex prints `turn.started`; `turn_completed` at `turn.completed` / `turn.failed`, or
 *   when the process ends without either (exit code → `failed` with Codex's stderr; our interrupt
 *   → `interrupted`; a signal we did not send → `backend_crashed`).
 * - Interrupt and teardown: SIGINT first (Codex stops the commands it started on SIGINT; on
 *   SIGTERM or SIGKILL unsandboxed ones can leak where Linux's parent-death signal does not reach
 *   them), then SIGTERM, then SIGKILL, through the supervisor.
 * - Exec never asks anything: approvals other than "never" and plan mode are refused with
 *   NOT_SUPPORTED; `respond` has nothing to answer.
 *
 * Everything read from Codex is validated (`events.ts`); what does not validate is logged and
 * reported to the thread as a `warning` (an `error` for the turn's own start and end).
 *
 * Longer than ~400 lines on purpose: it is the life of one turn's process (spawn, feed, read,
 * watch the exit, interrupt, linger); arguments, events, the fork and temporary files are modules
 * of their own (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import type { Logger } from "../../../log.ts";
import type { SupervisedChild } from "../../../process/child.ts";
import type { Supervisor } from "../../../process/supervisor.ts";
import type { FileSystem } from "../../../runtime/types.ts";
import {
  type Backend,
  BackendError,
  type BackendEvent,
  CAPABILITIES,
  type RequestAnswer,
  type ReviewTarget,
  type StartedThread,
  type ThreadSettings,
  type TurnInput,
} from "../../backend.ts";
import { buildInvocation, type CodexLocation } from "../../install/locate.ts";
import { execArgs, type ExecSettings, execSettingsFor, resumeArgs, reviewArgs, settingsForTurn } from "./args.ts";
import { ExecTurnReader } from "./events.ts";
import { type Listener, ThreadEvents } from "../thread-events.ts";
import { describeExit, stderrExcerpt, tailLines } from "../stderr.ts";
import { spawnFailure } from "../spawn-failure.ts";
import { EXEC_ESCALATION, INTERRUPT_ESCALATION } from "./escalation.ts";
import { runFork } from "./fork.ts";
import { removeTurnFiles, writeTurnFiles } from "./turn-files.ts";

export interface ExecBackendOptions {
  supervisor: Supervisor;
  location: CodexLocation;
  /** The complete environment of each process, the location's changes applied (`childEnvironment`). */
  env: Record<string, string>;
  log: Logger;
  /** For the temporary files of `--output-schema` and base instructions. */
  fs: Pick<FileSystem, "makeTempDir" | "writeTextFile" | "remove">;
  /** How long `codex exec fork` may take. */
  requestTimeoutMs: number;
  /** How long a turn's process may linger after its turn ended before it is torn down (default: the supervisor's kill grace). */
  lingerMs?: number;
  /**
   * A turn whose process writes nothing (stdout or stderr) for this long is declared hung: torn
   * down, and reported as a hang (CODEX_MCP_EXEC_SILENCE_MS). Default 15 min.
   */
  silenceMs?: number;
}

/** Codex's own stream idle timeout is 5 min; a long command can be silent for longer, but rarely this long. */
const DEFAULT_SILENCE_MS = 15 * 60_000;

/** The prefix of the thread ids codex-mcp gives out until Codex names the thread (on its first turn). */
const PROVISIONAL = "exec_";

interface Turn {
  readonly id: string;
  readonly child: SupervisedChild;
  readonly reader: ExecTurnReader;
  readonly tempDir: string | null;
  /** Codex ended the turn (`turn.completed` / `turn.failed`), or the process has exited. */
  finished: boolean;
  /** Codex's end of the turn, emitted once the process has exited. */
  completion: Extract<BackendEvent, { type: "turn_completed" }> | null;
  interruptRequested: boolean;
  /** Resolves once the process has exited and its end was handled. */
  done: Promise<void>;
  linger: ReturnType<typeof setTimeout> | null;
}

interface ExecThread {
  /** The id handed out: provisional (`exec_…`) or Codex's. */
  readonly id: string;
  /** Codex's id once a turn has run (or for a thread resumed or forked by Codex's id). */
  codexThreadId: string | null;
  /** `null` for a thread subscribed to but never started, resumed or forked here. */
  settings: ExecSettings | null;
  turn: Turn | null;
  /** A turn is being prepared (temp files, spawn). */
  starting: boolean;
  readonly events: ThreadEvents;
}

export class ExecBackend implements Backend {
  readonly mode = "exec" as const;
  readonly capabilities = CAPABILITIES.exec;

  readonly #options: ExecBackendOptions;
  readonly #log: Logger;
  /** Every id a thread answers to (provisional and Codex's) → the thread. */
  readonly #threads = new Map<string, ExecThread>();
  /** Provisional id → Codex's id; kept after release, so a released thread can be resumed by either. */
  readonly #aliases = new Map<string, string>();
  #turnCounter = 0;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: ExecBackendOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  // -------------------------------------------------------------------------------------------
  // Threads

  async startThread(settings: ThreadSettings): Promise<StartedThread> {
    this.#checkOpen();
    const exec = execSettingsFor(settings);
    const id = provisionalId();
    this.#register(this.#newThread(id, null, exec));
    return { threadId: id, model: exec.model ?? null };
  }

  async resumeThread(threadId: string, settings: ThreadSettings): Promise<StartedThread> {
    this.#checkOpen();
    const exec = execSettingsFor(settings);
    const existing = this.#threads.get(threadId);
    if (existing) {
      existing.settings = exec;
      return { threadId, model: exec.model ?? null };
    }
    // A provisional id that never got Codex's: its thread never ran a turn, so it has no history.
    const codexId = threadId.startsWith(PROVISIONAL) ? (this.#aliases.get(threadId) ?? null) : checkCodexId(threadId);
    this.#register(this.#newThread(threadId, codexId, exec));
    return { threadId, model: exec.model ?? null };
  }

  /** `codex exec fork <id>` without a prompt: Codex copies the thread and exits (~0.2 s). */
  async forkThread(threadId: string, settings: ThreadSettings, throughTurnId?: string): Promise<StartedThread> {
    this.#checkOpen();
    if (throughTurnId !== undefined) {
      throw new BackendError(
        "NOT_SUPPORTED",
        "the exec backend cannot fork from an earlier turn: `codex exec fork` copies the whole thread",
        "Fork the whole session (leave turnId out), or use the app-server backend (CODEX_MCP_MODE=app-server).",
      );
    }
    const exec = execSettingsFor(settings);
    const source = this.#threads.get(threadId);
    const codexId = source
      ? source.codexThreadId
      : threadId.startsWith(PROVISIONAL)
      ? (this.#aliases.get(threadId) ?? null)
      : checkCodexId(threadId);
    if (codexId === null) return this.startThread(settings); // nothing ran yet: the copy of an empty thread is an empty thread
    if (source?.settings?.ephemeral === true) {
      throw new BackendError(
        "NOT_SUPPORTED",
        `thread ${threadId} is ephemeral: Codex did not save it, so it cannot be forked`,
        "Fork a thread started without `ephemeral`.",
      );
    }
    const forkedId = await runFork(this.#options, codexId, exec);
    this.#register(this.#newThread(forkedId, forkedId, exec));
    this.#log.debug(`forked exec thread ${codexId} into ${forkedId}`);
    return { threadId: forkedId, model: exec.model ?? null };
  }

  /**
   * Forgets a thread: a running turn is interrupted first (SIGINT). Never fails. Its ids stay
   * known, so it can be resumed later.
   */
  async releaseThread(threadId: string): Promise<void> {
    const state = this.#threads.get(threadId);
    if (!state) return;
    for (const [key, value] of [...this.#threads]) if (value === state) this.#threads.delete(key);
    const turn = state.turn;
    if (turn && !turn.finished) {
      turn.interruptRequested = true;
      await turn.child.teardown({ escalation: INTERRUPT_ESCALATION });
    }
    if (turn) await turn.done;
  }

  subscribe(threadId: string, listener: Listener): () => void {
    let state = this.#threads.get(threadId);
    if (!state) {
      const codexId = threadId.startsWith(PROVISIONAL) ? (this.#aliases.get(threadId) ?? null) : threadId;
      state = this.#newThread(threadId, codexId, null);
      this.#register(state);
    }
    const subscribed = state;
    return subscribed.events.subscribe(listener);
  }

  // -------------------------------------------------------------------------------------------
  // Turns

  startTurn(threadId: string, input: TurnInput): Promise<{ turnId: string }> {
    return this.#start(threadId, input);
  }

  /** Codex's reviewer as the thread's first turn (`codex exec review`); replies resume it as usual. */
  startReview(threadId: string, target: ReviewTarget): Promise<{ turnId: string }> {
    if (this.#threads.get(threadId)?.codexThreadId) {
      return Promise.reject(
        new BackendError(
          "NOT_SUPPORTED",
          "the exec backend runs Codex's reviewer as a thread's first turn only",
          "Start a new session with codex_review.",
        ),
      );
    }
    return this.#start(threadId, { prompt: target.kind === "custom" ? target.instructions : "" }, target);
  }

  async #start(threadId: string, input: TurnInput, review?: ReviewTarget): Promise<{ turnId: string }> {
    this.#checkOpen();
    const state = this.#threads.get(threadId);
    if (!state?.settings) {
      throw new BackendError(
        "INVALID_ARGUMENT",
        `thread ${threadId} is not loaded in the exec backend`,
        "Start it (startThread), or load it with resumeThread, first.",
      );
    }
    if (state.starting || (state.turn && !state.turn.finished)) {
      throw new BackendError(
        "INVALID_ARGUMENT",
        `thread ${threadId} already has a turn running`,
        "Wait for it to finish, or interrupt it, before starting another.",
      );
    }
    if (state.codexThreadId !== null && state.settings.ephemeral === true) {
      throw new BackendError(
        "NOT_SUPPORTED",
        `thread ${threadId} is ephemeral: Codex did not save it, so \`codex exec resume\` cannot continue it`,
        "Start a new session (without `ephemeral`) to have a conversation over several turns.",
      );
    }
    const settings = settingsForTurn(state.settings, input);
    state.starting = true;
    try {
      // The previous turn has ended; its process may take a few more milliseconds to exit.
      if (state.turn) await state.turn.done;
      return await this.#spawnTurn(state, settings, input, review);
    } finally {
      state.starting = false;
    }
  }

  async #spawnTurn(
    state: ExecThread,
    settings: ExecSettings,
    input: TurnInput,
    review?: ReviewTarget,
  ): Promise<{ turnId: string }> {
    const { supervisor, location, env, fs } = this.#options;
    const turnId = `exec_turn_${++this.#turnCounter}`;
    const resuming = state.codexThreadId;
    // Codex keeps base instructions with the thread: they go with its first turn only.
    const baseInstructions = resuming === null ? settings.baseInstructions : undefined;
    const { files, tempDir } = await writeTurnFiles(fs, this.#log, input.outputSchema, baseInstructions);
    const images = input.images ?? [];
    const args = review
      ? reviewArgs(settings, review)
      : resuming === null
      ? execArgs(settings, images, files)
      : resumeArgs(resuming, settings, images, files);
    const invocation = buildInvocation(location, args);
    const reader = new ExecTurnReader(turnId, settings.cwd, resuming);

    // Lines may arrive before the turn is recorded: keep them until it is.
    let onLine: (line: string) => void;
    const early: string[] = [];
    onLine = (line) => void early.push(line);
    let child: SupervisedChild;
    try {
      child = await supervisor.spawn({
        ...invocation,
        label: `codex exec${review ? " review" : resuming === null ? "" : " resume"} (${turnId}, thread ${
          resuming ?? state.id
        })`,
        cwd: settings.cwd,
        env,
        stdin: "pipe",
        teardown: { escalation: EXEC_ESCALATION },
        // A stopped or deadlocked exec never exits, and it has nothing to ask: its silence gives it away.
        silenceMs: this.#options.silenceMs ?? DEFAULT_SILENCE_MS,
        onStdoutLine: (line) => onLine(line),
      });
    } catch (error) {
      await removeTurnFiles(fs, this.#log, tempDir);
      throw spawnFailure(error, "codex exec");
    }
    this.#log.debug(
      `started codex exec for thread ${state.id}, ${turnId} (pid ${child.pid})${
        resuming === null ? "" : `, resuming ${resuming}`
      }`,
    );

    const turn: Turn = {
      id: turnId,
      child,
      reader,
      tempDir,
      finished: false,
      completion: null,
      interruptRequested: false,
      done: Promise.resolve(),
      linger: null,
    };
    state.settings = settings; // the overrides stick, as they do in Codex
    state.turn = turn;
    turn.done = this.#watch(state, turn);
    onLine = (line) => this.#onLine(state, turn, line);
    for (const line of early.splice(0)) onLine(line);
    void this.#feed(turn, input.prompt);
    return { turnId };
  }

  /** Writes the prompt and closes stdin; a failure shows in the exit (reported by `#watch`). */
  async #feed(turn: Turn, prompt: string): Promise<void> {
    const written = await turn.child.write(prompt);
    if (!written.ok) this.#log.debug(`${turn.id}: the prompt was not delivered (${written.error.message})`);
    await turn.child.closeStdin();
  }

  #onLine(state: ExecThread, turn: Turn, line: string): void {
    const outcome = turn.reader.read(line);
    switch (outcome.kind) {
      case "thread":
        this.#onCodexThread(state, outcome.threadId);
        return;
      case "events":
        for (const event of outcome.events) this.#emit(state, event);
        return;
      case "finished": {
        // `turn_completed` waits for the exit (~50 ms): once it is out, the process and its
        // temporary files are gone and the next turn can start at once.
        turn.finished = true;
        for (const event of outcome.events) {
          if (event.type === "turn_completed") turn.completion = event;
          else this.#emit(state, event);
        }
        // Codex exits ~50 ms after its last line; one that lingers is torn down.
        const lingerMs = this.#options.lingerMs ?? this.#options.supervisor.timeouts.killGraceMs;
        turn.linger = setTimeout(() => {
          if (!turn.child.running) return;
          this.#log.warn(`codex exec (${turn.id}) still running ${lingerMs} ms after its turn ended; tearing it down`);
          void turn.child.teardown();
        }, lingerMs);
        return;
      }
      case "invalid": {
        const shown = line.length > 300 ? `${line.slice(0, 300)}… (${line.length} chars)` : line;
        this.#log.warn(`codex exec (${turn.id}) wrote a line that is ${outcome.reason}: ${shown}`);
        const message = `codex-mcp could not read a line from codex exec (${outcome.reason}): ${shown}`;
        this.#emit(
          state,
          outcome.severity === "error" ? { type: "error", message, willRetry: false } : { type: "warning", message },
        );
        return;
      }
      case "ignored":
        this.#log.debug(`codex exec (${turn.id}): ignored ${outcome.type}`);
        return;
    }
  }

  #onCodexThread(state: ExecThread, codexId: string): void {
    if (state.codexThreadId === null) {
      state.codexThreadId = codexId;
      if (!this.#threads.has(codexId)) this.#threads.set(codexId, state);
      if (state.id !== codexId) this.#aliases.set(state.id, codexId);
      this.#log.debug(`exec thread ${state.id} is Codex thread ${codexId}`);
    } else if (state.codexThreadId !== codexId) {
      this.#log.warn(`codex exec resume ${state.codexThreadId} reported thread ${codexId}`);
      this.#emit(state, {
        type: "warning",
        message: `codex exec resumed thread ${state.codexThreadId} but reported thread ${codexId}`,
      });
    }
  }

  /** Waits for the turn's process to end: removes its temporary files and ends the turn if Codex did not. */
  async #watch(state: ExecThread, turn: Turn): Promise<void> {
    const report = await turn.child.exit;
    if (turn.linger !== null) clearTimeout(turn.linger);
    await removeTurnFiles(this.#options.fs, this.#log, turn.tempDir);
    turn.finished = true;
    if (state.turn === turn) state.turn = null; // before the event: a listener may start the next turn
    if (turn.completion) {
      this.#log.debug(`codex exec (${turn.id}) ${describeExit(report)} after its turn ended`);
      this.#emit(state, turn.completion);
      return;
    }
    const said = stderrExcerpt(report.stderrTail, { lines: 4, chars: 1_000, join: " " });
    if (turn.interruptRequested) {
      this.#emit(state, turn.reader.completed("interrupted"));
    } else if (report.endedBy === "silence") {
      const message = `codex exec (${turn.id}) wrote nothing for ${
        this.#options.silenceMs ?? DEFAULT_SILENCE_MS
      } ms and was stopped. Reply to continue the thread: the next turn resumes it.`;
      this.#emit(state, {
        type: "backend_crashed",
        message,
        stderrTail: tailLines(report.stderrTail, 20, 4_000),
        hung: true,
      });
    } else if (report.code !== null) {
      const message = report.code === 0
        ? `codex exec exited before finishing the turn${said ? `: ${said}` : ""}`
        : said
        ? `${said} (codex exec exited with code ${report.code})`
        : `codex exec exited with code ${report.code} without saying why`;
      this.#log.warn(`${turn.id} of thread ${state.id}: ${message}`);
      this.#emit(state, { type: "error", message, willRetry: false });
      this.#emit(state, turn.reader.completed("failed", message));
    } else {
      const message = `codex exec (${turn.id}) ${
        describeExit(report)
      }, which codex-mcp did not send. Reply to continue the thread: the next turn resumes it.`;
      this.#log.error(message);
      this.#emit(state, { type: "backend_crashed", message, stderrTail: tailLines(report.stderrTail, 20, 4_000) });
    }
  }

  /** `codex exec` has no way to name a thread: nothing to do. */
  async nameThread(): Promise<void> {}

  listThreads(): Promise<never> {
    return refuse(
      "cannot list Codex's threads",
      "Use the app-server backend (CODEX_MCP_MODE=app-server); a thread id from `codex resume` can still be imported.",
    );
  }

  listThreadTurns(): Promise<never> {
    return refuse("cannot read a thread's turns from Codex");
  }

  readRateLimits(): Promise<never> {
    return refuse("cannot read the account's rate limits");
  }

  listModels(): Promise<never> {
    return refuse(
      "cannot list Codex's models: `codex exec` has no model list",
      "Use the app-server backend (CODEX_MCP_MODE=app-server) for the list; `model` is passed to Codex as given.",
    );
  }

  revertThread(): Promise<never> {
    return refuse("cannot roll a conversation back");
  }

  compactThread(): Promise<never> {
    return refuse("cannot compact a conversation");
  }

  steerTurn(): Promise<never> {
    return refuse(
      "cannot add input to a running turn: `codex exec` reads its prompt once",
      "Queue the input to run as the next turn instead, or use the app-server backend (CODEX_MCP_MODE=app-server).",
    );
  }

  /** Stops the running turn (SIGINT, then SIGTERM, then SIGKILL) and resolves once it has ended. */
  async interrupt(threadId: string, turnId: string): Promise<void> {
    const state = this.#threads.get(threadId);
    if (!state) {
      throw new BackendError(
        "INVALID_ARGUMENT",
        `thread ${threadId} is not loaded in the exec backend`,
        "Check the thread id.",
      );
    }
    const turn = state.turn;
    if (!turn || turn.id !== turnId) return; // that turn is over: nothing to interrupt
    if (!turn.finished) {
      turn.interruptRequested = true;
      await turn.child.teardown({ escalation: INTERRUPT_ESCALATION });
    }
    await turn.done;
  }

  async cleanBackgroundTerminals(threadId: string): Promise<void> {
    const turn = this.#threads.get(threadId)?.turn;
    if (turn && !turn.finished && !this.capabilities.cleanBackgroundTerminals) {
      throw new BackendError(
        "NOT_SUPPORTED",
        "the exec backend cannot clean background terminals while a turn runs",
        "`codex exec` stops its background terminals when its turn's process ends; interrupt the turn to stop them now.",
      );
    }
    // Between turns there is nothing to clean: every exec process takes its terminals with it.
  }

  async respond(requestId: string, _answer: RequestAnswer): Promise<void> {
    throw new BackendError(
      "REQUEST_NOT_FOUND",
      `no pending request ${JSON.stringify(requestId)}`,
      "The exec backend never has pending requests: `codex exec` does not ask for approvals or questions.",
    );
  }

  /** Interrupts every running turn (SIGINT first) and waits for their processes. Later calls reject. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      const turns = new Set<Turn>();
      for (const state of this.#threads.values()) if (state.turn) turns.add(state.turn);
      await Promise.all(
        [...turns].map(async (turn) => {
          if (!turn.finished) turn.interruptRequested = true;
          await turn.child.teardown({ escalation: INTERRUPT_ESCALATION });
          await turn.done;
        }),
      );
    })();
    return this.#closing;
  }

  // -------------------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) {
      throw new BackendError(
        "INTERNAL",
        "the exec backend is closed",
        "codex-mcp is shutting down; no new Codex work can start.",
      );
    }
  }

  #newThread(id: string, codexThreadId: string | null, settings: ExecSettings | null): ExecThread {
    return { id, codexThreadId, settings, turn: null, starting: false, events: new ThreadEvents(this.#log) };
  }

  #register(state: ExecThread): void {
    this.#threads.set(state.id, state);
    if (state.codexThreadId !== null && !this.#threads.has(state.codexThreadId)) {
      this.#threads.set(state.codexThreadId, state);
    }
  }

  #emit(state: ExecThread, event: BackendEvent): void {
    state.events.emit(event);
  }
}

/** What `codex exec` cannot do (its capabilities say so too): NOT_SUPPORTED, with what to do instead. */
function refuse(what: string, hint = "Use the app-server backend (CODEX_MCP_MODE=app-server)."): Promise<never> {
  return Promise.reject(new BackendError("NOT_SUPPORTED", `the exec backend ${what}`, hint));
}

function provisionalId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return PROVISIONAL + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A thread id from a caller, to be given to Codex (after `--`, so it is never an option). */
function checkCodexId(threadId: string): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  if (threadId === "" || /[\u0000-\u001f]/.test(threadId)) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(threadId)} is not a thread id`,
      "Pass the id of a Codex thread (a UUID).",
    );
  }
  return threadId;
}
