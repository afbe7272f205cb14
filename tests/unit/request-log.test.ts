/**
 * Which log messages a waiting call sends (src/mcp/request-log.ts): the level a request asked for,
 * in each era, and each event's level and line.
 */
import { describe, expect, test } from "bun:test";
import { logLineOf, requestedLevel } from "../../src/mcp/request-log.ts";

const notify = () => Promise.resolve();
const KEY = "io.modelcontextprotocol/logLevel";

describe("request log", () => {
  test("2025 era: the connection's level; 2026-07-28: the request's own, and none when it is absent or not a level", () => {
    expect(requestedLevel({ notify }, undefined)).toBeUndefined();
    expect(requestedLevel({ notify }, "warning")).toBe("warning");
    expect(requestedLevel({ notify, envelope: { [KEY]: "debug" } }, "error")).toBe("debug");
    expect(requestedLevel({ notify, envelope: {} }, "error")).toBeUndefined();
    expect(requestedLevel({ notify, envelope: { [KEY]: "loud" } }, undefined)).toBeUndefined();
  });

  test("each event's level says how much it matters", () => {
    const level = (type: string, data: Record<string, unknown> = {}) => logLineOf({ type, data })?.level;
    expect(level("command_completed", { command: "ls", exitCode: 0 })).toBe("info");
    expect(level("command_completed", { command: "false", exitCode: 1 })).toBe("warning");
    expect(level("approval_request", { kind: "command", command: "rm -rf x" })).toBe("notice");
    expect(level("error", { message: "retrying", willRetry: true })).toBe("warning");
    expect(level("error", { message: "gone" })).toBe("error");
    expect(level("turn_completed", { status: "completed" })).toBe("info");
    expect(level("turn_completed", { status: "failed", error: "boom" })).toBe("error");
    expect(level("token_usage", { usage: { total: 3 } })).toBe("debug");
    for (const delta of ["agent_message_delta", "reasoning_delta", "command_output_delta"]) {
      expect(logLineOf({ type: delta, data: { delta: "x" } })).toBeNull();
    }
  });

  test("a line says what happened, clipped to a few hundred characters", () => {
    expect(logLineOf({ type: "command_started", data: { command: "ls -la", cwd: "/w" } })?.text).toBe(
      "running ls -la in /w",
    );
    expect(logLineOf({ type: "request_answered", data: { requestId: "r1", decision: "accept", by: "person" } })?.text)
      .toBe("request r1 answered: accept by the person");
    const long = logLineOf({ type: "agent_message", data: { text: "y".repeat(1_000) } })!.text;
    expect(long.length).toBeLessThan(400);
    expect(long.endsWith("…")).toBe(true);
  });
});
