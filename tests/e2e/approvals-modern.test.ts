/**
 * Approvals and questions by form in the 2026-07-28 era, where a server cannot push a form: a
 * waiting call answers `input_required` with the forms, the client (the SDK v2 `Client`, which
 * fulfils them through its own `elicitation/create` handler) shows them and retries the call, and
 * the retry applies the person's answers and goes on waiting. Against the real Codex.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ElicitResult } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED } from "./launch.ts";
import { rawWire } from "./modern-wire.ts";

type Form = { message: string; requestedSchema: { properties: Record<string, { oneOf?: { const: string }[] }> } };
type View = {
  sessionId: string;
  status: string;
  actions: { requestId: string; kind: string }[];
  result?: { text: string | null };
  error?: { code: string; message: string };
  events?: { type: string; data: Record<string, unknown> }[];
};

let model: FakeModel;
let home: CodexHome;
let state: string;
let client: Client | undefined;

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
  state = mkdtempSync(join(tmpdir(), "codex-mcp-modern-state-"));
});
afterEach(async () => {
  await client?.close().catch(() => {});
  client = undefined;
  rmSync(state, { recursive: true, force: true });
  home.cleanup();
});

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_STATE_DIR: state, ...extra };
}

/** A modern-era client that shows forms; `answer` plays the person; every form it got is kept. */
async function connect(answer: (form: Form) => ElicitResult | Promise<ElicitResult>, options: { urls?: boolean } = {}) {
  const forms: Form[] = [];
  client = new Client(
    { name: "modern-forms-e2e", version: "0" },
    {
      capabilities: { elicitation: { form: {}, ...(options.urls && { url: {} }) } },
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    },
  );
  client.setRequestHandler("elicitation/create", async (request) => {
    const form = request.params as unknown as Form;
    forms.push(form);
    return await answer(form);
  });
  await client.connect(new StdioClientTransport({ command: COMPILED, env: serverEnv(), stderr: "pipe" }));
  expect(client.getProtocolEra()).toBe("modern");
  const c = client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await c.callTool({ name, arguments: args })).structuredContent as View;
  const start = (prompt: string, extra: Record<string, unknown> = {}) =>
    call("codex", {
      prompt,
      approvalPolicy: "untrusted",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000, ...extra },
    });
  return { forms, call, start };
}

async function eventsOf(call: (n: string, a: Record<string, unknown>) => Promise<View>, sessionId: string) {
  return (await call("codex_check", { action: "poll", sessionId, cursor: 1, responseMode: "full" })).events ?? [];
}

describe("approvals by form, 2026-07-28 era (input_required)", () => {
  test("accepted: the command runs within the one waiting call, answered as the person", async () => {
    model.enqueue(reply.execCommand("echo ran-after-form", { callId: "call_cmd" }), reply.message("Done."));
    const s = await connect((form) => {
      const choices = form.requestedSchema.properties.decision!.oneOf!.map((o) => o.const);
      expect(choices).toEqual(["accept", "acceptForSession", "acceptWithAmendment", "decline", "cancel"]);
      return { action: "accept", content: { decision: "accept" } };
    });
    const view = await s.start("Run echo.");
    expect(view.status).toBe("idle");
    expect(view.result?.text).toBe("Done.");
    expect(s.forms).toHaveLength(1);
    expect(s.forms[0]!.message).toContain("echo ran-after-form");
    expect(s.forms[0]!.message).toContain(`In: ${home.workspace}`);
    expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("ran-after-form");
    // One session: the retry did not start another.
    const listed = await s.call("codex_session", { action: "list" }) as unknown as { sessions: unknown[] };
    expect(listed.sessions).toHaveLength(1);
    const answered = (await eventsOf(s.call, view.sessionId)).find((e) => e.type === "request_answered");
    expect(answered?.data).toMatchObject({ decision: "accept", by: "person" });
  }, 60_000);

  test("declined: the command does not run and the model is told it was rejected", async () => {
    model.enqueue(reply.execCommand("echo must-not-run", { callId: "call_cmd" }), reply.message("Skipped."));
    const s = await connect(() => ({ action: "decline" }));
    const view = await s.start("Run echo.");
    expect(view.result?.text).toBe("Skipped.");
    const output = model.responsesRequests()[1]!.toolOutput("call_cmd") ?? "";
    expect(output).toContain("rejected by user");
    expect(output).not.toContain("must-not-run\n");
  }, 60_000);

  test(
    "a waiting codex_check poll asks the person too; a session whose approvals go to the model is not asked",
    async () => {
      model.enqueue(reply.execCommand("echo ran-after-poll-form", { callId: "call_cmd" }), reply.message("Polled in."));
      const s = await connect(() => ({ action: "accept", content: { decision: "accept" } }));
      const started = await s.call("codex", {
        prompt: "Run echo.",
        approvalPolicy: "untrusted",
        sandbox: "read-only",
        cwd: home.workspace,
      });
      expect(s.forms).toHaveLength(0);
      const done = await s.call("codex_check", {
        action: "poll",
        sessionId: started.sessionId,
        pollOptions: { waitMs: 30_000 },
      });
      expect(s.forms).toHaveLength(1);
      expect(s.forms[0]!.message).toContain("echo ran-after-poll-form");
      expect(done.status).toBe("idle");
      expect(done.result?.text).toBe("Polled in.");
      expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("ran-after-poll-form");
      const answered = (await eventsOf(s.call, started.sessionId)).find((e) => e.type === "request_answered");
      expect(answered?.data).toMatchObject({ decision: "accept", by: "person" });

      // approvals "model" on the start: the poll hands the approval to the caller, as before.
      model.enqueue(reply.execCommand("echo for-the-model", { callId: "call_cmd2" }), reply.message("Model said."));
      const byModel = await s.call("codex", {
        prompt: "Run echo.",
        approvalPolicy: "untrusted",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { approvals: "model" },
      });
      const asking = await s.call("codex_check", {
        action: "poll",
        sessionId: byModel.sessionId,
        pollOptions: { waitMs: 30_000 },
      });
      expect(asking.status).toBe("waiting_approval");
      expect(asking.actions).toHaveLength(1);
      expect(s.forms).toHaveLength(1);
    },
    90_000,
  );

  test("a plan-mode question: the person's choice reaches the model", async () => {
    const question = {
      id: "color",
      header: "Color",
      question: "Which color?",
      options: [{ label: "Blue", description: "calm" }, { label: "Red", description: "loud" }],
    };
    model.enqueue(
      reply.functionCall("request_user_input", { questions: [question] }, { callId: "call_ask" }),
      reply.message("Red it is."),
    );
    const s = await connect(() => ({ action: "accept", content: { color: "Red" } }));
    const view = await s.call("codex", {
      prompt: "Ask me.",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000, collaborationMode: "plan" },
    });
    expect(view.result?.text).toBe("Red it is.");
    expect(JSON.parse(model.responsesRequests()[1]!.toolOutput("call_ask")!)).toEqual({
      answers: { color: { answers: ["Red"] } },
    });
  }, 60_000);

  test("an answer the form does not offer is refused with a clear error; the approval stays pending", async () => {
    model.enqueue(reply.execCommand("echo x", { callId: "call_cmd" }), reply.message("Polled."));
    const s = await connect(() => ({ action: "accept", content: { decision: "yes please" } }));
    const refused = await s.start("Run echo.");
    expect(refused.error?.code).toBe("INVALID_ARGUMENT");
    expect(refused.error?.message).toContain("does not fit its form");
    const sessions = (await s.call("codex_session", { action: "list" }) as unknown as {
      sessions: { sessionId: string }[];
    }).sessions;
    const still = await s.call("codex_check", { action: "poll", sessionId: sessions[0]!.sessionId });
    expect(still.status).toBe("waiting_approval");
    expect(still.actions).toHaveLength(1);
    // The poll path still answers it.
    await s.call("codex_check", {
      action: "respond_permission",
      sessionId: still.sessionId,
      requestId: still.actions[0]!.requestId,
      decision: "accept",
    });
    const done = await s.call("codex_check", {
      action: "poll",
      sessionId: still.sessionId,
      pollOptions: { waitMs: 20_000 },
    });
    expect(done.result?.text).toBe("Polled.");
  }, 60_000);

  test("an MCP server inside Codex asks the person to open a page: a URL request in input_required", async () => {
    home.cleanup();
    home = makeCodexHome({
      modelUrl: model.url,
      extraToml: [
        "[mcp_servers.asker]",
        `command = ${JSON.stringify(process.execPath)}`,
        `args = [${JSON.stringify(join(import.meta.dir, "..", "fixtures", "mcp-servers", "asker.ts"))}]`,
        'default_tools_approval_mode = "approve"',
      ].join("\n"),
    });
    model.setHandler((request) => {
      const said = request.toolOutput("call_sign_in");
      if (said !== undefined) return reply.message(`The tool said: ${said}`);
      return reply.viaToolSearch(request, {
        query: "sign in",
        namespace: "mcp__asker",
        tool: "sign_in",
        callId: "call_sign_in",
      });
    });
    const s = await connect(() => ({ action: "accept" }), { urls: true });
    const view = await s.call("codex", {
      prompt: "Sign me in.",
      approvalPolicy: "on-request",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    expect(view.result?.text).toContain("sign-in: accept");
    expect(s.forms).toHaveLength(1);
    expect(s.forms[0]).toMatchObject({ mode: "url", url: "https://example.test/sign-in" });
  }, 60_000);

  test("approvals: model leaves the approval to a poll; no form", async () => {
    model.enqueue(reply.execCommand("echo y", { callId: "call_cmd" }));
    const s = await connect(() => ({ action: "accept", content: { decision: "accept" } }));
    const view = await s.start("Run echo.", { approvals: "model" });
    expect(view.status).toBe("waiting_approval");
    expect(s.forms).toEqual([]);
  }, 60_000);
});

describe("requestState is sealed", () => {
  test("a tampered or foreign requestState is refused and nothing runs", async () => {
    model.enqueue(reply.execCommand("echo sealed", { callId: "call_cmd" }), reply.message("Done."));
    const wire = rawWire(serverEnv(), { elicitation: { form: {} } });
    try {
      const args = {
        prompt: "Run echo.",
        approvalPolicy: "untrusted",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      };
      const first = await wire.request("tools/call", { name: "codex", arguments: args });
      const result = first.result as { resultType: string; requestState: string; inputRequests: object };
      expect(result.resultType).toBe("input_required");
      expect(Object.keys(result.inputRequests)).toEqual(["codex_request_1"]);
      const accept = { codex_request_1: { action: "accept", content: { decision: "accept" } } };
      // One changed character of the payload: the seal no longer matches.
      const [version, payload, mac] = result.requestState.split(".");
      const flipped = payload!.slice(0, -2) + (payload!.at(-2) === "A" ? "B" : "A") + payload!.at(-1);
      for (const requestState of [`${version}.${flipped}.${mac}`, "not-ours"]) {
        const refused = await wire.request("tools/call", {
          name: "codex",
          arguments: args,
          inputResponses: accept,
          requestState,
        });
        expect((refused.error as { code: number; message: string }).code).toBe(-32602);
        expect((refused.error as { message: string }).message).toContain("requestState");
      }
      // Nothing ran: the approval is still pending and the model never got the command's output.
      expect(model.responsesRequests()).toHaveLength(1);
      // The sealed state still works, and runs it once.
      const done = await wire.request("tools/call", {
        name: "codex",
        arguments: args,
        inputResponses: accept,
        requestState: result.requestState,
      });
      const view = (done.result as { structuredContent: View }).structuredContent;
      expect(view.result?.text).toBe("Done.");
      expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("sealed");
    } finally {
      wire.close();
    }
  }, 60_000);

  test("a poll's requestState is good for that poll only: another session or another tool is refused", async () => {
    model.enqueue(reply.message("Other."));
    model.enqueue(reply.execCommand("echo polled-sealed", { callId: "call_cmd" }), reply.message("Done."));
    const wire = rawWire(serverEnv(), { elicitation: { form: {} } });
    try {
      const start = (prompt: string, extra: Record<string, unknown> = {}) =>
        wire.request("tools/call", {
          name: "codex",
          arguments: { prompt, approvalPolicy: "untrusted", sandbox: "read-only", cwd: home.workspace, ...extra },
        });
      const other = ((await start("Say something.", { advanced: { waitForResult: 30_000 } })).result as {
        structuredContent: View;
      }).structuredContent.sessionId;
      const sessionId = ((await start("Run echo.")).result as { structuredContent: View }).structuredContent.sessionId;
      const poll = (id: string, extra: Record<string, unknown> = {}) =>
        wire.request("tools/call", {
          name: "codex_check",
          arguments: { action: "poll", sessionId: id, pollOptions: { waitMs: 30_000 } },
          ...extra,
        });
      const asked = (await poll(sessionId)).result as { resultType: string; requestState: string };
      expect(asked.resultType).toBe("input_required");
      const accept = { codex_request_1: { action: "accept", content: { decision: "accept" } } };
      const requests = model.responsesRequests().length;

      const elsewhere = (await poll(other, { inputResponses: accept, requestState: asked.requestState })).result as {
        isError: boolean;
        structuredContent: { error: { code: string; message: string } };
      };
      expect(elsewhere.isError).toBe(true);
      expect(elsewhere.structuredContent.error.code).toBe("INVALID_ARGUMENT");
      expect(elsewhere.structuredContent.error.message).toContain("another session");
      const asCodex = (await wire.request("tools/call", {
        name: "codex",
        arguments: { prompt: "x", cwd: home.workspace },
        inputResponses: accept,
        requestState: asked.requestState,
      })).result as { structuredContent: { error: { code: string } } };
      expect(asCodex.structuredContent.error.code).toBe("INVALID_ARGUMENT");
      // Nothing ran: the approval still waits, and the model has not been called again.
      expect(model.responsesRequests()).toHaveLength(requests);
      const still = ((await wire.request("tools/call", {
        name: "codex_check",
        arguments: { action: "poll", sessionId },
      })).result as { structuredContent: View }).structuredContent;
      expect(still.status).toBe("waiting_approval");

      const done = ((await poll(sessionId, { inputResponses: accept, requestState: asked.requestState })).result as {
        structuredContent: View;
      }).structuredContent;
      expect(done.status).toBe("idle");
      expect(done.result?.text).toBe("Done.");
      expect(model.responsesRequests().at(-1)!.toolOutput("call_cmd")).toContain("polled-sealed");
    } finally {
      wire.close();
    }
  }, 60_000);
});
