/**
 * ExecBackend against the real Codex CLI (`codex exec --json`) and the fake model: turns, replies,
 * sticky overrides, structured output, prompts that look like flags, a 1 MiB prompt, failures,
 * interrupts (SIGINT) that leave nothing behind, fork, and what exec refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BackendError } from "../../src/codex/backend.ts";
import { reply } from "../harness/fake-model.ts";
import { createExecWorld, execTempDirs, type ExecWorld, processesMatching, record, runTurn } from "./helpers.ts";

let world: ExecWorld;
beforeAll(async () => {
  world = await createExecWorld();
});
afterEach(() => world.afterEach());
afterAll(() => world.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("turns", () => {
  test("one message: provisional id, turn_started with Codex's id, message, usage, completed", async () => {
    const { backend } = await world.backend();
    const started = await backend.startThread(world.settings());
    expect(started.threadId).toStartWith("exec_");
    const events = record(backend, started.threadId);
    world.model.enqueue(reply.items([reply.reasoning("thinking it over"), reply.message("Hello from exec.")]));
    const t0 = performance.now();
    const { turnId, completed, events: turn } = await runTurn(backend, events, started.threadId, "Say hello.");
    const ms = Math.round(performance.now() - t0);
    expect(turnId).toMatch(/^exec_turn_\d+$/);
    expect(turn.map((e) => e.type)).toEqual([
      "turn_started",
      "reasoning",
      "agent_message",
      "token_usage",
      "turn_completed",
    ]);
    const first = turn[0] as { threadId?: string };
    expect(first.threadId).toMatch(UUID);
    expect(turn[1]).toMatchObject({ type: "reasoning", text: "thinking it over", itemId: `${turnId}:item_0` });
    expect(turn[3]).toMatchObject({ usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } });
    expect(completed).toMatchObject({ status: "completed", finalMessage: "Hello from exec." });
    expect(world.model.responsesRequests().at(-1)!.lastUserText()).toBe("Say hello.");
    console.info(`exec: one-message turn in ${ms} ms (spawn → turn_completed)`);
    // The backend now answers to Codex's id as well.
    const viaCodexId = record(backend, first.threadId!);
    viaCodexId.unsubscribe();
  });

  test("a reply carries the conversation; overrides (sandbox, cwd) stick for later turns", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.message("First answer."));
    await runTurn(backend, events, threadId, "First question: remember 7.");

    const other = path.join(world.home.root, "other");
    mkdirSync(other, { recursive: true });
    world.model.enqueue(
      reply.applyPatch("*** Begin Patch\n*** Add File: one.txt\n+one\n*** End Patch"),
      reply.message("Wrote one."),
    );
    const second = await runTurn(backend, events, threadId, "Second question.", {
      sandbox: "workspace-write",
      cwd: other,
    });
    expect(second.completed).toMatchObject({ status: "completed", finalMessage: "Wrote one." });
    const request = world.model.responsesRequests().at(-2)!;
    expect(request.userTexts().join("\n")).toContain("First question: remember 7.");
    expect(request.userTexts().join("\n")).toContain(`<cwd>${other}</cwd>`);
    expect(readFileSync(path.join(other, "one.txt"), "utf8")).toBe("one\n");
    expect(second.events.find((e) => e.type === "file_change")).toMatchObject({
      changes: [{ path: path.join(other, "one.txt"), kind: "add" }],
      status: "completed",
    });

    // No overrides: still workspace-write in `other` (`exec resume` alone would fall back to read-only).
    world.model.enqueue(
      reply.applyPatch("*** Begin Patch\n*** Add File: two.txt\n+two\n*** End Patch"),
      reply.message("Wrote two."),
    );
    await runTurn(backend, events, threadId, "Third.");
    expect(existsSync(path.join(other, "two.txt"))).toBe(true);
  });

  test("structured output: --output-schema reaches the model; its temporary file is removed", async () => {
    const { backend } = await world.backend();
    const before = execTempDirs();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    const schema = {
      type: "object",
      properties: { answer: { type: "number" } },
      required: ["answer"],
      additionalProperties: false,
    };
    world.model.enqueue(reply.message('{"answer":42}'));
    const { completed } = await runTurn(backend, events, threadId, "Answer as JSON.", { outputSchema: schema });
    expect(completed.finalMessage).toBe('{"answer":42}');
    const body = world.model.responsesRequests().at(-1)!.body as {
      text?: { format?: { type?: string; schema?: unknown } };
    };
    expect(body.text?.format?.type).toBe("json_schema");
    expect(body.text?.format?.schema).toEqual(schema);
    expect(execTempDirs().filter((d) => !before.includes(d))).toEqual([]);
  });

  test("prompts that look like flags are text; a 1 MiB prompt arrives whole; config reaches Codex", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings({ config: { model: "from-config" } }));
    const events = record(backend, threadId);
    for (const prompt of ["--version", "-h", '--config=model="evil"', "-"]) {
      world.model.enqueue(reply.message("ok"));
      const { completed } = await runTurn(backend, events, threadId, prompt);
      expect(completed.status).toBe("completed");
      const request = world.model.responsesRequests().at(-1)!;
      expect(request.lastUserText()).toBe(prompt);
      expect(request.body.model).toBe("from-config");
    }
    const big = "y".repeat(1024 * 1024 - 3) + "end";
    world.model.enqueue(reply.message("big ok"));
    const { completed } = await runTurn(backend, events, threadId, big);
    expect(completed.status).toBe("completed");
    expect(world.model.responsesRequests().at(-1)!.lastUserText() === big).toBe(true);
  });

  test("settings reach Codex: profile, effort, summary, base and developer instructions, personality; a model override sticks", async () => {
    writeFileSync(path.join(world.home.codexHome, "fast.config.toml"), 'model = "profile-model"\n');
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(
      world.settings({
        profile: "fast",
        baseInstructions: "BASE-MARKER",
        developerInstructions: "DEV-MARKER",
        personality: "none",
      }),
    );
    const events = record(backend, threadId);
    world.model.setHandler(() => reply.message("ok")); // a model switch may add a compaction request
    await runTurn(backend, events, threadId, "first", { effort: "high", summary: "detailed" });
    const body = world.model.responsesRequests().at(-1)!.body;
    expect(body.model).toBe("profile-model");
    expect(body.reasoning).toEqual({ effort: "high", summary: "detailed" });
    expect(JSON.stringify(body)).toContain("BASE-MARKER");
    expect(JSON.stringify(body.input)).toContain("DEV-MARKER");
    // Resumed: the same, once each (the base-instructions file is gone; Codex kept them).
    await runTurn(backend, events, threadId, "second");
    const again = JSON.stringify(world.model.responsesRequests().at(-1)!.body);
    expect(again.split("BASE-MARKER").length - 1).toBe(1);
    expect(again.split("DEV-MARKER").length - 1).toBe(1);
    expect(world.model.responsesRequests().at(-1)!.body.model).toBe("profile-model");
    expect(world.model.responsesRequests().at(-1)!.body.reasoning).toEqual({ effort: "high", summary: "detailed" });
    // A model override sticks too.
    await runTurn(backend, events, threadId, "third", { model: "gpt-5.6-sol" });
    await runTurn(backend, events, threadId, "fourth");
    expect(world.model.responsesRequests().at(-1)!.body.model).toBe("gpt-5.6-sol");
    world.model.setHandler(undefined);
  });
});

describe("failures", () => {
  test("the model fails: an error event and a failed turn, both with Codex's message", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.httpError(400, "the model says no"));
    const { completed, events: turn } = await runTurn(backend, events, threadId, "Fail.");
    expect(turn.find((e) => e.type === "error")).toMatchObject({ message: "the model says no", willRetry: false });
    expect(completed).toMatchObject({ status: "failed", error: { message: "the model says no" } });
  });

  test("codex exec exits non-zero without a turn (unknown thread): failed with its stderr", async () => {
    const { backend } = await world.backend();
    const missing = "01a20000-0000-7000-8000-000000000000";
    const { threadId } = await backend.resumeThread(missing, world.settings());
    expect(threadId).toBe(missing);
    const events = record(backend, threadId);
    const { completed } = await runTurn(backend, events, threadId, "Hello?");
    expect(completed.status).toBe("failed");
    expect(completed.error?.message).toContain("no rollout found");
    expect(completed.error?.message).toContain("exited with code 1");
  });

  test("lines that are not JSON or do not validate become warnings; the turn still completes", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "codex-mcp-fake-exec-"));
    const script = path.join(dir, "codex");
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        "cat >/dev/null",
        "echo 'not json at all'",
        `echo '{"type":"thread.started","thread_id":"fake-thread"}'`,
        `echo '{"type":"turn.started"}'`,
        `echo '{"no":"type"}'`,
        `echo '{"type":"item.completed","item":{"id":"item_0","type":"agent_message"}}'`,
        `echo '{"type":"item.completed","item":{"id":"item_1","type":"mcp_tool_call","server":"x"}}'`,
        `echo '{"type":"some.future.event"}'`,
        `echo '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"survived"}}'`,
        `echo '{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":2}}'`,
      ].join("\n") + "\n",
    );
    chmodSync(script, 0o755);
    try {
      const { backend, log } = await world.backend({ codexPath: script });
      const { threadId } = await backend.startThread(world.settings());
      const events = record(backend, threadId);
      const { completed, events: turn } = await runTurn(backend, events, threadId, "go");
      expect(completed).toMatchObject({ status: "completed", finalMessage: "survived" });
      const warnings = turn.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message);
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toContain("not JSON");
      expect(warnings[1]).toContain("without a `type`");
      expect(warnings[2]).toContain("item.completed agent_message");
      expect(turn.find((e) => e.type === "turn_started")).toMatchObject({ threadId: "fake-thread" });
      expect(log.lines.filter((l) => l.startsWith("[warn]"))).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("interrupts", () => {
  test("interrupt of a silent model stream: SIGINT ends it at once, interrupted; a reply resumes the thread", async () => {
    const { backend, supervisor } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.hang());
    const requests = world.model.responsesRequests().length;
    const { turnId } = await backend.startTurn(threadId, { prompt: "Take your time." });
    await world.model.waitForRequests(requests + 1); // the model's stream is open and silent
    const t0 = performance.now();
    await backend.interrupt(threadId, turnId);
    const ms = Math.round(performance.now() - t0);
    const done = await events.next("turn_completed", (e) => e.turnId === turnId);
    expect(done.status).toBe("interrupted");
    expect(supervisor.registry.list()).toEqual([]);
    console.info(`exec: interrupt (SIGINT) of a hanging turn took ${ms} ms`);
    expect(ms).toBeLessThan(1_500); // SIGINT alone: no SIGTERM grace period (2 s here) was needed

    world.model.enqueue(reply.message("Back again."));
    const again = await runTurn(backend, events, threadId, "Now answer.");
    expect(again.completed).toMatchObject({ status: "completed", finalMessage: "Back again." });
    expect(world.model.responsesRequests().at(-1)!.userTexts().join("\n")).toContain("Take your time.");
  });

  test("interrupt while an unsandboxed command runs: the command is gone too", async () => {
    const { backend, supervisor } = await world.backend();
    const { threadId } = await backend.startThread(world.settings({ sandbox: "danger-full-access" }));
    const events = record(backend, threadId);
    const marker = `sleep ${300 + Math.floor(Math.random() * 500)}.${Math.floor(Math.random() * 1000)}`;
    world.model.enqueue(reply.execCommand(marker, { callId: "call_sleep", yieldTimeMs: 300 }), reply.hang());
    const requests = world.model.responsesRequests().length;
    const { turnId } = await backend.startTurn(threadId, { prompt: "Start a long command." });
    await events.next("command_started");
    await world.model.waitForRequests(requests + 2, 15_000); // the command yielded; the model hangs
    expect(processesMatching(marker).length).toBeGreaterThan(0);
    await backend.interrupt(threadId, turnId);
    expect((await events.next("turn_completed")).status).toBe("interrupted");
    await waitFor(() => processesMatching(marker).length === 0, 3_000);
    expect(processesMatching(marker)).toEqual([]);
    expect(supervisor.registry.list()).toEqual([]);
  });

  test("release during a turn interrupts it; close() leaves no process", async () => {
    const { backend, supervisor } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.hang());
    await backend.startTurn(threadId, { prompt: "Hang." });
    await events.next("turn_started");
    await backend.releaseThread(threadId);
    expect((await events.next("turn_completed")).status).toBe("interrupted");
    expect(supervisor.registry.list()).toEqual([]);
    await backend.close();
    await expect(backend.startThread(world.settings())).rejects.toMatchObject({ code: "INTERNAL" });
  });
});

describe("fork and refusals", () => {
  test("fork: `codex exec fork` copies the thread; the copy continues with its history", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.message("The secret is 7."));
    await runTurn(backend, events, threadId, "Remember: the secret is 7.");
    const t0 = performance.now();
    const forked = await backend.forkThread(threadId, world.settings());
    console.info(`exec: fork took ${Math.round(performance.now() - t0)} ms`);
    expect(forked.threadId).toMatch(UUID);
    const forkEvents = record(backend, forked.threadId);
    world.model.enqueue(reply.message("You said 7."));
    const { completed, events: turn } = await runTurn(backend, forkEvents, forked.threadId, "What was the secret?");
    expect(completed.finalMessage).toBe("You said 7.");
    expect((turn[0] as { threadId?: string }).threadId).toBe(forked.threadId);
    expect(world.model.responsesRequests().at(-1)!.userTexts().join("\n")).toContain("Remember: the secret is 7.");
  });

  test("NOT_SUPPORTED with a hint: approvals, plan mode, continuing an ephemeral thread; respond has nothing to answer", async () => {
    const { backend } = await world.backend();
    const refused = await backend.startThread(
      world.settings({ approvalPolicy: "on-request", sandbox: "workspace-write" }),
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect(refused).toMatchObject({ code: "NOT_SUPPORTED" });
    expect((refused as BackendError).hint).toContain('"workspace-write" sandbox');

    const { threadId } = await backend.startThread(world.settings({ ephemeral: true }));
    await expect(backend.startTurn(threadId, { prompt: "x", collaborationMode: "plan" })).rejects.toMatchObject({
      code: "NOT_SUPPORTED",
    });
    await expect(backend.startTurn(threadId, { prompt: "x", approvalPolicy: "untrusted" })).rejects.toMatchObject({
      code: "NOT_SUPPORTED",
    });
    const events = record(backend, threadId);
    world.model.enqueue(reply.message("once"));
    expect((await runTurn(backend, events, threadId, "only once")).completed.status).toBe("completed");
    await expect(backend.startTurn(threadId, { prompt: "twice" })).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
    await expect(backend.forkThread(threadId, world.settings())).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
    await expect(backend.respond("req_1", { kind: "approval", decision: "accept" })).rejects.toMatchObject({
      code: "REQUEST_NOT_FOUND",
    });
    await backend.cleanBackgroundTerminals(threadId); // nothing outlives an exec turn
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}
