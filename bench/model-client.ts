/**
 * Model-like client benchmark: drives a codex-mcp binary the way a model does — start a session
 * with `codex`, then make exactly the call `recommendedNextAction` names, again and again, until
 * the turn is over — and counts what that costs a model: tool calls, bytes received (each whole
 * answer, text and structured content), the largest single answer, and wall time. Three turns:
 * a short answer, a ~10 s streaming answer, and a command printing 100,000 lines.
 *
 * Compares this tree's binary with a baseline built from another commit, in the same run:
 *
 *   bun bench/model-client.ts --baseline /tmp/base/dist/codex-mcp [--rebuild]
 *
 * Results go to bench/results/model-client.{json,md}.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { codexBinary } from "../tests/harness/codex-bin.ts";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { type FakeModel, reply, type Script, startFakeModel } from "../tests/harness/fake-model.ts";
import { ensureBuilt, recommendedCheck, ROOT } from "./lib.ts";

const RESULTS_DIR = path.join(ROOT, "bench", "results");
const PRODUCT = path.join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");

interface Scenario {
  name: string;
  prompt: string;
  sandbox: string;
  scripts: () => Script[];
}

const SCENARIOS: Scenario[] = [
  { name: "short answer", prompt: "Say hi.", sandbox: "read-only", scripts: () => [reply.message("Hi!")] },
  {
    name: "~10 s streaming answer",
    prompt: "Explain slowly.",
    sandbox: "read-only",
    // 40 deltas; the fake model waits 200 ms before each SSE event after the first.
    scripts: () => [reply.message(Array.from({ length: 40 }, (_, i) => `word${i} `), { delayMs: 200 })],
  },
  {
    name: "command printing 100,000 lines",
    prompt: "Count to 100000.",
    sandbox: "danger-full-access",
    scripts: () => [reply.execCommand("seq 1 100000", { callId: "count" }), reply.message("Counted.")],
  },
];

interface Cost {
  calls: number;
  checkCalls: number;
  bytes: number;
  largest: number;
  wallMs: number;
}

/** The tool call a recommendation names: `codex_check {…}`. */
function recommendedCall(text: string): { name: string; args: Record<string, unknown> } | null {
  const args = recommendedCheck(text);
  return args && { name: "codex_check", args };
}

async function drive(binary: string, model: FakeModel, scenario: Scenario): Promise<Cost> {
  const home = makeCodexHome({ modelUrl: model.url });
  const state = mkdtempSync(path.join(os.tmpdir(), "codex-mcp-bench-state-"));
  const transport = new StdioClientTransport({
    command: binary,
    env: { ...home.env, CODEX_MCP_PATH: codexBinary(), CODEX_MCP_STATE_DIR: state },
    cwd: home.workspace,
    stderr: "ignore",
  });
  const client = new Client({ name: "bench-model-client", version: "1" });
  const cost: Cost = { calls: 0, checkCalls: 0, bytes: 0, largest: 0, wallMs: 0 };
  try {
    await client.connect(transport);
    model.enqueue(...scenario.scripts());
    const started = performance.now();
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      const size = JSON.stringify(result).length;
      cost.calls += 1;
      if (name === "codex_check") cost.checkCalls += 1;
      cost.bytes += size;
      cost.largest = Math.max(cost.largest, size);
      return result.structuredContent as { status: string; recommendedNextAction: string };
    };
    let view = await call("codex", {
      prompt: scenario.prompt,
      approvalPolicy: "never",
      sandbox: scenario.sandbox,
      cwd: home.workspace,
    });
    for (let guard = 0; guard < 500 && view.status === "running"; guard++) {
      const next = recommendedCall(view.recommendedNextAction);
      if (!next) throw new Error(`no call to follow in: ${view.recommendedNextAction}`);
      view = await call(next.name, next.args);
    }
    if (view.status !== "idle") throw new Error(`${scenario.name}: ended ${view.status}`);
    cost.wallMs = performance.now() - started;
    return cost;
  } finally {
    await client.close().catch(() => {});
    home.cleanup();
    rmSync(state, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--baseline");
  const baseline = at >= 0 ? path.resolve(args[at + 1] ?? "") : "";
  if (!baseline || !existsSync(baseline)) {
    throw new Error("--baseline PATH: a codex-mcp binary built from another commit");
  }
  const buildError = await ensureBuilt(PRODUCT, [path.join(ROOT, "src")], [], args.includes("--rebuild"));
  if (buildError) throw new Error(buildError);
  const model = await startFakeModel();
  const rows: { scenario: string; build: string; cost: Cost }[] = [];
  try {
    for (const scenario of SCENARIOS) {
      for (const [build, binary] of [["baseline", baseline], ["current", PRODUCT]] as const) {
        model.reset();
        rows.push({ scenario: scenario.name, build, cost: await drive(binary, model, scenario) });
      }
    }
  } finally {
    await model.close();
  }
  const kib = (n: number) => (n / 1024).toFixed(1);
  const md = [
    `# Model-like client (${new Date().toISOString()}; ${os.cpus().length} CPUs)`,
    "",
    "Follows `recommendedNextAction` literally from `codex` until the turn is over.",
    "",
    "| turn | build | tool calls | codex_check calls | KiB received | largest answer KiB | wall s |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.scenario} | ${r.build} | ${r.cost.calls} | ${r.cost.checkCalls} | ${kib(r.cost.bytes)} | ${
        kib(r.cost.largest)
      } | ${(r.cost.wallMs / 1000).toFixed(2)} |`
    ),
    "",
  ].join("\n");
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, "model-client.json"), JSON.stringify(rows, null, 2) + "\n");
  await writeFile(path.join(RESULTS_DIR, "model-client.md"), md);
  process.stdout.write(md);
}

await main();
