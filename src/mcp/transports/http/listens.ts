/**
 * `subscriptions/listen` over HTTP (2026-07-28) for what codex-mcp has to tell: its tasks (the
 * Tasks extension's `notifications.taskIds`) and its session resources
 * (`resourceSubscriptions`). Over HTTP every request is a server instance that is gone once it
 * answers, so nothing would feed the SDK's listen router (and it ends a listen that asks only for
 * tasks at once): such a listen is served here, as one SSE stream per listen, for the principal
 * whose token opened it. Its acknowledgement names what it follows — the asked-for tasks and
 * session resources this principal can see, and the session listing — then:
 *
 * - each task as `tasks/get` shows it now, and again whenever that changes (`notifications/tasks`);
 * - `notifications/resources/updated` when a followed resource changes, at most every 250 ms;
 *
 * each stamped with the stream's subscription id, until the client goes away or the server stops
 * (which ends each stream with its result). Other kinds of notification are not honoured (codex-mcp
 * sends none).
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
import type { SessionManager } from "../../../sessions/manager.ts";
import { followSessionResources, isSessionResource, sessionOfResource } from "../../resources/sessions.ts";
import { requestedTaskIds, taskListenRefusal } from "../../tasks/listen-request.ts";
import type { Tasks } from "../../tasks/tasks.ts";

type Json = Record<string, unknown>;
type ListenMessage = JSONRPCMessage & { id: string | number };

/** A listen request is a few hundred bytes; a bigger body is left to the SDK (which bounds it). */
const MAX_LISTEN_BODY = 64 * 1024;
/** The most listen streams open at once (as many as the SDK's own router allows). */
const MAX_STREAMS = 1024;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/** The SSE frame of one JSON-RPC message. */
const frame = (message: Json) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

/** The resource URIs a listen asks for, or `undefined` when it asks for none. */
function requestedResources(message: ListenMessage): string[] | undefined {
  const notifications = ((message as { params?: Json }).params?.notifications ?? {}) as Json;
  const uris = notifications.resourceSubscriptions;
  return Array.isArray(uris) && uris.length > 0 ? uris.filter((u): u is string => typeof u === "string") : undefined;
}

/** What a listen stream needs for one principal. */
export interface ListenScope {
  /** Tasks over the principal's sessions, their changes sent to `notify`. */
  tasks(notify: (task: Json) => void): Tasks;
  /** The principal's view of the sessions. */
  sessions: Pick<SessionManager, "onAnyChange" | "list">;
}

export class HttpListens {
  readonly #scopeOf: (principal: string | null) => ListenScope;
  readonly #maxStreams: number;
  readonly #serverInfo: Json;
  readonly #log: Logger;
  /** Open streams → what ends each gracefully. */
  readonly #open = new Set<() => void>();

  /** `scopeOf` gives what a principal can see. */
  constructor(
    scopeOf: (principal: string | null) => ListenScope,
    serverInfo: Json,
    log: Logger,
    maxStreams = MAX_STREAMS,
  ) {
    this.#scopeOf = scopeOf;
    this.#maxStreams = maxStreams;
    this.#serverInfo = serverInfo;
    this.#log = log;
  }

  /**
   * The listen `request` is, when it is a 2026-07-28 `subscriptions/listen` that asks for tasks or
   * resources; `null` for every other request (the SDK serves those). Only a request whose `Mcp-Method`
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
    if (!message || typeof message !== "object") return null;
    if (requestedTaskIds(message) === undefined && requestedResources(message) === undefined) return null;
    const meta = ((message as { params?: Json }).params?._meta ?? {}) as Json;
    // A listen that does not claim 2026-07-28 gets the SDK's answer for that.
    return meta[PROTOCOL_VERSION_META_KEY] === "2026-07-28" ? message : null;
  }

  /** Serves `message` (from {@link match}) for `principal` until `signal` aborts or {@link close}. */
  serve(message: ListenMessage, principal: string | null, signal: AbortSignal): Response {
    const taskIds = requestedTaskIds(message);
    const resourceUris = requestedResources(message);
    const refusal = taskIds === undefined ? undefined : taskListenRefusal(message);
    if (refusal) return Response.json(refusal, { status: 400 });
    if (this.#open.size >= this.#maxStreams) {
      // Each stream holds timers and follows sessions: a client cannot open them without end.
      return Response.json({
        jsonrpc: "2.0",
        id: message.id,
        error: { code: -32603, message: `Subscription limit reached (${this.#maxStreams} open listen streams)` },
      }, { status: 503 });
    }
    const scope = this.#scopeOf(principal);
    const subscriptionId = message.id;
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const write = (json: Json) => {
      if (closed) return;
      try {
        controller.enqueue(encoder.encode(frame(json)));
      } catch (error) {
        this.#log.debug("listen stream write failed", error);
      }
    };
    const stamp = { [SUBSCRIPTION_ID_META_KEY]: subscriptionId };
    const notifyTask = (task: Json) =>
      write({ jsonrpc: "2.0", method: "notifications/tasks", params: { ...task, _meta: stamp } });
    const tasks = scope.tasks(notifyTask);
    let stopResources = () => {};
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
      stopResources();
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
        for (const taskId of taskIds ?? []) {
          try {
            snapshots.push(tasks.follow(taskId));
            followed.push(taskId);
          } catch {
            // Unknown here, or another principal's: not followed, and left out of the acknowledgement.
          }
        }
        // The listing, and the sessions this principal has; another principal's are not there.
        const visible = new Set(scope.sessions.list().map((r) => r.id));
        const resources = (resourceUris ?? []).filter((uri) => {
          if (!isSessionResource(uri)) return false;
          const sessionId = sessionOfResource(uri);
          return sessionId === undefined || visible.has(sessionId);
        });
        if (resources.length > 0) {
          const wanted = new Set(resources);
          stopResources = followSessionResources(scope.sessions, (uri) => wanted.has(uri), (uri) =>
            write({
              jsonrpc: "2.0",
              method: "notifications/resources/updated",
              params: { uri, _meta: stamp },
            }));
        }
        write({
          jsonrpc: "2.0",
          method: "notifications/subscriptions/acknowledged",
          params: {
            notifications: {
              ...(taskIds !== undefined && { taskIds: followed }),
              ...(resourceUris !== undefined && { resourceSubscriptions: resources }),
            },
            _meta: stamp,
          },
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
