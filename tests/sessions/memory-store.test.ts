/**
 * What is particular to the in-memory store. Everything a store must do is in store-contract.ts,
 * which sqlite-store.test.ts runs against both stores.
 */
import { describe, expect, test } from "bun:test";
import { MemorySessionStore } from "../../src/sessions/memory-store.ts";
import { SessionNotFoundError } from "../../src/sessions/store.ts";
import { record } from "./store-contract.ts";

describe("MemorySessionStore", () => {
  test("close ends pending waits and forgets everything: nothing outlives the process", async () => {
    const store = new MemorySessionStore();
    store.createSession(record("s1"));
    store.appendEvent("s1", "turn_started", { turnId: "t" });
    const pending = store.waitForEvents("s1", 2, 10_000);
    store.close();
    expect(await pending).toBe(false);
    expect(store.listSessions()).toEqual([]);
  });

  test("SessionNotFoundError carries the code and id", () => {
    const error = new SessionNotFoundError("x");
    expect(error).toMatchObject({ code: "SESSION_NOT_FOUND", sessionId: "x", name: "SessionNotFoundError" });
    expect(error.message).toContain('"x"');
  });
});
