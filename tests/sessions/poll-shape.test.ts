/** Response modes: full as stored, delta_compact merged and joined, minimal pinned plus counts. */
import { describe, expect, test } from "bun:test";
import { EventLog, type SessionEvent } from "../../src/sessions/event-log.ts";
import { shapeEvents } from "../../src/sessions/poll-shape.ts";
import { jsonSize, multiByteText } from "./helpers.ts";

/** A turn as stored, with deltas that could not be merged in the log because a reader saw each one. */
function turn(): { log: EventLog; events: SessionEvent[]; output: string; files: { path: string; kind: string }[] } {
  const log = new EventLog({ chunkBytes: 1024 });
  const output = multiByteText(5000);
  const files = Array.from({ length: 200 }, (_, i) => ({ path: `f${i}.ts`, kind: "update" }));
  const read = (): void => void log.read(1, { maxEvents: 10_000, maxBytes: 1e9 });
  log.append("turn_started", { turnId: "t1", threadId: "th-1" });
  for (const part of ["Hel", "lo", " wor", "ld"]) {
    log.append("agent_message_delta", { itemId: "m1", delta: part });
    read(); // each delta is handed out before the next, so each is its own event
  }
  log.append("reasoning_delta", { itemId: "r1", delta: "hmm" });
  read();
  log.append("agent_message_delta", { itemId: "m1", delta: "!" });
  log.append("command_started", { itemId: "c1", command: "ls", cwd: "/work" });
  log.append("command_started", { itemId: "c2", command: "pwd", cwd: "/elsewhere" });
  log.append("command_completed", { itemId: "c1", command: "ls", exitCode: 0, output, status: "completed" });
  log.append("approval_request", { requestId: "r1", kind: "file_change", files, threadId: "th-1" });
  log.append("token_usage", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } });
  log.append("turn_completed", { turnId: "t1", status: "completed", finalMessage: "Hello world!" });
  return { log, events: log.read(1, { maxEvents: 10_000, maxBytes: 1e9 }).events, output, files };
}

describe("shapeEvents", () => {
  test("full: the events as stored", () => {
    const { events } = turn();
    const shaped = shapeEvents(events, "full");
    expect(shaped.events).toEqual(events);
    expect(shaped.counts).toBeUndefined();
  });

  test("delta_compact: adjacent deltas of one item merged, continuations joined, session repeats dropped", () => {
    const { events, output, files } = turn();
    const shaped = shapeEvents(events, "delta_compact", {
      session: { threadId: "th-1", cwd: "/work", sessionId: "s1" },
    });
    const types = shaped.events.map((e) => e.type);
    expect(types).toEqual([
      "turn_started",
      "agent_message_delta",
      "reasoning_delta",
      "agent_message_delta",
      "command_started",
      "command_started",
      "command_completed",
      "approval_request",
      "token_usage",
      "turn_completed",
    ]);
    const [started, message, reasoning, again, ls, pwd, completed, approval] = shaped.events;
    expect(started!.data).toEqual({ turnId: "t1" }); // threadId repeated the session's
    expect(message).toMatchObject({ cursor: 2, lastCursor: 5, data: { itemId: "m1", delta: "Hello world" } });
    expect(reasoning!.data.delta).toBe("hmm");
    expect(again!.data.delta).toBe("!"); // not adjacent to the first run: order is kept
    expect(ls!.data).toEqual({ itemId: "c1", command: "ls" }); // cwd equal to the session's
    expect(pwd!.data.cwd).toBe("/elsewhere");
    expect(completed!.data).toEqual({ itemId: "c1", command: "ls", exitCode: 0, output, status: "completed" });
    expect(completed!.lastCursor).toBeGreaterThan(completed!.cursor);
    expect(approval!.data).toEqual({ requestId: "r1", kind: "file_change", files });
    expect(jsonSize(shaped.events)).toBeLessThan(jsonSize(events));
    // the stored events are untouched
    expect(events[1]!.data.delta).toBe("Hel");
  });

  test("delta_compact leaves a field cut across pages as it is", () => {
    const { events } = turn();
    const cut = events.findIndex((e) => e.type === "command_completed");
    const page = events.slice(0, cut + 2); // the event and only its first continuation
    const shaped = shapeEvents(page, "delta_compact");
    const completed = shaped.events.find((e) => e.type === "command_completed")!;
    expect(completed.data.outputTruncated).toBe(true);
    expect(shaped.events.at(-1)!.type).toBe("command_completed_continued");
    // and the continuations alone, on the next page, are passed through too
    const rest = shapeEvents(events.slice(cut + 2), "delta_compact");
    expect(rest.events[0]!.type).toBe("command_completed_continued");
  });

  test("minimal: pinned events only, the rest counted by type", () => {
    const { events } = turn();
    const shaped = shapeEvents(events, "minimal", { session: { threadId: "th-1" } });
    expect(shaped.events.map((e) => e.type)).toEqual(["approval_request", "turn_completed"]);
    expect(shaped.events[0]!.data.threadId).toBeUndefined();
    expect(Array.isArray(shaped.events[0]!.data.files)).toBe(true); // joined like delta_compact
    const continued = events.filter((e) => e.type === "command_completed_continued").length;
    expect(shaped.counts).toEqual({
      turn_started: 1,
      agent_message_delta: 5,
      reasoning_delta: 1,
      command_started: 2,
      command_completed: 1,
      command_completed_continued: continued,
      token_usage: 1,
    });
  });

  test("empty input", () => {
    expect(shapeEvents([], "delta_compact")).toEqual({ events: [] });
    expect(shapeEvents([], "minimal")).toEqual({ events: [], counts: {} });
  });
});
