/**
 * Sessions through the compiled binary, as a client drives them, with the real Codex CLI and the
 * fake model: start, poll, approvals, replies, forks, structured output, failures, crashes,
 * concurrency, progress and cancellation. Hangs are in hangs.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";
import { pageCommandOutput } from "./paging.ts";

type Action = {
  requestId: string;
  kind: string;
  command?: string;
  files?: { path: string }[];
  availableDecisions?: unknown[];
};
type View = {
  sessionId: string;
  threadId: string | null;
  status: string;
  interactionState: string;
  pollInterval: number;
  actions: Action[];
  result?: {
    text: string | null;
    status: string;
    structuredOutput?: unknown;
    structuredOutputError?: string;
    usage?: Record<string, number>;
  };
  error?: { code: string; message: string; hint: string };
  recommendedNextAction: string;
  events?: { cursor: number; type: string; data: Record<string, unknown> }[];
  nextCursor?: number;
  hasMore?: boolean;
};

let model: FakeModel;
let home: CodexHome;
let server: Launched;
let client: Client;

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(async () => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_KILL_GRACE_MS: "500" },
    inheritEnv: false,
  });
  client = server.client;
});
afterEach(async () => {
  await server.closeStdin().catch(() => {});
  await server.dispose();
  home.cleanup();
});

async function call(name: string, args: Record<string, unknown>): Promise<View> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text: string }[])[0]!.text;
  if (result.isError) throw new Error(text);
  expect(JSON.parse(text)).toEqual(result.structuredContent); // the same JSON as text
  return result.structuredContent as View;
}
const start = (prompt: string, extra: Record<string, unknown> = {}) =>
  call("codex", { prompt, approvalPolicy: "never", sandbox: "workspace-write", cwd: home.workspace, ...extra });

/** Polls (long-polling) until the session's status is one of `statuses`; returns the last view and all events seen. */
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

describe("sessions", () => {
  test("a one-message turn with waitForResult returns the result directly, with what it cost in tokens", async () => {
    model.enqueue(reply.message("Hello from the fake model.", { usage: { input_tokens: 1234, output_tokens: 56 } }));
    const view = await start("Say hello.", { advanced: { waitForResult: 30_000 } });
    expect(view.status).toBe("idle");
    expect(view.interactionState).toBe("ready");
    expect(view.result).toMatchObject({
      status: "completed",
      text: "Hello from the fake model.",
      usage: { inputTokens: 1234, outputTokens: 56 },
    });
    // How full the thread is: Codex knows the model's context window.
    expect(view.result?.usage?.contextWindow).toBeGreaterThan(1234);
    expect(view.threadId).toBeString();
    expect(model.responsesRequests()[0]!.lastUserText()).toBe("Say hello.");
  }, 40_000);

  test("start, then poll to completion: events in order, deltas merged", async () => {
    model.enqueue(reply.message(["Hel", "lo ", "there."]));
    const started = await start("Greet me.");
    expect(started.status).toBe("running");
    expect(started.pollInterval).toBeGreaterThanOrEqual(1_000);
    expect(started.recommendedNextAction).toContain("codex_check");
    const { view, events } = await pollUntil(started.sessionId, ["idle"]);
    expect(view.result?.text).toBe("Hello there.");
    const types = events.map((e) => e.type);
    expect(types.indexOf("turn_started")).toBeLessThan(types.indexOf("agent_message"));
    expect(types.indexOf("agent_message")).toBeLessThan(types.indexOf("turn_completed"));
    const cursors = events.map((e) => e.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
  }, 40_000);

  for (const decision of ["accept", "decline", "cancel"] as const) {
    test(`a command approval answered ${decision}`, async () => {
      model.enqueue(reply.execCommand("echo approved-output", { callId: "call_cmd" }), reply.message("Finished."));
      const started = await start("Run echo.", { approvalPolicy: "untrusted" });
      const { view } = await pollUntil(started.sessionId, ["waiting_approval"]);
      expect(view.interactionState).toBe("needs_approval");
      const action = view.actions[0]!;
      expect(action.kind).toBe("command");
      expect(action.command).toContain("echo approved-output");
      // Codex reported the command as started; until it is approved it shows as pending.
      expect((view as unknown as { progress: { phase: string; lastItem?: string } }).progress).toMatchObject({
        phase: "waiting for approval",
        lastItem: expect.stringContaining("(waiting for approval)"),
      });
      // Every decision codex-mcp takes is listed, and the recommendation offers exactly those.
      expect(action.availableDecisions).toEqual(
        expect.arrayContaining(["accept", "acceptForSession", "decline", "cancel"]),
      );
      const offered = /"decision":(.*)\}; it is declined/.exec(view.recommendedNextAction)![1]!.split("|");
      expect(offered.map((d) => JSON.parse(d))).toEqual(action.availableDecisions!);
      const answered = await call("codex_check", {
        action: "respond_permission",
        sessionId: started.sessionId,
        requestId: action.requestId,
        decision,
      });
      expect(answered.actions).toEqual([]);
      const done = await pollUntil(started.sessionId, ["idle"]);
      if (decision === "cancel") {
        expect(done.view.result?.status).toBe("interrupted");
      } else {
        const output = model.responsesRequests()[1]!.toolOutput("call_cmd") ?? "";
        if (decision === "accept") expect(output).toContain("approved-output");
        else expect(output).toContain("rejected by user");
        expect(done.view.result?.text).toBe("Finished.");
      }
      // Answering again: the request is gone.
      const again = await client.callTool({
        name: "codex_check",
        arguments: {
          action: "respond_permission",
          sessionId: started.sessionId,
          requestId: action.requestId,
          decision: "accept",
        },
      });
      expect(again.isError).toBe(true);
      expect((again.content as { text: string }[])[0]!.text).toStartWith("Error [REQUEST_NOT_FOUND]");
    }, 40_000);
  }

  test("an amendment accepted in the current spelling and in the deprecated one: the command runs", async () => {
    for (const spelling of ["acceptWithAmendment", "acceptWithExecpolicyAmendment"] as const) {
      model.reset();
      // A command of its own each time: an accepted amendment lets the same command run unasked.
      model.enqueue(
        reply.execCommand(`echo amended-by-${spelling}`, { callId: "call_amend" }),
        reply.message("Finished."),
      );
      const started = await start("Run echo.", { approvalPolicy: "untrusted" });
      const { view } = await pollUntil(started.sessionId, ["waiting_approval"]);
      const action = view.actions[0]! as Action & { proposedExecpolicyAmendment?: string[] };
      const command = action.proposedExecpolicyAmendment!;
      expect(action.availableDecisions).toContainEqual({ acceptWithAmendment: { command } });
      const decision = spelling === "acceptWithAmendment"
        ? { acceptWithAmendment: { command } }
        : { acceptWithExecpolicyAmendment: { execpolicy_amendment: command } };
      await call("codex_check", {
        action: "respond_permission",
        sessionId: started.sessionId,
        requestId: action.requestId,
        decision,
      });
      await pollUntil(started.sessionId, ["idle"]);
      expect(model.responsesRequests()[1]!.toolOutput("call_amend") ?? "").toContain(`amended-by-${spelling}`);
    }
  }, 60_000);

  test("a file-change approval accepted: the file exists afterwards", async () => {
    model.enqueue(
      reply.applyPatch("*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch"),
      reply.message("Wrote it."),
    );
    const started = await start("Write hello.txt.", { approvalPolicy: "untrusted" });
    const { view } = await pollUntil(started.sessionId, ["waiting_approval"]);
    const action = view.actions[0]!;
    expect(action.kind).toBe("file_change");
    await call("codex_check", {
      action: "respond_permission",
      sessionId: started.sessionId,
      requestId: action.requestId,
      decision: "accept",
    });
    await pollUntil(started.sessionId, ["idle"]);
    expect(readFileSync(join(home.workspace, "hello.txt"), "utf8")).toBe("hello world\n");
  }, 40_000);

  test("an unanswered approval is declined after approvalTimeoutMs, recorded as an event", async () => {
    model.enqueue(reply.execCommand("echo never-runs", { callId: "call_t" }), reply.message("Okay, skipped."));
    const started = await start("Run it.", { approvalPolicy: "untrusted", advanced: { approvalTimeoutMs: 1_000 } });
    const { events, view } = await pollUntil(started.sessionId, ["idle"]);
    expect(events.find((e) => e.type === "approval_timeout")?.data).toMatchObject({ answer: "decline" });
    expect(model.responsesRequests()[1]!.toolOutput("call_t")).toContain("rejected by user");
    expect(view.result?.text).toBe("Okay, skipped.");
    expect(existsSync(join(home.workspace, "never-runs"))).toBe(false);
  }, 40_000);

  test("a question in plan mode is answered with respond_user_input; the answer reaches the model", async () => {
    const question = {
      id: "color",
      header: "Color",
      question: "Which color?",
      options: [{ label: "Blue", description: "calm" }, { label: "Red", description: "loud" }],
    };
    model.enqueue(
      reply.functionCall("request_user_input", { questions: [question] }, { callId: "call_ask" }),
      reply.message("Blue it is."),
    );
    const started = await start("Ask me something.", { advanced: { collaborationMode: "plan" } });
    const { view } = await pollUntil(started.sessionId, ["waiting_input"]);
    expect(view.interactionState).toBe("needs_input");
    const action = view.actions[0] as Action & { questions?: { id: string; question: string }[] };
    expect(action.kind).toBe("user_input");
    expect(action.questions?.[0]).toMatchObject({ id: "color", question: "Which color?" });
    // Answering with the wrong tool, or an unknown question, is refused with a hint.
    const wrong = await client.callTool({
      name: "codex_check",
      arguments: {
        action: "respond_permission",
        sessionId: started.sessionId,
        requestId: action.requestId,
        decision: "accept",
      },
    });
    expect((wrong.content as { text: string }[])[0]!.text).toStartWith("Error [INVALID_ARGUMENT]");
    const unknown = await client.callTool({
      name: "codex_check",
      arguments: {
        action: "respond_user_input",
        sessionId: started.sessionId,
        requestId: action.requestId,
        answers: { size: "L" },
      },
    });
    expect((unknown.content as { text: string }[])[0]!.text).toContain('no question "size"');
    await call("codex_check", {
      action: "respond_user_input",
      sessionId: started.sessionId,
      requestId: action.requestId,
      answers: { color: "Blue" },
    });
    const done = await pollUntil(started.sessionId, ["idle"]);
    expect(done.view.result?.text).toBe("Blue it is.");
    expect(JSON.parse(model.responsesRequests()[1]!.toolOutput("call_ask")!)).toEqual({
      answers: { color: { answers: ["Blue"] } },
    });
  }, 40_000);

  test(
    'approvalPolicy "on-failure" (deprecated, refused by Codex 0.169) runs as on-request, with a warning',
    async () => {
      model.enqueue(reply.message("Fine."));
      const view = (await start("Go.", { approvalPolicy: "on-failure", advanced: { waitForResult: 20_000 } })) as
        & View
        & { warnings?: string[] };
      expect(view.status).toBe("idle");
      expect(view.result?.text).toBe("Fine.");
      expect(view.warnings?.[0]).toContain('"on-request"');
    },
    30_000,
  );

  test(
    "images are checked before anything reaches Codex: devices, pipes, missing, oversized; NUL bytes in paths",
    async () => {
      const fifo = join(home.root, "a-fifo");
      spawnSync("mkfifo", [fifo]);
      const big = join(home.root, "big.png");
      writeFileSync(big, Buffer.alloc(2048));
      const small = await launch("compiled", {
        env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_MAX_IMAGE_BYTES: "1024" },
        inheritEnv: false,
      });
      try {
        const refused = async (args: Record<string, unknown>) => {
          const result = await small.client.callTool({
            name: "codex",
            arguments: { prompt: "Look.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace, ...args },
          });
          expect(result.isError).toBe(true);
          return (result.structuredContent as { error: { code: string; message: string } }).error;
        };
        for (
          const [image, why] of [
            ["/dev/zero", "not a regular file"],
            [fifo, "not a regular file"],
            [join(home.root, "missing.png"), "does not exist"],
            [big, "more than the 1024 allowed"],
          ] as const
        ) {
          const error = await refused({ advanced: { images: [image] } });
          expect(error.code).toBe("INVALID_ARGUMENT");
          expect(error.message).toContain(why);
        }
        const nul = await refused({ cwd: `${home.workspace}\u0000x` });
        expect(nul).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("NUL byte") });
        expect(model.responsesRequests().length).toBe(0); // nothing reached Codex
      } finally {
        await small.closeStdin().catch(() => {});
        await small.dispose();
      }
    },
    30_000,
  );

  test("bounded arguments: deep config, an oversized prompt or id are INVALID_ARGUMENT, quoted briefly", async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 200; i++) deep = { level: deep };
    const tooDeep = await client.callTool({
      name: "codex",
      arguments: {
        prompt: "x",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { config: deep },
      },
    });
    expect((tooDeep.structuredContent as { error: { code: string; message: string } }).error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("nested more than 16 levels"),
    });
    const longPrompt = await client.callTool({
      name: "codex",
      arguments: { prompt: "y".repeat(1_048_577), approvalPolicy: "never", sandbox: "read-only" },
    });
    expect((longPrompt.structuredContent as { error: { code: string } }).error.code).toBe("INVALID_ARGUMENT");
    expect(JSON.stringify(longPrompt).length).toBeLessThan(4_096); // the prompt is not echoed back
    const hugeId = await client.callTool({
      name: "codex_check",
      arguments: { action: "poll", sessionId: "s".repeat(12 * 1024 * 1024) },
    });
    expect((hugeId.structuredContent as { error: { code: string } }).error.code).toBe("INVALID_ARGUMENT");
    expect(JSON.stringify(hugeId).length).toBeLessThan(4_096);
    // A NUL byte in any name, id or path is refused by codex-mcp, in its own words.
    for (
      const [name, args] of [
        ["codex", { prompt: "x", approvalPolicy: "never", sandbox: "read-only", model: "gpt\u0000-5" }],
        ["codex", { prompt: "x", approvalPolicy: "never", sandbox: "read-only", profile: "p\u0000" }],
        ["codex_check", { action: "poll", sessionId: "s_\u0000" }],
        ["codex_setup", { cwd: "/tmp\u0000/x" }],
      ] as const
    ) {
      const refused = await client.callTool({ name, arguments: args });
      expect(refused.isError).toBe(true);
      expect((refused.structuredContent as { error: { code: string; message: string } }).error).toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("NUL byte"),
      });
    }
    expect(model.responsesRequests().length).toBe(0);
  }, 30_000);

  test("CODEX_MCP_ENV_DENY keeps the named variables out of Codex's environment", async () => {
    const denied = await launch("compiled", {
      env: {
        ...home.env,
        CODEX_MCP_PATH: join(BIN, "codex"),
        CODEX_MCP_ENV_DENY: "MY_PRIVATE_*, OTHER_SECRET",
        MY_PRIVATE_TOKEN: "do-not-pass",
        OTHER_SECRET: "nor-this",
        KEPT_VARIABLE: "passed",
      },
      inheritEnv: false,
    });
    try {
      model.enqueue(reply.message("ok"));
      await denied.client.callTool({
        name: "codex",
        arguments: {
          prompt: "Hi.",
          approvalPolicy: "never",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 20_000 },
        },
      });
      const info = JSON.parse(
        ((await denied.client.readResource({ uri: "codex-mcp:///server-info" })).contents[0] as { text: string }).text,
      ) as { children: { pid: number; label: string }[] };
      const appServer = info.children.find((c) => c.label.includes("app-server"))!;
      const environ = readFileSync(`/proc/${appServer.pid}/environ`, "utf8").split("\0");
      expect(environ).toContain("KEPT_VARIABLE=passed");
      expect(environ.some((e) => e.startsWith("MY_PRIVATE_TOKEN=") || e.startsWith("OTHER_SECRET="))).toBe(false);
    } finally {
      await denied.closeStdin().catch(() => {});
      await denied.dispose();
    }
  }, 30_000);

  test(
    "the person's policy: sandbox ceiling, approval floor, allowed roots, a running-turn limit, all shown by codex_setup",
    async () => {
      const strict = await launch("compiled", {
        env: {
          ...home.env,
          CODEX_MCP_PATH: join(BIN, "codex"),
          CODEX_MCP_MAX_SANDBOX: "workspace-write",
          CODEX_MCP_MIN_APPROVAL: "on-request",
          CODEX_MCP_ALLOWED_ROOTS: home.workspace,
          CODEX_MCP_MAX_RUNNING_TURNS: "1",
          CODEX_MCP_KILL_GRACE_MS: "500",
        },
        inheritEnv: false,
      });
      try {
        const codex = (args: Record<string, unknown>) =>
          strict.client.callTool({
            name: "codex",
            arguments: {
              prompt: "Go.",
              approvalPolicy: "on-request",
              sandbox: "read-only",
              cwd: home.workspace,
              ...args,
            },
          });
        const codeOf = (r: Awaited<ReturnType<typeof codex>>) =>
          (r.structuredContent as { error?: { code: string; message: string } }).error;
        expect(codeOf(await codex({ sandbox: "danger-full-access" }))).toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringContaining("CODEX_MCP_MAX_SANDBOX"),
        });
        expect(codeOf(await codex({ approvalPolicy: "never" }))?.code).toBe("FORBIDDEN");
        expect(codeOf(await codex({ cwd: home.root }))).toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringContaining("CODEX_MCP_ALLOWED_ROOTS"),
        });
        expect(model.responsesRequests().length).toBe(0); // none of it reached Codex

        model.enqueue(reply.hang());
        const running = (await codex({})).structuredContent as View;
        expect(running.status).toBe("running");
        expect(codeOf(await codex({}))?.code).toBe("LIMIT_REACHED");
        await strict.client.callTool({
          name: "codex_session",
          arguments: { action: "interrupt", sessionId: running.sessionId },
        });
        // A per-turn override is held to the ceiling too.
        const override = await strict.client.callTool({
          name: "codex_reply",
          arguments: { sessionId: running.sessionId, prompt: "More.", sandbox: "danger-full-access" },
        });
        expect(codeOf(override)?.code).toBe("FORBIDDEN");
        const setup = (await strict.client.callTool({ name: "codex_setup", arguments: {} })).structuredContent as {
          limits: Record<string, unknown>;
        };
        expect(setup.limits).toMatchObject({
          maxSandbox: "workspace-write",
          minApproval: "on-request",
          maxRunningTurns: 1,
        });
      } finally {
        await strict.closeStdin().catch(() => {});
        await strict.dispose();
      }
    },
    40_000,
  );

  test("codex_reply carries the conversation", async () => {
    model.enqueue(reply.message("First answer."), reply.message("Second answer."));
    const first = await start("First question.", { advanced: { waitForResult: 30_000 } });
    const second = await call("codex_reply", {
      sessionId: first.sessionId,
      prompt: "Second question.",
      waitForResult: 30_000,
    });
    expect(second.result?.text).toBe("Second answer.");
    const texts = model.responsesRequests()[1]!.userTexts().join("\n");
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
    const body = model.responsesRequests()[0]!.body as { text?: { format?: { type?: string; schema?: unknown } } };
    expect(body.text?.format?.type).toBe("json_schema");
    expect(body.text?.format?.schema).toEqual(schema);
  }, 40_000);

  test("a model failing with HTTP 500: session error with Codex's message and a hint", async () => {
    model.enqueue(reply.httpError(500, "boom"));
    const view = await start("Fail.", { advanced: { waitForResult: 30_000 } });
    expect(view.status).toBe("error");
    expect(view.error?.code).toBe("TURN_FAILED");
    expect(view.error?.message.length).toBeGreaterThan(5);
    expect(view.error?.hint).toContain("codex_setup");
  }, 40_000);

  test("bad arguments: INVALID_ARGUMENT; unknown session: SESSION_NOT_FOUND; busy: SESSION_BUSY", async () => {
    const bad = await client.callTool({
      name: "codex",
      arguments: { prompt: "x", approvalPolicy: "sometimes", sandbox: "read-only" },
    });
    expect((bad.content as { text: string }[])[0]!.text).toStartWith("Error [INVALID_ARGUMENT]");
    const missing = await client.callTool({ name: "codex_check", arguments: { action: "poll", sessionId: "s_nope" } });
    expect((missing.content as { text: string }[])[0]!.text).toStartWith("Error [SESSION_NOT_FOUND]");
    model.enqueue(reply.hang());
    const running = await start("Hang.");
    const busy = await client.callTool({
      name: "codex_reply",
      arguments: { sessionId: running.sessionId, prompt: "again" },
    });
    expect((busy.content as { text: string }[])[0]!.text).toStartWith("Error [SESSION_BUSY]");
    // The same failure as structured content, for clients that read that instead of the text.
    expect((busy.structuredContent as { error: { code: string; hint: string } }).error).toMatchObject({
      code: "SESSION_BUSY",
      hint: expect.stringContaining("codex_session interrupt"),
    });
    await call("codex_session", { action: "cancel", sessionId: running.sessionId });
  }, 40_000);

  test("two concurrent codex_reply calls on one idle session: exactly one starts a turn", async () => {
    model.enqueue(reply.message("first"), reply.message("the winner's answer"), reply.message("never asked"));
    const first = await start("First.", { advanced: { waitForResult: 20_000 } });
    expect(first.status).toBe("idle");
    const [a, b] = await Promise.all(
      ["one", "two"].map((prompt) =>
        client.callTool({
          name: "codex_reply",
          arguments: { sessionId: first.sessionId, prompt, waitForResult: 20_000 },
        })
      ),
    );
    const outcomes = [a!, b!];
    const losers = outcomes.filter((r) => r.isError);
    expect(losers.length).toBe(1);
    expect((losers[0]!.structuredContent as { error: { code: string } }).error.code).toBe("SESSION_BUSY");
    const winner = outcomes.find((r) => !r.isError)!.structuredContent as View;
    expect(winner.result?.text).toBe("the winner's answer");
    const session = await call("codex_session", { action: "get", sessionId: first.sessionId });
    expect((session as unknown as { session: { turns: number } }).session.turns).toBe(2);
    expect(model.responsesRequests().length).toBe(2);
  }, 40_000);
});

describe("sessions: control, scale and failure", () => {
  test("interrupt of a slow stream: the turn ends interrupted, the session stays usable", async () => {
    model.enqueue(reply.hang(), reply.message("Back again."));
    const started = await start("Take your time.");
    await model.waitForRequests(1); // the model's stream is open and silent
    const interrupted = await call("codex_session", { action: "interrupt", sessionId: started.sessionId });
    const view = interrupted as unknown as { session: View };
    expect(view.session.status).toBe("idle");
    expect(view.session.result?.status).toBe("interrupted");
    const again = await call("codex_reply", {
      sessionId: started.sessionId,
      prompt: "Now answer.",
      waitForResult: 30_000,
    });
    expect(again.result?.text).toBe("Back again.");
  }, 40_000);

  test("fork: a new session with the same conversation; the original is untouched", async () => {
    model.enqueue(reply.message("The secret is 7."), reply.message("You said the secret is 7."));
    const original = await start("Remember: the secret is 7.", { advanced: { waitForResult: 30_000 } });
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
    expect(model.responsesRequests()[1]!.userTexts().join("\n")).toContain("Remember: the secret is 7.");
    const list = (await call("codex_session", { action: "list" })) as unknown as {
      sessions: { sessionId: string; forkedFrom?: string }[];
    };
    expect(list.sessions.find((s) => s.sessionId === forked.sessionId)?.forkedFrom).toBe(original.sessionId);
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

  test(
    "a command printing 100,000 lines: by default every answer is at most 24 KiB, cursor first, and all of it is retrievable",
    async () => {
      model.enqueue(reply.execCommand("seq 1 100000", { callId: "call_lines" }), reply.message("Counted."));
      const started = await start("Count.", { sandbox: "danger-full-access" });
      await pollUntil(started.sessionId, ["idle"]);
      const { output } = await pageCommandOutput(client, started.sessionId);
      const expected = Array.from({ length: 100_000 }, (_, i) => String(i + 1)).join("\n");
      expect(output.trim()).toBe(expected);
    },
    60_000,
  );

  test(
    "the app-server killed mid-turn: CODEX_CRASHED, the server keeps serving, a reply resumes on a new process",
    async () => {
      model.enqueue(reply.hang());
      const started = await start("Hang until killed.");
      await model.waitForRequests(1); // Codex is mid-turn: its request to the model hangs
      const info = JSON.parse(
        ((await client.readResource({ uri: "codex-mcp:///server-info" })).contents[0] as { text: string }).text,
      );
      const appServer = info.children.find((c: { label: string }) => c.label.includes("app-server"));
      expect(appServer).toBeDefined();
      process.kill(appServer.pid, "SIGKILL");
      const { view } = await pollUntil(started.sessionId, ["error"]);
      expect(view.error?.code).toBe("CODEX_CRASHED");
      expect(view.error?.hint).toContain("codex_reply");
      // A new session works, and so does continuing the crashed one (its thread is resumed).
      model.enqueue(reply.message("Fresh start."), reply.message("Resumed."));
      const fresh = await start("New one.", { advanced: { waitForResult: 30_000 } });
      expect(fresh.result?.text).toBe("Fresh start.");
      const resumed = await call("codex_reply", {
        sessionId: started.sessionId,
        prompt: "Still there?",
        waitForResult: 30_000,
      });
      expect(resumed.result?.text).toBe("Resumed.");
    },
    60_000,
  );

  test("five concurrent sessions stay isolated", async () => {
    model.setHandler((request) =>
      reply.message(
        `echo: ${request.lastUserText()} (${
          request.userTexts().filter((t) => t.startsWith("task")).length
        } tasks seen)`,
      )
    );
    const views = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => start(`task ${n}`, { advanced: { waitForResult: 30_000 } })),
    );
    views.forEach((v, i) => expect(v.result?.text).toBe(`echo: task ${i + 1} (1 tasks seen)`));
    expect(new Set(views.map((v) => v.threadId)).size).toBe(5);
    const replies = await Promise.all(
      views.map((v, i) =>
        call("codex_reply", { sessionId: v.sessionId, prompt: `task ${i + 1} again`, waitForResult: 30_000 })
      ),
    );
    replies.forEach((v, i) => expect(v.result?.text).toBe(`echo: task ${i + 1} again (2 tasks seen)`));
  }, 60_000);

  test("progress notifications arrive while waitForResult waits, strictly increasing", async () => {
    model.enqueue(reply.message(["one ", "two ", "three ", "four ", "five."], { delayMs: 700 }));
    const progress: { progress: number; message?: string }[] = [];
    const result = await client.callTool(
      {
        name: "codex",
        arguments: {
          prompt: "Slowly.",
          approvalPolicy: "never",
          sandbox: "read-only",
          cwd: home.workspace,
          advanced: { waitForResult: 30_000 },
        },
      },
      undefined,
      { onprogress: (p) => void progress.push(p), resetTimeoutOnProgress: true },
    );
    expect((result.structuredContent as View).result?.text).toBe("one two three four five.");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    expect(progress.some((p) => /running|writing|thinking/.test(p.message ?? ""))).toBe(true);
  }, 40_000);

  test("a long poll wakes on a change worth a turn, not on every delta; wakeOn event keeps the old rule", async () => {
    const deltas = Array.from({ length: 12 }, (_, i) => `part ${i} `);
    model.enqueue(reply.message(deltas, { delayMs: 40 }), reply.message(deltas, { delayMs: 40 }));
    const first = await start("Stream a while.");
    let polls = 0;
    let cursor = 1;
    let view: View = first;
    while (view.status === "running") {
      polls += 1;
      view = await call("codex_check", {
        action: "poll",
        sessionId: first.sessionId,
        cursor,
        pollOptions: { waitMs: 20_000 },
      });
      cursor = view.nextCursor ?? cursor;
    }
    expect(view.status).toBe("idle");
    expect(view.result?.text).toBe(deltas.join(""));
    expect(polls).toBe(1); // the whole streaming turn in one answer
    const merged = (view.events ?? []).filter((e) => e.type === "agent_message_delta");
    expect(merged.length).toBeLessThanOrEqual(1); // deltas merged into one event

    const second = await start("Stream again.");
    let eventPolls = 0;
    cursor = 1;
    view = second;
    while (view.status === "running") {
      eventPolls += 1;
      view = await call("codex_check", {
        action: "poll",
        sessionId: second.sessionId,
        cursor,
        pollOptions: { waitMs: 20_000, wakeOn: "event" },
      });
      cursor = view.nextCursor ?? cursor;
    }
    expect(eventPolls).toBeGreaterThan(1);
  }, 40_000);

  test(
    "CODEX_MCP_MAX_WAIT_MS caps every wait: a long waitForResult and a long poll answer with the polling shape",
    async () => {
      const capped = await launch("compiled", {
        env: {
          ...home.env,
          CODEX_MCP_PATH: join(BIN, "codex"),
          CODEX_MCP_KILL_GRACE_MS: "500",
          CODEX_MCP_MAX_WAIT_MS: "300",
        },
        inheritEnv: false,
      });
      try {
        model.enqueue(reply.hang());
        const result = await capped.client.callTool({
          name: "codex",
          arguments: {
            prompt: "Hang.",
            approvalPolicy: "never",
            sandbox: "read-only",
            cwd: home.workspace,
            advanced: { waitForResult: 120_000 },
          },
        });
        const view = result.structuredContent as View;
        expect(view.status).toBe("running");
        expect(view.recommendedNextAction).toContain("codex_check");
        const polled = (await capped.client.callTool({
          name: "codex_check",
          arguments: { action: "poll", sessionId: view.sessionId, cursor: 1_000, pollOptions: { waitMs: 120_000 } },
        })).structuredContent as View;
        expect(polled.status).toBe("running");
        const info = JSON.parse(
          ((await capped.client.readResource({ uri: "codex-mcp:///server-info" })).contents[0] as { text: string })
            .text,
        );
        expect(info.maxWaitMs).toBe(300);
        const tools = (await capped.client.listTools()).tools;
        expect(JSON.stringify(tools.find((t) => t.name === "codex")!.inputSchema)).toContain("at most 300 ms");
        await capped.client.callTool({
          name: "codex_session",
          arguments: { action: "cancel", sessionId: view.sessionId },
        });
      } finally {
        await capped.closeStdin().catch(() => {});
        await capped.dispose();
      }
    },
    30_000,
  );

  /** The id of the request `notifications/cancelled` named, and every id the server answered. */
  function cancelledAndAnswered(): { cancelled: unknown[]; answered: unknown[] } {
    const cancelled = server.transport.sent
      .filter((m) => "method" in m && m.method === "notifications/cancelled")
      .map((m) => (m as unknown as { params: { requestId: unknown } }).params.requestId);
    const answered = server.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l))
      .filter((m) => "id" in m && ("result" in m || "error" in m)).map((m) => m.id);
    return { cancelled, answered };
  }

  test(
    "a cancelled waitForResult only stops waiting: no answer for it, the turn finishes, a poll has the result",
    async () => {
      // A slow stream (~1 s): the client gives up as soon as Codex has asked the model.
      model.enqueue(reply.message(["Still ", "working ", "on ", "it."], { delayMs: 60 }));
      const abort = new AbortController();
      const call = client.callTool(
        {
          name: "codex",
          arguments: {
            prompt: "Take your time.",
            approvalPolicy: "never",
            sandbox: "read-only",
            cwd: home.workspace,
            advanced: { waitForResult: 60_000 },
          },
        },
        undefined,
        { signal: abort.signal },
      );
      await model.waitForRequests(1);
      abort.abort("MCP error -32001: Request timed out");
      await expect(call).rejects.toThrow();
      // A model that lost the sessionId finds the running session first in the list.
      const list = (await client.callTool({ name: "codex_session", arguments: { action: "list" } }))
        .structuredContent as { sessions: { sessionId: string; status: string }[] };
      const sessionId = list.sessions[0]!.sessionId;
      expect(list.sessions[0]!.status).toBe("running");
      const { view } = await pollUntil(sessionId, ["idle"]);
      expect(view.result?.text).toBe("Still working on it.");
      const { cancelled, answered } = cancelledAndAnswered();
      expect(cancelled.length).toBe(1);
      expect(answered).not.toContain(cancelled[0]);
    },
    40_000,
  );

  test("a cancelled long poll gets no answer either, and the session carries on", async () => {
    model.enqueue(reply.message(["Slow ", "but ", "sure."], { delayMs: 60 }));
    const started = await start("Go slowly.");
    const abort = new AbortController();
    const poll = client.callTool(
      {
        name: "codex_check",
        arguments: { action: "poll", sessionId: started.sessionId, cursor: 1_000, pollOptions: { waitMs: 30_000 } },
      },
      undefined,
      { signal: abort.signal },
    );
    await Bun.sleep(100);
    abort.abort("MCP error -32001: Request timed out");
    await expect(poll).rejects.toThrow();
    const { view } = await pollUntil(started.sessionId, ["idle"]);
    expect(view.result?.text).toBe("Slow but sure.");
    const { cancelled, answered } = cancelledAndAnswered();
    expect(cancelled.length).toBe(1);
    expect(answered).not.toContain(cancelled[0]);
  }, 40_000);
});
