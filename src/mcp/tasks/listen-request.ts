/**
 * What a `subscriptions/listen` request asks of the Tasks extension (2026-07-28), on any
 * transport: the task ids in its `notifications.taskIds`, and the extension's refusal (-32021) of
 * a listen that asks for tasks without declaring the extension in its `_meta`.
 *
 * @module
 */
import { CLIENT_CAPABILITIES_META_KEY, type JSONRPCMessage } from "@modelcontextprotocol/server";
import { TASKS_EXTENSION } from "./tasks.ts";

type Json = Record<string, unknown>;

/** The task ids a listen asks for, or `undefined` when it asks for no tasks (or is no listen). */
export function requestedTaskIds(message: JSONRPCMessage): string[] | undefined {
  if (!("method" in message) || message.method !== "subscriptions/listen" || !("id" in message)) return undefined;
  const taskIds = ((message.params ?? {}) as Json).notifications as { taskIds?: unknown } | undefined;
  if (!Array.isArray(taskIds?.taskIds)) return undefined;
  return taskIds.taskIds.filter((t): t is string => typeof t === "string");
}

/** The answer to a listen for tasks whose request did not declare the extension, or `undefined`. */
export function taskListenRefusal(message: JSONRPCMessage & { id: string | number }): JSONRPCMessage | undefined {
  const params = ("params" in message ? message.params ?? {} : {}) as Json;
  const declared = ((params._meta as Json | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as Json | undefined)
    ?.extensions as Json | undefined;
  if (declared?.[TASKS_EXTENSION] !== undefined) return undefined;
  return {
    jsonrpc: "2.0",
    id: message.id,
    error: {
      code: -32021,
      message: "Missing required client capability: task notifications need the Tasks extension",
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    },
  };
}
