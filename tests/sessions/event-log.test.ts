/** The event log: cursors, delta merging, chunking, eviction, bounded reads and long-poll waits. */
import { describe, expect, test } from "bun:test";
import {
  DEFAULT_CHUNK_BYTES,
  EVENT_OVERHEAD_BYTES,
  EventLog,
  MIN_READ_MAX_BYTES,
  type SessionEvent,
} from "../../src/sessions/event-log.ts";
import { jsonSize, manualClock, multiByteText, reassemble } from "./helpers.ts";

const MAX_EVENT_BYTES = DEFAULT_CHUNK_BYTES + EVENT_OVERHEAD_BYTES;
const encoder = new TextEncoder();

/** Every retained event, read in one go without limits. */
function all(log: EventLog): SessionEvent[] {
  return log.read(1, { maxEvents: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER }).events;
}

describe("cursors", () => {
  test("1, 2, 3 … and never reused across eviction", () => {
    const log = new EventLog({ softLimit: 5, hardLimit: 10 });
    expect(log.latestCursor).toBe(0);
    expect(log.firstCursor).toBe(1);
    expect(log.append("warning", { message: "a" }).map((e) => e.cursor)).toEqual([1]);
    expect(log.append("warning", { message: "b" }).map((e) => e.cursor)).toEqual([2]);
    const seen = [1, 2];
    for (let i = 0; i < 48; i++) seen.push(...log.append("plan_updated", { plan: [], i }).map((e) => e.cursor));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(log.latestCursor).toBe(50);
    expect(log.size).toBe(5);
    expect(log.firstCursor).toBe(46);
    expect(log.evicted).toBe(45);
    expect(all(log).map((e) => e.cursor)).toEqual([46, 47, 48, 49, 50]);
  });

  test("events are frozen, data is copied, at comes from the clock", () => {
    const clock = manualClock();
    const log = new EventLog({ now: clock.now });
    const data = { message: "hi" };
    const [event] = log.append("warning", data);
    data.message = "changed";
    expect(event).toEqual({ cursor: 1, at: clock.now(), type: "warning", pinned: false, data: { message: "hi" } });
    expect(Object.isFrozen(event) && Object.isFrozen(event!.data)).toBe(true);
  });

  test("pinned by type by default, overridable per append and per log", () => {
    const log = new EventLog();
    for (
      const type of [
        "approval_request",
        "user_input_request",
        "result",
        "error",
        "turn_completed",
        "backend_crashed",
        "approval_timeout",
      ]
    ) {
      expect(log.append(type, {})[0]!.pinned).toBe(true);
    }
    expect(log.append("warning", {})[0]!.pinned).toBe(false);
    expect(log.append("warning", {}, { pinned: true })[0]!.pinned).toBe(true);
    expect(log.append("error", {}, { pinned: false })[0]!.pinned).toBe(false);
    const custom = new EventLog({ pinnedTypes: ["warning"] });
    expect(custom.append("warning", {})[0]!.pinned).toBe(true);
    expect(custom.append("error", {})[0]!.pinned).toBe(false);
  });
});

describe("delta merging", () => {
  test("consecutive deltas of one item merge into the unread tail", () => {
    const log = new EventLog();
    log.append("turn_started", { turnId: "t" });
    expect(log.append("agent_message_delta", { itemId: "m1", delta: "Hel" })).toMatchObject([{
      cursor: 2,
      data: { delta: "Hel" },
    }]);
    expect(log.append("agent_message_delta", { itemId: "m1", delta: "lo" })).toMatchObject([{
      cursor: 2,
      data: { itemId: "m1", delta: "Hello" },
    }]);
    log.append("agent_message_delta", { itemId: "m1", delta: " 😀" });
    expect(log.size).toBe(2);
    expect(log.latestCursor).toBe(2);
    expect(all(log)[1]!.data).toEqual({ itemId: "m1", delta: "Hello 😀" });
    expect(log.bytes).toBe(all(log).reduce((n, e) => n + jsonSize(e), 0));

    // a surrogate pair split across two deltas is counted as the one character it becomes
    const pairs = new EventLog();
    pairs.append("agent_message_delta", { itemId: "m1", delta: "x\ud83d" });
    pairs.append("agent_message_delta", { itemId: "m1", delta: "\ude00!" });
    expect(all(pairs).map((e) => e.data.delta)).toEqual(["x😀!"]);
    expect(pairs.bytes).toBe(jsonSize(all(pairs)[0]));
  });

  test("another item, another type or other fields start a new event", () => {
    const log = new EventLog();
    log.append("command_output_delta", { itemId: "c1", delta: "a" });
    log.append("command_output_delta", { itemId: "c2", delta: "b" });
    log.append("reasoning_delta", { itemId: "c2", delta: "c" });
    log.append("reasoning_delta", { itemId: "c2", delta: "d", extra: 1 });
    log.append("reasoning_delta", { itemId: "c2", delta: "e", extra: 1 });
    log.append("warning", { message: "between" });
    log.append("reasoning_delta", { itemId: "c2", delta: "f", extra: 1 });
    expect(all(log).map((e) => [e.cursor, e.type, e.data.delta ?? null])).toEqual([
      [1, "command_output_delta", "a"],
      [2, "command_output_delta", "b"],
      [3, "reasoning_delta", "c"],
      [4, "reasoning_delta", "de"],
      [5, "warning", null],
      [6, "reasoning_delta", "f"],
    ]);
  });

  test("never into an event a reader has already been handed", () => {
    const log = new EventLog();
    log.append("agent_message_delta", { itemId: "m", delta: "one" });
    const first = log.read(1);
    expect(first.events.map((e) => e.data.delta)).toEqual(["one"]);
    expect(log.deliveredCursor).toBe(1);
    const stored = log.append("agent_message_delta", { itemId: "m", delta: " two" });
    expect(stored.map((e) => e.cursor)).toEqual([2]);
    log.append("agent_message_delta", { itemId: "m", delta: " three" });
    const second = log.read(first.nextCursor);
    expect(second.events.map((e) => e.data.delta)).toEqual([" two three"]);
    // what the first read returned is unchanged
    expect(first.events[0]!.data.delta).toBe("one");
  });

  test("merging stops at the chunk limit; a delta longer than a chunk becomes several deltas", () => {
    const log = new EventLog({ chunkBytes: 1024 });
    for (let i = 0; i < 300; i++) log.append("command_output_delta", { itemId: "c", delta: "0123456789" });
    const merged = all(log);
    expect(merged.map((e) => (e.data.delta as string).length)).toEqual([1020, 1020, 960]);
    expect(merged.map((e) => e.data.delta).join("")).toBe("0123456789".repeat(300));

    const big = multiByteText(5000);
    const split = new EventLog({ chunkBytes: 1024 });
    const stored = split.append("agent_message_delta", { itemId: "m", delta: big });
    expect(stored.length).toBeGreaterThan(4);
    expect(stored.every((e) => e.type === "agent_message_delta" && e.data.itemId === "m")).toBe(true);
    expect(stored.map((e) => e.data.delta).join("")).toBe(big);
    for (const e of stored) expect(encoder.encode(JSON.stringify(e.data.delta)).length - 2).toBeLessThanOrEqual(1024);
  });
});

describe("chunking long fields", () => {
  test("a 1 MiB ASCII output: first chunk in the event, the rest in ordered continuations, exact reassembly", () => {
    const log = new EventLog();
    const output = Array.from({ length: 1024 * 1024 }, (_, i) => String.fromCharCode(32 + (i % 95))).join("");
    const stored = log.append("command_completed", {
      itemId: "c",
      command: "cat big",
      exitCode: 0,
      output,
      status: "completed",
    });
    const head = stored[0]!;
    expect(head.type).toBe("command_completed");
    expect(head.data).toMatchObject({
      itemId: "c",
      command: "cat big",
      exitCode: 0,
      status: "completed",
      outputTruncated: true,
      outputBytes: 1024 * 1024,
    });
    expect(stored.length).toBeGreaterThan(64);
    stored.slice(1).forEach((e, i) => {
      expect(e.type).toBe("command_completed_continued");
      expect(e.cursor).toBe(head.cursor + i + 1);
      expect(e.data).toMatchObject({ of: head.cursor, field: "output", index: i + 1, last: i === stored.length - 2 });
    });
    for (const e of stored) expect(jsonSize(e)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(reassemble(stored, head.cursor, "output")).toBe(output);
    expect(log.bytes).toBe(stored.reduce((n, e) => n + jsonSize(e), 0));
  });

  test("a 300 KiB multi-byte text: split on code points, sized in UTF-8, exact reassembly", () => {
    const log = new EventLog();
    const text = multiByteText(300 * 1024);
    const stored = log.append("agent_message", { itemId: "m", text });
    expect(stored[0]!.data.textBytes).toBe(encoder.encode(text).length);
    for (const e of stored) expect(jsonSize(e)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    for (const e of stored.slice(1)) {
      const c = (e.data.text as string).charCodeAt(0);
      expect(c >= 0xdc00 && c <= 0xdfff).toBe(false);
    }
    expect(reassemble(stored, stored[0]!.cursor, "text")).toBe(text);
  });

  test("a field just over a chunk is cut; small events are left alone", () => {
    const log = new EventLog();
    const text = "x".repeat(DEFAULT_CHUNK_BYTES + 1);
    const stored = log.append("agent_message", { itemId: "m", text });
    expect(stored.length).toBe(2);
    expect(reassemble(stored, 1, "text")).toBe(text);
    expect(log.append("agent_message", { itemId: "m", text: "x".repeat(DEFAULT_CHUNK_BYTES) })).toHaveLength(1);
  });

  test("many medium fields and a large non-string field still give events within the bound", () => {
    const log = new EventLog();
    const files = Array.from({ length: 3000 }, (_, i) => ({ path: `src/file-${i}.ts`, kind: "update" }));
    const data = {
      requestId: "r1",
      kind: "file_change",
      a: "a".repeat(9000),
      b: "b".repeat(9000),
      c: "c".repeat(9000),
      files,
    };
    const stored = log.append("approval_request", data);
    for (const e of stored) expect(jsonSize(e)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(stored.every((e) => e.pinned)).toBe(true); // continuations of a pinned event are pinned
    const head = stored[0]!;
    expect(head.data.filesEncoding).toBe("json");
    expect(JSON.parse(reassemble(stored, head.cursor, "files"))).toEqual(files);
    for (const field of ["a", "b", "c"]) expect(reassemble(stored, head.cursor, field)).toBe(data[field as "a"]);
    expect(head.data.requestId).toBe("r1");
  });
});

describe("eviction", () => {
  test("soft: the oldest unpinned go, pinned stay; hard: pinned go oldest first", () => {
    const evicted: number[] = [];
    const log = new EventLog({
      softLimit: 10,
      hardLimit: 20,
      onEvict: (events) => evicted.push(...events.map((e) => e.cursor)),
    });
    for (let i = 0; i < 5; i++) log.append("approval_request", { requestId: `r${i}` }); // cursors 1-5
    for (let i = 0; i < 100; i++) log.append("warning", { message: `w${i}` }); // 6-105
    expect(log.size).toBe(10);
    expect(all(log).map((e) => e.cursor)).toEqual([1, 2, 3, 4, 5, 101, 102, 103, 104, 105]);
    expect(evicted).toEqual(Array.from({ length: 95 }, (_, i) => i + 6));

    for (let i = 0; i < 20; i++) log.append("result", { n: i }); // 106-125, all pinned
    expect(log.size).toBe(20);
    const kept = all(log);
    expect(kept.every((e) => e.pinned)).toBe(true);
    expect(kept.map((e) => e.cursor)).toEqual([...Array.from({ length: 20 }, (_, i) => i + 106)]);
    expect(log.evicted).toBe(105);
    expect(log.latestCursor).toBe(125);
  });

  test("byte bounds work the same way", () => {
    const log = new EventLog({ softMaxBytes: 50_000, hardMaxBytes: 100_000 });
    log.append("error", { message: "keep me" });
    for (let i = 0; i < 200; i++) log.append("warning", { message: "x".repeat(1000) });
    expect(log.bytes).toBeLessThanOrEqual(50_000);
    expect(all(log)[0]!.data.message).toBe("keep me");
    for (let i = 0; i < 200; i++) log.append("error", { message: "y".repeat(1000) });
    expect(log.bytes).toBeLessThanOrEqual(100_000);
    expect(log.bytes).toBeGreaterThan(90_000);
    expect(all(log).every((e) => e.pinned && e.data.message !== "keep me")).toBe(true);
    expect(log.bytes).toBe(all(log).reduce((n, e) => n + jsonSize(e), 0));
  });

  test("a stale cursor restarts at the oldest retained event and says how many were missed", () => {
    const log = new EventLog({ softLimit: 10, hardLimit: 20 });
    log.append("approval_request", { requestId: "r" }); // 1, pinned
    for (let i = 0; i < 50; i++) log.append("warning", { i }); // 2-51; 42-51 kept… minus one for the pin
    expect(log.firstCursor).toBe(1);
    const fromTwo = log.read(2, { maxEvents: 3 });
    expect(fromTwo.events.map((e) => e.cursor)).toEqual([43, 44, 45]);
    expect(fromTwo).toMatchObject({ cursorResetTo: 43, missedEvents: 41, nextCursor: 46, hasMore: true });

    const fromOne = log.read(1, { maxEvents: 2 });
    expect(fromOne.events.map((e) => e.cursor)).toEqual([1, 43]);
    expect(fromOne.cursorResetTo).toBeUndefined(); // cursor 1 itself is there
    expect(fromOne.missedEvents).toBe(41); // 2-42 lie inside this page

    const current = log.read(46);
    expect(current.cursorResetTo).toBeUndefined();
    expect(current.missedEvents).toBeUndefined();
    expect(current.events.map((e) => e.cursor)).toEqual([46, 47, 48, 49, 50, 51]);
    expect(current.hasMore).toBe(false);
  });

  test("a cursor past the end is reset to the next cursor; the next cursor itself is just empty", () => {
    const log = new EventLog();
    log.append("warning", {});
    expect(log.read(2)).toEqual({ events: [], nextCursor: 2, hasMore: false });
    expect(log.read(99)).toEqual({ events: [], nextCursor: 2, hasMore: false, cursorResetTo: 2, missedEvents: 0 });
    expect(log.read(0).events.map((e) => e.cursor)).toEqual([1]);
  });
});

describe("bounded reads", () => {
  /** A log with a bit of everything: merged deltas, big outputs, multi-byte text, pins. */
  function busyLog(): EventLog {
    const log = new EventLog();
    for (let i = 0; i < 40; i++) {
      log.append("command_started", { itemId: `c${i}`, command: `step ${i}` });
      for (let j = 0; j < 20; j++) {
        log.append("command_output_delta", { itemId: `c${i}`, delta: `line ${j} of ${i}\n` });
      }
      log.append("command_completed", {
        itemId: `c${i}`,
        command: `step ${i}`,
        exitCode: 0,
        output: "o".repeat((i * 7919) % 70_000),
        status: "completed",
      });
      if (i % 7 === 0) log.append("agent_message", { itemId: `m${i}`, text: multiByteText((i * 3000) % 50_000) });
      if (i % 9 === 0) log.append("approval_request", { requestId: `r${i}`, command: "rm -rf build" });
    }
    return log;
  }

  test("maxEvents caps the count", () => {
    const log = busyLog();
    const page = log.read(1, { maxEvents: 7, maxBytes: 10_000_000 });
    expect(page.events.map((e) => e.cursor)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(page.nextCursor).toBe(8);
    expect(page.hasMore).toBe(true);
  });

  test("every response's JSON stays within maxBytes (≥ 32 KiB) and every read makes progress", () => {
    const log = busyLog();
    const total = log.latestCursor;
    for (const maxBytes of [MIN_READ_MAX_BYTES, 40_000, 64 * 1024, 200_000]) {
      const cursors: number[] = [];
      let cursor = 1;
      let reads = 0;
      for (;;) {
        const page = log.read(cursor, { maxBytes, maxEvents: 1000 });
        reads++;
        expect(jsonSize(page)).toBeLessThanOrEqual(maxBytes);
        if (page.events.length === 0) break;
        expect(page.nextCursor).toBeGreaterThan(cursor);
        cursors.push(...page.events.map((e) => e.cursor));
        cursor = page.nextCursor;
      }
      expect(cursors).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(reads).toBeGreaterThan(1);
    }
  });

  test("below the floor a read still returns one event rather than none", () => {
    const log = new EventLog();
    log.append("agent_message", { itemId: "m", text: "z".repeat(15_000) });
    log.append("warning", { message: "after" });
    const page = log.read(1, { maxBytes: 100 });
    expect(page.events).toHaveLength(1);
    expect(page.nextCursor).toBe(2);
  });

  test("paging through a 1 MiB output at 64 KiB per read reassembles it exactly", () => {
    const log = new EventLog();
    const output = multiByteText(512 * 1024) + "a".repeat(512 * 1024);
    log.append("command_started", { itemId: "c", command: "big" });
    log.append("command_completed", { itemId: "c", command: "big", exitCode: 0, output, status: "completed" });
    log.append("turn_completed", { turnId: "t", status: "completed" });
    const received: SessionEvent[] = [];
    let cursor = 1;
    let pages = 0;
    for (;;) {
      const page = log.read(cursor, { maxBytes: 64 * 1024 });
      if (page.events.length === 0) break;
      pages++;
      expect(jsonSize(page)).toBeLessThanOrEqual(64 * 1024);
      received.push(...page.events);
      cursor = page.nextCursor;
    }
    expect(pages).toBeGreaterThanOrEqual(Math.floor(jsonSize(output) / (64 * 1024)));
    expect(reassemble(received, 2, "output")).toBe(output);
    expect(received.at(-1)!.type).toBe("turn_completed");
  });
});

describe("waitForEvents", () => {
  test("resolves at once when the event exists, and early on append", async () => {
    const log = new EventLog();
    log.append("warning", {});
    expect(await log.waitForEvents(1, 10_000)).toBe(true);
    const started = performance.now();
    const waiting = log.waitForEvents(2, 10_000);
    expect(log.waiting).toBe(1);
    setTimeout(() => log.append("warning", {}), 20);
    expect(await waiting).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(log.waiting).toBe(0);
  });

  test("a merge into the unread tail does not wake a waiter for the next cursor", async () => {
    const log = new EventLog();
    log.append("agent_message_delta", { itemId: "m", delta: "a" });
    const waiting = log.waitForEvents(2, 60);
    log.append("agent_message_delta", { itemId: "m", delta: "b" });
    expect(await waiting).toBe(false);
  });

  test("times out with false", async () => {
    const log = new EventLog();
    const started = performance.now();
    expect(await log.waitForEvents(1, 50)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(log.waiting).toBe(0);
    expect(await log.waitForEvents(1, 0)).toBe(false);
  });

  test("an abort ends the wait with false; an aborted signal returns at once", async () => {
    const log = new EventLog();
    const controller = new AbortController();
    const started = performance.now();
    const waiting = log.waitForEvents(1, 10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await waiting).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(log.waiting).toBe(0);
    expect(await log.waitForEvents(1, 10_000, controller.signal)).toBe(false);
  });

  test("close ends pending waits", async () => {
    const log = new EventLog();
    const waiting = log.waitForEvents(1, 10_000);
    log.close();
    expect(await waiting).toBe(false);
    expect(await log.waitForEvents(1, 10_000)).toBe(false);
    expect(log.waiting).toBe(0);
  });
});

describe("restore", () => {
  test("continues cursors and does not merge into what was delivered", () => {
    const log = new EventLog();
    log.append("agent_message_delta", { itemId: "m", delta: "a" });
    log.append("warning", {});
    log.read(1);
    const restored = EventLog.restore({
      events: all(log),
      latestCursor: log.latestCursor,
      deliveredCursor: log.deliveredCursor,
    });
    expect(restored.bytes).toBe(log.bytes);
    expect(restored.append("warning", {})[0]!.cursor).toBe(3);
    expect(() => EventLog.restore({ events: [...all(log)].reverse(), latestCursor: 2 })).toThrow(RangeError);
  });
});

test("options are checked", () => {
  expect(() => new EventLog({ softLimit: 0 })).toThrow(RangeError);
  expect(() => new EventLog({ softLimit: 10, hardLimit: 5 })).toThrow(RangeError);
  expect(() => new EventLog({ chunkBytes: 100 })).toThrow(RangeError);
  expect(() => new EventLog({ chunkBytes: 64 * 1024 })).toThrow(RangeError);
});
