/**
 * The Tasks extension's part of `subscriptions/listen` (2026-07-28), on the stdio wire. The SDK's
 * server entry serves `subscriptions/listen` for the core notifications but knows nothing of the
 * extension's `notifications.taskIds`, so the wire adds it: it remembers which listen streams
 * asked for which tasks, says so in their acknowledgement, and stamps `notifications/tasks` for
 * them with the stream's subscription id. A listen that asks for tasks without declaring the
 * extension is refused with the extension's -32021, as the extension requires.
 *
 * @module
 */
import { type JSONRPCMessage, SUBSCRIPTION_ID_META_KEY } from "@modelcontextprotocol/server";
import { requestedTaskIds, taskListenRefusal } from "../../tasks/listen-request.ts";

type RequestId = string | number;
type Json = Record<string, unknown>;

export class TaskListens {
  /** Open listen streams that asked for tasks → the task ids they asked for. */
  readonly #streams = new Map<RequestId, Set<string>>();

  /**
   * Looks at an inbound message: remembers a listen that asks for tasks. Returns the answer to
   * send instead of delivering the message (a refusal), or `undefined` to deliver it.
   */
  inbound(message: JSONRPCMessage): JSONRPCMessage | undefined {
    if (!("method" in message)) return undefined;
    const params = (message.params ?? {}) as Json;
    if (message.method === "notifications/cancelled") {
      this.#streams.delete((params as { requestId?: RequestId }).requestId as RequestId);
      return undefined;
    }
    const taskIds = requestedTaskIds(message);
    if (taskIds === undefined || !("id" in message)) return undefined;
    const refusal = taskListenRefusal(message);
    if (refusal) return refusal;
    this.#streams.set(message.id, new Set(taskIds));
    return undefined;
  }

  /** Adds the agreed task ids to a stream's acknowledgement; forgets streams that end. */
  outbound(message: JSONRPCMessage): JSONRPCMessage {
    if ("method" in message && message.method === "notifications/subscriptions/acknowledged") {
      const params = (message.params ?? {}) as Json;
      const id = (params._meta as Json | undefined)?.[SUBSCRIPTION_ID_META_KEY] as RequestId | undefined;
      const tasks = id === undefined ? undefined : this.#streams.get(id);
      if (!tasks) return message;
      const notifications = { ...(params.notifications as Json | undefined), taskIds: [...tasks] };
      return { ...message, params: { ...params, notifications } } as JSONRPCMessage;
    }
    if (("result" in message || "error" in message) && message.id !== undefined && message.id !== null) {
      this.#streams.delete(message.id);
    }
    return message;
  }

  /** `notifications/tasks` for `task`, one per stream that asked for it. */
  deliveries(task: Json): JSONRPCMessage[] {
    const out: JSONRPCMessage[] = [];
    for (const [id, tasks] of this.#streams) {
      if (!tasks.has(task.taskId as string)) continue;
      out.push({
        jsonrpc: "2.0",
        method: "notifications/tasks",
        params: { ...task, _meta: { [SUBSCRIPTION_ID_META_KEY]: id } },
      });
    }
    return out;
  }
}
