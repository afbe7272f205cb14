/** The bounded stderr tail: wrap-around, oversized chunks and UTF-8 cut at the start. */
import { describe, expect, test } from "bun:test";
import { StderrRing } from "../../src/process/stderr-ring.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("StderrRing", () => {
  test("keeps everything while under capacity", () => {
    const ring = new StderrRing(16);
    ring.push(bytes("hello "));
    ring.push(bytes("world"));
    expect(ring.text()).toBe("hello world");
    expect(ring.truncated).toBe(false);
    expect(ring.totalBytes).toBe(11);
  });

  test("wraps around, keeping the most recent bytes in order", () => {
    const ring = new StderrRing(8);
    for (const part of ["abc", "defg", "hij", "k", "lmnopq"]) ring.push(bytes(part));
    expect(ring.text()).toBe("jklmnopq");
    expect(ring.truncated).toBe(true);
    expect(ring.totalBytes).toBe(17);
  });

  test("a chunk larger than the ring keeps its own tail", () => {
    const ring = new StderrRing(4);
    ring.push(bytes("xy"));
    ring.push(bytes("0123456789"));
    expect(ring.text()).toBe("6789");
    ring.push(bytes("ab"));
    expect(ring.text()).toBe("89ab");
  });

  test("matches a naive tail for random pushes", () => {
    const ring = new StderrRing(37);
    let all = "";
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const part = String.fromCharCode(97 + (i % 26)).repeat(seed % 50);
      all += part;
      ring.push(bytes(part));
      expect(ring.text()).toBe(all.slice(-37));
    }
  });

  test("a multi-byte character cut by truncation is dropped, not shown as U+FFFD", () => {
    const ring = new StderrRing(4);
    ring.push(bytes("aé€")); // 1 + 2 + 3 bytes: the ring keeps the last byte of é and all of €
    expect(ring.text()).toBe("€");
    ring.push(bytes("x"));
    expect(ring.text()).toBe("€x");
  });

  test("rejects a capacity that is not a positive integer", () => {
    expect(() => new StderrRing(0)).toThrow(RangeError);
    expect(() => new StderrRing(1.5)).toThrow(RangeError);
  });
});
