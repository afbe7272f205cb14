import { expect, test } from "bun:test";
import type { SessionRecord } from "../../src/sessions/store.ts";
import { describe as progressOf } from "../../src/mcp/tools/session-view.ts";

const record = { status: "running", phase: "running a command", lastItem: "$ make test" } as SessionRecord;

test("a progress line says what Codex does, and the turn's tokens against the context window", () => {
  expect(progressOf(record)).toBe("running: running a command — $ make test");
  expect(progressOf(record, { inputTokens: 12_000, outputTokens: 345, totalTokens: 12_345, contextWindow: 272_000 }))
    .toBe("running: running a command — $ make test (12.3k tokens of 272.0k)");
  expect(progressOf(record, { inputTokens: 500, outputTokens: 20 })).toBe(
    "running: running a command — $ make test (520 tokens)",
  );
});
