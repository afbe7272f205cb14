/**
 * Approvals and questions go to the person: a client that declares form elicitation (the SDK's
 * own `Client`, standing in for the person's UI) gets Codex's approval as a form naming the
 * command, answers it, and the real Codex acts on the answer. Polling stays open beside the form
 * and the first answer wins; a client without forms, or CODEX_MCP_APPROVALS=model, gets none.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";
import { pollSession } from "./paging.ts";

type View = {
  sessionId: string;
  status: string;
  actions: { requestId: string; askedInClient?: boolean; kind: string }[];
  result?: { text: string | null; status: string };
  recommendedNextAction: string;
  events?: { cursor: number; type: string; data: Record<string, unknown> }[];
  nextCursor?: number;
  hasMore?: boolean;
  error?: { code: string; message: string };
};
type Form = { message: string; requestedSchema: { properties: Record<string, { oneOf?: { const: string }[] }> } };

let model: FakeModel;
let home: CodexHome;
let server: Launched | undefined;

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
});
afterEach(async () => {
  await server?.closeStdin().catch(() => {});
  await server?.dispose();
  server = undefined;
  home.cleanup();
});

/**
 * A server whose client shows forms (unless `forms: false`): `answer` plays the person. Every
 * form the client got is in `forms`; `withdrawn` counts forms codex-mcp took back.
 */
async function serve(
  answer: (form: Form) => Promise<ElicitResult> | ElicitResult,
  options: { forms?: boolean; urls?: boolean; env?: Record<string, string> } = {},
) {
  const forms: Form[] = [];
  const withdrawn: string[] = [];
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), ...options.env },
    inheritEnv: false,
    capabilities: options.forms === false ? {} : { elicitation: { form: {}, ...(options.urls && { url: {} }) } },
    prepare: (client: Client) => {
      if (options.forms === false) return;
      client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
        const form = request.params as unknown as Form;
        forms.push(form);
        extra.signal.addEventListener("abort", () => withdrawn.push(form.message));
        return await answer(form);
      });
    },
  });
  const c = server.client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await c.callTool({ name, arguments: args })).structuredContent as View;
  const start = (prompt: string, extra: Record<string, unknown> = {}) =>
    call("codex", { prompt, approvalPolicy: "untrusted", sandbox: "read-only", cwd: home.workspace, ...extra });
  /** Polls until `status`, collecting every event. */
  const until = async (sessionId: string, status: string) => {
    const polled = await pollSession<View>(c, sessionId, (v) => v.status === status && !v.hasMore);
    expect(polled.view.status).toBe(status);
    return polled;
  };
  return { forms, withdrawn, call, start, until };
}

describe("approvals by form", () => {
  test("accepted in the form: the command runs, and the answer is recorded as the person's", async () => {
    model.enqueue(reply.execCommand("echo ran-after-form", { callId: "call_cmd" }), reply.message("Done."));
    const s = await serve((form) => {
      const choices = form.requestedSchema.properties.decision!.oneOf!.map((o) => o.const);
      // Exactly what Codex allows here, most permissive first (0.169 offers an amendment for this command).
      expect(choices).toEqual(["accept", "acceptForSession", "acceptWithAmendment", "decline", "cancel"]);
      return { action: "accept", content: { decision: "accept" } };
    });
    const started = await s.start("Run echo.");
    const { view, events } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toBe("Done.");
    expect(s.forms).toHaveLength(1);
    expect(s.forms[0]!.message).toContain("asks for your approval");
    expect(s.forms[0]!.message).toContain("Command: ");
    expect(s.forms[0]!.message).toContain("echo ran-after-form");
    expect(s.forms[0]!.message).toContain(`In: ${home.workspace}`);
    expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("ran-after-form");
    const answered = events.find((e) => e.type === "request_answered");
    expect(answered?.data).toMatchObject({ decision: "accept", by: "person" });
  }, 40_000);

  test("a waiting call waits through the person's form: one call, answered by the person, to the result", async () => {
    model.enqueue(reply.execCommand("echo waited", { callId: "call_cmd" }), reply.message("Waited."));
    const s = await serve(async () => {
      await new Promise((r) => setTimeout(r, 300)); // the person reads the form
      return { action: "accept", content: { decision: "accept" } };
    });
    const view = await s.start("Run echo.", { advanced: { waitForResult: 30_000 } });
    expect(view.status).toBe("idle");
    expect(view.result?.text).toBe("Waited.");
    expect(s.forms).toHaveLength(1);
  }, 40_000);

  test("a waiting call stops waiting when the person dismisses the form: the request is the caller's", async () => {
    model.enqueue(reply.execCommand("echo dismissed", { callId: "call_cmd" }), reply.message("Polled."));
    const s = await serve(() => ({ action: "cancel" }));
    const view = await s.start("Run echo.", { advanced: { waitForResult: 30_000 } });
    expect(view.status).toBe("waiting_approval");
    expect(view.actions).toHaveLength(1);
    expect(view.actions[0]!.askedInClient).toBeUndefined();
  }, 40_000);

  test("declined in the form: the command does not run and the model is told it was rejected", async () => {
    model.enqueue(reply.execCommand("echo must-not-run", { callId: "call_cmd" }), reply.message("Skipped."));
    const s = await serve(() => ({ action: "decline" }));
    const started = await s.start("Run echo.");
    const { view } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toBe("Skipped.");
    const output = model.responsesRequests()[1]!.toolOutput("call_cmd") ?? "";
    expect(output).toContain("rejected by user");
    expect(output).not.toContain("must-not-run\n");
  }, 40_000);

  test("a plan-mode question by form: the person's choice reaches the model", async () => {
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
    const s = await serve((form) => {
      expect(form.requestedSchema.properties.color!.oneOf!.map((o) => o.const)).toEqual(["Blue", "Red"]);
      return { action: "accept", content: { color: "Red" } };
    });
    const started = await s.start("Ask me.", { approvalPolicy: "never", advanced: { collaborationMode: "plan" } });
    const { view } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toBe("Red it is.");
    expect(JSON.parse(model.responsesRequests()[1]!.toolOutput("call_ask")!)).toEqual({
      answers: { color: { answers: ["Red"] } },
    });
  }, 40_000);

  test("first answer wins: answered by poll while the form is open, the form is withdrawn", async () => {
    model.enqueue(reply.execCommand("echo by-poll", { callId: "call_cmd" }), reply.message("Polled."));
    let formOpen!: () => void;
    const opened = new Promise<void>((resolve) => (formOpen = resolve));
    // The person never answers: the form stays open until codex-mcp takes it back.
    const s = await serve(() => {
      formOpen();
      return new Promise<ElicitResult>(() => {});
    }, { env: { CODEX_MCP_LOG_LEVEL: "debug" } });
    const started = await s.start("Run echo.");
    await opened;
    const waiting = await s.call("codex_check", { action: "poll", sessionId: started.sessionId, cursor: 1 });
    const action = waiting.actions[0]!;
    expect(action.askedInClient).toBe(true);
    expect(waiting.recommendedNextAction).toContain("the person is being asked in your client's form");
    await s.call("codex_check", {
      action: "respond_permission",
      sessionId: started.sessionId,
      requestId: action.requestId,
      decision: "accept",
    });
    const { view, events } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toBe("Polled.");
    console.error(
      server!.stdout().split("\n").filter((l) => /elicit|cancel/i.test(l)).map((l) => l.slice(0, 300)).join("\n"),
    );
    expect(s.withdrawn).toHaveLength(1);
    expect(events.find((e) => e.type === "request_answered")?.data).toMatchObject({ by: "client" });
  }, 40_000);

  test(
    "no forms for a client that cannot show them, for CODEX_MCP_APPROVALS=model, or a call's approvals: model",
    async () => {
      // A client without forms: the approval waits for a poll, as before.
      model.enqueue(reply.execCommand("echo a", { callId: "c1" }));
      const plain = await serve(() => ({ action: "accept", content: { decision: "accept" } }), { forms: false });
      const first = await plain.start("Run.");
      const waited = await plain.until(first.sessionId, "waiting_approval");
      expect(waited.view.actions[0]!.askedInClient).toBeUndefined();
      // approvals "client" where the client cannot ask: refused, nothing starts.
      const refused = await plain.start("Run.", { advanced: { approvals: "client" } });
      expect(refused.error?.code).toBe("NOT_SUPPORTED");
      await server!.closeStdin();
      await server!.dispose();

      for (const how of [{ env: { CODEX_MCP_APPROVALS: "model" } }, { perCall: "model" }] as const) {
        model.reset();
        model.enqueue(reply.execCommand("echo b", { callId: "c2" }));
        const s = await serve(() => ({ action: "accept", content: { decision: "accept" } }), {
          env: "env" in how ? how.env : {},
        });
        const started = await s.start("Run.", "perCall" in how ? { advanced: { approvals: how.perCall } } : {});
        await s.until(started.sessionId, "waiting_approval");
        expect(s.forms).toEqual([]);
        await server!.closeStdin();
        await server!.dispose();
      }
      server = undefined;
    },
    60_000,
  );

  test("a form answer it did not offer is not taken: the approval stays pending for a poll", async () => {
    model.enqueue(reply.execCommand("echo x", { callId: "call_cmd" }));
    const s = await serve(() => ({ action: "accept", content: { decision: "yes please" } }));
    const started = await s.start("Run echo.");
    const { view } = await s.until(started.sessionId, "waiting_approval");
    await new Promise((r) => setTimeout(r, 300));
    expect(s.forms).toHaveLength(1);
    const still = await s.call("codex_check", { action: "poll", sessionId: started.sessionId, cursor: 1 });
    expect(still.actions.map((a) => a.requestId)).toEqual([view.actions[0]!.requestId]);
  }, 40_000);
});

describe("an MCP server inside Codex asks for fields", () => {
  /** The inner model: find the asker's tool, call it, then finish with what it said. */
  function scriptAsker(tool = "ask_name") {
    model.setHandler((request) => {
      const said = request.toolOutput("call_asker");
      if (said !== undefined) return reply.message(`The tool said: ${said}`);
      return reply.viaToolSearch(request, {
        query: "ask the user for a name",
        namespace: "mcp__asker",
        tool,
        callId: "call_asker",
      });
    });
  }

  beforeEach(() => {
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
  });

  test("by form: the server's own schema reaches the person, and what they entered reaches the server", async () => {
    scriptAsker();
    const s = await serve((form) => {
      expect(form.message).toContain("What is your name?");
      expect(form.requestedSchema).toMatchObject({ properties: { name: { type: "string", title: "Name" } } });
      return { action: "accept", content: { name: "Ada" } };
    });
    const started = await s.start("Greet me.", { approvalPolicy: "on-request" });
    const { view, events } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toContain("hello Ada");
    // The log says which fields were answered, not what was typed into them.
    const answered = events.find((e) => e.type === "request_answered")!;
    expect(answered.data).toMatchObject({ by: "person", fields: ["name"] });
    expect(JSON.stringify(answered.data)).not.toContain("Ada");
  }, 60_000);

  test("by poll: the action carries the schema, and content answered with accept reaches the server", async () => {
    scriptAsker();
    const s = await serve(() => ({ action: "cancel" }), { forms: false });
    const started = await s.start("Greet me.", { approvalPolicy: "on-request" });
    const { view } = await s.until(started.sessionId, "waiting_approval");
    const action = view.actions[0] as View["actions"][number] & { requestedSchema?: unknown };
    expect(action.kind).toBe("mcp_elicitation");
    expect(action.requestedSchema).toMatchObject({ required: ["name"] });
    await s.call("codex_check", {
      action: "respond_permission",
      sessionId: started.sessionId,
      requestId: action.requestId,
      decision: "accept",
      content: { name: "Bob" },
    });
    const done = await s.until(started.sessionId, "idle");
    expect(done.view.result?.text).toContain("hello Bob");
  }, 60_000);

  test(
    "an MCP server's page to open: URL mode for a client that opens pages, the answer reaches the server",
    async () => {
      scriptAsker("sign_in");
      const pages: Record<string, unknown>[] = [];
      const s = await serve((form) => {
        pages.push(form as unknown as Record<string, unknown>);
        return { action: "accept" };
      }, { urls: true });
      const started = await s.start("Sign me in.", { approvalPolicy: "on-request" });
      const { view } = await s.until(started.sessionId, "idle");
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({ mode: "url", url: "https://example.test/sign-in" });
      expect(String(pages[0]!.message)).toContain("Sign in to Example");
      expect(view.result?.text).toContain("sign-in: accept");
    },
    60_000,
  );

  test("the same page for a client without URL mode: a decision form that names the page", async () => {
    scriptAsker("sign_in");
    const s = await serve((form) => {
      expect(form.message).toContain("https://example.test/sign-in");
      expect(form.requestedSchema.properties.decision!.oneOf!.map((o) => o.const)).toEqual([
        "accept",
        "decline",
        "cancel",
      ]);
      return { action: "accept", content: { decision: "decline" } };
    });
    const started = await s.start("Sign me in.", { approvalPolicy: "on-request" });
    const { view } = await s.until(started.sessionId, "idle");
    expect(view.result?.text).toContain("sign-in: decline");
  }, 60_000);
});
