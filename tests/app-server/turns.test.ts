/**
 * AppServerBackend against the real Codex CLI and the fake model: plain turns, their events,
 * failures, large output, per-turn overrides, and two threads sharing the one process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BackendError } from "../../src/codex/backend.ts";
import { reply } from "../harness/fake-model.ts";
import { createWorld, record, runTurn, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterEach(() => world.afterEach());
afterAll(() => world.close());

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error("expected a rejection");
}

describe("turns", () => {
  test("a one-message turn: events in order and the final message", async () => {
    const { backend, supervisor } = await world.backend();
    const { threadId, model } = await backend.startThread(world.settings());
    expect(model).toBe("gpt-5.5");
    const events = record(backend, threadId);
    world.model.enqueue(
      reply.items([
        reply.reasoning(["thinking ", "hard"]),
        reply.message(["Hello ", "from ", "fake"], { id: "msg_one" }),
      ]),
    );
    const before = world.model.requests.length;

    const { turnId, completed, events: turn } = await runTurn(backend, events, threadId, "PROMPT-one");
    const types = turn.map((e) => e.type);
    expect(types[0]).toBe("turn_started");
    expect(types.at(-1)).toBe("turn_completed");
    expect(types.filter((t) => t === "reasoning_delta")).toHaveLength(2);
    expect(types.indexOf("reasoning")).toBeLessThan(types.indexOf("agent_message"));
    const deltas = turn.flatMap((e) => (e.type === "agent_message_delta" ? [e.delta] : []));
    expect(deltas).toEqual(["Hello ", "from ", "fake"]);
    expect(types.lastIndexOf("agent_message_delta")).toBeLessThan(types.indexOf("agent_message"));
    expect(turn.find((e) => e.type === "agent_message")).toEqual({
      type: "agent_message",
      itemId: "msg_one",
      text: "Hello from fake",
    });
    expect(turn.find((e) => e.type === "reasoning")).toMatchObject({ type: "reasoning", text: "thinking hard" });
    expect(turn.find((e) => e.type === "token_usage")).toMatchObject({
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    });
    expect(turn.find((e) => e.type === "turn_started")).toEqual({ type: "turn_started", turnId });
    expect(completed).toMatchObject({ turnId, status: "completed", finalMessage: "Hello from fake" });
    expect(completed.error).toBeUndefined();
    expect(typeof completed.durationMs).toBe("number");
    expect(world.model.requests[before]!.lastUserText()).toBe("PROMPT-one");
    expect(supervisor.registry.size).toBe(1);
  });

  test("outputSchema reaches the model as text.format json_schema", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
      additionalProperties: false,
    };
    world.model.enqueue(reply.message('{"answer":"42"}'));
    const before = world.model.requests.length;
    const { completed } = await runTurn(backend, events, threadId, "structured please", { outputSchema: schema });
    expect(completed.finalMessage).toBe('{"answer":"42"}');
    expect(world.model.requests[before]!.body.text.format).toMatchObject({ type: "json_schema", strict: true, schema });
  });

  test("images are attached as local images", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    const image = path.join(world.home.workspace, "dot.png");
    writeFileSync(
      image,
      Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "base64",
      ),
    );
    world.model.enqueue(reply.message("a dot"));
    const before = world.model.requests.length;
    const { completed } = await runTurn(backend, events, threadId, "what is this?", { images: [image] });
    expect(completed.finalMessage).toBe("a dot");
    const sent = JSON.stringify(world.model.requests[before]!.input);
    expect(sent).toContain('"type":"input_image"');
    expect(sent).toContain("data:image/png;base64,");
  });

  test("HTTP 500 fails the turn with Codex's message", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.httpError(500, "boom"));
    const { completed, events: turn } = await runTurn(backend, events, threadId, "fail please");
    expect(completed.status).toBe("failed");
    expect(completed.error?.message).toBeTruthy();
    expect(completed.error?.codexErrorInfo).toBe("internalServerError");
    expect(turn.filter((e) => e.type === "error")).toEqual([
      expect.objectContaining({ type: "error", willRetry: false, message: completed.error!.message }),
    ]);
    expect(completed.finalMessage).toBeUndefined();
  });

  test("1 MiB of command output arrives whole in command_completed", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings({ sandbox: "danger-full-access" }));
    const events = record(backend, threadId);
    world.model.enqueue(
      reply.execCommand("sleep 0.5; head -c 1048576 /dev/zero | tr '\\0' x", { callId: "call_big" }),
      reply.message("big done"),
    );
    const { completed, events: turn } = await runTurn(backend, events, threadId, "print a lot");
    expect(completed.status).toBe("completed");
    const started = turn.find((e) => e.type === "command_started");
    expect(started).toMatchObject({ itemId: "call_big", cwd: world.home.workspace });
    const done = turn.find((e) => e.type === "command_completed");
    if (done?.type !== "command_completed") throw new Error("no command_completed");
    expect(done).toMatchObject({ itemId: "call_big", exitCode: 0, status: "completed" });
    expect(done.command).toContain("head -c 1048576");
    expect(done.output.length).toBe(1048576);
    expect(/^x+$/.test(done.output)).toBe(true);
    // Output that comes after the command started also streams as deltas (a fast command's does not).
    const streamed = turn.flatMap((e) => (e.type === "command_output_delta" ? [e.delta] : [])).join("");
    expect(streamed.length).toBeGreaterThan(0);
    expect(/^x*$/.test(streamed)).toBe(true);
  });

  test("a per-turn sandbox override is applied (read-only blocks a write)", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings({ sandbox: "danger-full-access" }));
    const events = record(backend, threadId);
    world.model.enqueue(reply.execCommand("touch ro-marker", { callId: "call_ro" }), reply.message("tried"));
    const before = world.model.requests.length;
    const { completed } = await runTurn(backend, events, threadId, "write", { sandbox: "read-only" });
    expect(completed.status).toBe("completed");
    expect(world.model.requests[before + 1]!.toolOutput("call_ro")).toContain("Read-only file system");
    expect(existsSync(path.join(world.home.workspace, "ro-marker"))).toBe(false);
  });

  test("two threads on the one process, interleaved, each see only their own events", async () => {
    const { backend, supervisor } = await world.backend();
    const [a, b] = await Promise.all([backend.startThread(world.settings()), backend.startThread(world.settings())]);
    expect(a.threadId).not.toBe(b.threadId);
    expect(supervisor.registry.size).toBe(1);
    const ea = record(backend, a.threadId);
    const eb = record(backend, b.threadId);
    // Each thread's answer depends on its own prompt; the streams are slow enough to overlap.
    world.model.setHandler((request) => {
      const prompt = request.lastUserText() ?? "";
      return reply.message(["answer ", "to ", prompt], { delayMs: 30 });
    });
    try {
      const [ra, rb] = await Promise.all([
        runTurn(backend, ea, a.threadId, "prompt-A"),
        runTurn(backend, eb, b.threadId, "prompt-B"),
      ]);
      expect(ra.completed.finalMessage).toBe("answer to prompt-A");
      expect(rb.completed.finalMessage).toBe("answer to prompt-B");
      const texts = (events: typeof ea.events) =>
        events.flatMap((
          e,
        ) => (e.type === "agent_message_delta" || e.type === "agent_message" ? [JSON.stringify(e)] : []));
      expect(texts(ea.events).join("")).not.toContain("prompt-B");
      expect(texts(eb.events).join("")).not.toContain("prompt-A");
      expect(ea.events.filter((e) => e.type === "turn_completed").map((e) => e.type === "turn_completed" && e.turnId))
        .toEqual([ra.turnId]);
      expect(eb.events.filter((e) => e.type === "turn_completed").map((e) => e.type === "turn_completed" && e.turnId))
        .toEqual([rb.turnId]);
    } finally {
      world.model.setHandler(undefined);
    }
  });

  test("refusals: profile, on-failure, an unknown thread, an unknown request, background terminals", async () => {
    const { backend } = await world.backend();
    expect((await rejection(backend.startThread(world.settings({ profile: "work" })))).code).toBe("NOT_SUPPORTED");
    expect((await rejection(backend.startThread(world.settings({ config: { profile: "work" } })))).code).toBe(
      "NOT_SUPPORTED",
    );
    expect((await rejection(backend.startThread(world.settings({ approvalPolicy: "on-failure" })))).code).toBe(
      "INVALID_ARGUMENT",
    );
    const unknown = await rejection(backend.startTurn("0199a213-81c0-7800-8aa1-bbab2a035a53", { prompt: "x" }));
    expect(unknown.code).toBe("INVALID_ARGUMENT");
    expect(unknown.message).toContain("thread not found");
    expect(unknown.hint).toContain("resumeThread");
    expect((await rejection(backend.respond("req_999", { kind: "approval", decision: "accept" }))).code).toBe(
      "REQUEST_NOT_FOUND",
    );
    const bad = await rejection(backend.startThread(world.settings({ config: { model_reasoning_effort: 17 } })));
    expect(bad.code).toBe("INVALID_ARGUMENT");
    expect(bad.message).toContain("Codex refused");

    const { threadId } = await backend.startThread(world.settings());
    await backend.cleanBackgroundTerminals(threadId);
    await backend.releaseThread(threadId);
    await backend.releaseThread(threadId); // forgotten already: still fine
  });
});
