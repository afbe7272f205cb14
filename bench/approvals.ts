/**
 * What one approval costs, by the way it is answered: a turn that runs one command Codex asks
 * about, driven to its result through the compiled binary on the real Codex and the fake model.
 *
 * - **by poll**: a client without forms; the model starts the turn, follows
 *   `recommendedNextAction`, answers with `respond_permission`, and polls to the end.
 * - **pushed form (2025 era)**: a client that shows forms; one waiting `codex` call, the person
 *   answers `elicitation/create`.
 * - **input_required (2026-07-28)**: the SDK v2 `Client`; one waiting call, answered through
 *   `input_required` and the SDK's retry.
 * - **Task (2026-07-28)**: the call becomes a task; the client polls `tasks/get` at the
 *   `pollIntervalMs` it is given and answers with `tasks/update`.
 *
 * Counted: the tool calls a model makes, the JSON-RPC messages the client sends (its requests,
 * and its answers to forms and pings), the bytes it receives, and wall time (a Task's is mostly
 * the `pollIntervalMs` it waits between polls; `notifications/tasks` would tell it at once).
 *
 *   bun bench/approvals.ts [--runs N]
 *
 * Results go to bench/results/approvals.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client as ClientV2, type Transport } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioV2 } from "@modelcontextprotocol/client/stdio";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { codexBinary } from "../tests/harness/codex-bin.ts";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../tests/harness/fake-model.ts";
import { envelope, RawDispatchTransport } from "../tests/e2e/modern-wire.ts";
import { ensureBuilt, median, parseBenchArgs, recommendedCheck, ROOT } from "./lib.ts";

const PRODUCT = path.join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");
const ACCEPT = { action: "accept", content: { decision: "accept" } } as const;

interface Cost {
  toolCalls: number;
  requests: number;
  bytesIn: number;
  wallMs: number;
}

/** The part of a client transport (of either SDK line) that is counted. */
interface AnyTransport {
  // deno-lint-ignore no-explicit-any -- the two SDK lines type their messages apart
  onmessage?: (message: any, extra?: any) => void;
  // deno-lint-ignore no-explicit-any
  send(message: any, options?: any): Promise<void>;
  start(): Promise<void>;
}

/** Wraps a client transport to count what the client sends and receives. */
function counted<T extends AnyTransport>(inner: T, cost: Cost): T {
  const send = inner.send.bind(inner);
  inner.send = (message, options) => {
    if ("method" in message && "id" in message) cost.requests += 1;
    if ("result" in message || "error" in message) cost.requests += 1; // a form answered
    return send(message, options);
  };
  const start = inner.start.bind(inner);
  inner.start = async () => {
    const deliver = inner.onmessage;
    inner.onmessage = (message, extra) => {
      cost.bytesIn += JSON.stringify(message).length;
      deliver?.(message, extra);
    };
    return await start();
  };
  return inner;
}

function setup(model: FakeModel) {
  const home = makeCodexHome({ modelUrl: model.url });
  const state = mkdtempSync(path.join(os.tmpdir(), "codex-mcp-bench-approvals-"));
  model.reset();
  model.enqueue(reply.execCommand("echo approved", { callId: "call_cmd" }), reply.message("Done."));
  const env = { ...home.env, CODEX_MCP_PATH: codexBinary(), CODEX_MCP_STATE_DIR: state };
  const args = { prompt: "Run echo.", approvalPolicy: "untrusted", sandbox: "read-only", cwd: home.workspace };
  const cleanup = () => {
    home.cleanup();
    rmSync(state, { recursive: true, force: true });
  };
  return { env, args, cleanup };
}

type View = {
  status: string;
  sessionId: string;
  actions: { requestId: string }[];
  recommendedNextAction: string;
  result?: { text: string };
};

async function byPoll(model: FakeModel): Promise<Cost> {
  const { env, args, cleanup } = setup(model);
  const cost: Cost = { toolCalls: 0, requests: 0, bytesIn: 0, wallMs: 0 };
  const client = new ClientV1({ name: "bench", version: "0" });
  try {
    await client.connect(counted(new StdioV1({ command: PRODUCT, env, stderr: "ignore" }) as never, cost));
    const started = performance.now();
    const call = async (name: string, a: Record<string, unknown>) => {
      cost.toolCalls += 1;
      return (await client.callTool({ name, arguments: a })).structuredContent as View;
    };
    let view = await call("codex", args);
    for (let guard = 0; guard < 200 && view.status !== "idle"; guard++) {
      if (view.status === "waiting_approval") {
        view = await call("codex_check", {
          action: "respond_permission",
          sessionId: view.sessionId,
          requestId: view.actions[0]!.requestId,
          decision: "accept",
        });
        continue;
      }
      const next = recommendedCheck(view.recommendedNextAction);
      if (!next) throw new Error(`nothing to follow: ${view.recommendedNextAction}`);
      view = await call("codex_check", next);
    }
    if (view.result?.text !== "Done." && view.status !== "idle") throw new Error(`ended ${view.status}`);
    cost.wallMs = performance.now() - started;
    return cost;
  } finally {
    await client.close().catch(() => {});
    cleanup();
  }
}

async function pushedForm(model: FakeModel): Promise<Cost> {
  const { env, args, cleanup } = setup(model);
  const cost: Cost = { toolCalls: 0, requests: 0, bytesIn: 0, wallMs: 0 };
  const client = new ClientV1({ name: "bench", version: "0" }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, () => ACCEPT);
  try {
    await client.connect(counted(new StdioV1({ command: PRODUCT, env, stderr: "ignore" }) as never, cost));
    const started = performance.now();
    cost.toolCalls += 1;
    const view = (await client.callTool({ name: "codex", arguments: { ...args, advanced: { waitForResult: 30_000 } } }))
      .structuredContent as View;
    if (view.result?.text !== "Done.") throw new Error(`pushed form: ended ${view.status}`);
    cost.wallMs = performance.now() - started;
    return cost;
  } finally {
    await client.close().catch(() => {});
    cleanup();
  }
}

async function modern(model: FakeModel, asTask: boolean): Promise<Cost> {
  const { env, args, cleanup } = setup(model);
  const cost: Cost = { toolCalls: 0, requests: 0, bytesIn: 0, wallMs: 0 };
  const client = new ClientV2(
    { name: "bench", version: "0" },
    {
      capabilities: {
        elicitation: { form: {} },
        ...(asTask && { extensions: { "io.modelcontextprotocol/tasks": {} } }),
      },
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    },
  );
  client.setRequestHandler("elicitation/create", () => ACCEPT);
  const stdio = counted(new StdioV2({ command: PRODUCT, env, stderr: "ignore" }) as unknown as AnyTransport, cost);
  // The SDK Client refuses a task result of tools/call (that is the Tasks requester's job): the
  // task's requests go raw, on the same connection.
  const transport = new RawDispatchTransport(stdio as unknown as Transport);
  try {
    await client.connect(transport);
    const started = performance.now();
    cost.toolCalls += 1;
    if (!asTask) {
      const view = (await client.callTool({
        name: "codex",
        arguments: { ...args, advanced: { waitForResult: 30_000 } },
      })).structuredContent as View;
      if (view.result?.text !== "Done.") throw new Error(`input_required: ended ${view.status}`);
    } else {
      // The task's own methods, as a host that follows tasks sends them.
      const meta = envelope({ elicitation: { form: {} }, extensions: { "io.modelcontextprotocol/tasks": {} } });
      const raw = async (method: string, params: Record<string, unknown>) => {
        const answer = await transport.dispatch({ method, params: { ...params, _meta: meta } });
        if (answer.kind === "error") throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
        return answer.result;
      };
      const created = await raw("tools/call", { name: "codex", arguments: args });
      let task = created;
      for (let guard = 0; guard < 200 && task.status !== "completed"; guard++) {
        if (task.status === "input_required") {
          const inputResponses = Object.fromEntries(Object.keys(task.inputRequests).map((k) => [k, ACCEPT]));
          await raw("tasks/update", { taskId: created.taskId, inputResponses });
        }
        await new Promise((r) => setTimeout(r, task.pollIntervalMs ?? 1_000));
        task = await raw("tasks/get", { taskId: created.taskId });
      }
      if (task.result?.structuredContent?.result?.text !== "Done.") throw new Error(`task: ended ${task.status}`);
    }
    cost.wallMs = performance.now() - started;
    return cost;
  } finally {
    await client.close().catch(() => {});
    cleanup();
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), { runs: 3, minRuns: 1 });
  if (args === "help") {
    process.stdout.write("Usage: bun bench/approvals.ts [--runs N] [--rebuild]\n");
    return;
  }
  const buildError = await ensureBuilt(PRODUCT, [path.join(ROOT, "src")], [], args.rebuild);
  if (buildError) throw new Error(buildError);
  const model = await startFakeModel();
  const ways: [string, () => Promise<Cost>][] = [
    ["by poll (no forms; the model answers)", () => byPoll(model)],
    ["pushed form, waitForResult (2025 era)", () => pushedForm(model)],
    ["input_required, waitForResult (2026-07-28)", () => modern(model, false)],
    ["Task, tasks/get at pollIntervalMs (2026-07-28)", () => modern(model, true)],
  ];
  const rows: string[] = [];
  try {
    for (const [name, run] of ways) {
      const costs: Cost[] = [];
      for (let i = 0; i < args.runs; i++) costs.push(await run());
      const m = (f: (c: Cost) => number) => median(costs.map(f))!;
      rows.push(
        `| ${name} | ${m((c) => c.toolCalls)} | ${m((c) => c.requests)} | ${m((c) => c.bytesIn).toFixed(0)} | ${
          m((c) => c.wallMs).toFixed(0)
        } |`,
      );
    }
  } finally {
    await model.close();
  }
  const table = `One turn with one command approval, answered with accept; ${args.runs} runs each (median).\n\n` +
    "| answered | tool calls by the model | messages the client sends (requests and answers) | bytes it receives | wall ms |\n" +
    "| --- | --- | --- | --- | --- |\n" + rows.join("\n") + "\n";
  process.stdout.write(table);
  const out = path.join(ROOT, "bench", "results", "approvals.md");
  await writeFile(
    out,
    `# What one approval costs\n\n- date: ${
      new Date().toISOString()
    }\n\n${table}\nReproduce: \`bun bench/approvals.ts\`\n`,
  );
  process.stdout.write(`wrote ${path.relative(ROOT, out)}\n`);
}

await main();
