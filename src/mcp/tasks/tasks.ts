/**
 * Codex turns as MCP Tasks (`io.modelcontextprotocol/tasks`, an extension of the 2026-07-28
 * revision). A request whose `_meta` declares the extension and calls `codex`, `codex_reply` or
 * `codex_review` gets a task for the turn it starts instead of a session view; the client follows
 * it with `tasks/get`, answers what Codex asks with `tasks/update`, and stops it with
 * `tasks/cancel`. Clients without the extension see the tools as before.
 *
 * A task is a handle on one turn (sessions/store.ts `TaskHandle`), stored with its session: its
 * state is read from the session and the turn whenever it is asked for, so it survives a restart
 * (a turn cut off by one ends `completed` with the INTERRUPTED_BY_RESTART failure in its result),
 * and it is forgotten with its session (the task's `ttlMs` is the session retention).
 *
 * - `working`: the turn runs (`statusMessage`: its phase and last item); also while it waits for
 *   an answer that is left to whoever polls (`approvals: "model"`, or no forms in the client).
 * - `input_required`: Codex asks, and the person answers: one form per pending request in
 *   `inputRequests`, keyed by the request (a key is never reused within a task).
 * - `completed`: the turn ended; `result` is the call's result — the session view a waiting call
 *   would have returned (a failed turn is a tool-level failure, so it is `completed` too: the
 *   extension keeps `failed` for JSON-RPC errors).
 * - `cancelled`: the turn was interrupted (`tasks/cancel`, `codex_session interrupt` or `cancel`).
 *
 * @module
 */
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequests,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { CodedError } from "../../errors/registry.ts";
import { newId } from "../../sessions/ids.ts";
import type { SessionRecord, TaskHandle, TurnRecord } from "../../sessions/store.ts";
import { opensUrls, type RequestCapabilities } from "../approvals/mode.ts";
import { applyFormAnswers, inputRequestFor } from "../approvals/round-trip.ts";
import type { ServerContext } from "../context.ts";
import { wrapRequestHandler } from "../sdk-handlers.ts";
import { describe, sessionView, structuredResult } from "../tools/session-view.ts";

/** The extension's identifier, in capabilities. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

type RequestId = string | number;
type Status = "working" | "input_required" | "completed" | "cancelled" | "failed";

/** The most often a listening client is told a running task changed. */
const NOTIFY_EVERY_MS = 250;

/** How often to poll, by status: sooner while the person is asked. */
const POLL_INTERVAL_MS = { working: 2_000, input_required: 1_000 } as const;

/** Whether this request's client takes tasks: it declared the extension in the request's `_meta`. */
function takesTasks(request: RequestCapabilities): boolean {
  const declared = request.envelope?.[CLIENT_CAPABILITIES_META_KEY] as
    | { extensions?: Record<string, unknown> }
    | undefined;
  return declared?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** The key of a Codex request in a task's `inputRequests` (Codex's request ids are unique per turn). */
function keyOf(requestId: string): string {
  return `codex_${requestId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function notFound(taskId: string, why = "Task not found"): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Failed to retrieve task ${JSON.stringify(taskId.slice(0, 100))}: ${why}`,
  );
}

/** Refuses a tasks/* request whose client did not declare the extension (the extension's -32021). */
function requireExtension(request: RequestCapabilities): void {
  if (!takesTasks(request)) {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      `Missing required client capability: declare the ${TASKS_EXTENSION} extension in the request's _meta clientCapabilities`,
    );
  }
}

/** What tasks need of the server: the sessions they are turns of, and where their changes go. */
export type TaskContext = Pick<ServerContext, "sessions" | "config" | "notifyTask">;

/**
 * The tasks of one connection: created by its tool calls, read by its `tasks/*` requests; or the
 * tasks an HTTP listen stream follows ({@link Tasks.follow}).
 */
export class Tasks {
  readonly #ctx: TaskContext;
  /** Calls that became tasks, by request id, until the tool call answers with the task. */
  readonly #created = new Map<RequestId, Record<string, unknown>>();
  /** Tasks whose turn still runs → the subscription that keeps their result when it ends. */
  readonly #watching = new Map<string, () => void>();

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
  }

  /**
   * Makes the call `requestId` a task for the session's latest turn (the one the call just
   * started). The task is stored before the call answers, so a `tasks/get` for it always finds it.
   */
  create(requestId: RequestId, sessionId: string, tool: string, askPerson: boolean): void {
    const sessions = this.#ctx.sessions;
    const turn = sessions.turns(sessionId).at(-1);
    if (!turn) throw new CodedError("INTERNAL", `session ${sessionId} has no turn to make a task of`, "Report this.");
    const now = Date.now();
    const handle: TaskHandle = {
      taskId: newId("task"),
      sessionId,
      turnIndex: turn.index,
      tool,
      askPerson,
      createdAt: now,
      updatedAt: now,
    };
    if (!sessions.taskHandles.createTask(handle)) throw new CodedError("SESSION_NOT_FOUND", sessionId, "");
    this.#watch(handle);
    const { result: _result, ...seed } = this.#detailed(handle);
    this.#created.set(requestId, { ...seed, resultType: "task" });
  }

  /** The task the call `requestId` became, once (the tool call answers with it). */
  take(requestId: RequestId): Record<string, unknown> | undefined {
    const created = this.#created.get(requestId);
    this.#created.delete(requestId);
    return created;
  }

  /** `tasks/get`: the task as it is now (an MCP server's page as a URL request, if `urls`). */
  get(taskId: string, urls: boolean): Record<string, unknown> {
    return this.#detailed(this.#handle(taskId), urls);
  }

  /** `tasks/update`: the person's answers to the task's `inputRequests`. */
  async update(taskId: string, inputResponses: Record<string, unknown>): Promise<void> {
    const handle = this.#handle(taskId);
    const task = this.#detailed(handle);
    if (task.status !== "input_required") {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `task ${taskId} is ${task.status}, not input_required: there is nothing to answer`,
      );
    }
    const asked = Object.fromEntries(
      this.#ctx.sessions.pending(handle.sessionId).map((p) => [keyOf(p.request.requestId), p.request.requestId]),
    );
    try {
      await applyFormAnswers(this.#ctx.sessions, handle.sessionId, asked, inputResponses);
    } catch (error) {
      if (error instanceof CodedError && error.code === "INVALID_ARGUMENT") {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${error.message}. ${error.hint}`);
      }
      throw error;
    }
  }

  /** `tasks/cancel`: interrupts the task's turn if it still runs (the task ends `cancelled`). */
  async cancel(taskId: string): Promise<void> {
    const handle = this.#handle(taskId);
    const status = this.#detailed(handle).status;
    if (status === "working" || status === "input_required") await this.#ctx.sessions.interrupt(handle.sessionId);
  }

  /**
   * Follows a task this instance did not create (over HTTP each request is an instance of its
   * own): from now on its changes go to `notifyTask`. Returns the task as it is now; throws the
   * not-found error for a task that is unknown here (or another principal's).
   */
  follow(taskId: string): Record<string, unknown> {
    const handle = this.#handle(taskId);
    if (!this.#watching.has(taskId)) this.#watch(handle);
    return this.#detailed(handle);
  }

  /** The connection ended: the tasks stay stored, this stops watching their turns. */
  close(): void {
    for (const stop of this.#watching.values()) stop();
    this.#watching.clear();
  }

  #handle(taskId: string): TaskHandle {
    const handle = this.#ctx.sessions.taskHandles.getTask(taskId);
    if (!handle) throw notFound(taskId);
    try {
      this.#ctx.sessions.get(handle.sessionId);
    } catch {
      // Its session was forgotten, or is another principal's: either way there is no such task here.
      throw notFound(taskId);
    }
    return handle;
  }

  /**
   * Follows the task's turn: tells listening clients (`notifications/tasks`) when what `tasks/get`
   * shows changes (at most every {@link NOTIFY_EVERY_MS} while it runs), and keeps the call's
   * result the moment the turn ends (later turns change the session view).
   */
  #watch(handle: TaskHandle): void {
    let shown = "";
    let due: ReturnType<typeof setTimeout> | undefined;
    const publish = () => {
      due = undefined;
      let task: Record<string, unknown>;
      try {
        task = this.#detailed(handle);
      } catch {
        return; // the session is gone
      }
      const key = JSON.stringify([task.status, task.statusMessage, Object.keys(task.inputRequests ?? {})]);
      if (key === shown) return;
      shown = key;
      this.#ctx.notifyTask?.(task);
    };
    const settle = () => {
      const turn = this.#turn(handle);
      if (turn?.status === "running") {
        due ??= setTimeout(publish, NOTIFY_EVERY_MS);
        return;
      }
      this.#watching.get(handle.taskId)?.();
      this.#watching.delete(handle.taskId);
      clearTimeout(due);
      const record = this.#ctx.sessions.get(handle.sessionId);
      handle.result = this.#resultOf(handle, record, turn) as Record<string, unknown>;
      handle.updatedAt = Date.now();
      this.#ctx.sessions.taskHandles.updateTask(handle.taskId, { result: handle.result, updatedAt: handle.updatedAt });
      publish();
    };
    const stop = this.#ctx.sessions.onChange(handle.sessionId, settle);
    this.#watching.set(handle.taskId, () => {
      stop();
      clearTimeout(due);
    });
  }

  #turn(handle: TaskHandle): TurnRecord | undefined {
    return this.#ctx.sessions.turns(handle.sessionId).find((t) => t.index === handle.turnIndex);
  }

  /** What a waiting call would have answered when the turn ended. */
  #resultOf(handle: TaskHandle, record: SessionRecord, turn: TurnRecord | undefined): CallToolResult {
    const sessions = this.#ctx.sessions;
    const latest = sessions.turns(handle.sessionId).at(-1);
    if (latest?.index === handle.turnIndex) return structuredResult(sessionView(sessions, record));
    // The session moved on before this was asked (and nothing kept the result): the turn's own record.
    return structuredResult({ sessionId: handle.sessionId, turn: turn ?? null });
  }

  /** The task as `tasks/get` shows it: derived from the session and the turn now. */
  #detailed(handle: TaskHandle, urls = false): Record<string, unknown> & { status: Status } {
    const sessions = this.#ctx.sessions;
    const record = sessions.get(handle.sessionId);
    const turn = this.#turn(handle);
    const common = {
      taskId: handle.taskId,
      createdAt: new Date(handle.createdAt).toISOString(),
      ttlMs: this.#ctx.config.retentionMs,
    };
    if (turn && turn.status !== "running") {
      const updated = new Date(Math.max(handle.updatedAt, turn.endedAt ?? 0)).toISOString();
      // Interrupted by someone is cancelled; cut off by a restart is a failure the result reports.
      if (turn.status === "interrupted" && turn.error?.code !== "INTERRUPTED_BY_RESTART") {
        return { ...common, status: "cancelled", lastUpdatedAt: updated, statusMessage: "The turn was interrupted." };
      }
      // A 2026-07-28 result names its type, in a task too.
      const result = { ...(handle.result ?? this.#resultOf(handle, record, turn)), resultType: "complete" };
      return {
        ...common,
        status: "completed",
        lastUpdatedAt: updated,
        statusMessage: turn.status === "failed"
          ? `The turn failed: ${turn.error?.code ?? "TURN_FAILED"}`
          : "The turn completed.",
        result,
      };
    }
    const lastUpdatedAt = new Date(Math.max(handle.updatedAt, record.lastActivityAt ?? 0)).toISOString();
    const pending = sessions.pending(handle.sessionId);
    if (pending.length > 0 && handle.askPerson) {
      const inputRequests: InputRequests = {};
      for (const p of pending) {
        inputRequests[keyOf(p.request.requestId)] = inputRequestFor(p, record, urls);
      }
      return {
        ...common,
        status: "input_required",
        lastUpdatedAt,
        pollIntervalMs: POLL_INTERVAL_MS.input_required,
        statusMessage: `Codex waits for your answer (${pending.length} ${
          pending.length === 1 ? "request" : "requests"
        }).`,
        inputRequests,
      };
    }
    return {
      ...common,
      status: "working",
      lastUpdatedAt,
      pollIntervalMs: POLL_INTERVAL_MS.working,
      statusMessage: pending.length > 0
        ? `${describe(record)} (answer with codex_check respond_permission or respond_user_input)`
        : describe(record),
    };
  }
}

const TaskId = z.object({ taskId: z.string().min(1).max(200) }).passthrough();
const Anything = z.object({}).passthrough();

/** The request context of a `tasks/*` handler (the SDK lifts `inputResponses` off the params). */
type TaskRequest = RequestCapabilities & { inputResponses?: Record<string, unknown> };

/**
 * Declares the extension and answers `tasks/get`, `tasks/update` and `tasks/cancel` (2026-07-28
 * servers only), and makes a `tools/call` that became a task answer with it.
 */
export function registerTasks(server: McpServer, tasks: Tasks): void {
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });
  const handle = (method: string, run: (taskId: string, request: TaskRequest) => unknown) =>
    server.server.setRequestHandler(
      method as never,
      { params: TaskId, result: Anything } as never,
      (async (p: { taskId: string }, ctx: { mcpReq: TaskRequest }) => {
        requireExtension(ctx.mcpReq);
        return (await run(p.taskId, ctx.mcpReq)) ?? {};
      }) as never,
    );
  handle("tasks/get", (taskId, request) => tasks.get(taskId, opensUrls(request)));
  handle("tasks/update", (taskId, request) => {
    if (!request.inputResponses || typeof request.inputResponses !== "object") {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, "tasks/update needs inputResponses: key → answer");
    }
    return tasks.update(taskId, request.inputResponses);
  });
  handle("tasks/cancel", (taskId) => tasks.cancel(taskId));
  wrapRequestHandler(server, "tools/call", (call) => async (request, ...rest) => {
    const result = await call(request, ...rest);
    const id = (rest[0] as { mcpReq?: { id?: RequestId } } | undefined)?.mcpReq?.id;
    return (id !== undefined && tasks.take(id)) || result;
  });
}

/**
 * Answers a call that started a turn as a task, when its client takes tasks: the tool's own
 * answer (the session view) is replaced by the task on the way out (see {@link registerTasks}).
 * `undefined` when the call is not one: then it answers as before.
 */
export function answeredAsTask(
  ctx: ServerContext,
  request: RequestCapabilities & { id: RequestId },
  sessionId: string,
  tool: string,
  askPerson: boolean,
): CallToolResult | undefined {
  if (!ctx.tasks || !takesTasks(request)) return undefined;
  ctx.tasks.create(request.id, sessionId, tool, askPerson);
  return structuredResult(sessionView(ctx.sessions, ctx.sessions.get(sessionId)));
}
