/**
 * Codex's requests through AppServerBackend, against the real Codex CLI: command and file-change
 * approvals answered every way, a question in plan mode, and interrupts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type ApprovalRequest, BackendError } from "../../src/codex/backend.ts";
import { reply } from "../harness/fake-model.ts";
import { createWorld, record, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterEach(() => world.afterEach());
afterAll(() => world.close());

/** A thread under "untrusted" (Codex asks before every command and patch). */
async function untrustedThread() {
  const made = await world.backend();
  const { threadId } = await made.backend.startThread(
    world.settings({ approvalPolicy: "untrusted", sandbox: "danger-full-access" }),
  );
  return { ...made, threadId, events: record(made.backend, threadId) };
}

describe("command approvals", () => {
  test("accept runs the command; the model gets its output", async () => {
    const { backend, threadId, events } = await untrustedThread();
    world.model.enqueue(
      reply.execCommand("touch accepted-marker && echo ran-it", { callId: "call_acc" }),
      reply.message("done"),
    );
    const before = world.model.requests.length;
    const { turnId } = await backend.startTurn(threadId, { prompt: "run it" });
    const approval = await events.next("approval_request");
    expect(approval).toMatchObject({ kind: "command", turnId, itemId: "call_acc", cwd: world.home.workspace });
    expect(approval.requestId).toMatch(/^req_\d+$/);
    expect(approval.command).toContain("touch accepted-marker");
    expect(approval.availableDecisions).toContain("accept");
    expect(approval.proposedExecpolicyAmendment).toEqual(["touch", "accepted-marker"]);
    // Codex's acceptWithExecpolicyAmendment, in codex-mcp's spelling.
    expect(approval.availableDecisions).toContainEqual({
      acceptWithAmendment: { command: ["touch", "accepted-marker"] },
    });

    await backend.respond(approval.requestId, { kind: "approval", decision: "accept" });
    const done = await events.next("turn_completed");
    expect(done.status).toBe("completed");
    const resolvedAt = events.events.findIndex((e) =>
      e.type === "request_resolved" && e.requestId === approval.requestId
    );
    expect(resolvedAt).toBeGreaterThan(events.events.indexOf(approval));
    expect(existsSync(path.join(world.home.workspace, "accepted-marker"))).toBe(true);
    const output = world.model.requests[before + 1]!.toolOutput("call_acc");
    expect(output).toContain("Process exited with code 0");
    expect(output).toContain("ran-it");
    // Settled: answering again is an error.
    await expect(backend.respond(approval.requestId, { kind: "approval", decision: "accept" })).rejects.toMatchObject({
      code: "REQUEST_NOT_FOUND",
    });
  });

  test("decline tells the model and the turn goes on; a wrong answer shape is refused first", async () => {
    const { backend, threadId, events } = await untrustedThread();
    world.model.enqueue(
      reply.execCommand("touch declined-marker", { callId: "call_dec" }),
      reply.message("ok, skipped"),
    );
    const before = world.model.requests.length;
    await backend.startTurn(threadId, { prompt: "try it" });
    const approval = await events.next("approval_request");
    const wrong = await backend.respond(approval.requestId, { kind: "user_input", answers: { q: ["x"] } }).catch((
      e: unknown,
    ) => e);
    expect(wrong).toBeInstanceOf(BackendError);
    expect((wrong as BackendError).code).toBe("INVALID_ARGUMENT");
    await backend.respond(approval.requestId, { kind: "approval", decision: "decline" });
    const done = await events.next("turn_completed");
    expect(done).toMatchObject({ status: "completed", finalMessage: "ok, skipped" });
    expect(world.model.requests[before + 1]!.toolOutput("call_dec")).toContain("rejected by user");
    expect(existsSync(path.join(world.home.workspace, "declined-marker"))).toBe(false);
    const completed = events.events.find((e) => e.type === "command_completed");
    expect(completed).toMatchObject({ itemId: "call_dec", status: "declined" });
  });

  test("cancel ends the turn interrupted", async () => {
    const { backend, threadId, events } = await untrustedThread();
    world.model.enqueue(
      reply.execCommand("touch cancelled-marker", { callId: "call_can" }),
      reply.message("never sent"),
    );
    const before = world.model.requests.length;
    await backend.startTurn(threadId, { prompt: "try it" });
    const approval = await events.next("approval_request");
    await backend.respond(approval.requestId, { kind: "approval", decision: "cancel" });
    const done = await events.next("turn_completed");
    expect(done.status).toBe("interrupted");
    expect(world.model.requests.length).toBe(before + 1);
    expect(existsSync(path.join(world.home.workspace, "cancelled-marker"))).toBe(false);
    world.model.reset();
  });

  test("acceptForSession: the same command is not asked about again", async () => {
    const { backend, threadId, events } = await untrustedThread();
    world.model.enqueue(
      reply.execCommand("touch session-marker", { callId: "call_s1" }),
      reply.execCommand("touch session-marker", { callId: "call_s2" }),
      reply.message("twice"),
    );
    const before = world.model.requests.length;
    await backend.startTurn(threadId, { prompt: "twice" });
    const approval = await events.next("approval_request");
    await backend.respond(approval.requestId, { kind: "approval", decision: "acceptForSession" });
    const done = await events.next("turn_completed");
    expect(done).toMatchObject({ status: "completed", finalMessage: "twice" });
    expect(events.events.filter((e) => e.type === "approval_request")).toHaveLength(1);
    expect(world.model.requests[before + 2]!.toolOutput("call_s2")).toContain("Process exited with code 0");
  });
});

describe("file-change approvals", () => {
  test("accepted: the request lists the files, and the file exists afterwards", async () => {
    const { backend, threadId, events } = await untrustedThread();
    const patch = "*** Begin Patch\n*** Add File: notes/hello.txt\n+hello world\n*** End Patch";
    world.model.enqueue(reply.applyPatch(patch, { callId: "call_patch" }), reply.message("patched"));
    await backend.startTurn(threadId, { prompt: "add a file" });
    const approval = await events.next("approval_request");
    expect(approval).toMatchObject({ kind: "file_change", itemId: "call_patch" });
    expect(approval.files).toEqual([{ path: path.join(world.home.workspace, "notes", "hello.txt"), kind: "add" }]);
    expect(approval.availableDecisions).toEqual(["accept", "acceptForSession", "decline", "cancel"]);
    const amendment = await backend
      .respond(approval.requestId, {
        kind: "approval",
        decision: { acceptWithAmendment: { command: ["x"] } },
      })
      .catch((e: unknown) => e);
    expect((amendment as BackendError).code).toBe("INVALID_ARGUMENT");
    await backend.respond(approval.requestId, { kind: "approval", decision: "accept" });
    const done = await events.next("turn_completed");
    expect(done.status).toBe("completed");
    expect(readFileSync(path.join(world.home.workspace, "notes", "hello.txt"), "utf8")).toBe("hello world\n");
    expect(events.events.find((e) => e.type === "file_change")).toMatchObject({
      itemId: "call_patch",
      status: "completed",
      changes: [{ path: path.join(world.home.workspace, "notes", "hello.txt"), kind: "add" }],
    });
  });
});

describe("questions and interrupts", () => {
  test("request_user_input in plan mode becomes user_input_request; the answers reach the model", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    const question = {
      id: "color",
      header: "Color",
      question: "Which color?",
      options: [{ label: "Blue", description: "calm" }, { label: "Red", description: "loud" }],
    };
    world.model.enqueue(
      reply.functionCall("request_user_input", { questions: [question] }, { callId: "call_ask" }),
      reply.message("blue it is"),
    );
    const before = world.model.requests.length;
    await backend.startTurn(threadId, { prompt: "ask me", collaborationMode: "plan" });
    const asked = await events.next("user_input_request");
    expect(asked.questions).toEqual([{ ...question, isOther: true, isSecret: false }]);
    expect(asked.itemId).toBe("call_ask");
    await backend.respond(asked.requestId, { kind: "user_input", answers: { color: ["Blue"] } });
    const done = await events.next("turn_completed");
    expect(done).toMatchObject({ status: "completed", finalMessage: "blue it is" });
    expect(JSON.parse(world.model.requests[before + 1]!.toolOutput("call_ask")!)).toEqual({
      answers: { color: { answers: ["Blue"] } },
    });
  });

  test("interrupt ends a turn whose stream hangs", async () => {
    const { backend } = await world.backend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    world.model.enqueue(reply.hang());
    const before = world.model.requests.length;
    const { turnId } = await backend.startTurn(threadId, { prompt: "hang" });
    await world.model.waitForRequests(before + 1);
    await backend.interrupt(threadId, turnId);
    const done = await events.next("turn_completed", (e) => e.turnId === turnId, { timeoutMs: 5_000 });
    expect(done.status).toBe("interrupted");
  });

  test("interrupt with an approval pending: Codex resolves it (request_resolved), a late answer is REQUEST_NOT_FOUND", async () => {
    const { backend, threadId, events } = await untrustedThread();
    world.model.enqueue(reply.execCommand("touch interrupted-marker", { callId: "call_int" }), reply.message("never"));
    const { turnId } = await backend.startTurn(threadId, { prompt: "wait for me" });
    const approval: ApprovalRequest = await events.next("approval_request");
    await backend.interrupt(threadId, turnId);
    const done = await events.next("turn_completed");
    expect(done.status).toBe("interrupted");
    await events.next("request_resolved", (e) => e.requestId === approval.requestId);
    await expect(backend.respond(approval.requestId, { kind: "approval", decision: "accept" })).rejects.toMatchObject({
      code: "REQUEST_NOT_FOUND",
    });
    expect(existsSync(path.join(world.home.workspace, "interrupted-marker"))).toBe(false);
    world.model.reset();
  });
});
