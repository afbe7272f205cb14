/**
 * First-session benchmark: a fresh codex-mcp server, from spawn to the `initialize` answer, and
 * then its first session — a `codex` call with `advanced.waitForResult` on a one-message turn —
 * from the call to the answer (status idle). That first call is where auto mode chooses the
 * backend, so it also counts the Codex processes the server started for it (a wrapper as
 * CODEX_MCP_PATH notes every Codex command line).
 *
 * Compares this tree's binary with a baseline binary built from another commit, in the same run,
 * rounds interleaved (the order alternates):
 *
 *   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && bun build.ts)
 *   bun bench/first-session.ts --baseline /tmp/base/dist/codex-mcp [--runs N] [--rebuild]
 *
 * Results go to bench/results/first-session.{json,md}.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { codexBinary } from "../tests/harness/codex-bin.ts";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { reply, startFakeModel } from "../tests/harness/fake-model.ts";
import { ensureBuilt, ROOT, summary } from "./lib.ts";

const RESULTS_DIR = path.join(ROOT, "bench", "results");
const PRODUCT = path.join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");

interface Round {
  initializeMs: number;
  firstSessionMs: number;
  appServerSpawns: number;
  otherCodexRuns: number;
}

function parseArgs(argv: string[]): { runs: number; rebuild: boolean; baseline: string } {
  let runs = 10;
  let rebuild = false;
  let baseline = "";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--runs") runs = Number(argv[++i]);
    else if (arg === "--rebuild") rebuild = true;
    else if (arg === "--baseline") baseline = path.resolve(argv[++i] ?? "");
    else throw new Error(`unknown option ${arg}`);
  }
  if (!Number.isInteger(runs) || runs < 3) throw new Error("--runs needs an integer ≥ 3");
  if (!baseline || !existsSync(baseline)) {
    throw new Error("--baseline PATH: a codex-mcp binary built from another commit");
  }
  return { runs, rebuild, baseline };
}

async function round(binary: string, modelUrl: string, enqueue: () => void): Promise<Round> {
  const home = makeCodexHome({ modelUrl });
  const state = mkdtempSync(path.join(os.tmpdir(), "codex-mcp-bench-state-"));
  const calls = path.join(home.root, "codex-calls.log");
  const wrapper = path.join(home.root, "codex");
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${codexBinary()}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const transport = new StdioClientTransport({
    command: binary,
    env: { ...home.env, CODEX_MCP_PATH: wrapper, CODEX_MCP_STATE_DIR: state },
    cwd: home.workspace,
    stderr: "ignore",
  });
  const client = new Client({ name: "bench-first-session", version: "1" });
  try {
    const spawned = performance.now();
    await client.connect(transport);
    const initializeMs = performance.now() - spawned;
    enqueue();
    const called = performance.now();
    const result = await client.callTool({
      name: "codex",
      arguments: {
        prompt: "Say hi.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      },
    });
    const firstSessionMs = performance.now() - called;
    const status = (result.structuredContent as { status?: string } | undefined)?.status;
    if (result.isError || status !== "idle") {
      throw new Error(`the first session did not finish: ${JSON.stringify(result)}`);
    }
    const lines = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
    // --version and login status come from start-up checks that are the same in both builds.
    const appServerSpawns = lines.filter((l) => l === "app-server").length;
    const otherCodexRuns = lines.filter((l) => l.startsWith("exec")).length;
    return { initializeMs, firstSessionMs, appServerSpawns, otherCodexRuns };
  } finally {
    await client.close().catch(() => {});
    home.cleanup();
    rmSync(state, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { runs, rebuild, baseline } = parseArgs(process.argv.slice(2));
  const buildError = await ensureBuilt(PRODUCT, [path.join(ROOT, "src")], [], rebuild);
  if (buildError) throw new Error(buildError);
  const model = await startFakeModel();
  const sides = {
    baseline: { binary: baseline, rounds: [] as Round[] },
    current: { binary: PRODUCT, rounds: [] as Round[] },
  };
  try {
    for (let i = 0; i < runs + 1; i++) {
      const order = i % 2 === 0 ? (["baseline", "current"] as const) : (["current", "baseline"] as const);
      for (const name of order) {
        const r = await round(sides[name].binary, model.url, () => model.enqueue(reply.message("hi")));
        if (i > 0) sides[name].rounds.push(r); // the first round warms the disk cache
      }
    }
  } finally {
    await model.close();
  }
  const rows = (["baseline", "current"] as const).map((name) => {
    const rounds = sides[name].rounds;
    const init = summary(rounds.map((r) => r.initializeMs));
    const first = summary(rounds.map((r) => r.firstSessionMs));
    return {
      name,
      binary: sides[name].binary,
      initializeMedianMs: Math.round(init.median * 10) / 10,
      firstSessionMedianMs: Math.round(first.median * 10) / 10,
      firstSessionP90Ms: Math.round(first.p90 * 10) / 10,
      appServerSpawns: Math.max(...rounds.map((r) => r.appServerSpawns)),
      execProbes: Math.max(...rounds.map((r) => r.otherCodexRuns)),
    };
  });
  const [base, current] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const md = [
    `# First session (${runs} rounds, interleaved; ${os.cpus().length} CPUs; ${new Date().toISOString()})`,
    "",
    "| build | spawn → initialize, median ms | first session start → idle, median ms | p90 ms | app-server spawns | exec probes |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.name} | ${r.initializeMedianMs} | ${r.firstSessionMedianMs} | ${r.firstSessionP90Ms} | ${r.appServerSpawns} | ${r.execProbes} |`
    ),
    "",
    `current / baseline: initialize ${(current.initializeMedianMs / base.initializeMedianMs).toFixed(2)}×, ` +
    `first session ${(current.firstSessionMedianMs / base.firstSessionMedianMs).toFixed(2)}×`,
    "",
  ].join("\n");
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, "first-session.json"), JSON.stringify({ runs, rows }, null, 2) + "\n");
  await writeFile(path.join(RESULTS_DIR, "first-session.md"), md);
  process.stdout.write(md);
}

await main();
