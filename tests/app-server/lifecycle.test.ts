/**
 * The shared app-server process of AppServerBackend: one start for concurrent callers, resume and
 * fork across processes, a crash mid-turn, a missing executable, and teardown.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { AppServerBackend } from "../../src/codex/drivers/app-server/backend.ts";
import { BackendError } from "../../src/codex/backend.ts";
import { createSupervisor } from "../../src/process/supervisor.ts";
import { reply } from "../harness/fake-model.ts";
import { createWorld, memoryLogger, record, runtime, runTurn, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterEach(() => world.afterEach());
afterAll(() => world.close());

describe("the shared process", () => {
  test("concurrent first callers share one start; close() leaves nothing behind", async () => {
    const { backend, supervisor } = await world.backend();
    expect(supervisor.registry.size).toBe(0); // lazy: nothing runs before the first call
    const threads = await Promise.all([1, 2, 3].map(() => backend.startThread(world.settings())));
    expect(new Set(threads.map((t) => t.threadId)).size).toBe(3);
    expect(supervisor.registry.size).toBe(1);
    expect(supervisor.registry.list()[0]!.label).toBe("codex app-server #1");
    await backend.close();
    expect(supervisor.registry.size).toBe(0);
    await expect(backend.startThread(world.settings())).rejects.toBeInstanceOf(BackendError);
    await backend.close(); // idempotent
  });

  test("resume on a fresh backend carries the history", async () => {
    const first = await world.backend();
    const { threadId } = await first.backend.startThread(world.settings());
    const events = record(first.backend, threadId);
    world.model.enqueue(reply.message("first answer"));
    await runTurn(first.backend, events, threadId, "FIRST-PROMPT-resume");
    await first.backend.close();

    const second = await world.backend();
    const resumed = await second.backend.resumeThread(threadId, world.settings());
    expect(resumed).toEqual({ threadId, model: "gpt-5.5" });
    const again = record(second.backend, threadId);
    world.model.enqueue(reply.message("second answer"));
    const before = world.model.requests.length;
    const { completed } = await runTurn(second.backend, again, threadId, "SECOND-PROMPT");
    expect(completed.finalMessage).toBe("second answer");
    const texts = world.model.requests[before]!.userTexts();
    expect(texts).toContain("FIRST-PROMPT-resume");
    expect(texts.at(-1)).toBe("SECOND-PROMPT");
    expect(JSON.stringify(world.model.requests[before]!.input)).toContain("first answer");
  });

  test("fork: a new thread with the parent's history; the parent is unchanged", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.message("parent answer"));
    await runTurn(backend, events, threadId, "PARENT-PROMPT-fork");

    const fork = await backend.forkThread(threadId, world.settings());
    expect(fork.threadId).not.toBe(threadId);
    const forkEvents = record(backend, fork.threadId);
    world.model.enqueue(reply.message("fork answer"));
    const before = world.model.requests.length;
    const { completed } = await runTurn(backend, forkEvents, fork.threadId, "FORK-PROMPT");
    expect(completed.finalMessage).toBe("fork answer");
    expect(world.model.requests[before]!.userTexts()).toContain("PARENT-PROMPT-fork");
    expect(events.events.some((e) => e.type === "agent_message" && e.text === "fork answer")).toBe(false);
  });

  test("SIGKILL mid-turn: backend_crashed, calls fail CODEX_CRASHED, the next call starts a new process", async () => {
    const { backend, supervisor } = await world.backend();
    const { threadId } = await backend.startThread(
      world.settings({ approvalPolicy: "untrusted", sandbox: "danger-full-access" }),
    );
    const other = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    const otherEvents = record(backend, other.threadId);
    world.model.enqueue(reply.execCommand("touch crash-marker", { callId: "call_crash" }));
    await backend.startTurn(threadId, { prompt: "crash soon" });
    const approval = await events.next("approval_request");

    const [child] = supervisor.registry.list();
    runtime.kill(child!.pid, "SIGKILL");
    // A call made while the process dies fails as a crash (broken pipe, or closed on exit).
    const inFlight = backend.startTurn(other.threadId, { prompt: "too late" }).catch((e: unknown) => e);

    const crashed = await events.next("backend_crashed", undefined, { timeoutMs: 10_000 });
    expect(crashed.message).toContain("was killed by SIGKILL");
    expect(typeof crashed.stderrTail).toBe("string");
    await otherEvents.next("backend_crashed");
    await events.next("request_resolved", (e) => e.requestId === approval.requestId);
    const failure = (await inFlight) as BackendError;
    expect(failure).toBeInstanceOf(BackendError);
    expect(failure.code).toBe("CODEX_CRASHED");
    await expect(backend.respond(approval.requestId, { kind: "approval", decision: "accept" })).rejects.toMatchObject({
      code: "REQUEST_NOT_FOUND",
    });
    await expect(backend.startTurn(threadId, { prompt: "again" })).rejects.toMatchObject({ code: "CODEX_CRASHED" });
    expect(supervisor.registry.size).toBe(0);

    // A new thread works on a new process; the old thread can be resumed there.
    world.model.reset();
    const fresh = await backend.startThread(world.settings());
    expect(supervisor.registry.list().map((r) => r.label)).toEqual(["codex app-server #2"]);
    const freshEvents = record(backend, fresh.threadId);
    world.model.enqueue(reply.message("alive again"));
    expect((await runTurn(backend, freshEvents, fresh.threadId, "hello")).completed.finalMessage).toBe("alive again");
    await backend.resumeThread(threadId, world.settings());
    world.model.enqueue(reply.message("resumed after crash"));
    expect((await runTurn(backend, events, threadId, "continue")).completed.finalMessage).toBe("resumed after crash");
  });

  test("a missing executable is CODEX_NOT_FOUND with a hint", async () => {
    const { location } = await world.backend();
    const supervisor = createSupervisor({ runtime });
    const broken = new AppServerBackend({
      supervisor,
      location: { ...location, command: path.join(world.home.root, "no-such-codex"), argsPrefix: [] },
      env: world.home.env,
      log: memoryLogger(),
      clientInfo: { name: "t", version: "0" },
      startupTimeoutMs: 5_000,
      requestTimeoutMs: 5_000,
    });
    const error = (await broken.startThread(world.settings()).catch((e: unknown) => e)) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("CODEX_NOT_FOUND");
    expect(error.message).toContain("ENOENT");
    expect(error.hint).toContain("CODEX_MCP_PATH");
    await broken.close();
    expect(supervisor.registry.size).toBe(0);
  });
});
