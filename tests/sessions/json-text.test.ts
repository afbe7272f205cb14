/** Sizes and splits by JSON-escaped UTF-8 bytes: exact against TextEncoder, never cutting a code point. */
import { describe, expect, test } from "bun:test";
import { jsonBytes, jsonStringBytes, splitJsonText, utf8Bytes } from "../../src/sessions/json-text.ts";

const encoder = new TextEncoder();
const SAMPLES = [
  "",
  "plain ascii",
  'quote " and \\ backslash',
  "tab\tnew\nline\r\b\f",
  "\u0000\u0001\u001f\u007f",
  "é中😀€",
  "\u2028\u2029",
  "lone \ud83d high",
  "lone \ude00 low",
  "\ude00\ud83d reversed",
  "end high \ud83d",
];

describe("json-text", () => {
  test("jsonStringBytes, utf8Bytes and jsonBytes match TextEncoder", () => {
    for (const s of SAMPLES) {
      expect(jsonStringBytes(s)).toBe(encoder.encode(JSON.stringify(s)).length - 2);
      expect(utf8Bytes(s)).toBe(encoder.encode(s).length);
      expect(jsonBytes({ s, n: 1 })).toBe(encoder.encode(JSON.stringify({ s, n: 1 })).length);
    }
    expect(jsonBytes(undefined)).toBe(0);
  });

  test("splitJsonText: exact reassembly, pieces within the limit, surrogate pairs kept whole", () => {
    const text = 'a😀é"\n中\u0001'.repeat(500) + "\ud83d";
    for (const [chunk, first] of [[64, 64], [100, 0], [1024, 10], [7, 7]] as const) {
      const pieces = splitJsonText(text, chunk, first);
      expect(pieces.join("")).toBe(text);
      expect(jsonStringBytes(pieces[0]!)).toBeLessThanOrEqual(first);
      for (const piece of pieces.slice(1)) {
        expect(piece.length).toBeGreaterThan(0);
        expect(jsonStringBytes(piece)).toBeLessThanOrEqual(chunk);
        const c = piece.charCodeAt(0);
        expect(c >= 0xdc00 && c <= 0xdfff).toBe(false); // never starts with the second half of a pair
      }
      expect(pieces.reduce((n, p) => n + jsonStringBytes(p), 0)).toBe(jsonStringBytes(text));
    }
    expect(splitJsonText("", 10)).toEqual([""]);
    expect(() => splitJsonText("x", 5)).toThrow(RangeError);
  });
});
