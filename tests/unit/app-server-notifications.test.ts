import { describe, expect, test } from "bun:test";
import { mapNotification, TurnMemory } from "../../src/codex/drivers/app-server/notifications.ts";

const memory = new Map<string, TurnMemory>();
const memoryOf = (threadId: string) => memory.get(threadId) ?? memory.set(threadId, new TurnMemory()).get(threadId)!;

describe("app-server notifications, as events", () => {
  test("model/rerouted: the models and Codex's reason", () => {
    const outcome = mapNotification("model/rerouted", {
      threadId: "t1",
      turnId: "u1",
      fromModel: "gpt-5.5",
      toModel: "gpt-5.5-mini",
      reason: "highRiskCyberActivity",
    }, memoryOf);
    expect(outcome).toEqual({
      kind: "events",
      threadId: "t1",
      events: [{
        type: "model_rerouted",
        fromModel: "gpt-5.5",
        toModel: "gpt-5.5-mini",
        reason: "highRiskCyberActivity",
      }],
    });
  });

  test("model/rerouted without the models is reported, not mapped", () => {
    const outcome = mapNotification("model/rerouted", { threadId: "t1", reason: "x" }, memoryOf);
    expect(outcome.kind).toBe("invalid");
  });

  test("a completed contextCompaction item: the conversation was compacted", () => {
    const outcome = mapNotification("item/completed", {
      threadId: "t1",
      turnId: "u1",
      item: { type: "contextCompaction", id: "item_7" },
    }, memoryOf);
    expect(outcome).toEqual({
      kind: "events",
      threadId: "t1",
      events: [{ type: "context_compacted", itemId: "item_7" }],
    });
    // Its start says nothing yet.
    const started = mapNotification("item/started", {
      threadId: "t1",
      turnId: "u1",
      item: { type: "contextCompaction", id: "item_7" },
    }, memoryOf);
    expect(started.kind).toBe("ignored");
  });
});

describe("the account's rate limits, in the backend's words", () => {
  test("windows with their reset times in ms, the reached limit named", async () => {
    const { rateLimitsOf } = await import("../../src/codex/drivers/app-server/catalog.ts");
    expect(rateLimitsOf({
      limitId: "codex",
      limitName: null,
      planType: "plus",
      primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1_800_000_000 },
      secondary: null,
      rateLimitReachedType: "primary",
    })).toEqual({
      limitId: "codex",
      limitName: null,
      planType: "plus",
      primary: { usedPercent: 42, windowMinutes: 300, resetsAt: 1_800_000_000_000 },
      secondary: null,
      reached: "primary",
    });
  });
});
