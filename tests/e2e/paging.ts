/**
 * Reading sessions the way a client does, shared by the e2e tests: long-polling a session until
 * something holds ({@link pollSession}), and the paging check both backends' session tests share
 * ({@link pageCommandOutput}): read a session's whole event log with `codex_check poll` under a
 * small `maxBytes`, proving every answer fits and a large command output can be put back together
 * from its pieces.
 */
import { expect } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

type PolledEvent = { cursor: number; type: string; data: Record<string, unknown> };

/** The default budget of a whole poll answer (text and structured content together). */
export const DEFAULT_ANSWER_BYTES = 24 * 1024;

/**
 * Polls `sessionId` from cursor 1 in `responseMode: "full"` until nothing is left, asserting each
 * whole answer is at most `maxBytes` (without it, the default budget is asked for and checked),
 * and that control fields come before the events. Returns how many polls it took and the
 * complete output of the (last) `command_completed` event, continuation parts included.
 */
export async function pageCommandOutput(
  client: Client,
  sessionId: string,
  maxBytes?: number,
): Promise<{ polls: number; output: string }> {
  let cursor = 1;
  let polls = 0;
  const parts = new Map<number, string[]>();
  let completed: PolledEvent | undefined;
  for (;;) {
    const result = await client.callTool({
      name: "codex_check",
      arguments: {
        action: "poll",
        sessionId,
        cursor,
        responseMode: "full",
        ...(maxBytes !== undefined && { pollOptions: { maxBytes } }),
      },
    });
    polls += 1;
    expect(JSON.stringify(result).length).toBeLessThanOrEqual(maxBytes ?? DEFAULT_ANSWER_BYTES);
    const keys = Object.keys(result.structuredContent as object);
    expect(keys.slice(0, 2)).toEqual(["sessionId", "status"]);
    expect(keys.indexOf("nextCursor")).toBeLessThan(keys.indexOf("threadId"));
    expect(keys.at(-1)).toBe("events");
    const view = result.structuredContent as { events?: PolledEvent[]; nextCursor: number; hasMore: boolean };
    for (const e of view.events ?? []) {
      if (e.type === "command_completed") completed = e;
      if (e.type === "command_completed_continued") {
        const list = parts.get(e.data.of as number) ?? [];
        list[(e.data.index as number) - 1] = e.data.text as string;
        parts.set(e.data.of as number, list);
      }
    }
    cursor = view.nextCursor;
    if (!view.hasMore) break;
  }
  expect(completed).toBeDefined();
  return { polls, output: (completed!.data.output as string) + (parts.get(completed!.cursor) ?? []).join("") };
}

/** What a poll answers, as the tests read it. */
export type PolledView = { status: string; nextCursor?: number; hasMore?: boolean; events?: PolledEvent[] };

/**
 * Long-polls `sessionId` from cursor 1 (`waitMs` each, at most 40 polls), keeping every event,
 * until `done(view, events)`; returns the last view and all the events.
 */
export async function pollSession<V extends PolledView>(
  client: Client,
  sessionId: string,
  done: (view: V, events: PolledEvent[]) => boolean,
  waitMs = 1_000,
): Promise<{ view: V; events: PolledEvent[] }> {
  const events: PolledEvent[] = [];
  let cursor = 1;
  let view = { status: "" } as V;
  for (let i = 0; i < 40 && !done(view, events); i++) {
    const answer = await client.callTool({
      name: "codex_check",
      arguments: { action: "poll", sessionId, cursor, pollOptions: { waitMs } },
    });
    view = answer.structuredContent as V;
    events.push(...(view.events ?? []));
    cursor = view.nextCursor ?? cursor;
  }
  return { view, events };
}
