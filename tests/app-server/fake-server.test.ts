// deno-lint-ignore-file no-explicit-any -- Codex's JSON-RPC messages, read loosely in tests
/**
 * AppServerBackend against a scripted fake app-server (fixtures/fake-app-server.ts): what the real
 * Codex will not do on demand — malformed output, every kind of server request, a failed start.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { OPTED_OUT_NOTIFICATIONS } from "../../src/codex/drivers/app-server/connection.ts";
import type { BackendError, BackendEvent } from "../../src/codex/backend.ts";
import { createWorld, FIXTURES, record, runTurn, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterEach(() => world.afterEach());
afterAll(() => world.close());

const FAKE = path.join(FIXTURES, "fake-app-server");
const fakeBackend = (mode = "") =>
  world.backend({
    codexPath: FAKE,
    extraEnv: { FAKE_APP_SERVER_RUNTIME: process.execPath, FAKE_APP_SERVER_MODE: mode },
  });

const warnings = (events: BackendEvent[]) => events.flatMap((e) => (e.type === "warning" ? [e.message] : []));

/** The answers the fake reported back, by method. */
function answers(events: BackendEvent[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const message of warnings(events)) {
    const match = /^answer (\S+): (.*)$/s.exec(message);
    if (match) (out[match[1]!] ??= []).push(JSON.parse(match[2]!));
  }
  return out;
}

describe("a fake app-server", () => {
  test("malformed lines are reported, never fatal; the turn and the backend carry on", async () => {
    const { backend, log } = await fakeBackend();
    const { threadId, model } = await backend.startThread(world.settings());
    expect(model).toBe("fake-model");
    const events = record(backend, threadId);
    const { completed, events: turn } = await runTurn(backend, events, threadId, "malformed");
    expect(completed).toMatchObject({ status: "completed", finalMessage: "still alive" });

    const seen = warnings(turn);
    expect(seen.some((m) => m.includes("not a JSON-RPC message") && m.includes("neither"))).toBe(true);
    expect(seen.some((m) => m.includes("item/completed") && m.includes("agentMessage item"))).toBe(true);
    expect(seen.some((m) => m.includes("turn/plan/updated"))).toBe(true);
    expect(
      seen.some((m) =>
        m.includes("codex-mcp refused item/commandExecution/requestApproval with unreadable parameters")
      ),
    ).toBe(true);
    // The unreadable approval was answered with its refusal.
    expect(answers(turn)["item/commandExecution/requestApproval"]).toEqual([{ result: { decision: "decline" } }]);
    // A turn/completed that does not validate is an error event, not a silent loss.
    expect(turn.filter((e) => e.type === "error")).toEqual([
      expect.objectContaining({ willRetry: false, message: expect.stringContaining("turn/completed") }),
    ]);
    expect(turn.filter((e) => e.type === "turn_completed")).toHaveLength(1);
    expect(
      log.lines.some((l) => l.startsWith("[warn]") && l.includes("not JSON") && l.includes("this line is not JSON")),
    ).toBe(true);

    const again = await runTurn(backend, events, threadId, "plain");
    expect(again.completed.finalMessage).toBe("plain answer");
  });

  test("every server request gets the documented answer", async () => {
    const { backend } = await fakeBackend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    await backend.startTurn(threadId, { prompt: "requests" });

    const permissions = await events.next("approval_request", (e) => e.kind === "permissions");
    expect(permissions).toMatchObject({
      itemId: "perm_1",
      cwd: "/work",
      reason: "needs the network",
      availableDecisions: ["accept", "acceptForSession", "decline"],
    });
    expect(permissions.message).toBe("Codex asks for network access; write access to /tmp/out.");
    const form = await events.next(
      "approval_request",
      (e) => e.kind === "mcp_elicitation" && e.message!.includes("docs"),
    );
    expect(form.message).toBe("MCP server docs: Allow the docs tool?");
    expect(form.availableDecisions).toEqual(["accept", "decline", "cancel"]);
    const url = await events.next(
      "approval_request",
      (e) => e.kind === "mcp_elicitation" && e.message!.includes("login"),
    );
    expect(url).toMatchObject({ turnId: null, message: "MCP server login: Sign in (https://example.invalid/login)" });
    const question = await events.next("user_input_request");
    expect(question.questions).toEqual([{
      id: "q",
      header: "Q",
      question: "Why?",
      options: null,
      isOther: false,
      isSecret: true,
    }]);

    const wrong =
      (await backend.respond(question.requestId, { kind: "approval", decision: "accept" }).catch((e: unknown) =>
        e
      )) as BackendError;
    expect(wrong.code).toBe("INVALID_ARGUMENT");
    await backend.respond(permissions.requestId, { kind: "approval", decision: "acceptForSession" });
    await backend.respond(form.requestId, { kind: "approval", decision: "accept" });
    await backend.respond(url.requestId, { kind: "approval", decision: "cancel" });
    await backend.respond(question.requestId, { kind: "approval", decision: "decline" });
    const done = await events.next("turn_completed");
    expect(done.finalMessage).toBe("all answered");

    const got = answers(events.events);
    expect(got["item/tool/call"]).toEqual([{
      result: { contentItems: [{ type: "inputText", text: expect.stringContaining("not available") }], success: false },
    }]);
    expect(got["account/chatgptAuthTokens/refresh"]).toEqual([{
      error: { code: -32000, message: expect.stringContaining("codex login") },
    }]);
    expect(got["attestation/generate"]).toEqual([{
      error: { code: -32000, message: expect.stringContaining("attestation") },
    }]);
    const now = Math.floor(Date.now() / 1000);
    expect(got["currentTime/read"][0].result.currentTimeAt).toBeWithin(now - 60, now + 1);
    for (const legacy of ["applyPatchApproval", "execCommandApproval"]) {
      expect(got[legacy]).toEqual([{
        result: { decision: { denied: { rejection: expect.stringContaining("declined") } } },
      }]);
    }
    expect(got["some/unknownMethod"]).toEqual([{
      error: { code: -32601, message: expect.stringContaining("some/unknownMethod") },
    }]);
    expect(got["item/permissions/requestApproval"]).toEqual([
      {
        result: {
          permissions: { network: { enabled: true }, fileSystem: { read: null, write: ["/tmp/out"] } },
          scope: "session",
        },
      },
    ]);
    expect(got["mcpServer/elicitation/request"]).toEqual([
      { result: { action: "accept", content: {}, _meta: null } },
      { result: { action: "cancel", content: null, _meta: null } },
    ]);
    expect(got["item/tool/requestUserInput"]).toEqual([{ result: { answers: {} } }]);
    // A request for a thread this backend does not follow is refused at once.
    expect(got["item/commandExecution/requestApproval"]).toEqual([{ result: { decision: "decline" } }]);
    // Each waiting request was published once and settled once.
    const published = events.events.filter((e) => e.type === "approval_request" || e.type === "user_input_request").map(
      (e) => (e as { requestId: string }).requestId,
    );
    const resolved = events.events.flatMap((e) => (e.type === "request_resolved" ? [e.requestId] : []));
    expect(new Set(published).size).toBe(4);
    expect(resolved.sort()).toEqual([...published].sort());
  });

  test("initialize declares the experimental API and the opted-out notifications", async () => {
    const { backend } = await fakeBackend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    await runTurn(backend, events, threadId, "capabilities");
    const init = JSON.parse(warnings(events.events)[0]!.replace(/^initialize /, ""));
    expect(init).toEqual({
      clientInfo: { name: "codex-mcp-test", title: null, version: "0.0.0" },
      capabilities: {
        experimentalApi: true,
        requestAttestation: false,
        optOutNotificationMethods: [...OPTED_OUT_NOTIFICATIONS],
      },
    });
  });

  test("exit mid-turn: backend_crashed with the exit code and stderr", async () => {
    const { backend, supervisor } = await fakeBackend();
    const { threadId } = await backend.startThread(world.settings());
    const events = record(backend, threadId);
    await backend.startTurn(threadId, { prompt: "die" });
    const crashed = await events.next("backend_crashed");
    expect(crashed.message).toContain("exited with code 3");
    expect(crashed.stderrTail).toContain("fake-app-server: fatal: boom");
    expect(supervisor.registry.size).toBe(0);
  });

  test("a process that dies before initialize: CODEX_CRASHED with its stderr", async () => {
    const { backend, supervisor } = await fakeBackend("no-init");
    const error = (await backend.startThread(world.settings()).catch((e: unknown) => e)) as BackendError;
    expect(error.code).toBe("CODEX_CRASHED");
    expect(error.message).toContain("exited with code 2");
    expect(error.message).toContain("config.toml is broken");
    expect(error.hint).toContain("codex-mcp doctor");
    expect(supervisor.registry.size).toBe(0);
  });
});
