/**
 * Sessions: an MCP client's handle on one Codex thread. The manager orchestrates the one-job
 * modules around it: it starts threads and turns on a {@link Backend} (claiming a turn with a
 * compare-and-set on the store) once admission.ts has let the call in, hands Codex's events to the intake (intake.ts: stored, reduced by
 * reducer.ts, effects carried out), answers Codex's requests from the book (pending-requests.ts),
 * waits through the live state (live.ts), and carries out the lifecycle's policies
 * (lifecycle.ts). The tools in src/mcp/tools/ are thin shells over it.
 *
 * It is still ~640 lines because every public operation of the sessions layer (start, reply,
 * fork, read, wait, answer, interrupt, cancel, clean, sweep, recover, drain) is a method here, each
 * a short sequence of calls into those modules; splitting them further would spread one
 * session's rules over files that each know half of them.
 *
 * Status, as the tools show it:
 * running → waiting_approval / waiting_input (Codex asked something) → running → idle (turn done)
 * → running (a reply) … ; error (the turn failed or Codex crashed; a reply resumes), cancelled.
 *
 * Longer than ~400 lines on purpose: every public operation of the sessions layer is a method
 * here, each a short sequence of calls into the one-job modules around it (admission, intake,
 * follow-ups, branching, lifecycle) (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import type { ApprovalDecision, Backend, ReviewTarget, SteerInput, TurnInput } from "../codex/backend.ts";
import type { CodexTurn, ModelInfo, RateLimits, ThreadFilter, ThreadSummary } from "../codex/listings.ts";
import type { Logger } from "../log.ts";
import { errorInfo } from "../errors/registry.ts";
import { asCodedError, SessionError } from "./errors.ts";
import {
  ownedBy,
  type Owner,
  planSweep,
  recoverSessions,
  type RecoveryReport,
  type SessionPolicy,
} from "./lifecycle.ts";
import { checkAnswers, checkDecision, type PendingRequest, PendingRequests } from "./pending-requests.ts";
import { isActive } from "./reducer.ts";
import {
  PROMPT_PREVIEW_CHARS,
  type ReadResult,
  type SessionRecord,
  type SessionSettings,
  type SessionStatus,
  type SessionStore,
  threadSettingsOf,
  type TurnRecord,
} from "./store.ts";
import { type AnsweredBy, type OwnEventData, recordOwn } from "./session-events.ts";
import { LiveSessions, type WaitOutcome } from "./live.ts";
import { EventIntake } from "./intake.ts";
import { Admission } from "./admission.ts";
import { FollowUps } from "./follow-ups.ts";
import { Branching } from "./branching.ts";
import { newId } from "./ids.ts";
import type { PathProbe } from "./path-checks.ts";
import type { CallPolicy } from "./policy.ts";
import { settlesWithin } from "../process/timeouts.ts";

/** `Omit` over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type { PendingRequest, RecoveryReport, SessionPolicy };

export interface SessionManagerOptions {
  store: SessionStore;
  /** The backend, created on first use (finding Codex may fail: that failure is the caller's error). */
  backend: () => Promise<Backend>;
  policy: SessionPolicy;
  log: Logger;
  /** Checks a cwd and images against the file system. */
  paths: PathProbe;
  /** The policy no call may exceed; default: none. */
  limits?: CallPolicy;
  /** The longest cancel waits for Codex to stop a turn (the request timeout plus the kill grace). */
  stopBoundMs?: number;
  /** Sessions are kept on disk: forgetting one from memory does not delete it. */
  persistent?: boolean;
  /** This server process: stamped on the sessions it runs. */
  owner?: Owner;
  /** Whether the server that owned a session is still running (restart recovery leaves those alone). */
  isOwnerAlive?: (owner: Owner) => Promise<boolean>;
}

export interface StartOptions extends TurnOptions {
  settings: SessionSettings;
  turn: TurnInput;
  approvalTimeoutMs?: number;
  /** Run Codex's reviewer as the first turn instead (`turn.prompt` then describes the review). */
  review?: ReviewTarget;
  /** The HTTP principal starting it (see {@link SessionRecord.principal}). */
  principal?: string;
}

/** What a call sets for the turn it starts, beside Codex's own input. */
export interface TurnOptions {
  /** The turn is cancelled, as the running TTL does, once it has run this long; at most the server's TTL. */
  turnTimeoutMs?: number;
}

export type { WaitOutcome };

/** The statuses a reply may start a turn from. */
const IDLE_OR_DONE: readonly SessionStatus[] = ["idle", "error", "cancelled"];

export class SessionManager {
  readonly #o: SessionManagerOptions;
  readonly #live: LiveSessions;
  readonly #pending = new PendingRequests();
  readonly #intake: EventIntake;
  readonly #admission: Admission;
  readonly #followUps: FollowUps;
  readonly #branching: Branching;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #backend: Promise<Backend> | null = null;
  #models: Promise<ModelInfo[] | null> | null = null;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.#live = new LiveSessions((error) => options.log.warn("session listener failed", error));
    this.#admission = new Admission({
      paths: options.paths,
      limits: options.limits,
      maxImageBytes: options.policy.maxImageBytes,
      runningTtlMs: options.policy.runningTtlMs,
    });
    this.#followUps = new FollowUps({
      get: (id) => this.get(id),
      mayAct: (record) => this.#mayAct(record),
      admit: (turn, turnTimeoutMs) => this.#admission.turn(turn, turnTimeoutMs),
      backend: () => this.#backendOrError(),
      reply: (id, turn, turnOptions) => this.reply(id, turn, turnOptions),
      live: this.#live,
      store: options.store,
      log: options.log,
    });
    this.#branching = new Branching({
      get: (id) => this.get(id),
      mayAct: (record) => this.#mayAct(record),
      admission: this.#admission,
      mine: () => this.#mine(),
      backend: () => this.#backendOrError(),
      listen: (sessionId, backend, threadId) => {
        this.#live.of(sessionId).unsubscribe = backend.subscribe(threadId, this.#intake.listener(sessionId));
      },
      listening: (sessionId) => this.#live.of(sessionId).unsubscribe !== undefined,
      store: options.store,
      owner: options.owner,
      approvalTimeoutMs: options.policy.approvalTimeoutMs,
    });
    this.#intake = new EventIntake({
      store: options.store,
      live: this.#live,
      pending: this.#pending,
      log: options.log,
      answer: (sessionId, pending, answer) => this.#answer(sessionId, pending, answer, { automatic: true }),
    });
  }

  /** Starts the lifecycle sweep (every `everyMs`). */
  startLifecycle(everyMs = 30_000, unref: (t: ReturnType<typeof setInterval>) => void = () => {}): void {
    this.#sweeper = setInterval(
      () => void this.sweep().catch((e) => this.#o.log.warn("lifecycle sweep failed", e)),
      everyMs,
    );
    unref(this.#sweeper);
  }

  async #backendOrError(): Promise<Backend> {
    this.#backend ??= this.#o.backend().catch((error) => {
      this.#backend = null; // try again next time: the user may fix the installation meanwhile
      throw error;
    });
    try {
      return await this.#backend;
    } catch (error) {
      throw asCodedError(error);
    }
  }

  // ---- starting and continuing -------------------------------------------------------------

  async start(options: StartOptions): Promise<SessionRecord> {
    await this.#admission.settings(options.settings, true);
    await this.#admission.turn(options.turn, options.turnTimeoutMs);
    this.#admission.counts(this.#mine(), true);
    const backend = await this.#backendOrError();
    if (options.review && !backend.capabilities.review) {
      throw new SessionError(
        "NOT_SUPPORTED",
        `the ${backend.mode} backend does not run Codex's reviewer`,
        "Use the app-server backend (CODEX_MCP_MODE=app-server), or ask for a review in a codex prompt.",
      );
    }
    const now = Date.now();
    const record: SessionRecord = {
      id: newId("s"),
      threadId: null,
      status: "running",
      backend: backend.mode,
      settings: options.settings,
      approvalTimeoutMs: options.approvalTimeoutMs ?? this.#o.policy.approvalTimeoutMs,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      turnStartedAt: now,
      turns: 0,
      currentTurnId: null,
      phase: "starting Codex",
      lastItem: undefined,
      preview: options.turn.prompt.slice(0, 120),
      result: undefined,
      error: undefined,
      forkedFrom: undefined,
      owner: this.#o.owner,
      ...(options.review && { reviewOf: options.turn.prompt.slice(0, 120) }),
      ...(options.principal !== undefined && { principal: options.principal }),
    };
    this.#o.store.createSession(record);
    const live = this.#live.of(record.id);
    try {
      const thread = await backend.startThread(threadSettingsOf(options.settings));
      this.#update(record.id, { threadId: thread.threadId, phase: "starting the turn" });
      // A name a person recognises in `codex resume`; a failure to name it costs nothing else.
      backend.nameThread(thread.threadId, threadName(options.turn.prompt)).catch((error) =>
        this.#o.log.debug(`session ${record.id}: naming its thread failed`, error)
      );
      live.unsubscribe = backend.subscribe(thread.threadId, this.#intake.listener(record.id));
      const review = options.review;
      await this.#startTurn(
        record.id,
        backend,
        thread.threadId,
        options.turn,
        options,
        review && ((b) => b.startReview(thread.threadId, review)),
      );
    } catch (error) {
      const failure = asCodedError(error);
      this.#update(record.id, {
        status: "error",
        error: errorInfo(failure),
        phase: "failed to start",
      });
      throw failure;
    }
    return this.get(record.id);
  }

  async reply(sessionId: string, turn: TurnInput, options: TurnOptions = {}): Promise<SessionRecord> {
    return await this.#continue(sessionId, {
      admit: () => this.#admission.turn(turn, options.turnTimeoutMs),
      run: (backend, threadId) => this.#startTurn(sessionId, backend, threadId, turn, options),
    });
  }

  /**
   * Compacts the conversation: Codex replaces its history with a summary, in a turn of its own
   * (`thread/compact/start`), which ends like any turn. NOT_SUPPORTED on a backend that cannot.
   */
  async compact(sessionId: string): Promise<SessionRecord> {
    const backend = await this.#backendOrError();
    if (!backend.capabilities.compact) {
      throw new SessionError(
        "NOT_SUPPORTED",
        `the ${backend.mode} backend cannot compact a conversation`,
        "Start a new session with a summary as its prompt, or use the app-server backend.",
      );
    }
    return await this.#continue(sessionId, {
      admit: async () => {},
      run: async (b, threadId) => {
        this.#live.of(sessionId).outputSchema = undefined;
        this.#addTurn(sessionId, "(compact the conversation)");
        recordOwn(this.#o.store, sessionId, "compaction_requested", {});
        try {
          await b.compactThread(threadId);
        } catch (error) {
          this.#intake.endTurn(sessionId, { status: "failed", error: errorInfo(asCodedError(error)) });
          throw error;
        }
        this.#update(sessionId, { turns: this.get(sessionId).turns + 1, phase: "compacting" });
      },
    });
  }

  /**
   * Starts work on a session whose turn is over: the checks, the claim, the thread loaded again
   * when this backend does not hold it, then `run`. A failure leaves the session in `error`.
   */
  async #continue(
    sessionId: string,
    work: { admit(): Promise<void>; run(backend: Backend, threadId: string): Promise<void> },
  ): Promise<SessionRecord> {
    const record = this.get(sessionId);
    await this.#mayAct(record);
    if (isActive(record.status)) throw busy(record);
    const threadId = record.threadId;
    if (!threadId) {
      throw new SessionError(
        "SESSION_NOT_FOUND",
        `session ${sessionId} has no Codex thread (it failed to start)`,
        "Start a new session.",
      );
    }
    await this.#admission.settings(record.settings, false);
    await work.admit();
    this.#admission.counts(this.#mine(), false);
    const backend = await this.#backendOrError();
    // Claim the turn in one compare-and-set: of two replies that both got this far, exactly one
    // finds the session still not running.
    const claimed = this.#o.store.updateSession(sessionId, {
      status: "running",
      error: undefined,
      result: undefined,
      interruptedBy: undefined,
      owner: this.#o.owner,
      turnStartedAt: Date.now(),
      phase: "starting the turn",
      updatedAt: Date.now(),
    }, { ifStatus: IDLE_OR_DONE });
    if (!claimed) throw busy(this.get(sessionId));
    const live = this.#live.of(sessionId);
    try {
      if (!live.unsubscribe) {
        // The thread is not loaded in this backend (Codex crashed, the session was cancelled, or
        // the server restarted): load it again with its history, then listen.
        await backend.resumeThread(threadId, threadSettingsOf(record.settings));
        live.unsubscribe = backend.subscribe(threadId, this.#intake.listener(sessionId));
      }
      live.cancelRequested = false;
      await work.run(backend, threadId);
    } catch (error) {
      const failure = asCodedError(error);
      this.#update(sessionId, {
        status: "error",
        error: errorInfo(failure),
      });
      throw failure;
    }
    return this.get(sessionId);
  }

  /** See {@link FollowUps.steer}. */
  steer(sessionId: string, input: SteerInput & TurnInput, options: TurnOptions = {}): Promise<SessionRecord> {
    return this.#followUps.steer(sessionId, input, options);
  }

  /** See {@link FollowUps.queue}. */
  queue(sessionId: string, turn: TurnInput, options: TurnOptions = {}): Promise<SessionRecord> {
    return this.#followUps.queue(sessionId, turn, options);
  }

  /** A turn record for the turn starting now, followed as the session's running turn; its index. */
  #addTurn(sessionId: string, prompt: string): number {
    const index = (this.#o.store.listTurns(sessionId).at(-1)?.index ?? 0) + 1;
    this.#o.store.addTurn(sessionId, {
      index,
      turnId: null,
      promptPreview: prompt.slice(0, PROMPT_PREVIEW_CHARS),
      startedAt: Date.now(),
      status: "running",
    });
    this.#live.of(sessionId).turnIndex = index;
    return index;
  }

  async #startTurn(
    sessionId: string,
    backend: Backend,
    threadId: string,
    turn: TurnInput,
    options: TurnOptions,
    begin: (backend: Backend) => Promise<{ turnId: string }> = (b) => b.startTurn(threadId, turn),
  ): Promise<void> {
    const live = this.#live.of(sessionId);
    live.outputSchema = turn.outputSchema;
    recordOwn(this.#o.store, sessionId, "turn_requested", {
      prompt: turn.prompt.slice(0, 2_000),
      promptChars: turn.prompt.length,
    });
    const index = this.#addTurn(sessionId, turn.prompt);
    let turnId: string;
    try {
      ({ turnId } = await begin(backend));
    } catch (error) {
      this.#intake.endTurn(sessionId, { status: "failed", error: errorInfo(asCodedError(error)) });
      throw error;
    }
    const record = this.get(sessionId);
    this.#o.store.updateTurn(sessionId, index, { turnId });
    this.#update(sessionId, { currentTurnId: turnId, turns: record.turns + 1, phase: "thinking" });
    const limitMs = options.turnTimeoutMs;
    if (limitMs !== undefined && live.turnIndex === index) {
      this.#live.armTurnLimit(sessionId, index, limitMs, () => {
        const reason = `turn ran for its limit of ${limitMs} ms (turnTimeoutMs)`;
        this.cancel(sessionId, reason).catch((e) =>
          this.#o.log.warn(`session ${sessionId}: ${reason}; cancel failed`, e)
        );
      });
    }
  }

  /** The session's turns, first to last. */
  turns(sessionId: string): TurnRecord[] {
    this.get(sessionId);
    return this.#o.store.listTurns(sessionId);
  }

  /** Task handles (src/mcp/tasks/): stored with the sessions, forgotten with them. */
  get taskHandles(): Pick<SessionStore, "createTask" | "getTask" | "updateTask"> {
    return this.#o.store;
  }

  /** See {@link Branching.rollback}. */
  rollback(sessionId: string, turnId: string): Promise<SessionRecord> {
    return this.#branching.rollback(sessionId, turnId);
  }

  /** See {@link Branching.fork}. */
  fork(sessionId: string, throughTurnId?: string): Promise<SessionRecord> {
    return this.#branching.fork(sessionId, throughTurnId);
  }

  /** See {@link Branching.threads}. */
  threads(filter: ThreadFilter): Promise<ThreadSummary[]> {
    return this.#branching.threads(filter);
  }

  /** See {@link Branching.importThread}. */
  importThread(threadId: string, settings: SessionSettings, principal?: string): Promise<SessionRecord> {
    return this.#branching.importThread(threadId, settings, principal);
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * The models Codex offers, listed once and kept; `null` when the backend has no list (exec).
   * A failed listing is tried again next time.
   */
  models(): Promise<ModelInfo[] | null> {
    this.#models ??= this.#backendOrError().then(
      (backend) => backend.capabilities.models ? backend.listModels() : null,
    ).catch((error) => {
      this.#models = null;
      throw asCodedError(error);
    });
    return this.#models;
  }

  /** The last `limit` turns of the session's thread as Codex keeps them (also those before an import). */
  async codexTurns(sessionId: string, limit: number): Promise<CodexTurn[]> {
    const record = this.get(sessionId);
    if (!record.threadId) return [];
    const backend = await this.#backendOrError();
    try {
      return await backend.listThreadTurns(record.threadId, limit);
    } catch (error) {
      throw asCodedError(error);
    }
  }

  /**
   * The account's rate limits, read from Codex now; `null` when the backend cannot read them
   * (exec). Fails when Codex cannot say (an API-key login has no limits to read).
   */
  async rateLimits(): Promise<RateLimits | null> {
    const backend = await this.#backendOrError();
    if (!backend.capabilities.rateLimits) return null;
    try {
      return await backend.readRateLimits();
    } catch (error) {
      throw asCodedError(error);
    }
  }

  get(sessionId: string): SessionRecord {
    const record = this.#o.store.getSession(sessionId);
    if (!record) {
      throw new SessionError(
        "SESSION_NOT_FOUND",
        `no session ${JSON.stringify(sessionId)}`,
      );
    }
    return record;
  }

  /** Every session: those with a turn going first (a client that lost a sessionId finds it at the top), then by activity. */
  list(): SessionRecord[] {
    const records = this.#o.store.listSessions();
    return [...records.filter((r) => isActive(r.status)), ...records.filter((r) => !isActive(r.status))];
  }

  pending(sessionId: string): PendingRequest[] {
    return this.#pending.list(sessionId);
  }

  read(sessionId: string, fromCursor: number, limits: { maxEvents: number; maxBytes: number }): ReadResult {
    this.get(sessionId);
    return this.#o.store.readEvents(sessionId, fromCursor, limits);
  }

  latestCursor(sessionId: string): number {
    return this.#o.store.latestCursor(sessionId);
  }

  /** Resolves when an event at or after `cursor` exists (true), or at the timeout / abort (false). */
  waitForEvents(sessionId: string, cursor: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.get(sessionId);
    return this.#o.store.waitForEvents(sessionId, cursor, timeoutMs, signal);
  }

  /** Calls `listener` on every change to the session; returns the unsubscribe function. */
  onChange(sessionId: string, listener: () => void): () => void {
    return this.#live.onChange(sessionId, listener);
  }

  /** Calls `listener` with a session's id whenever any session changes; returns the unsubscribe function. */
  onAnyChange(listener: (sessionId: string) => void): () => void {
    return this.#live.onAnyChange(listener);
  }

  /**
   * Waits until the current turn is over, Codex asks the client something, `timeoutMs` passes or
   * `signal` aborts — whichever is first.
   */
  waitForTurn(sessionId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return this.#live.waitFor(
      sessionId,
      () => {
        const status = this.get(sessionId).status;
        if (status === "waiting_approval" || status === "waiting_input") return "needs_answer";
        return status === "running" ? null : "finished";
      },
      timeoutMs,
      signal,
    );
  }

  // ---- answering Codex -------------------------------------------------------------------------

  async respondPermission(
    sessionId: string,
    requestId: string,
    decision: ApprovalDecision,
    by: AnsweredBy = "client",
    content?: Record<string, unknown>,
  ): Promise<SessionRecord> {
    const pending = await this.#pendingOrError(sessionId, requestId);
    checkDecision(pending, decision, content);
    const answer = { kind: "approval" as const, decision, ...(content && { content }) };
    // What was entered goes to Codex only; the log keeps which fields (a form may hold secrets).
    await this.#answer(sessionId, pending, answer, { decision, by, ...(content && { fields: Object.keys(content) }) });
    return this.get(sessionId);
  }

  async respondUserInput(
    sessionId: string,
    requestId: string,
    answers: Record<string, string[]>,
    by: AnsweredBy = "client",
  ): Promise<SessionRecord> {
    const pending = await this.#pendingOrError(sessionId, requestId);
    checkAnswers(pending, answers);
    await this.#answer(sessionId, pending, { kind: "user_input", answers }, { answers, by });
    return this.get(sessionId);
  }

  async #pendingOrError(sessionId: string, requestId: string): Promise<PendingRequest> {
    await this.#mayAct(this.get(sessionId));
    const pending = this.#pending.get(sessionId, requestId);
    if (!pending) throw noSuchRequest(sessionId, requestId);
    return pending;
  }

  async #answer(
    sessionId: string,
    pending: PendingRequest,
    answer: Parameters<Backend["respond"]>[1],
    recorded: DistributiveOmit<OwnEventData["request_answered"], "requestId">,
  ): Promise<void> {
    const requestId = pending.request.requestId;
    // Taking it is the claim: of two answers to one request only the first reaches Codex.
    if (!this.#pending.take(sessionId, requestId)) throw noSuchRequest(sessionId, requestId);
    this.#update(sessionId, { pendingRequestIds: this.#pending.ids(sessionId) });
    try {
      const backend = await this.#backendOrError();
      await backend.respond(requestId, answer);
    } catch (error) {
      throw asCodedError(error);
    } finally {
      // Pinned: an approval's outcome is kept as long as the request itself.
      recordOwn(this.#o.store, sessionId, "request_answered", { requestId, ...recorded }, { pinned: true });
      this.#intake.settleStatus(sessionId);
    }
  }

  // ---- stopping ------------------------------------------------------------------------------

  async interrupt(sessionId: string): Promise<SessionRecord> {
    await this.#mayAct(this.get(sessionId));
    // Codex refuses to interrupt a turn it has not started yet ("no active turn"): a client that
    // interrupts right after starting waits for turn_started (or the end) first.
    await this.#live.until(
      sessionId,
      () => this.#live.of(sessionId).turnActive || !isActive(this.get(sessionId).status),
      10_000,
    );
    const record = this.get(sessionId);
    if (record.currentTurnId && record.threadId && isActive(record.status)) {
      const backend = await this.#backendOrError();
      const asked = backend.interrupt(record.threadId, record.currentTurnId);
      // Interrupt answers within a bound too: a Codex that does not answer is reported, not waited for.
      const bound = this.#o.stopBoundMs ?? 20_000;
      if (!(await settlesWithin(asked, bound))) {
        throw new SessionError(
          "TIMEOUT",
          `Codex did not answer the interrupt of session ${sessionId} within ${bound} ms`,
          "Cancel the session to stop waiting for it; a Codex that stopped answering is found and stopped by the liveness check.",
        );
      }
      try {
        await asked;
      } catch (error) {
        throw asCodedError(error);
      }
      recordOwn(this.#o.store, sessionId, "interrupt_requested", { turnId: record.currentTurnId });
      await this.waitForTurn(sessionId, 5_000);
    }
    return this.get(sessionId);
  }

  /** Stops the session for good: interrupts its turn, declines what it asked, lets go of its thread. */
  async cancel(sessionId: string, reason = "cancelled by the client"): Promise<SessionRecord> {
    const record = this.get(sessionId);
    await this.#mayAct(record);
    if (record.status === "cancelled") return record;
    const live = this.#live.of(sessionId);
    live.cancelRequested = true;
    // Cancel always answers within a bound: a Codex that does not stop the turn (or hangs) is
    // left to the liveness check and the backend's own teardown, not waited for here.
    const bound = this.#o.stopBoundMs ?? 20_000;
    if (isActive(record.status)) {
      const interrupted = this.interrupt(sessionId).catch((error) => {
        this.#o.log.warn(`cancel ${sessionId}: interrupt failed`, error);
      });
      if (!(await settlesWithin(interrupted, bound))) {
        this.#o.log.warn(`cancel ${sessionId}: Codex did not stop the turn within ${bound} ms; cancelled anyway`);
      }
    }
    this.#intake.dropPending(sessionId);
    await settlesWithin(this.#release(sessionId), bound);
    this.#update(sessionId, { status: "cancelled", phase: "cancelled" });
    recordOwn(this.#o.store, sessionId, "cancelled", { reason });
    return this.get(sessionId);
  }

  async cleanBackgroundTerminals(sessionId: string): Promise<SessionRecord> {
    const record = this.get(sessionId);
    await this.#mayAct(record);
    if (!record.threadId) return record;
    const backend = await this.#backendOrError();
    try {
      await backend.cleanBackgroundTerminals(record.threadId);
    } catch (error) {
      throw asCodedError(error);
    }
    recordOwn(this.#o.store, sessionId, "background_terminals_cleaned", {});
    return this.get(sessionId);
  }

  /**
   * Removes sessions by status and age; active ones are cancelled first. Sessions another live
   * server runs are left out. With a persistent store they are only dropped from memory unless
   * `includeDisk` deletes them from the database too.
   */
  async clean(
    filter: {
      statuses: readonly SessionStatus[];
      olderThanMs: number;
      dryRun: boolean;
      includeDisk?: boolean;
      /** Only this HTTP principal's sessions. */
      principal?: string;
    },
  ): Promise<SessionRecord[]> {
    const cutoff = Date.now() - filter.olderThanMs;
    const chosen: SessionRecord[] = [];
    for (const record of this.list()) {
      if (!filter.statuses.includes(record.status) || record.lastActivityAt > cutoff) continue;
      if (filter.principal !== undefined && record.principal !== filter.principal) continue;
      // Another live server's sessions are its own to clean.
      if (await this.#mayAct(record).then(() => true, () => false)) chosen.push(record);
    }
    if (filter.dryRun) return chosen;
    for (const record of chosen) {
      if (isActive(record.status)) await this.cancel(record.id, "removed by clean");
      this.#forget(record.id, { fromDisk: filter.includeDisk === true });
    }
    return chosen;
  }

  /** Applies the lifecycle (see {@link planSweep}): idle and overlong sessions are cancelled, old ones forgotten. */
  async sweep(now = Date.now()): Promise<void> {
    const plan = planSweep(this.list(), {
      policy: this.#o.policy,
      now,
      persistent: this.#o.persistent === true,
      isMine: (record) => ownedBy(record, this.#o.owner),
    });
    for (const action of plan) {
      if (action.kind === "forget") this.#forget(action.sessionId, { fromDisk: action.fromDisk });
      else await this.cancel(action.sessionId, action.reason);
    }
  }

  /** At start-up: marks what the restart cut off in sessions of servers that are gone (see {@link recoverSessions}). */
  recover(): Promise<RecoveryReport> {
    return recoverSessions(this.#o.store, this.#o.owner, this.#o.isOwnerAlive ?? (() => Promise.resolve(false)));
  }

  /** This server's sessions. */
  #mine(): SessionRecord[] {
    return this.list().filter((r) => ownedBy(r, this.#o.owner));
  }

  /** Sessions of this server whose turn is still going. */
  #activeSessions(): SessionRecord[] {
    return this.list().filter((r) => isActive(r.status) && ownedBy(r, this.#o.owner));
  }

  /**
   * Graceful shutdown: lets running turns finish for up to `graceMs` (their events keep being
   * stored), or until `hurry` aborts; then interrupts what is still running and marks it.
   */
  async drain(graceMs: number, hurry?: AbortSignal): Promise<{ finished: number; interrupted: string[] }> {
    const running = this.#activeSessions().map((r) => r.id);
    await Promise.all(running.map((id) => this.waitForTurn(id, graceMs, hurry)));
    const left = this.#activeSessions();
    for (const record of left) {
      this.#live.of(record.id).cancelRequested = false;
      try {
        await this.interrupt(record.id);
      } catch (error) {
        this.#o.log.warn(`shutdown: could not interrupt ${record.id}`, error);
      }
      recordOwn(this.#o.store, record.id, "interrupted_by_shutdown", {}, { pinned: true });
      this.#update(record.id, { interruptedBy: "shutdown", phase: "interrupted by shutdown" });
    }
    return { finished: running.length - left.length, interrupted: left.map((r) => r.id) };
  }

  /** Server shutdown: stop the sweep, decline what is pending, and close the backend. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#pending.clear();
    const backend = this.#backend;
    this.#backend = null;
    if (backend) await (await backend.catch(() => null))?.close();
  }

  async #release(sessionId: string): Promise<void> {
    const live = this.#live.peek(sessionId);
    const record = this.#o.store.getSession(sessionId);
    live?.unsubscribe?.();
    if (live) live.unsubscribe = null;
    if (record?.threadId && this.#backend) {
      const backend = await this.#backend.catch(() => null);
      await backend?.releaseThread(record.threadId).catch((e) =>
        this.#o.log.debug(`release ${record.threadId} failed`, e)
      );
    }
  }

  /**
   * Drops a session from memory. A memory store loses it; a persistent one keeps it on disk
   * (listed, readable, resumable) unless `fromDisk`.
   */
  #forget(sessionId: string, options: { fromDisk: boolean }): void {
    this.#intake.dropPending(sessionId);
    this.#live.forget(sessionId);
    if (!this.#o.persistent || options.fromDisk) this.#o.store.deleteSession(sessionId);
    else this.#o.store.unloadSession?.(sessionId);
  }

  /** Refuses to act on a session that another live server runs; one whose server is gone is fair game. */
  async #mayAct(record: SessionRecord): Promise<void> {
    const elsewhere = await this.ownedElsewhere(record);
    if (elsewhere) throw new SessionError("SESSION_OWNED_ELSEWHERE", `session ${record.id} is run by ${elsewhere}`);
  }

  /**
   * "another codex-mcp (pid N)" when another server that is still running owns `record`, else
   * null: this server's, or one whose server is gone (it recovers here).
   */
  async ownedElsewhere(record: SessionRecord): Promise<string | null> {
    if (ownedBy(record, this.#o.owner) || !(await this.#o.isOwnerAlive?.(record.owner!))) return null;
    return `another codex-mcp (pid ${record.owner!.pid})`;
  }

  #update(sessionId: string, patch: Partial<SessionRecord>): void {
    this.#o.store.updateSession(sessionId, { ...patch, updatedAt: Date.now() });
  }
}

function noSuchRequest(sessionId: string, requestId: string): SessionError {
  return new SessionError(
    "REQUEST_NOT_FOUND",
    `session ${sessionId} has no pending request ${JSON.stringify(requestId)}`,
  );
}

/** The thread's name: marked as codex-mcp's, then the prompt's first line, shortened. */
function threadName(prompt: string): string {
  const line = prompt.trim().split("\n")[0]!.trim();
  return `codex-mcp: ${line.length > 60 ? `${line.slice(0, 59)}…` : line}`;
}

function busy(record: SessionRecord): SessionError {
  return new SessionError(
    "SESSION_BUSY",
    `session ${record.id} is ${record.status.replace("_", " ")}: its turn has not finished`,
  );
}
