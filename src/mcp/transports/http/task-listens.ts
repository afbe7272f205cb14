/**
 * `subscriptions/listen` for tasks over HTTP (2026-07-28, the Tasks extension's
 * `notifications.taskIds`). The SDK's HTTP listen router knows only the core notifications, and
 * ends a stream that asks for nothing else at once, so a listen that asks for tasks is served
 * here, as one SSE stream per listen: its acknowledgement names the tasks it follows (those of the
 * asked-for tasks this principal can see), then each task as `tasks/get` shows it now and again
 * whenever that changes, as `notifications/tasks` stamped with the stream's subscription id,
 * until the client goes away or the server stops (which ends each stream with its result).
 *
 * The core notifications a listen may also ask for are not delivered over HTTP (codex-mcp
 * publishes none there), so the acknowledgement honours `taskIds` only.
 *
 * @module
 */
import {
  type JSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  readRequestBody,
  SERVER_INFO_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
} from "@modelcontextprotocol/server";
import type { Logger } from "../../../log.ts";
import { requestedTaskIds, taskListenRefusal } from "../../tasks/listen-request.ts";
import type { Tasks } from "../../tasks/tasks.ts";

type Json = Record<string, unknown>;
type ListenMessage = JSONRPCMessage & { id: string | number };

/** A listen request is a few hundred bytes; a bigger body is left to the SDK (which bounds it). */
const MAX_LISTEN_BODY = 64 * 1024;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/** The SSE frame of one JSON-RPC message. */
const frame = (message: Json) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

export class HttpTaskListens {
  readonly #tasksFor: (principal: string | null, notify: (task: Json) => void) => Tasks;
  readonly #serverInfo: Json;
  readonly #log: Logger;
  /** Open streams → what ends each gracefully. */
  readonly #open = new Set<() => void>();

  /**
   * `tasksFor` gives the tasks a principal can see, with their changes sent to `notify` (a
   * {@link Tasks} over that principal's sessions).
   */
  constructor(
    tasksFor: (principal: string | null, notify: (task: Json) => void) => Tasks,
    serverInfo: Json,
    log: Logger,
  ) {
    this.#tasksFor = tasksFor;
    this.#serverInfo = serverInfo;
    this.#log = log;
  }

  /**
   * The listen `request` is, when it is a 2026-07-28 `subscriptions/listen` that asks for tasks;
   * `null` for every other request (the SDK serves those). Only a request whose `Mcp-Method`
   * header (required on every modern request) names the method has its body read.
   */
  async match(request: Request): Promise<ListenMessage | null> {
    if (request.method !== "POST" || request.headers.get("mcp-method") !== "subscriptions/listen") return null;
    const body = await readRequestBody(request.clone(), MAX_LISTEN_BODY);
    if (body.tooLarge) return null;
    let message: ListenMessage;
    try {
      message = JSON.parse(body.text) as ListenMessage;
    } catch {
      return null; // the SDK answers the parse error
    }
    if (!message || typeof message !== "object" || requestedTaskIds(message) === undefined) return null;
    const meta = ((message as { params?: Json }).params?._meta ?? {}) as Json;
    // A listen that does not claim 2026-07-28 gets the SDK's answer for that.
    return meta[PROTOCOL_VERSION_META_KEY] === "2026-07-28" ? message : null;
  }

  /** Serves `message` (from {@link match}) for `principal` until `signal` aborts or {@link close}. */
  serve(message: ListenMessage, principal: string | null, signal: AbortSignal): Response {
    const refusal = taskListenRefusal(message);
    if (refusal) return Response.json(refusal, { status: 400 });
    const subscriptionId = message.id;
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const write = (json: Json) => {
      if (closed) return;
      try {
        controller.enqueue(encoder.encode(frame(json)));
      } catch (error) {
        this.#log.debug("task listen stream write failed", error);
      }
    };
    const stamp = { [SUBSCRIPTION_ID_META_KEY]: subscriptionId };
    const notifyTask = (task: Json) =>
      write({ jsonrpc: "2.0", method: "notifications/tasks", params: { ...task, _meta: stamp } });
    const tasks = this.#tasksFor(principal, notifyTask);
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const end = (graceful: boolean) => {
      if (closed) return;
      if (graceful) {
        write({
          jsonrpc: "2.0",
          id: subscriptionId,
          result: { resultType: "complete", _meta: { ...stamp, [SERVER_INFO_META_KEY]: this.#serverInfo } },
        });
      }
      closed = true;
      clearInterval(keepAlive);
      tasks.close();
      this.#open.delete(ended);
      signal.removeEventListener("abort", aborted);
      try {
        controller.close();
      } catch {
        // already closed by the reader going away
      }
    };
    const ended = () => end(true);
    const aborted = () => end(false);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        const snapshots: Json[] = [];
        const followed: string[] = [];
        for (const taskId of requestedTaskIds(message) ?? []) {
          try {
            snapshots.push(tasks.follow(taskId));
            followed.push(taskId);
          } catch {
            // Unknown here, or another principal's: not followed, and left out of the acknowledgement.
          }
        }
        write({
          jsonrpc: "2.0",
          method: "notifications/subscriptions/acknowledged",
          params: { notifications: { taskIds: followed }, _meta: stamp },
        });
        for (const task of snapshots) notifyTask(task);
        keepAlive = setInterval(() => {
          if (!closed) controller.enqueue(encoder.encode(": keepalive\n\n"));
        }, KEEP_ALIVE_MS);
        this.#open.add(ended);
      },
      cancel: () => end(false),
    });
    if (signal.aborted) end(false);
    else signal.addEventListener("abort", aborted, { once: true });
    return new Response(body, {
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" },
    });
  }

  /** Ends every open stream with its result (the server is stopping). */
  close(): void {
    for (const end of [...this.#open]) end();
  }
}
