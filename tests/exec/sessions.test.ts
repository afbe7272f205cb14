/**
 * Sessions through the compiled binary with CODEX_MCP_MODE=exec, as a client drives them, with the
 * real Codex CLI and the fake model: the app-server session tests' `codex_check` shapes wherever
 * exec can support them, prompts that look like flags, a 1 MiB prompt, failures, interrupts and
 * cancellation that leave no process behind, what exec refuses, and the mode as `server-info`,
 * `codex_setup` and `codex-mcp doctor` report it — including `auto` falling back to exec for a
 * Codex without `app-server`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { BIN, COMPILED, launch, type Launched } from "../e2e/launch.ts";
import { pageCommandOutput } from "../e2e/paging.ts";
import { codexBinary } from "../harness/codex-bin.ts";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";

type View = {
  sessionId: string;
  threadId: string | null;
  status: string;
  interactionState: string;
  actions: unknown[];
  result?: { text: string | null; status: string; structuredOutput?: unknown; structuredOutputError?: string };
  error?: { code: string; message: string; hint: string };
  recommendedNextAction: string;
  events?: { cursor: number; type: string; data: Record<string, unknown> }[];
  nextCursor?: number;
  hasMore?: boolean;
};
type Info = {
  backend: { setting: string; mode: string | null; started: boolean; reason: string; capabilities: unknown };
  children: { pid: number; label: string }[];
};

let model: FakeModel;
let home: CodexHome;
let server: Launched;
let client: Client;

beforeAll(async () => {
  model = await startFakeModel();
  home = makeCodexHome({ modelUrl: model.url });
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_MODE: "exec", CODEX_MCP_KILL_GRACE_MS: "500" },
    inheritEnv: false,
  });
  client = server.client;
});
afterAll(async () => {
  await server.closeStdin().catch(() => {});
  await server.dispose();
  await model.close();
  home.cleanup();
});

async function call(name: string, args: Record<string, unknown>, on: Client = client): Promise<View> {
  const result = await on.callTool({ name, arguments: args });
  const text = (result.content as { text: string }[])[0]!.text;
  if (result.isError) throw new Error(text);
  return result.structuredContent as View;
}
async function callError(name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError).toBe(true);
  return (result.content as { text: string }[])[0]!.text;
}
const start = (prompt: string, extra: Record<string, unknown> = {}, on: Client = client) =>
  call("codex", { prompt, approvalPolicy: "never", sandbox: "workspace-write", cwd: home.workspace, ...extra }, on);
const waitFor = { advanced: { waitForResult: 30_000 } };

async function info(on: Client = client): Promise<Info> {
  return JSON.parse(
    ((await on.readResource({ uri: "codex-mcp:///server-info" })).contents[0] as { text: string }).text,
  ) as Info;
}

async function pollUntil(sessionId: string, statuses: string[], timeoutMs = 20_000) {
  const events: NonNullable<View["events"]> = [];
  let cursor = 1;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await call("codex_check", { action: "poll", sessionId, cursor, pollOptions: { waitMs: 2_000 } });
    events.push(...(view.events ?? []));
    cursor = view.nextCursor ?? cursor;
    if (statuses.includes(view.status) && !view.hasMore) return { view, events };
    if (Date.now() > deadline) throw new Error(`status still ${view.status} after ${timeoutMs} ms`);
  }
}

function alive(pid: number): boolean {
  const out = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return out !== "" && !out.startsWith("Z");
}

describe("sessions on codex exec", () => {
  test("tools/list says what the forced exec backend cannot do, derived from its capabilities", async () => {
    const tools = (await client.listTools()).tools;
    const codex = tools.find((t) => t.name === "codex")!.description!;
    expect(codex).toContain('Here (CODEX_MCP_MODE=exec): approvalPolicy must be "never"');
    expect(codex).toContain("plan");
    expect(codex).not.toContain("profile is not supported"); // exec takes --profile
  });

  test("server-info says exec before and after the first session; a one-message turn with waitForResult", async () => {
    expect((await info()).backend).toEqual({
      setting: "exec",
      mode: "exec",
      started: false,
      reason: "not started: forced by CODEX_MCP_MODE=exec",
      capabilities: expect.objectContaining({ approvals: false, userInput: false, fork: true, profiles: true }),
    });
    model.enqueue(reply.message("Hello from exec."));
    const t0 = performance.now();
    const view = await start("Say hello.", waitFor);
    console.info(`exec e2e: first session (backend decision + one turn) in ${Math.round(performance.now() - t0)} ms`);
    expect(view.status).toBe("idle");
    expect(view.interactionState).toBe("ready");
    expect(view.result).toMatchObject({ status: "completed", text: "Hello from exec." });
    // Once the turn has started, the session carries Codex's own thread id (exec learns it late).
    expect(view.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(model.responsesRequests().at(-1)!.lastUserText()).toBe("Say hello.");
    const backend = (await info()).backend;
    expect(backend).toMatchObject({ setting: "exec", mode: "exec", started: true });
    expect(backend.reason).toStartWith("forced by CODEX_MCP_MODE=exec");
  }, 40_000);

  test("start, then poll to completion: events in order, Codex's thread id in turn_started", async () => {
    model.enqueue(
      reply.items([reply.reasoning("pondering"), reply.execCommand("echo from-the-command", { callId: "call_echo" })]),
      reply.message("All done."),
    );
    const started = await start("Run a command.");
    expect(started.status).toBe("running");
    expect(started.recommendedNextAction).toContain("codex_check");
    const { view, events } = await pollUntil(started.sessionId, ["idle"]);
    expect(view.result?.text).toBe("All done.");
    const types = events.map((e) => e.type);
    for (
      const [a, b] of [
        ["turn_started", "reasoning"],
        ["reasoning", "command_started"],
        ["command_started", "command_completed"],
        ["command_completed", "agent_message"],
        ["agent_message", "turn_completed"],
      ] as const
    ) {
      expect(types.indexOf(a)).toBeLessThan(types.indexOf(b));
    }
    expect(types).toContain("token_usage");
    // turn_started carried Codex's thread id, which became the session's (delta_compact then drops
    // the now-redundant field from the event).
    expect(view.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.find((e) => e.type === "turn_started")).toBeDefined();
    expect(events.find((e) => e.type === "command_completed")?.data).toMatchObject({
      exitCode: 0,
      output: "from-the-command\n",
    });
    const cursors = events.map((e) => e.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
  }, 40_000);

  test("codex_reply carries the conversation", async () => {
    model.enqueue(reply.message("First answer."), reply.message("Second answer."));
    const first = await start("First question.", waitFor);
    const second = await call("codex_reply", {
      sessionId: first.sessionId,
      prompt: "Second question.",
      waitForResult: 30_000,
    });
    expect(second.result?.text).toBe("Second answer.");
    const texts = model.responsesRequests().at(-1)!.userTexts().join("\n");
    expect(texts).toContain("First question.");
    expect(texts).toContain("Second question.");
  }, 40_000);

  test("structured output is parsed into result.structuredOutput", async () => {
    model.enqueue(reply.message('{"answer":42}'));
    const schema = {
      type: "object",
      properties: { answer: { type: "number" } },
      required: ["answer"],
      additionalProperties: false,
    };
    const view = await start("Answer as JSON.", { advanced: { outputSchema: schema, waitForResult: 30_000 } });
    expect(view.result?.structuredOutput).toEqual({ answer: 42 });
    const body = model.responsesRequests().at(-1)!.body as { text?: { format?: { type?: string; schema?: unknown } } };
    expect(body.text?.format?.schema).toEqual(schema);
  }, 40_000);

  test("prompts of --version, -h and --config=… are text; so is a 1 MiB prompt", async () => {
    for (const prompt of ["--version", "-h", '--config=model="evil"']) {
      model.enqueue(reply.message(`got ${prompt}`));
      const view = await start(prompt, waitFor);
      expect(view.result?.text).toBe(`got ${prompt}`);
      const request = model.responsesRequests().at(-1)!;
      expect(request.lastUserText()).toBe(prompt);
      expect(request.body.model).toBe("gpt-5.5");
    }
    const big = "z".repeat(1024 * 1024 - 3) + "end";
    model.enqueue(reply.message("big ok"));
    const view = await start(big, waitFor);
    expect(view.result?.text).toBe("big ok");
    expect(model.responsesRequests().at(-1)!.lastUserText() === big).toBe(true);
  }, 40_000);

  test("a model failing: session error with Codex's message and a hint", async () => {
    model.enqueue(reply.httpError(400, "the model is unhappy"));
    const view = await start("Fail.", waitFor);
    expect(view.status).toBe("error");
    expect(view.error).toMatchObject({ code: "TURN_FAILED", message: "the model is unhappy" });
    expect(view.error?.hint).toContain("codex_setup");
  }, 40_000);

  test("interrupt of a slow stream: interrupted, the session stays usable", async () => {
    model.enqueue(reply.message(["one ", "two ", "three ", "four."], { delayMs: 1_000 }), reply.message("Back again."));
    const requests = model.responsesRequests().length;
    const started = await start("Take your time.");
    await model.waitForRequests(requests + 1);
    const interrupted =
      (await call("codex_session", { action: "interrupt", sessionId: started.sessionId })) as unknown as {
        session: View;
      };
    expect(interrupted.session.status).toBe("idle");
    expect(interrupted.session.result?.status).toBe("interrupted");
    const again = await call("codex_reply", {
      sessionId: started.sessionId,
      prompt: "Now answer.",
      waitForResult: 30_000,
    });
    expect(again.result?.text).toBe("Back again.");
  }, 40_000);

  test("cancel during a slow stream leaves no process behind", async () => {
    model.enqueue(reply.message(["a ", "b ", "c ", "d ", "e."], { delayMs: 1_000 }));
    const requests = model.responsesRequests().length;
    const started = await start("Stream slowly.");
    await model.waitForRequests(requests + 1);
    const exec = (await info()).children.filter((c) => c.label.startsWith("codex exec"));
    expect(exec).toHaveLength(1);
    expect(alive(exec[0]!.pid)).toBe(true);
    const t0 = performance.now();
    const cancelled = (await call("codex_session", { action: "cancel", sessionId: started.sessionId })) as unknown as {
      session: View;
    };
    console.info(`exec e2e: cancel during a slow stream took ${Math.round(performance.now() - t0)} ms`);
    expect(cancelled.session.status).toBe("cancelled");
    expect((await info()).children).toEqual([]);
    expect(alive(exec[0]!.pid)).toBe(false);
  }, 40_000);

  test("a command printing 1 MiB: every poll stays under maxBytes and the whole output is retrievable", async () => {
    model.enqueue(
      reply.execCommand("head -c 1048576 /dev/zero | tr '\\0' x", { callId: "call_big" }),
      reply.message("Done printing."),
    );
    const started = await start("Print a lot.", { sandbox: "danger-full-access" });
    await pollUntil(started.sessionId, ["idle"]);
    const { polls, output } = await pageCommandOutput(client, started.sessionId, 64 * 1024);
    expect(polls).toBeGreaterThan(10);
    expect(output.replace(/\s+$/, "")).toBe("x".repeat(1048576));
  }, 60_000);

  test("five concurrent sessions stay isolated", async () => {
    model.setHandler((request) =>
      reply.message(
        `echo: ${request.lastUserText()} (${
          request.userTexts().filter((t) => t.startsWith("task")).length
        } tasks seen)`,
      )
    );
    try {
      const views = await Promise.all([1, 2, 3, 4, 5].map((n) => start(`task ${n}`, waitFor)));
      views.forEach((v, i) => expect(v.result?.text).toBe(`echo: task ${i + 1} (1 tasks seen)`));
      expect(new Set(views.map((v) => v.threadId)).size).toBe(5);
      const replies = await Promise.all(
        views.map((v, i) =>
          call("codex_reply", { sessionId: v.sessionId, prompt: `task ${i + 1} again`, waitForResult: 30_000 })
        ),
      );
      replies.forEach((v, i) => expect(v.result?.text).toBe(`echo: task ${i + 1} again (2 tasks seen)`));
    } finally {
      model.setHandler(undefined);
    }
  }, 60_000);

  test("a cancelled wait leaves the exec turn running; interrupt stops it (SIGINT) and nothing is left", async () => {
    model.enqueue(reply.hang());
    const requests = model.responsesRequests().length;
    const abort = new AbortController();
    const pending = client.callTool(
      {
        name: "codex",
        arguments: {
          prompt: "Wait forever.",
          approvalPolicy: "never",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 60_000 },
        },
      },
      undefined,
      { signal: abort.signal },
    );
    await model.waitForRequests(requests + 1);
    abort.abort("MCP request cancelled by caller");
    await expect(pending).rejects.toThrow();
    const list = (await call("codex_session", { action: "list" })) as unknown as {
      sessions: { sessionId: string; status: string }[];
    };
    expect(list.sessions[0]!.status).toBe("running");
    const interrupted =
      (await call("codex_session", { action: "interrupt", sessionId: list.sessions[0]!.sessionId })) as unknown as {
        session: View;
      };
    expect(interrupted.session.result?.status).toBe("interrupted");
    expect((await info()).children).toEqual([]);
    // Nothing was ever sent for the cancelled request.
    const cancelledId = server.transport.sent
      .filter((m) => "method" in m && m.method === "notifications/cancelled")
      .map((m) => (m as unknown as { params: { requestId: unknown } }).params.requestId)[0];
    const answered = server.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l)).map((m) => m.id);
    expect(cancelledId).toBeDefined();
    expect(answered).not.toContain(cancelledId);
  }, 40_000);

  test("fork: a new session with the same conversation", async () => {
    model.enqueue(reply.message("The secret is 7."), reply.message("You said the secret is 7."));
    const original = await start("Remember: the secret is 7.", waitFor);
    const forked =
      ((await call("codex_session", { action: "fork", sessionId: original.sessionId })) as unknown as { session: View })
        .session;
    expect(forked.sessionId).not.toBe(original.sessionId);
    expect(forked.threadId).not.toBe(original.threadId);
    expect(forked.status).toBe("idle");
    const answer = await call("codex_reply", {
      sessionId: forked.sessionId,
      prompt: "What was the secret?",
      waitForResult: 30_000,
    });
    expect(answer.result?.text).toBe("You said the secret is 7.");
    expect(model.responsesRequests().at(-1)!.userTexts().join("\n")).toContain("Remember: the secret is 7.");
  }, 40_000);

  test("NOT_SUPPORTED with a hint: approvals and plan mode", async () => {
    const approvals = await callError("codex", {
      prompt: "x",
      approvalPolicy: "on-request",
      sandbox: "read-only",
      cwd: home.workspace,
    });
    expect(approvals).toStartWith("Error [NOT_SUPPORTED]");
    expect(approvals).toContain('"read-only" sandbox');
    const plan = await callError("codex", {
      prompt: "x",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { collaborationMode: "plan" },
    });
    expect(plan).toStartWith("Error [NOT_SUPPORTED]");
    expect(plan).toContain("plan");
  }, 20_000);

  test("codex_setup reports the forced mode and why", async () => {
    const result = await client.callTool({ name: "codex_setup", arguments: {} });
    const report = result.structuredContent as { ready: boolean; backend: { mode: string; reason: string } };
    expect(report.ready).toBe(true);
    expect(report.backend.mode).toBe("exec");
    expect(report.backend.reason).toStartWith("forced by CODEX_MCP_MODE=exec");
  }, 30_000);
});

describe("choosing the backend", () => {
  test("auto starts codex app-server once: the process that answered initialize serves the first session", async () => {
    // A wrapper that notes every Codex command line, then runs the real Codex.
    const calls = join(home.root, "codex-calls.log");
    const script = join(home.root, "codex-counting");
    writeFileSync(script, `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${codexBinary()}' "$@"\n`);
    chmodSync(script, 0o755);
    const other = await launch("compiled", { env: { ...home.env, CODEX_MCP_PATH: script }, inheritEnv: false });
    try {
      model.enqueue(reply.message("one process"));
      const view = await start("How many?", waitFor, other.client);
      expect(view.result?.text).toBe("one process");
      const backend = (await info(other.client)).backend;
      expect(backend).toMatchObject({ setting: "auto", mode: "app-server", started: true });
      expect(backend.reason).toMatch(/^app-server answered initialize in \d+ ms$/);
      const lines = readFileSync(calls, "utf8").trim().split("\n");
      expect(lines.filter((l) => l === "app-server")).toEqual(["app-server"]);
      expect(lines.some((l) => l.startsWith("exec"))).toBe(false);
    } finally {
      await other.closeStdin().catch(() => {});
      await other.dispose();
    }
  }, 40_000);

  test("auto falls back to exec for a Codex without app-server: codex_setup says why, sessions work", async () => {
    // A codex-internal-like build: every subcommand but app-server.
    const script = join(home.root, "codex-no-app-server");
    writeFileSync(
      script,
      `#!/bin/sh\nif [ "$1" = "app-server" ]; then echo "error: unrecognized subcommand 'app-server'" >&2; exit 2; fi\nexec '${codexBinary()}' "$@"\n`,
    );
    chmodSync(script, 0o755);
    const other = await launch("compiled", { env: { ...home.env, CODEX_MCP_PATH: script }, inheritEnv: false });
    try {
      expect((await info(other.client)).backend).toMatchObject({ setting: "auto", mode: null, started: false });
      const result = await other.client.callTool({ name: "codex_setup", arguments: {} });
      const report = result.structuredContent as {
        ready: boolean;
        backend: { mode: string; reason: string };
        problems: { code: string; severity: string }[];
      };
      expect(report.ready).toBe(true);
      expect(report.backend.mode).toBe("exec");
      expect(report.backend.reason).toContain("unrecognized subcommand 'app-server'");
      expect(report.problems).toContainEqual(
        expect.objectContaining({ code: "APP_SERVER_UNAVAILABLE", severity: "warning" }),
      );
      model.enqueue(reply.message("exec, automatically"));
      const view = await start("Which backend?", waitFor, other.client);
      expect(view.result?.text).toBe("exec, automatically");
      const backend = (await info(other.client)).backend;
      expect(backend).toMatchObject({ setting: "auto", mode: "exec", started: true });
      expect(backend.reason).toContain("app-server unavailable");
    } finally {
      await other.closeStdin().catch(() => {});
      await other.dispose();
    }
  }, 40_000);

  test("a forced mode that cannot work: codex_setup says so (not ready), a session fails with a hint", async () => {
    const noAppServer = join(home.root, "codex-without-app-server");
    writeFileSync(
      noAppServer,
      `#!/bin/sh\nif [ "$1" = "app-server" ]; then echo "error: unrecognized subcommand 'app-server'" >&2; exit 2; fi\nexec '${codexBinary()}' "$@"\n`,
    );
    chmodSync(noAppServer, 0o755);
    const broken = join(home.root, "codex-broken-exec");
    writeFileSync(
      broken,
      `#!/bin/sh\nif [ "$1" = "exec" ]; then echo "error: unrecognized subcommand 'exec'" >&2; exit 2; fi\nexec '${codexBinary()}' "$@"\n`,
    );
    chmodSync(broken, 0o755);
    for (
      const [mode, path, problem, error] of [
        ["app-server", noAppServer, "APP_SERVER_UNAVAILABLE", "Error [CODEX_CRASHED]"],
        ["exec", broken, "EXEC_UNAVAILABLE", "Error [NOT_SUPPORTED]"],
      ] as const
    ) {
      const other = await launch("compiled", {
        env: { ...home.env, CODEX_MCP_PATH: path, CODEX_MCP_MODE: mode, CODEX_MCP_KILL_GRACE_MS: "300" },
        inheritEnv: false,
      });
      try {
        const report = (await other.client.callTool({ name: "codex_setup", arguments: {} })).structuredContent as {
          ready: boolean;
          backend: { mode: string; reason: string };
          problems: { code: string; severity: string; hint: string }[];
        };
        expect(report.ready).toBe(false);
        expect(report.backend.mode).toBe(mode);
        expect(report.backend.reason).toStartWith(`forced by CODEX_MCP_MODE=${mode}, but`);
        expect(report.problems).toContainEqual(
          expect.objectContaining({
            code: problem,
            severity: "error",
            hint: expect.stringContaining("Unset CODEX_MCP_MODE"),
          }),
        );
        const result = await other.client.callTool({
          name: "codex",
          arguments: { prompt: "x", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace },
        });
        expect(result.isError).toBe(true);
        expect((result.content as { text: string }[])[0]!.text).toStartWith(error);
        expect((await info(other.client)).children).toEqual([]);
      } finally {
        await other.closeStdin().catch(() => {});
        await other.dispose();
      }
    }
  }, 40_000);

  test("doctor shows the forced mode; an invalid CODEX_MCP_MODE is a configuration error", () => {
    const run = (mode: string) =>
      spawnSync(COMPILED, ["doctor", "--json"], {
        env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_MODE: mode },
        encoding: "utf8",
        timeout: 30_000,
      });
    const forced = run("exec");
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout).backend).toMatchObject({
      mode: "exec",
      reason: expect.stringMatching(/^forced by CODEX_MCP_MODE=exec/),
    });
    const invalid = run("sometimes");
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain("CODEX_MCP_MODE must be one of auto, app-server, exec");
  }, 40_000);
});
