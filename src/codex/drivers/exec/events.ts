/**
 * Turns the JSONL lines of `codex exec --json` into {@link BackendEvent}s, validating each one.
 *
 * | JSONL line (Codex 0.169)                          | event                                                  |
 * | ------------------------------------------------- | ------------------------------------------------------ |
 * | `thread.started {thread_id}`                      | (Codex's thread id: the backend records it)            |
 * | `turn.started`                                    | `turn_started` (our turn id, Codex's thread id)        |
 * | `item.started` command_execution                 | `command_started`                                      |
 * | `item.completed` command_execution               | `command_completed` (`aggregated_output`: all output)  |
 * | `item.completed` agent_message                    | `agent_message` (exec streams no deltas)               |
 * | `item.completed` reasoning                        | `reasoning`                                            |
 * | `item.completed` file_change                      | `file_change`                                          |
 * | `item.*` todo_list                                | `plan_updated`                                         |
 * | `item.completed` error                            | `warning` (a non-fatal notice; the turn goes on)       |
 * | `error {message}`                                 | `error` (`willRetry` for "Reconnecting… n/m")          |
 * | `turn.completed {usage}`                          | `token_usage` (the thread's running total), then       |
 * |                                                   | `turn_completed` completed with the last agent message |
 * | `turn.failed {error}`                             | `turn_completed` failed with Codex's message           |
 * | other item types, other lines                     | ignored                                                |
 *
 * Exec's item ids (`item_0`, …) start again in every process, so each is prefixed with the turn
 * id. A line that is not JSON, or that does not validate, becomes a `warning` (an `error` for the
 * turn's own start and end), never an exception.
 *
 * @module
 */
import * as v from "valibot";
import type { BackendEvent, FileChangeSummary, TurnOutcome } from "../../backend.ts";

const Envelope = v.object({ type: v.string() });
const ThreadStarted = v.object({
  type: v.literal("thread.started"),
  thread_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/)),
});
const Count = v.pipe(v.number(), v.minValue(0));
const Usage = v.object({
  input_tokens: Count,
  cached_input_tokens: v.optional(Count),
  output_tokens: Count,
  reasoning_output_tokens: v.optional(Count),
});
const TurnCompleted = v.object({ type: v.literal("turn.completed"), usage: v.optional(v.nullable(Usage)) });
const TurnFailed = v.object({
  type: v.literal("turn.failed"),
  error: v.optional(v.nullable(v.object({ message: v.string() }))),
});
const ErrorLine = v.object({ type: v.literal("error"), message: v.string() });
const ItemLine = v.object({
  type: v.picklist(["item.started", "item.updated", "item.completed"]),
  item: v.object({ id: v.string(), type: v.string() }),
});

const AgentMessage = v.object({ text: v.string() });
const Reasoning = v.object({ text: v.string() });
const CommandExecution = v.object({
  command: v.string(),
  aggregated_output: v.optional(v.string(), ""),
  exit_code: v.optional(v.nullable(v.number()), null),
  status: v.string(),
});
const FileChange = v.object({ changes: v.array(v.object({ path: v.string(), kind: v.string() })), status: v.string() });
const TodoList = v.object({ items: v.array(v.object({ text: v.string(), completed: v.boolean() })) });
const ItemError = v.object({ message: v.string() });

/** What one line meant. */
export type ExecLineOutcome =
  | { kind: "thread"; threadId: string }
  | { kind: "events"; events: BackendEvent[] }
  /** The turn ended (turn.completed / turn.failed): the events include `turn_completed`. */
  | { kind: "finished"; events: BackendEvent[]; status: "completed" | "failed" }
  | { kind: "invalid"; reason: string; severity: "warning" | "error" }
  | { kind: "ignored"; type: string };

/** One turn's reading of exec's output; keeps what the turn's end needs. */
export class ExecTurnReader {
  readonly turnId: string;
  readonly #cwd: string;
  #lastMessage: string | undefined;
  #codexThreadId: string | null;

  constructor(turnId: string, cwd: string, codexThreadId: string | null) {
    this.turnId = turnId;
    this.#cwd = cwd;
    this.#codexThreadId = codexThreadId;
  }

  /** The turn's last agent message so far. */
  get lastMessage(): string | undefined {
    return this.#lastMessage;
  }

  read(line: string): ExecLineOutcome {
    const text = line.trim();
    if (text === "") return { kind: "ignored", type: "(empty line)" };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: "invalid", reason: "not JSON", severity: "warning" };
    }
    const envelope = v.safeParse(Envelope, json);
    if (!envelope.success) return { kind: "invalid", reason: "a line without a `type`", severity: "warning" };
    const type = envelope.output.type;
    switch (type) {
      case "thread.started": {
        const parsed = v.safeParse(ThreadStarted, json);
        if (!parsed.success) return invalid(type, parsed.issues, "error");
        this.#codexThreadId = parsed.output.thread_id;
        return { kind: "thread", threadId: parsed.output.thread_id };
      }
      case "turn.started": {
        const event: BackendEvent = { type: "turn_started", turnId: this.turnId };
        if (this.#codexThreadId !== null) event.threadId = this.#codexThreadId;
        return { kind: "events", events: [event] };
      }
      case "turn.completed": {
        const parsed = v.safeParse(TurnCompleted, json);
        if (!parsed.success) return invalid(type, parsed.issues, "error");
        const events: BackendEvent[] = [];
        const usage = parsed.output.usage;
        if (usage) {
          events.push({
            type: "token_usage",
            usage: {
              inputTokens: usage.input_tokens,
              ...(usage.cached_input_tokens !== undefined ? { cachedInputTokens: usage.cached_input_tokens } : {}),
              outputTokens: usage.output_tokens,
              ...(usage.reasoning_output_tokens !== undefined
                ? { reasoningOutputTokens: usage.reasoning_output_tokens }
                : {}),
              totalTokens: usage.input_tokens + usage.output_tokens,
            },
          });
        }
        events.push(this.completed("completed"));
        return { kind: "finished", events, status: "completed" };
      }
      case "turn.failed": {
        const parsed = v.safeParse(TurnFailed, json);
        if (!parsed.success) return invalid(type, parsed.issues, "error");
        const message = parsed.output.error?.message || "the turn failed (Codex gave no message)";
        return { kind: "finished", events: [this.completed("failed", message)], status: "failed" };
      }
      case "error": {
        const parsed = v.safeParse(ErrorLine, json);
        if (!parsed.success) return invalid(type, parsed.issues, "warning");
        const message = parsed.output.message;
        return { kind: "events", events: [{ type: "error", message, willRetry: /^Reconnecting\b/.test(message) }] };
      }
      case "item.started":
      case "item.updated":
      case "item.completed": {
        const parsed = v.safeParse(ItemLine, json);
        if (!parsed.success) return invalid(type, parsed.issues, "warning");
        return this.#item(
          parsed.output.type,
          parsed.output.item.type,
          `${this.turnId}:${parsed.output.item.id}`,
          (json as { item: unknown }).item,
        );
      }
      default:
        return { kind: "ignored", type };
    }
  }

  /** The turn's `turn_completed`, with its last agent message. */
  completed(
    status: TurnOutcome,
    message?: string,
  ): Extract<BackendEvent, { type: "turn_completed" }> {
    const event: Extract<BackendEvent, { type: "turn_completed" }> = {
      type: "turn_completed",
      turnId: this.turnId,
      status,
    };
    if (message !== undefined) event.error = { message };
    if (this.#lastMessage !== undefined) event.finalMessage = this.#lastMessage;
    return event;
  }

  #item(
    phase: "item.started" | "item.updated" | "item.completed",
    itemType: string,
    itemId: string,
    item: unknown,
  ): ExecLineOutcome {
    const what = `${phase} ${itemType}`;
    const done = phase === "item.completed";
    switch (itemType) {
      case "agent_message": {
        if (!done) return { kind: "ignored", type: what };
        const parsed = v.safeParse(AgentMessage, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        this.#lastMessage = parsed.output.text;
        return { kind: "events", events: [{ type: "agent_message", itemId, text: parsed.output.text }] };
      }
      case "reasoning": {
        if (!done) return { kind: "ignored", type: what };
        const parsed = v.safeParse(Reasoning, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        return { kind: "events", events: [{ type: "reasoning", itemId, text: parsed.output.text }] };
      }
      case "command_execution": {
        const parsed = v.safeParse(CommandExecution, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        const c = parsed.output;
        if (phase === "item.started") {
          return { kind: "events", events: [{ type: "command_started", itemId, command: c.command, cwd: this.#cwd }] };
        }
        if (!done) return { kind: "ignored", type: what };
        return {
          kind: "events",
          events: [{
            type: "command_completed",
            itemId,
            command: c.command,
            exitCode: c.exit_code,
            output: c.aggregated_output,
            status: c.status,
          }],
        };
      }
      case "file_change": {
        if (!done) return { kind: "ignored", type: what };
        const parsed = v.safeParse(FileChange, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        const changes: FileChangeSummary[] = parsed.output.changes.map((c) => ({ path: c.path, kind: c.kind }));
        return { kind: "events", events: [{ type: "file_change", itemId, changes, status: parsed.output.status }] };
      }
      case "todo_list": {
        const parsed = v.safeParse(TodoList, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        const plan = parsed.output.items.map((i) => ({ step: i.text, status: i.completed ? "completed" : "pending" }));
        return { kind: "events", events: [{ type: "plan_updated", plan }] };
      }
      case "error": {
        if (!done) return { kind: "ignored", type: what };
        const parsed = v.safeParse(ItemError, item);
        if (!parsed.success) return invalid(what, parsed.issues, "warning");
        return { kind: "events", events: [{ type: "warning", message: parsed.output.message }] };
      }
      default:
        return { kind: "ignored", type: what };
    }
  }
}

function invalid(
  what: string,
  issues: readonly v.BaseIssue<unknown>[],
  severity: "warning" | "error",
): ExecLineOutcome {
  const reason = issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
  return { kind: "invalid", reason: `a ${what} line of an unexpected shape (${reason})`, severity };
}
