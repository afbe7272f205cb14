/** `codex exec --json` lines to backend events, including lines that do not validate. */
import { describe, expect, test } from "bun:test";
import { ExecTurnReader } from "../../src/codex/drivers/exec/events.ts";

const line = (value: unknown) => JSON.stringify(value);

describe("ExecTurnReader", () => {
  test("a whole turn, as Codex 0.169 prints it", () => {
    const reader = new ExecTurnReader("t1", "/w", null);
    expect(reader.read(line({ type: "thread.started", thread_id: "0199-aaaa" }))).toEqual({
      kind: "thread",
      threadId: "0199-aaaa",
    });
    expect(reader.read(line({ type: "turn.started" }))).toEqual({
      kind: "events",
      events: [{ type: "turn_started", turnId: "t1", threadId: "0199-aaaa" }],
    });
    expect(reader.read(line({ type: "item.completed", item: { id: "item_0", type: "reasoning", text: "hmm" } })))
      .toEqual({ kind: "events", events: [{ type: "reasoning", itemId: "t1:item_0", text: "hmm" }] });
    const command = {
      id: "item_1",
      type: "command_execution",
      command: "/bin/bash -lc 'echo hi'",
      aggregated_output: "",
      exit_code: null,
      status: "in_progress",
    };
    expect(reader.read(line({ type: "item.started", item: command }))).toEqual({
      kind: "events",
      events: [{ type: "command_started", itemId: "t1:item_1", command: command.command, cwd: "/w" }],
    });
    expect(
      reader.read(
        line({
          type: "item.completed",
          item: { ...command, aggregated_output: "hi\n", exit_code: 0, status: "completed" },
        }),
      ),
    ).toEqual({
      kind: "events",
      events: [{
        type: "command_completed",
        itemId: "t1:item_1",
        command: command.command,
        exitCode: 0,
        output: "hi\n",
        status: "completed",
      }],
    });
    expect(
      reader.read(
        line({
          type: "item.started",
          item: { id: "item_2", type: "file_change", changes: [{ path: "/w/a", kind: "add" }], status: "in_progress" },
        }),
      ),
    ).toMatchObject({ kind: "ignored" });
    expect(
      reader.read(
        line({
          type: "item.completed",
          item: { id: "item_2", type: "file_change", changes: [{ path: "/w/a", kind: "add" }], status: "completed" },
        }),
      ),
    ).toEqual({
      kind: "events",
      events: [{
        type: "file_change",
        itemId: "t1:item_2",
        changes: [{ path: "/w/a", kind: "add" }],
        status: "completed",
      }],
    });
    expect(
      reader.read(
        line({
          type: "item.updated",
          item: {
            id: "item_3",
            type: "todo_list",
            items: [{ text: "a", completed: true }, { text: "b", completed: false }],
          },
        }),
      ),
    ).toEqual({
      kind: "events",
      events: [{ type: "plan_updated", plan: [{ step: "a", status: "completed" }, { step: "b", status: "pending" }] }],
    });
    expect(
      reader.read(
        line({ type: "item.completed", item: { id: "item_4", type: "error", message: "model metadata not found" } }),
      ),
    ).toEqual({ kind: "events", events: [{ type: "warning", message: "model metadata not found" }] });
    reader.read(line({ type: "item.completed", item: { id: "item_5", type: "agent_message", text: "first" } }));
    reader.read(line({ type: "item.completed", item: { id: "item_6", type: "agent_message", text: "final" } }));
    expect(
      reader.read(
        line({
          type: "turn.completed",
          usage: {
            input_tokens: 30,
            cached_input_tokens: 4,
            cache_write_input_tokens: 0,
            output_tokens: 15,
            reasoning_output_tokens: 2,
          },
        }),
      ),
    ).toEqual({
      kind: "finished",
      status: "completed",
      events: [
        {
          type: "token_usage",
          usage: { inputTokens: 30, cachedInputTokens: 4, outputTokens: 15, reasoningOutputTokens: 2, totalTokens: 45 },
        },
        { type: "turn_completed", turnId: "t1", status: "completed", finalMessage: "final" },
      ],
    });
  });

  test("errors: retries say willRetry; turn.failed carries Codex's message", () => {
    const reader = new ExecTurnReader("t2", "/w", "known");
    expect(reader.read(line({ type: "turn.started" }))).toEqual({
      kind: "events",
      events: [{ type: "turn_started", turnId: "t2", threadId: "known" }],
    });
    expect(reader.read(line({ type: "error", message: "Reconnecting... 1/5 (stream error)" }))).toEqual({
      kind: "events",
      events: [{ type: "error", message: "Reconnecting... 1/5 (stream error)", willRetry: true }],
    });
    expect(reader.read(line({ type: "error", message: "bad thing" }))).toEqual({
      kind: "events",
      events: [{ type: "error", message: "bad thing", willRetry: false }],
    });
    expect(reader.read(line({ type: "turn.failed", error: { message: "bad thing" } }))).toEqual({
      kind: "finished",
      status: "failed",
      events: [{ type: "turn_completed", turnId: "t2", status: "failed", error: { message: "bad thing" } }],
    });
  });

  test("lines that are not what they claim: invalid, never a throw", () => {
    const reader = new ExecTurnReader("t3", "/w", null);
    expect(reader.read("garbage")).toMatchObject({ kind: "invalid", severity: "warning", reason: "not JSON" });
    expect(reader.read("[1,2]")).toMatchObject({ kind: "invalid", severity: "warning" });
    expect(reader.read("null")).toMatchObject({ kind: "invalid" });
    expect(reader.read(line({ type: "thread.started", thread_id: "-x" }))).toMatchObject({
      kind: "invalid",
      severity: "error",
    });
    expect(reader.read(line({ type: "turn.completed", usage: { input_tokens: "many" } }))).toMatchObject({
      kind: "invalid",
      severity: "error",
    });
    expect(reader.read(line({ type: "item.completed", item: { id: 3, type: "agent_message", text: "x" } })))
      .toMatchObject({ kind: "invalid", severity: "warning" });
    expect(reader.read(line({ type: "item.completed", item: { id: "i", type: "command_execution" } }))).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining("command"),
    });
    expect(reader.read(line({ type: "something.new", x: 1 }))).toEqual({ kind: "ignored", type: "something.new" });
    expect(reader.read(line({ type: "item.completed", item: { id: "i", type: "web_search", query: "q" } })))
      .toMatchObject({ kind: "ignored" });
    expect(reader.read("   ")).toMatchObject({ kind: "ignored" });
  });

  test("an interrupted turn keeps its last message", () => {
    const reader = new ExecTurnReader("t4", "/w", null);
    reader.read(line({ type: "item.completed", item: { id: "item_0", type: "agent_message", text: "partial" } }));
    expect(reader.completed("interrupted")).toEqual({
      type: "turn_completed",
      turnId: "t4",
      status: "interrupted",
      finalMessage: "partial",
    });
  });
});
