/**
 * Turns `codex app-server` notifications into {@link BackendEvent}s, validating each one.
 *
 * | notification                                  | event                                                       |
 * | --------------------------------------------- | ----------------------------------------------------------- |
 * | `turn/started`                                | `turn_started`                                              |
 * | `item/agentMessage/delta`                     | `agent_message_delta`                                       |
 * | `item/completed` agentMessage                 | `agent_message`                                             |
 * | `item/reasoning/summaryTextDelta`             | `reasoning_delta`                                           |
 * | `item/completed` reasoning                    | `reasoning` (summary parts, else raw content, joined)       |
 * | `item/started` commandExecution               | `command_started`                                           |
 * | `item/commandExecution/outputDelta`           | `command_output_delta`                                      |
 * | `item/completed` commandExecution             | `command_completed` (`aggregatedOutput`: the whole output)  |
 * | `item/started` fileChange                     | (remembered: its files go into the approval request)        |
 * | `item/completed` fileChange                   | `file_change`                                               |
 * | `turn/plan/updated`                           | `plan_updated`                                              |
 * | `thread/tokenUsage/updated`                   | `token_usage` (the thread's running total)                  |
 * | `model/rerouted`                              | `model_rerouted` (from, to, and Codex's reason)             |
 * | `item/completed` contextCompaction            | `context_compacted` (`thread/compacted`, deprecated: ignored) |
 * | `warning`, `guardianWarning`                  | `warning` (to every thread of the process when unaddressed) |
 * | `configWarning`, `deprecationNotice`          | `warning` to every thread of the process                    |
 * | `error`                                       | `error` (`willRetry` says whether Codex goes on)            |
 * | `turn/completed`                              | `turn_completed` with `finalMessage` and `durationMs`       |
 * | `serverRequest/resolved`                      | (handled by the request registry: `request_resolved`)       |
 * | anything else                                 | ignored                                                     |
 *
 * @module
 */
import * as v from "valibot";
import type { BackendEvent, FileChangeSummary } from "../../backend.ts";
import {
  AgentMessageItem,
  CommandItem,
  ContextCompactionItem,
  describeIssues,
  ErrorNotification,
  FileChangeItem,
  ItemDelta,
  ItemNotification,
  ModelRerouted,
  PlanUpdated,
  ReasoningItem,
  ServerRequestResolved,
  SummaryNotification,
  ThreadClosed,
  threadIdOf,
  TokenUsageUpdated,
  TurnCompleted,
  TurnDiffUpdated,
  TurnStarted,
  WarningNotification,
} from "./protocol.ts";

/** What the mapping remembers of one thread between notifications. */
export class TurnMemory {
  /** Per turn: the last agent message, and the last one that was not commentary. */
  readonly #messages = new Map<string, { last: string; final: string | null }>();
  /** `fileChange` items seen starting, by item id, until their turn ends. */
  readonly fileChanges = new Map<string, FileChangeSummary[]>();
  /** Per turn: the latest unified diff (each `turn/diff/updated` carries the whole of it). */
  readonly diffs = new Map<string, string>();

  noteMessage(turnId: string, text: string, phase: string | null | undefined): void {
    const entry = this.#messages.get(turnId) ?? { last: text, final: null };
    entry.last = text;
    if (phase !== "commentary") entry.final = text;
    this.#messages.set(turnId, entry);
  }

  /** The turn's final message as seen in its items; forgets the turn. */
  finish(turnId: string): string | undefined {
    const entry = this.#messages.get(turnId);
    this.#messages.delete(turnId);
    this.fileChanges.clear();
    return entry ? (entry.final ?? entry.last) : undefined;
  }
}

export type NotificationOutcome =
  | { kind: "events"; threadId: string; events: BackendEvent[] }
  /** For every thread of the process (a warning that names none). */
  | { kind: "broadcast"; event: BackendEvent }
  | { kind: "resolved"; requestId: string | number }
  | { kind: "closed"; threadId: string }
  | { kind: "invalid"; threadId: string | null; reason: string; severity: "warning" | "error" }
  | { kind: "ignored" };

/** Notifications whose loss would leave a turn hanging: reported as `error`, not `warning`. */
const CRITICAL = new Set(["turn/completed", "turn/started"]);

/** Maps one notification. `memory` gives the thread's memory (created on demand by the caller). */
export function mapNotification(
  method: string,
  params: unknown,
  memory: (threadId: string) => TurnMemory,
): NotificationOutcome {
  const invalid = (issues: readonly v.BaseIssue<unknown>[]): NotificationOutcome => ({
    kind: "invalid",
    threadId: threadIdOf(params),
    reason: `could not read a ${method} notification from Codex: ${describeIssues(issues)}`,
    severity: CRITICAL.has(method) ? "error" : "warning",
  });
  const events = (threadId: string, ...list: BackendEvent[]): NotificationOutcome => ({
    kind: "events",
    threadId,
    events: list,
  });

  switch (method) {
    case "turn/started": {
      const parsed = v.safeParse(TurnStarted, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return events(p.threadId, { type: "turn_started", turnId: p.turn.id });
    }
    case "turn/completed": {
      const parsed = v.safeParse(TurnCompleted, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      const turn = p.turn;
      const diff = memory(p.threadId).diffs.get(turn.id);
      memory(p.threadId).diffs.delete(turn.id);
      const remembered = memory(p.threadId).finish(turn.id);
      const finalMessage = finalMessageOf(turn.items ?? []) ?? remembered;
      const status = turn.status === "inProgress" ? "failed" : turn.status;
      const error = turn.error
        ? {
          message: turn.error.message,
          ...(turn.error.codexErrorInfo != null ? { codexErrorInfo: turn.error.codexErrorInfo } : {}),
        }
        : turn.status === "inProgress"
        ? { message: "Codex reported the turn as completed while still in progress" }
        : undefined;
      return events(p.threadId, {
        type: "turn_completed",
        turnId: turn.id,
        status,
        ...(error ? { error } : {}),
        ...(finalMessage !== undefined ? { finalMessage } : {}),
        ...(typeof turn.durationMs === "number" ? { durationMs: turn.durationMs } : {}),
        ...(diff ? { diff } : {}),
      });
    }
    case "model/rerouted": {
      const parsed = v.safeParse(ModelRerouted, params);
      if (!parsed.success) return invalid(parsed.issues);
      const { threadId, fromModel, toModel, reason } = parsed.output;
      return events(threadId, {
        type: "model_rerouted",
        fromModel,
        toModel,
        reason: typeof reason === "string" ? reason : JSON.stringify(reason),
      });
    }
    case "turn/diff/updated": {
      const parsed = v.safeParse(TurnDiffUpdated, params);
      if (!parsed.success) return invalid(parsed.issues);
      // Kept until the turn ends: the updates repeat the whole diff, so only the last one matters.
      memory(parsed.output.threadId).diffs.set(parsed.output.turnId, parsed.output.diff);
      return { kind: "ignored" };
    }
    case "item/started":
    case "item/completed": {
      const parsed = v.safeParse(ItemNotification, params);
      if (!parsed.success) return invalid(parsed.issues);
      const { threadId, item } = parsed.output;
      const itemSchema = ITEM_SCHEMAS[item.type];
      if (!itemSchema) return { kind: "ignored" };
      const checked = v.safeParse(itemSchema, item);
      if (!checked.success) {
        return invalid(checked.issues.map((issue) => ({ ...issue, message: `${item.type} item: ${issue.message}` })));
      }
      const event = method === "item/started"
        ? startedItem(item.type, item, memory(threadId))
        : completedItem(item.type, item, parsed.output.turnId ?? null, memory(threadId));
      return event ? events(threadId, event) : { kind: "ignored" };
    }
    case "item/agentMessage/delta":
    case "item/reasoning/summaryTextDelta":
    case "item/commandExecution/outputDelta": {
      const parsed = v.safeParse(ItemDelta, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      const type = method === "item/agentMessage/delta"
        ? "agent_message_delta"
        : method === "item/reasoning/summaryTextDelta"
        ? "reasoning_delta"
        : "command_output_delta";
      return events(p.threadId, { type, itemId: p.itemId, delta: p.delta });
    }
    case "turn/plan/updated": {
      const parsed = v.safeParse(PlanUpdated, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return events(p.threadId, {
        type: "plan_updated",
        plan: p.plan.map((step) => ({ step: step.step, status: step.status })),
        ...(p.explanation ? { explanation: p.explanation } : {}),
      });
    }
    case "thread/tokenUsage/updated": {
      const parsed = v.safeParse(TokenUsageUpdated, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      const total = p.tokenUsage.total;
      return events(p.threadId, {
        type: "token_usage",
        usage: {
          inputTokens: total.inputTokens,
          outputTokens: total.outputTokens,
          totalTokens: total.totalTokens,
          ...(typeof total.cachedInputTokens === "number" ? { cachedInputTokens: total.cachedInputTokens } : {}),
          ...(typeof total.reasoningOutputTokens === "number"
            ? { reasoningOutputTokens: total.reasoningOutputTokens }
            : {}),
          ...(typeof p.tokenUsage.modelContextWindow === "number"
            ? { contextWindow: p.tokenUsage.modelContextWindow }
            : {}),
        },
      });
    }
    case "warning":
    case "guardianWarning": {
      const parsed = v.safeParse(WarningNotification, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      const event: BackendEvent = { type: "warning", message: p.message };
      return p.threadId ? events(p.threadId, event) : { kind: "broadcast", event };
    }
    case "configWarning":
    case "deprecationNotice": {
      const parsed = v.safeParse(SummaryNotification, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return {
        kind: "broadcast",
        event: { type: "warning", message: p.details ? `${p.summary}: ${p.details}` : p.summary },
      };
    }
    case "error": {
      const parsed = v.safeParse(ErrorNotification, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return events(p.threadId, {
        type: "error",
        message: p.error.message,
        willRetry: p.willRetry,
        ...(p.error.codexErrorInfo != null ? { codexErrorInfo: p.error.codexErrorInfo } : {}),
      });
    }
    case "serverRequest/resolved": {
      const parsed = v.safeParse(ServerRequestResolved, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return { kind: "resolved", requestId: p.requestId };
    }
    case "thread/closed": {
      const parsed = v.safeParse(ThreadClosed, params);
      if (!parsed.success) return invalid(parsed.issues);
      const p = parsed.output;
      return { kind: "closed", threadId: p.threadId };
    }
    default:
      return { kind: "ignored" };
  }
}

const ITEM_SCHEMAS: Record<string, v.GenericSchema> = {
  contextCompaction: ContextCompactionItem,
  agentMessage: AgentMessageItem,
  reasoning: ReasoningItem,
  commandExecution: CommandItem,
  fileChange: FileChangeItem,
};

/** `item` has passed its {@link ITEM_SCHEMAS} check. */
function startedItem(type: string, item: unknown, memory: TurnMemory): BackendEvent | null {
  if (type === "commandExecution") {
    const command = item as v.InferOutput<typeof CommandItem>;
    return {
      type: "command_started",
      itemId: command.id,
      command: command.command,
      ...(command.cwd ? { cwd: command.cwd } : {}),
    };
  }
  if (type === "fileChange") {
    const change = item as v.InferOutput<typeof FileChangeItem>;
    memory.fileChanges.set(change.id, summarizeChanges(change.changes));
  }
  return null;
}

/** `item` has passed its {@link ITEM_SCHEMAS} check. */
function completedItem(type: string, item: unknown, turnId: string | null, memory: TurnMemory): BackendEvent | null {
  switch (type) {
    case "contextCompaction":
      return { type: "context_compacted", itemId: (item as v.InferOutput<typeof ContextCompactionItem>).id };
    case "agentMessage": {
      const message = item as v.InferOutput<typeof AgentMessageItem>;
      if (turnId) memory.noteMessage(turnId, message.text, message.phase);
      return { type: "agent_message", itemId: message.id, text: message.text };
    }
    case "reasoning": {
      const reasoning = item as v.InferOutput<typeof ReasoningItem>;
      const summary = reasoning.summary ?? [];
      const text = (summary.length > 0 ? summary : (reasoning.content ?? [])).join("\n\n");
      return text === "" ? null : { type: "reasoning", itemId: reasoning.id, text };
    }
    case "commandExecution": {
      const command = item as v.InferOutput<typeof CommandItem>;
      return {
        type: "command_completed",
        itemId: command.id,
        command: command.command,
        exitCode: command.exitCode ?? null,
        output: command.aggregatedOutput ?? "",
        status: command.status,
        ...(typeof command.durationMs === "number" ? { durationMs: command.durationMs } : {}),
      };
    }
    case "fileChange": {
      const change = item as v.InferOutput<typeof FileChangeItem>;
      memory.fileChanges.delete(change.id);
      return {
        type: "file_change",
        itemId: change.id,
        changes: summarizeChanges(change.changes),
        status: change.status,
      };
    }
    default:
      return null;
  }
}

function summarizeChanges(changes: { path: string; kind: string | { type: string } }[]): FileChangeSummary[] {
  return changes.map((change) => ({
    path: change.path,
    kind: typeof change.kind === "string" ? change.kind : change.kind.type,
  }));
}

/** The last agent message among a turn's items, preferring one that is not commentary. */
function finalMessageOf(items: unknown[]): string | undefined {
  let last: string | undefined;
  let final: string | undefined;
  for (const raw of items) {
    if (typeof raw !== "object" || raw === null) continue;
    const item = raw as Record<string, unknown>;
    if (item["type"] !== "agentMessage" || typeof item["text"] !== "string") continue;
    last = item["text"];
    if (item["phase"] !== "commentary") final = item["text"];
  }
  return final ?? last;
}
