// deno-lint-ignore-file no-explicit-any -- Codex's JSON-RPC messages, read loosely in tests
/**
 * Proves the test harness: unit tests of the fake model / CODEX_HOME / binary lookup, then real
 * `codex app-server` turns against the fake model. Every test releases its processes and dirs.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { closeAllAppServers, startAppServer, textInput } from "./app-server.ts";
import type { AppServer, Notification, ServerRequest } from "./app-server.ts";
import { codexBinary, codexBinaryCandidates, codexPlatformPackage, PROJECT_ROOT } from "./codex-bin.ts";
import { makeCodexHome } from "./codex-home.ts";
import type { CodexHome } from "./codex-home.ts";
import { NO_SCRIPT_BODY, reply, startFakeModel } from "./fake-model.ts";
import type { FakeModel, SseEvent } from "./fake-model.ts";

// ---------------------------------------------------------------------------------------------
// Per-test resource tracking

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
});
afterAll(async () => {
  await closeAllAppServers();
});

async function fakeModel(...args: Parameters<typeof startFakeModel>): Promise<FakeModel> {
  const model = await startFakeModel(...args);
  cleanups.push(() => model.close());
  return model;
}

/** POST a Responses request to the fake and return status + body text. */
async function post(model: FakeModel, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${model.url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
}

/** Parse an SSE body into its `data:` JSON payloads, checking the framing. */
function parseSse(text: string): SseEvent[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .split("\n\n")
    .filter((frame) => frame.length > 0)
    .map((frame) => {
      const lines = frame.split("\n");
      const data = lines.find((l) => l.startsWith("data: "));
      expect(data).toBeDefined();
      const event = JSON.parse(data!.slice("data: ".length)) as SseEvent;
      const eventLine = lines.find((l) => l.startsWith("event: "));
      if (eventLine) expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
}

// ---------------------------------------------------------------------------------------------
// Unit tests: fake model

describe("fake model", () => {
  test("listens on a loopback port and serves a scripted message as SSE", async () => {
    const model = await fakeModel();
    expect(model.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(model.port).toBeGreaterThan(0);
    model.enqueue(reply.message(["Hel", "lo"], { responseId: "resp_x", usage: { input_tokens: 7 } }));

    const res = await post(model, { input: [] });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("text/event-stream");
    const events = parseSse(res.text);
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta)).toEqual(["Hel", "lo"]);
    const done = events[4] as any;
    expect(done.item.content[0].text).toBe("Hello");
    expect(done.output_index).toBe(0);
    expect((events[5] as any).response).toEqual({
      id: "resp_x",
      usage: {
        input_tokens: 7,
        input_tokens_details: null,
        output_tokens: 5,
        output_tokens_details: null,
        total_tokens: 15,
      },
    });
    expect(model.pending()).toBe(0);
  });

  test("builds tool calls, reasoning and multi-item responses", async () => {
    const model = await fakeModel();
    model.enqueue(
      reply.items([
        reply.reasoning("thinking hard", { deltas: 2, id: "rs_a" }),
        reply.execCommand("ls -la", {
          callId: "c1",
          sandboxPermissions: "require_escalated",
          justification: "why",
          yieldTimeMs: 500,
        }),
        reply.applyPatch("*** Begin Patch\n*** End Patch", { callId: "c2" }),
      ]),
    );
    const events = parseSse((await post(model, {})).text);
    const reasoningDeltas = events.filter((e) => e.type === "response.reasoning_summary_text.delta");
    expect(reasoningDeltas.map((e) => e.delta).join("")).toBe("thinking hard");
    expect(reasoningDeltas.length).toBe(2);
    const doneItems = events.filter((e) => e.type === "response.output_item.done") as any[];
    expect(doneItems.map((e) => e.output_index)).toEqual([0, 1, 2]);
    expect(doneItems[0].item).toEqual({
      type: "reasoning",
      id: "rs_a",
      summary: [{ type: "summary_text", text: "thinking hard" }],
    });
    expect(doneItems[1].item.type).toBe("function_call");
    expect(doneItems[1].item.name).toBe("exec_command");
    expect(doneItems[1].item.call_id).toBe("c1");
    expect(JSON.parse(doneItems[1].item.arguments)).toEqual({
      cmd: "ls -la",
      yield_time_ms: 500,
      sandbox_permissions: "require_escalated",
      justification: "why",
    });
    expect(doneItems[2].item).toMatchObject({ type: "custom_tool_call", name: "apply_patch", call_id: "c2" });
    expect(events.at(-1)!.type).toBe("response.completed");
  });

  test("default ids are unique", async () => {
    const a = JSON.stringify(reply.execCommand("x").items[0]!(0));
    const b = JSON.stringify(reply.execCommand("x").items[0]!(0));
    expect(JSON.parse(a)[0].item.call_id).not.toBe(JSON.parse(b)[0].item.call_id);
  });

  test("records requests and extracts user texts and tool outputs", async () => {
    const model = await fakeModel();
    model.enqueue(reply.message("a"));
    await post(
      model,
      {
        model: "gpt-5.5",
        input: [
          { type: "message", role: "developer", content: [{ type: "input_text", text: "dev" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context/>" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text: "the prompt" }] },
          { type: "function_call_output", call_id: "c1", output: "cmd out" },
          { type: "custom_tool_call_output", call_id: "c2", output: [{ type: "input_text", text: "patch out" }] },
        ],
      },
      { "x-test": "yes" },
    );
    expect(model.requests.length).toBe(1);
    const r = model.requests[0]!;
    expect(r.index).toBe(0);
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/v1/responses");
    expect(r.headers["x-test"]).toBe("yes");
    expect(r.body.model).toBe("gpt-5.5");
    expect(r.time).toBeGreaterThan(Date.now() - 10_000);
    expect(r.userTexts()).toEqual(["<environment_context/>", "the prompt"]);
    expect(r.lastUserText()).toBe("the prompt");
    expect(r.toolOutput("c1")).toBe("cmd out");
    expect(r.toolOutput("c2")).toBe("patch out");
    expect(r.toolOutput("nope")).toBeUndefined();
    expect(r.toolOutputs().map((o) => o.type)).toEqual(["function_call_output", "custom_tool_call_output"]);
  });

  test("queue first, then handler, then the 400 fallback; other paths 404", async () => {
    const model = await fakeModel({
      handler: (req) => (req.body?.dynamic ? reply.message(`echo:${req.body.dynamic}`) : undefined),
    });
    model.enqueue(reply.httpError(503, { error: { message: "busy" } }));

    const first = await post(model, { dynamic: "x" });
    expect(first.status).toBe(503);
    expect(JSON.parse(first.text)).toEqual({ error: { message: "busy" } });
    expect(first.contentType).toBe("application/json");

    const second = await post(model, { dynamic: "y" });
    expect((parseSse(second.text)[1] as any).item.content[0].text).toBe("echo:y");

    const third = await post(model, {});
    expect(third.status).toBe(400);
    expect(third.text).toBe(NO_SCRIPT_BODY);

    const other = await fetch(`${model.url}/models`);
    expect(other.status).toBe(404);
    await other.text();
    expect(model.requests.length).toBe(4);
    expect(model.responsesRequests().length).toBe(3);
    await expect(model.waitForRequests(3, 100)).resolves.toHaveLength(3);
    await expect(model.waitForRequests(4, 50)).rejects.toThrow(/3\/4/);
  });

  test("delayMs slows the stream down", async () => {
    const model = await fakeModel();
    model.enqueue(reply.message("slow", { delayMs: 40 })); // 3 events → 2 gaps
    const t0 = performance.now();
    await post(model, {});
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
  });

  test("a hang sends headers and response.created, and close() releases it", async () => {
    const model = await startFakeModel(); // closed by the test itself
    cleanups.push(() => model.close());
    model.enqueue(reply.hang());
    const res = await fetch(`${model.url}/responses`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"type":"response.created"');

    // Still open after a while.
    const pendingRead = reader.read().then(
      (r) => ({ settled: true, done: r.done }),
      () => ({ settled: true, done: true }),
    );
    const early = await Promise.race([pendingRead, new Promise((r) => setTimeout(() => r({ settled: false }), 100))]);
    expect(early).toEqual({ settled: false });

    const t0 = performance.now();
    await model.close();
    expect(await pendingRead).toMatchObject({ settled: true, done: true });
    expect(performance.now() - t0).toBeLessThan(1000);
    await model.close(); // idempotent
  });

  test("response.failed and raw events", async () => {
    const model = await fakeModel();
    model.enqueue(reply.failed("kaput"), reply.events([{ type: "custom.event", x: 1 }]));
    const failed = parseSse((await post(model, {})).text);
    expect(failed.map((e) => e.type)).toEqual(["response.created", "response.failed"]);
    expect((failed[1] as any).response.error.message).toBe("kaput");
    expect(parseSse((await post(model, {})).text)).toEqual([{ type: "custom.event", x: 1 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Unit tests: CODEX_HOME and binary lookup

describe("codex home", () => {
  test("writes config.toml, a clean env, and cleans up", () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = "sk-must-not-leak";
    let home: CodexHome;
    try {
      home = makeCodexHome({
        modelUrl: "http://127.0.0.1:1/v1",
        extraConfig: {
          approval_policy: "never",
          features: { foo: true },
          mcp_servers: { "my server": { command: "x", args: ["a", "b"] } },
        },
      });
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    cleanups.push(() => home.cleanup());
    const toml = readFileSync(path.join(home.codexHome, "config.toml"), "utf8");
    expect(toml).toBe(home.configToml);
    expect(toml).toContain('model = "gpt-5.5"');
    expect(toml).toContain('model_provider = "mock"');
    expect(toml).toContain('[model_providers.mock]\nname = "mock"\nbase_url = "http://127.0.0.1:1/v1"');
    expect(toml).toContain("request_max_retries = 0\nstream_max_retries = 0");
    expect(toml).toContain("[features]\nplugins = false\nunbounded_connection_retries = false\nfoo = true");
    expect(toml).toContain('[mcp_servers."my server"]\ncommand = "x"\nargs = ["a", "b"]');
    // top-level keys come before the first table
    expect(toml.indexOf('approval_policy = "never"')).toBeLessThan(toml.indexOf("["));

    expect(home.env.HOME).toBe(home.home);
    expect(home.env.CODEX_HOME).toBe(home.codexHome);
    expect(home.env.PATH).toBe(process.env.PATH!);
    expect(home.env.OPENAI_API_KEY).toBeUndefined();
    expect(Object.keys(home.env).some((k) => /OPENAI|PROXY/i.test(k))).toBe(false);
    for (const dir of [home.codexHome, home.home, home.workspace]) {
      expect(existsSync(dir)).toBe(true);
      expect(dir.startsWith(home.root + path.sep)).toBe(true);
    }
    home.cleanup();
    expect(existsSync(home.root)).toBe(false);
    home.cleanup(); // idempotent
  });
});

describe("codex binary", () => {
  test("finds the npm-installed native executable", () => {
    const bin = codexBinary();
    expect(bin.startsWith(path.join(PROJECT_ROOT, "node_modules", "@openai") + path.sep)).toBe(true);
    accessSync(bin, constants.X_OK);
    expect(existsSync(path.join(PROJECT_ROOT, "package.json"))).toBe(true);
  });

  test("maps every npm platform package", () => {
    expect(codexPlatformPackage("linux", "x64")).toEqual({
      packageName: "@openai/codex-linux-x64",
      targetTriple: "x86_64-unknown-linux-musl",
      exeName: "codex",
    });
    expect(codexPlatformPackage("linux", "arm64").targetTriple).toBe("aarch64-unknown-linux-musl");
    expect(codexPlatformPackage("darwin", "arm64").packageName).toBe("@openai/codex-darwin-arm64");
    expect(codexPlatformPackage("darwin", "x64").targetTriple).toBe("x86_64-apple-darwin");
    expect(codexPlatformPackage("win32", "x64")).toMatchObject({
      targetTriple: "x86_64-pc-windows-msvc",
      exeName: "codex.exe",
    });
    expect(codexPlatformPackage("win32", "arm64").packageName).toBe("@openai/codex-win32-arm64");
    expect(() => codexPlatformPackage("sunos", "x64")).toThrow(/no Codex npm binary for sunos\/x64/);
    expect(codexBinaryCandidates("/nowhere", "win32", "x64")[0]).toBe(
      path.join(
        "/nowhere",
        "node_modules",
        "@openai",
        "codex-win32-x64",
        "vendor",
        "x86_64-pc-windows-msvc",
        "bin",
        "codex.exe",
      ),
    );
  });

  test("fails clearly when not installed", () => {
    expect(() => codexBinary("/nonexistent-root")).toThrow(/not installed.*\n.*Tried:/s);
  });
});

// ---------------------------------------------------------------------------------------------
// Real Codex: `codex app-server` against the fake model

interface Session {
  model: FakeModel;
  home: CodexHome;
  server: AppServer;
  approvals: ServerRequest[];
}

/** Fake model + CODEX_HOME + initialized app-server, all released after the test. */
async function codexSession(onRequest?: (request: ServerRequest) => unknown): Promise<Session> {
  const model = await fakeModel();
  const home = makeCodexHome({ modelUrl: model.url });
  cleanups.push(() => home.cleanup()); // runs last (cleanups are popped)
  const approvals: ServerRequest[] = [];
  const server = startAppServer({
    env: home.env,
    cwd: home.workspace,
    onRequest: (request) => {
      approvals.push(request);
      if (!onRequest) throw new Error(`unexpected server request ${request.method}`);
      return onRequest(request);
    },
  });
  cleanups.push(async () => {
    const exit = await server.close();
    expect(exit).toEqual({ code: 0, signal: null }); // closed by stdin EOF, not killed
  });
  await server.initialize();
  return { model, home, server, approvals };
}

async function startThread(s: Session, params: Record<string, unknown>): Promise<string> {
  const result = await s.server.request("thread/start", { cwd: s.home.workspace, ...params });
  return result.thread.id as string;
}

/** Run one turn; resolves with the `turn/completed` params and the notifications of the turn. */
async function runTurn(s: Session, threadId: string, prompt: string) {
  const from = s.server.notifications.length;
  const started = await s.server.request("turn/start", { threadId, input: [textInput(prompt)] });
  const turnId = started.turn.id as string;
  const completed = await s.server.waitForNotification("turn/completed", (p) => p.turn.id === turnId, { from });
  const notifications: Notification[] = s.server.notifications.slice(from);
  return { turn: completed.params.turn, notifications };
}

const completedItems = (notifications: Notification[], type: string) =>
  notifications.filter((n) => n.method === "item/completed" && n.params.item.type === type).map((n) => n.params.item);

describe("real codex app-server", () => {
  test("a turn returns the scripted message and the model sees the prompt", async () => {
    const s = await codexSession();
    const threadId = await startThread(s, { approvalPolicy: "never", sandbox: "read-only" });
    s.model.enqueue(reply.items([reply.reasoning(["plan", "ning"]), reply.message(["Hello ", "from ", "fake"])]));

    const { turn, notifications } = await runTurn(s, threadId, "PROMPT-one-two");
    expect(turn.status).toBe("completed");
    expect(turn.error).toBeNull();
    expect(completedItems(notifications, "agentMessage").map((i) => i.text)).toEqual(["Hello from fake"]);
    expect(turn.items.filter((i: any) => i.type === "agentMessage").map((i: any) => i.text)).toEqual([
      "Hello from fake",
    ]);
    const deltas = notifications.filter((n) => n.method === "item/agentMessage/delta").map((n) => n.params.delta);
    expect(deltas).toEqual(["Hello ", "from ", "fake"]);
    expect(notifications.some((n) => n.method === "item/reasoning/summaryTextDelta")).toBe(true);

    expect(s.model.requests.length).toBe(1);
    const request = s.model.requests[0]!;
    expect(request.path).toBe("/v1/responses");
    expect(request.body.model).toBe("gpt-5.5");
    expect(request.body.stream).toBe(true);
    expect(request.lastUserText()).toBe("PROMPT-one-two");
    expect(request.body.tools.map((t: any) => t.name)).toEqual(expect.arrayContaining(["exec_command", "apply_patch"]));
  });

  test("exec_command runs and its output reaches the model", async () => {
    const s = await codexSession();
    const threadId = await startThread(s, { approvalPolicy: "never", sandbox: "danger-full-access" });
    s.model.enqueue(reply.execCommand("echo harness-$((40+2))", { callId: "call_exec" }), reply.message("ran it"));

    const { turn, notifications } = await runTurn(s, threadId, "run something");
    expect(turn.status).toBe("completed");
    const [command] = completedItems(notifications, "commandExecution");
    expect(command).toMatchObject({
      id: "call_exec",
      status: "completed",
      exitCode: 0,
      aggregatedOutput: "harness-42\n",
    });

    expect(s.model.requests.length).toBe(2);
    const output = s.model.requests[1]!.toolOutput("call_exec");
    expect(output).toContain("Process exited with code 0");
    expect(output).toContain("harness-42");
    expect(completedItems(notifications, "agentMessage").at(-1)?.text).toBe("ran it");
  });

  test("apply_patch creates a file in the thread's cwd", async () => {
    const s = await codexSession();
    const threadId = await startThread(s, { approvalPolicy: "never", sandbox: "danger-full-access" });
    const patch = "*** Begin Patch\n*** Add File: sub/hello.txt\n+hello world\n*** End Patch";
    s.model.enqueue(reply.applyPatch(patch, { callId: "call_patch" }), reply.message("patched"));

    const { turn, notifications } = await runTurn(s, threadId, "add a file");
    expect(turn.status).toBe("completed");
    expect(readFileSync(path.join(s.home.workspace, "sub", "hello.txt"), "utf8")).toBe("hello world\n");
    const [change] = completedItems(notifications, "fileChange");
    expect(change).toMatchObject({ id: "call_patch", status: "completed" });
    expect(s.model.requests[1]!.toolOutput("call_patch")).toContain(
      "Success. Updated the following files:\nA sub/hello.txt",
    );
  });

  test("HTTP 500 fails the turn quickly without retries", async () => {
    const s = await codexSession();
    const threadId = await startThread(s, { approvalPolicy: "never", sandbox: "read-only" });
    s.model.enqueue(reply.httpError(500, "boom"));

    const t0 = performance.now();
    const { turn, notifications } = await runTurn(s, threadId, "fail please");
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(turn.status).toBe("failed");
    expect(turn.error.codexErrorInfo).toBe("internalServerError");
    expect(s.model.requests.length).toBe(1);
    expect(notifications.filter((n) => n.method === "error").map((n) => n.params.willRetry)).toEqual([false]);

    // With nothing scripted the 400 fallback surfaces verbatim as the turn error.
    const second = await runTurn(s, threadId, "again");
    expect(second.turn.status).toBe("failed");
    expect(second.turn.error.message).toBe(NO_SCRIPT_BODY);
  });

  test("untrusted: a command approval request, declined, lets the turn go on", async () => {
    const s = await codexSession(() => ({ decision: "decline" }));
    const threadId = await startThread(s, { approvalPolicy: "untrusted", sandbox: "danger-full-access" });
    s.model.enqueue(reply.execCommand("touch declined-marker", { callId: "call_ask" }), reply.message("ok, skipped"));

    const { turn, notifications } = await runTurn(s, threadId, "touch a file");
    expect(turn.status).toBe("completed");
    expect(s.approvals.length).toBe(1);
    const approval = s.approvals[0]!;
    expect(approval.method).toBe("item/commandExecution/requestApproval");
    expect(approval.id).toBe(0);
    expect(approval.params).toMatchObject({ threadId, turnId: turn.id, itemId: "call_ask", cwd: s.home.workspace });
    expect(approval.params.command).toContain("touch declined-marker");
    expect(notifications.some((n) => n.method === "serverRequest/resolved")).toBe(true);
    expect(existsSync(path.join(s.home.workspace, "declined-marker"))).toBe(false);
    expect(s.model.requests[1]!.toolOutput("call_ask")).toContain("rejected by user");
    expect(completedItems(notifications, "agentMessage").at(-1)?.text).toBe("ok, skipped");
  });

  test("turn/interrupt ends a turn whose model stream hangs", async () => {
    const s = await codexSession();
    const threadId = await startThread(s, { approvalPolicy: "never", sandbox: "read-only" });
    s.model.enqueue(reply.hang());
    const from = s.server.notifications.length;
    const started = await s.server.request("turn/start", { threadId, input: [textInput("hang")] });
    await s.model.waitForRequests(1);
    await s.server.request("turn/interrupt", { threadId, turnId: started.turn.id });
    const completed = await s.server.waitForNotification("turn/completed", undefined, { from, timeoutMs: 5000 });
    expect(completed.params.turn.status).toBe("interrupted");
  });
});
