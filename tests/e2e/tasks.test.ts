/**
 * Codex turns as MCP Tasks (`io.modelcontextprotocol/tasks`, 2026-07-28), against the real Codex:
 * the extension's own requester (`@modelcontextprotocol/ext-tasks`, `createTaskSessionFromClient`
 * on the SDK v2 `Client`) runs a task to completion and through an approval; the raw wire checks
 * `tasks/cancel`, a task across a kill -9 and restart, and the refusals.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createTaskSessionFromClient, resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED, launch } from "./launch.ts";
import { type Json, RawDispatchTransport, rawWire, type Wire } from "./modern-wire.ts";

const TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };
const WITH_FORMS = { ...TASKS, elicitation: { form: {} } };

let model: FakeModel;
let home: CodexHome;
let state: string;
let wire: Wire | undefined;

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
  state = mkdtempSync(join(tmpdir(), "codex-mcp-tasks-state-"));
});
afterEach(async () => {
  wire?.close();
  await wire?.exited;
  wire = undefined;
  rmSync(state, { recursive: true, force: true });
  home.cleanup();
});

const env = () => ({ ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_STATE_DIR: state });
const codexArgs = (extra: Json = {}) => ({
  prompt: "Run echo.",
  approvalPolicy: "untrusted",
  sandbox: "read-only",
  cwd: home.workspace,
  ...extra,
});

/** Polls `tasks/get` until the task leaves `working` (or `until` says so). */
async function pollTask(w: Wire, taskId: string, until = (t: Json) => t.status !== "working"): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const got = await w.request("tasks/get", { taskId });
    if (got.error) throw new Error(JSON.stringify(got.error));
    if (until(got.result)) return got.result;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`task ${taskId} never got there`);
}

describe("the ext-tasks requester (createTaskSessionFromClient)", () => {
  async function requester(onElicit?: (params: Json) => Json) {
    const transport = new RawDispatchTransport(
      new StdioClientTransport({ command: COMPILED, env: env(), stderr: "pipe" }),
    );
    const client = new Client(
      { name: "ext-tasks-e2e", version: "0" },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(transport);
    const session = createTaskSessionFromClient(client, {
      endpointId: "codex-mcp-e2e",
      rawDispatch: (request) => transport.dispatch(request) as never,
      v2RequestFraming: {
        protocolVersion: "2026-07-28",
        clientInfo: { name: "ext-tasks-e2e", version: "0" },
        clientCapabilities: { elicitation: { form: {} } },
      },
      ...(onElicit && {
        onInputRequest: (async (request: { kind: string; params: Json }) => {
          if (request.kind !== "elicitation") throw new Error(`unexpected ${request.kind}`);
          return onElicit(request.params);
        }) as never,
      }),
    });
    return { client, session };
  }

  test("a task run to completion carries the result a waiting call returns", async () => {
    model.enqueue(reply.message("Hello from a task."));
    const { client, session } = await requester();
    try {
      const execution = await session.callTool("codex", codexArgs({ approvalPolicy: "never" }));
      const { outcome } = await execution.settle();
      expect(
        outcome.status,
        outcome.status === "failed" ? `${outcome.error.message} ${JSON.stringify(outcome.error.data)}` : "",
      ).toBe("completed");
      const result = resultFromTaskOutcome(outcome) as { structuredContent: Json };
      expect(result.structuredContent.status).toBe("idle");
      expect(result.structuredContent.result.text).toBe("Hello from a task.");
    } finally {
      await session.close();
      await client.close();
    }
  }, 60_000);

  test("a task through an approval: the requester's input handler answers, the command runs", async () => {
    model.enqueue(reply.execCommand("echo ran-in-task", { callId: "call_cmd" }), reply.message("Done."));
    const forms: Json[] = [];
    const { client, session } = await requester((params) => {
      forms.push(params);
      return { action: "accept", content: { decision: "accept" } };
    });
    try {
      const execution = await session.callTool("codex", codexArgs());
      const { outcome } = await execution.settle();
      expect(outcome.status).toBe("completed");
      const result = resultFromTaskOutcome(outcome) as { structuredContent: Json };
      expect(result.structuredContent.result.text).toBe("Done.");
      expect(forms).toHaveLength(1);
      expect(String(forms[0]!.message)).toContain("echo ran-in-task");
      expect(model.responsesRequests()[1]!.toolOutput("call_cmd")).toContain("ran-in-task");
    } finally {
      await session.close();
      await client.close();
    }
  }, 60_000);
});

describe("tasks on the raw wire", () => {
  test("the task seed, input_required with a form, tasks/update, completed", async () => {
    model.enqueue(reply.execCommand("echo raw-task", { callId: "call_cmd" }), reply.message("Done."));
    wire = rawWire(env(), WITH_FORMS);
    const created = await wire.request("tools/call", { name: "codex", arguments: codexArgs() });
    const seed = created.result;
    expect(seed.resultType).toBe("task");
    expect(seed.taskId).toMatch(/^task_/);
    expect(["working", "input_required"]).toContain(seed.status);
    expect(seed.ttlMs).toBeGreaterThan(0);
    expect(seed.result).toBeUndefined();
    const waiting = await pollTask(wire, seed.taskId);
    expect(waiting.status).toBe("input_required");
    const [key, form] = Object.entries(waiting.inputRequests as Json)[0]!;
    expect(form.method).toBe("elicitation/create");
    expect(form.params.message).toContain("echo raw-task");
    // A bad answer is refused and changes nothing.
    const bad = await wire.request("tasks/update", {
      taskId: seed.taskId,
      inputResponses: { [key]: { action: "accept", content: { decision: "sure" } } },
    });
    expect(bad.error.code).toBe(-32602);
    expect(bad.error.message).toContain("does not fit its form");
    expect((await wire.request("tasks/get", { taskId: seed.taskId })).result.status).toBe("input_required");
    const ack = await wire.request("tasks/update", {
      taskId: seed.taskId,
      inputResponses: { [key]: { action: "accept", content: { decision: "accept" } } },
    });
    expect(ack.result.resultType).toBe("complete");
    const done = await pollTask(wire, seed.taskId, (t) => t.status === "completed");
    expect(done.result.structuredContent.result.text).toBe("Done.");
    // An update for a task that is not input_required: an error, nothing changes.
    const late = await wire.request("tasks/update", {
      taskId: seed.taskId,
      inputResponses: { [key]: { action: "accept", content: { decision: "accept" } } },
    });
    expect(late.error.code).toBe(-32602);
    expect(late.error.message).toContain("not input_required");
  }, 60_000);

  test("notifications/tasks reach a listen stream that asked for the task, up to completed", async () => {
    model.enqueue(reply.execCommand("echo listened", { callId: "call_cmd" }), reply.message("Done."));
    wire = rawWire(env(), WITH_FORMS);
    const seed = (await wire.request("tools/call", { name: "codex", arguments: codexArgs() })).result;
    const listenId = wire.send("subscriptions/listen", { notifications: { taskIds: [seed.taskId] } });
    const seen = async (check: (n: Json) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const found = wire!.notifications.find(check);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`not seen; got ${JSON.stringify(wire!.notifications).slice(0, 600)}`);
    };
    const ack = await seen((n) => n.method === "notifications/subscriptions/acknowledged");
    expect(ack.params.notifications.taskIds).toEqual([seed.taskId]);
    expect(ack.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe(listenId);
    const asking = await seen((n) => n.method === "notifications/tasks" && n.params.status === "input_required");
    expect(asking.params.taskId).toBe(seed.taskId);
    expect(asking.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe(listenId);
    const [key] = Object.keys(asking.params.inputRequests);
    await wire.request("tasks/update", {
      taskId: seed.taskId,
      inputResponses: { [key!]: { action: "accept", content: { decision: "accept" } } },
    });
    const done = await seen((n) => n.method === "notifications/tasks" && n.params.status === "completed");
    expect(done.params.result.structuredContent.result.text).toBe("Done.");
    // The same task as tasks/get shows it.
    const got = (await wire.request("tasks/get", { taskId: seed.taskId })).result;
    expect(got.result.structuredContent.result.text).toBe("Done.");
    // A listen for tasks from a request that does not declare the extension: -32021.
    const refused = await wire.request("subscriptions/listen", { notifications: { taskIds: [seed.taskId] } }, {});
    expect(refused.error.code).toBe(-32021);
  }, 60_000);

  test("tasks/cancel interrupts the turn: the task ends cancelled", async () => {
    model.enqueue(reply.hang());
    wire = rawWire(env(), TASKS);
    const seed = (await wire.request("tools/call", { name: "codex", arguments: codexArgs() })).result;
    await pollTask(wire, seed.taskId, (t) => t.statusMessage !== "running: starting");
    const ack = await wire.request("tasks/cancel", { taskId: seed.taskId });
    expect(ack.result.resultType).toBe("complete");
    const ended = await pollTask(wire, seed.taskId, (t) => t.status !== "working");
    expect(ended.status).toBe("cancelled");
  }, 60_000);

  test("a task across kill -9 and a restart: the turn was cut off, and the task says so", async () => {
    model.enqueue(reply.hang());
    wire = rawWire(env(), TASKS);
    const seed = (await wire.request("tools/call", { name: "codex", arguments: codexArgs() })).result;
    expect(seed.status).toBe("working");
    wire.child.kill("SIGKILL");
    await wire.exited;
    wire = rawWire(env(), TASKS);
    const after = await pollTask(wire, seed.taskId, () => true);
    expect(after.status).toBe("completed");
    expect(after.result.structuredContent.error.code).toBe("INTERRUPTED_BY_RESTART");
    expect(after.createdAt).toBe(seed.createdAt);
  }, 60_000);

  test("refusals: an unknown task, a request without the extension, a client without it gets no task", async () => {
    model.enqueue(reply.message("No task here."));
    wire = rawWire(env(), TASKS);
    const unknown = await wire.request("tasks/get", { taskId: "task_nope" });
    expect(unknown.error.code).toBe(-32602);
    expect(unknown.error.message).toContain("Task not found");
    const undeclared = await wire.request("tasks/get", { taskId: "task_nope" }, {});
    expect(undeclared.error.code).toBe(-32021);
    // Without the extension in the request, the same call is the tool as before.
    const plain = await wire.request("tools/call", {
      name: "codex",
      arguments: codexArgs({ approvalPolicy: "never", advanced: { waitForResult: 30_000 } }),
    }, {});
    expect(plain.result.resultType).toBe("complete");
    expect(plain.result.structuredContent.result.text).toBe("No task here.");
  }, 60_000);

  test("a 2025-era client sees no tasks: no extension declared, no tasks/get", async () => {
    const server = await launch("compiled", { env: env(), inheritEnv: false });
    try {
      expect(server.client.getServerCapabilities()?.extensions).toBeUndefined();
      await expect(server.client.request({ method: "tasks/get", params: { taskId: "x" } } as never, {} as never))
        .rejects.toThrow();
    } finally {
      await server.closeStdin();
      await server.dispose();
    }
  }, 30_000);
});
