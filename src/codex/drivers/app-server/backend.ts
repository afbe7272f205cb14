/**
 * {@link Backend} over `codex app-server`: ONE shared process for every thread of this server.
 *
 * Measured on Codex 0.169: an app-server is ~79 MiB idle and ~139 MiB after its first turn, then
 * ~2 MiB per additional thread, so one process per session would cost ~140 MiB each.
 *
 * Life of the process:
 * - Started lazily by the first call that needs it, through the supervisor; concurrent first
 *   callers share one start. Spawning and the handshake (`initialize` with the experimental API on,
 *   notifications we never read opted out, attestation off, then `initialized`) are in
 *   `connection.ts`; choosing a backend may start it early (`warmUp`).
 * - When it exits unexpectedly (the supervisor's `child.exit`), its in-flight calls reject with
 *   CODEX_CRASHED, its waiting requests are dropped (`request_resolved`), and every thread it held
 *   gets a `backend_crashed` event with the exit code or signal and the stderr tail. Calls on those
 *   threads then reject with CODEX_CRASHED until they are resumed (`resumeThread`), which starts
 *   a fresh process: rollouts persist in CODEX_HOME.
 * - {@link AppServerBackend.close} tears it down: stdin EOF, then SIGTERM, then SIGKILL.
 *
 * Events are routed by `params.threadId`. A thread's events wait in a bounded backlog until its
 * first subscriber; after that, events nobody listens to are dropped. Codex's requests (approvals,
 * questions) are published as `approval_request` / `user_input_request` with our own id (`req_<n>`,
 * unique for the life of this backend) and wait for {@link AppServerBackend.respond}; the policy
 * for every request method is in `server-requests.ts`.
 *
 * Everything read from Codex is validated; what does not validate is logged and reported to the
 * thread it names as a `warning` (or an `error` for turn start/completion), never thrown.
 *
 * Longer than ~400 lines on purpose: it holds the state of one shared process (its threads, the
 * requests waiting on the client, what a crash does to them); the handshake, notifications,
 * request policy, parameters and catalog mappings are modules of their own (docs/ARCHITECTURE.md,
 * "Long files").
 *
 * @module
 */
import * as v from "valibot";
import type { Logger } from "../../../log.ts";
import type { ExitReport } from "../../../process/types.ts";
import {
  type Backend,
  BackendError,
  type BackendEvent,
  CAPABILITIES,
  type RequestAnswer,
  type ReviewTarget,
  type StartedThread,
  type SteerInput,
  type ThreadSettings,
  type TurnInput,
} from "../../backend.ts";
import type { CodexTurn, ModelInfo, RateLimits, ThreadFilter, ThreadSummary } from "../../listings.ts";
import { type RequestId, RpcError, RpcTimeoutError } from "../jsonrpc.ts";
import { toBackendError } from "./errors.ts";
import { mapNotification, TurnMemory } from "./notifications.ts";
import {
  reviewStartParams,
  threadForkParams,
  threadListParams,
  threadResumeParams,
  threadStartParams,
  turnStartParams,
  userInputItems,
} from "./params.ts";
import { codexTurnOf, modelInfoOf, rateLimitsOf, threadSummaryOf } from "./catalog.ts";
import {
  describeIssues,
  ModelListResponse,
  RateLimitsResponse,
  threadIdOf,
  ThreadListResponse,
  ThreadOpenedResponse,
  ThreadTurnsListResponse,
  TurnStartResponse,
} from "./protocol.ts";
import { classifyServerRequest, type WaitingRequest } from "./server-requests.ts";
import { type Listener, ThreadEvents } from "../thread-events.ts";
import { describeExit, tailLines } from "../stderr.ts";
import { type Connection, type ConnectionOptions, openConnection, quoteStderr } from "./connection.ts";

/** What the backend is built from: what its process is started with. */
export type AppServerBackendOptions = ConnectionOptions;

interface ThreadState {
  readonly id: string;
  /** The process that holds the thread, once started, resumed or forked here. */
  conn: Connection | null;
  model: string | null;
  readonly events: ThreadEvents;
  readonly memory: TurnMemory;
}

interface PendingRequest {
  readonly id: string;
  readonly conn: Connection;
  readonly rpcId: RequestId;
  readonly threadId: string;
  readonly request: WaitingRequest;
  /** Sends the answer to Codex. */
  readonly settle: (result: unknown) => void;
}

export class AppServerBackend implements Backend {
  readonly mode = "app-server" as const;
  readonly capabilities = CAPABILITIES["app-server"];

  readonly #options: AppServerBackendOptions;
  readonly #log: Logger;
  readonly #threads = new Map<string, ThreadState>();
  readonly #pending = new Map<string, PendingRequest>();
  #conn: Connection | null = null;
  /** Threads with a turn going: while there are any, the process's liveness is checked. */
  readonly #running = new Set<string>();
  #starting: Promise<Connection> | null = null;
  #generation = 0;
  #requestCounter = 0;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: AppServerBackendOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /**
   * Starts the process and completes the handshake now instead of on the first call; rejects as
   * that first call would. Choosing a backend uses it: the process that proves app-server works
   * is the one that then serves the sessions.
   */
  async warmUp(): Promise<void> {
    await this.#connection();
  }

  // -------------------------------------------------------------------------------------------
  // Threads

  async startThread(settings: ThreadSettings): Promise<StartedThread> {
    const params = threadStartParams(settings);
    return this.#openThread("thread/start", params, await this.#connection());
  }

  async resumeThread(threadId: string, settings: ThreadSettings): Promise<StartedThread> {
    const params = threadResumeParams(threadId, settings);
    return this.#openThread("thread/resume", params, await this.#connection());
  }

  async forkThread(threadId: string, settings: ThreadSettings, throughTurnId?: string): Promise<StartedThread> {
    const params = { ...threadForkParams(threadId, settings), ...(throughTurnId && { lastTurnId: throughTurnId }) };
    return this.#openThread("thread/fork", params, await this.#connection());
  }

  async #openThread(method: string, params: Record<string, unknown>, conn: Connection): Promise<StartedThread> {
    const result = await this.#request(conn, method, params, ThreadOpenedResponse);
    const state = this.#ensureThread(result.thread.id);
    state.conn = conn;
    state.model = result.model ?? null;
    this.#log.debug(`${method}: thread ${state.id} on codex app-server #${conn.generation}`, { model: state.model });
    return { threadId: state.id, model: state.model };
  }

  async startTurn(threadId: string, input: TurnInput): Promise<{ turnId: string }> {
    const state = this.#threads.get(threadId);
    const params = turnStartParams(threadId, input, state?.model ?? null);
    const result = await this.#request(await this.#connectionFor(threadId), "turn/start", params, TurnStartResponse);
    if (state && input.model !== undefined) state.model = input.model;
    return { turnId: result.turn.id };
  }

  async nameThread(threadId: string, name: string): Promise<void> {
    await this.#request(await this.#connectionFor(threadId), "thread/name/set", { threadId, name }, v.unknown());
  }

  async listThreads(filter: ThreadFilter): Promise<ThreadSummary[]> {
    const result = await this.#request(
      await this.#connection(),
      "thread/list",
      threadListParams(filter),
      ThreadListResponse,
    );
    return result.data.map(threadSummaryOf);
  }

  async listModels(): Promise<ModelInfo[]> {
    const conn = await this.#connection();
    const models: ModelInfo[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const params = { includeHidden: false, ...(cursor && { cursor }) };
      const result: v.InferOutput<typeof ModelListResponse> = await this.#request(
        conn,
        "model/list",
        params,
        ModelListResponse,
      );
      models.push(...result.data.filter((m) => !m.hidden).map(modelInfoOf));
      cursor = result.nextCursor ?? null;
      if (!cursor) break;
    }
    return models;
  }

  async listThreadTurns(threadId: string, limit: number): Promise<CodexTurn[]> {
    const result = await this.#request(
      await this.#connection(),
      "thread/turns/list",
      { threadId, limit, sortDirection: "desc" },
      ThreadTurnsListResponse,
    );
    return result.data.map(codexTurnOf).reverse();
  }

  async readRateLimits(): Promise<RateLimits> {
    const result = await this.#request(await this.#connection(), "account/rateLimits/read", {}, RateLimitsResponse);
    return rateLimitsOf(result.rateLimits);
  }

  async startReview(threadId: string, target: ReviewTarget): Promise<{ turnId: string }> {
    const conn = await this.#connectionFor(threadId);
    const result = await this.#request(conn, "review/start", reviewStartParams(threadId, target), TurnStartResponse);
    return { turnId: result.turn.id };
  }

  async compactThread(threadId: string): Promise<void> {
    await this.#request(await this.#connectionFor(threadId), "thread/compact/start", { threadId }, v.unknown());
  }

  async revertThread(threadId: string, beforeTurnId: string): Promise<void> {
    await this.#request(await this.#connectionFor(threadId), "thread/revert", { threadId, beforeTurnId }, v.unknown());
  }

  async steerTurn(threadId: string, turnId: string, input: SteerInput): Promise<void> {
    const params = { threadId, input: userInputItems(input), expectedTurnId: turnId };
    await this.#request(await this.#connectionFor(threadId), "turn/steer", params, v.unknown());
  }

  async interrupt(threadId: string, turnId: string): Promise<void> {
    await this.#request(await this.#connectionFor(threadId), "turn/interrupt", { threadId, turnId }, v.unknown());
  }

  async cleanBackgroundTerminals(threadId: string): Promise<void> {
    try {
      await this.#request(
        await this.#connectionFor(threadId),
        "thread/backgroundTerminals/clean",
        { threadId },
        v.unknown(),
      );
    } catch (error) {
      const cause = error instanceof BackendError ? error.cause : undefined;
      if (
        cause instanceof RpcError && /unknown variant|method not found|unknown method|experimental/i.test(cause.message)
      ) {
        throw new BackendError(
          "NOT_SUPPORTED",
          `this Codex cannot clean background terminals: ${cause.message}`,
          "Upgrade Codex (`npm install -g @openai/codex@latest`).",
          { cause },
        );
      }
      throw error;
    }
  }

  /**
   * Refuses the thread's waiting requests, unsubscribes this connection from it (Codex unloads a
   * thread nobody is subscribed to) and forgets it. Never fails: a thread Codex no longer knows,
   * or whose process is gone, is simply forgotten.
   */
  async releaseThread(threadId: string): Promise<void> {
    const state = this.#threads.get(threadId);
    for (const pending of [...this.#pending.values()]) {
      if (pending.threadId === threadId) this.#settlePending(pending, pending.request.refusal);
    }
    this.#threads.delete(threadId);
    const conn = state ? state.conn : this.#conn;
    if (!conn?.alive) return;
    try {
      await this.#request(conn, "thread/unsubscribe", { threadId }, v.unknown());
    } catch (error) {
      this.#log.debug(
        `thread/unsubscribe ${threadId} failed; forgotten anyway`,
        error instanceof Error ? error.message : error,
      );
    }
  }

  subscribe(threadId: string, listener: Listener): () => void {
    const state = this.#ensureThread(threadId);
    return state.events.subscribe(listener);
  }

  // -------------------------------------------------------------------------------------------
  // Requests from Codex

  async respond(requestId: string, answer: RequestAnswer): Promise<void> {
    const pending = this.#pending.get(requestId);
    if (!pending) {
      throw new BackendError(
        "REQUEST_NOT_FOUND",
        `no pending request ${JSON.stringify(requestId)}`,
        "It was answered already, resolved by Codex itself (an interrupt or the end of its turn), or its Codex process exited.",
      );
    }
    // Throws INVALID_ARGUMENT for an answer that does not fit; the request stays pending.
    const result = pending.request.respond(answer);
    this.#settlePending(pending, result);
  }

  #settlePending(pending: PendingRequest, result: unknown): void {
    if (!this.#pending.delete(pending.id)) return;
    pending.conn.requestIds.delete(pending.rpcId);
    pending.settle(result);
    this.#emit(pending.threadId, { type: "request_resolved", requestId: pending.id });
  }

  #onRequest(conn: Connection, method: string, params: unknown, rpcId: RequestId): unknown {
    const disposition = classifyServerRequest(method, params, {
      fileChanges: (threadId, itemId) => this.#threads.get(threadId)?.memory.fileChanges.get(itemId),
      now: () => Date.now(),
    });
    switch (disposition.type) {
      case "answer":
        this.#log.debug(`answered ${method} from codex app-server #${conn.generation}`);
        return disposition.result;
      case "error":
        this.#log.info(`refused ${method} from codex app-server #${conn.generation}: ${disposition.error.message}`);
        throw disposition.error;
      case "invalid": {
        this.#log.warn(`codex app-server sent ${disposition.reason}; refused`, params);
        if (disposition.threadId) {
          this.#emit(disposition.threadId, { type: "warning", message: `codex-mcp refused ${disposition.reason}` });
        }
        return disposition.refusal;
      }
      case "wait": {
        const { request } = disposition;
        if (!this.#threads.has(request.threadId)) {
          this.#log.warn(`${method} for thread ${request.threadId}, which this server does not follow; refused`);
          return request.refusal;
        }
        const id = `req_${++this.#requestCounter}`;
        return new Promise<unknown>((resolve) => {
          const pending: PendingRequest = { id, conn, rpcId, threadId: request.threadId, request, settle: resolve };
          this.#pending.set(id, pending);
          conn.requestIds.set(rpcId, id);
          this.#emit(request.threadId, { ...request.event, requestId: id } as BackendEvent);
        });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Notifications and events

  #onNotification(conn: Connection, method: string, params: unknown): void {
    const outcome = mapNotification(
      method,
      params,
      (threadId) => this.#threads.get(threadId)?.memory ?? new TurnMemory(),
    );
    switch (outcome.kind) {
      case "events":
        for (const event of outcome.events) this.#emit(outcome.threadId, event);
        return;
      case "broadcast": {
        const threads = [...this.#threads.values()].filter((state) => state.conn === conn);
        this.#log.info(
          `codex app-server: ${outcome.event.type === "warning" ? outcome.event.message : outcome.event.type}`,
        );
        for (const state of threads) this.#emit(state.id, outcome.event);
        return;
      }
      case "resolved": {
        const ours = conn.requestIds.get(outcome.requestId);
        const pending = ours === undefined ? undefined : this.#pending.get(ours);
        // Codex settled it (an interrupt, the turn ended): it ignores the answer we still owe.
        if (pending) this.#settlePending(pending, pending.request.refusal);
        return;
      }
      case "closed":
        this.#log.debug(`codex app-server unloaded thread ${outcome.threadId}`);
        return;
      case "invalid":
        this.#log.warn(`codex app-server: ${outcome.reason}`, params);
        if (outcome.threadId) {
          this.#emit(
            outcome.threadId,
            outcome.severity === "error"
              ? { type: "error", message: `codex-mcp ${outcome.reason}`, willRetry: false }
              : { type: "warning", message: `codex-mcp ${outcome.reason}` },
          );
        }
        return;
      case "ignored":
        return;
    }
  }

  #onInvalid(conn: Connection, line: string, reason: string): void {
    const shown = line.length > 300 ? `${line.slice(0, 300)}… (${line.length} chars)` : line;
    if (reason.startsWith("an answer to unknown request")) {
      // A late answer to a request that timed out: nothing is waiting for it.
      this.#log.debug(`codex app-server #${conn.generation}: ${reason}`);
      return;
    }
    this.#log.warn(`codex app-server #${conn.generation} wrote a line that is ${reason}: ${shown}`);
    let threadId: string | null = null;
    try {
      const json = JSON.parse(line) as unknown;
      if (typeof json === "object" && json !== null) threadId = threadIdOf((json as Record<string, unknown>)["params"]);
    } catch {
      // Not JSON: it names no thread.
    }
    if (threadId) {
      this.#emit(threadId, {
        type: "warning",
        message: `codex-mcp could not read a message from Codex (${reason}): ${shown}`,
      });
    }
  }

  #ensureThread(threadId: string): ThreadState {
    let state = this.#threads.get(threadId);
    if (!state) {
      state = { id: threadId, conn: null, model: null, events: new ThreadEvents(this.#log), memory: new TurnMemory() };
      this.#threads.set(threadId, state);
    }
    return state;
  }

  #emit(threadId: string, event: BackendEvent): void {
    if (event.type === "turn_started") this.#running.add(threadId);
    if (event.type === "turn_completed" || event.type === "backend_crashed") this.#running.delete(threadId);
    const state = this.#threads.get(threadId);
    if (!state) {
      this.#log.debug(`dropped a ${event.type} event of thread ${threadId}, which this server does not follow`);
      return;
    }
    state.events.emit(event);
  }

  // -------------------------------------------------------------------------------------------
  // The process

  /** Sends one request and validates the answer; every failure becomes a {@link BackendError}. */
  async #request<S extends v.GenericSchema>(
    conn: Connection,
    method: string,
    params: unknown,
    schema: S,
  ): Promise<v.InferOutput<S>> {
    let result: unknown;
    try {
      result = await conn.rpc.request(method, params);
    } catch (error) {
      // Codex answers in milliseconds: one unanswered request is reason to check the process now,
      // not at the next interval (and even with no turn running, so that the next session does
      // not go to a process that hangs).
      if (error instanceof RpcTimeoutError) this.#checkLiveness(conn, { always: true });
      throw toBackendError(error, method);
    }
    const parsed = v.safeParse(schema, result);
    if (!parsed.success) {
      const reason = describeIssues(parsed.issues);
      this.#log.warn(`codex app-server answered ${method} with an unexpected shape: ${reason}`, result);
      throw new BackendError(
        "INTERNAL",
        `Codex answered ${method} with an unexpected shape (${reason})`,
        "This Codex version may not be supported; check `codex --version` and the codex-mcp log.",
      );
    }
    return parsed.output;
  }

  /** The process holding `threadId`; CODEX_CRASHED when that process died since. */
  async #connectionFor(threadId: string): Promise<Connection> {
    const held = this.#threads.get(threadId)?.conn;
    if (held && !held.alive && !this.#closed) {
      throw new BackendError(
        "CODEX_CRASHED",
        `the codex app-server process that held thread ${threadId} has exited`,
        "Continue the thread with resumeThread: it loads the thread (persisted in CODEX_HOME) into a new codex app-server.",
      );
    }
    return this.#connection();
  }

  /** The live process, started on first use; concurrent callers share one start. */
  #connection(): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(
        new BackendError(
          "INTERNAL",
          "the app-server backend is closed",
          "codex-mcp is shutting down; no new Codex work can start.",
        ),
      );
    }
    if (this.#conn?.alive) return Promise.resolve(this.#conn);
    if (!this.#starting) {
      const starting = this.#start().then((conn) => {
        this.#conn = conn;
        return conn;
      });
      this.#starting = starting;
      const clear = () => {
        if (this.#starting === starting) this.#starting = null;
      };
      starting.then(clear, clear);
    }
    return this.#starting;
  }

  async #start(): Promise<Connection> {
    const conn = await openConnection(this.#options, ++this.#generation, {
      onNotification: (c, method, params) => this.#onNotification(c, method, params),
      onRequest: (c, method, params, id) => this.#onRequest(c, method, params, id),
      onInvalid: (c, line, reason) => this.#onInvalid(c, line, reason),
      onExit: (c, report) => this.#onExit(c, report),
    });
    if (this.#closed) {
      conn.stopping = true;
      conn.rpc.close("codex-mcp is shutting down");
      await conn.child.teardown();
      throw new BackendError(
        "INTERNAL",
        "the app-server backend is closed",
        "codex-mcp is shutting down; no new Codex work can start.",
      );
    }
    const liveness = setInterval(() => this.#checkLiveness(conn), this.#options.livenessMs ?? 10_000);
    void conn.child.exit.then(() => clearInterval(liveness));
    return conn;
  }

  /**
   * A hung process (stopped, deadlocked) never exits, so the exit watch alone never notices it:
   * while a turn runs, ask something cheap (an unknown method, which Codex answers with an error
   * at once); no answer within the request timeout means it hangs. It is then torn down, and its
   * exit is reported to its threads as a hang, which a reply recovers from like a crash.
   * `always` checks even with no turn running (a request just went unanswered).
   */
  #checkLiveness(conn: Connection, options: { always?: boolean } = {}): void {
    if (!conn.alive || conn.stopping || conn.hung || conn.checking) return;
    if (this.#running.size === 0 && !options.always) return;
    conn.checking = true;
    const timeoutMs = this.#options.requestTimeoutMs;
    conn.rpc.request("codex-mcp/liveness", {}, { timeoutMs })
      .then(() => undefined, (error: unknown) => {
        if (!(error instanceof RpcTimeoutError) || !conn.alive) return;
        conn.hung = true;
        if (this.#conn === conn) this.#conn = null; // new work goes to a new process at once
        this.#log.error(`codex app-server #${conn.generation} gave no answer within ${timeoutMs} ms: stopping it`);
        void conn.child.teardown();
      })
      .finally(() => (conn.checking = false));
  }

  #onExit(conn: Connection, report: ExitReport): void {
    conn.alive = false;
    if (this.#conn === conn) this.#conn = null;
    const reason = `codex app-server #${conn.generation} ${describeExit(report)}`;
    conn.rpc.close(`${reason}${quoteStderr(report)}`);
    for (const pending of [...this.#pending.values()]) {
      if (pending.conn === conn) this.#settlePending(pending, pending.request.refusal);
    }
    if (conn.stopping) {
      this.#log.debug(`${reason} (stopped)`);
      return;
    }
    const stderrTail = tailLines(report.stderrTail, 20, 4_000);
    const threads = [...this.#threads.values()].filter((state) => state.conn === conn);
    this.#log.error(
      `${reason} unexpectedly; ${threads.length} thread(s) lost their process${quoteStderr(report)}`,
    );
    const message = conn.hung
      ? `codex app-server #${conn.generation} stopped answering (no answer within ${this.#options.requestTimeoutMs} ms) and was stopped. Resume the thread to continue it on a new process.`
      : `${reason} unexpectedly. Resume the thread to continue it on a new process.`;
    for (const state of threads) {
      this.#emit(state.id, { type: "backend_crashed", message, stderrTail, ...(conn.hung && { hung: true }) });
    }
  }

  /** Tears the process down (stdin EOF → SIGTERM → SIGKILL). Later calls reject. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      const starting = this.#starting;
      if (starting) await starting.catch(() => undefined);
      const conn = this.#conn;
      this.#conn = null;
      if (!conn) return;
      conn.stopping = true;
      for (const pending of [...this.#pending.values()]) {
        if (pending.conn === conn) this.#settlePending(pending, pending.request.refusal);
      }
      conn.rpc.close("codex-mcp is shutting down");
      await conn.child.teardown();
    })();
    return this.#closing;
  }
}
