/**
 * What the user's own MCP servers cost a session: start → idle of a one-message session through
 * the compiled binary, with a slow MCP server in the Codex config (it takes DELAY ms before it
 * answers `initialize`), `advanced.mcpServers` "inherit" against "none", interleaved. Each round
 * uses a fresh codex-mcp (so its first session also starts the app-server: "cold") and then a
 * second session on it ("warm").
 *
 *   bun bench/inner-mcp.ts [--runs N] [--rebuild]
 *
 * Results go to bench/results/inner-mcp.{json,md}; a previous JSON is compared against.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { reply, startFakeModel } from "../tests/harness/fake-model.ts";
import { BIN, launch } from "../tests/e2e/launch.ts";
import { ensureBuilt, parseBenchArgs, ROOT, summary } from "./lib.ts";

const DELAY_MS = 3_000;
const RESULTS = path.join(ROOT, "bench", "results");
const SLOW_SERVER = path.join(ROOT, "tests", "fixtures", "mcp-servers", "slow.ts");
const MODES = ["inherit", "none"] as const;

const options = parseBenchArgs(process.argv.slice(2), { runs: 5, minRuns: 1 });
if (options === "help") {
  console.log("Usage: bun bench/inner-mcp.ts [--runs N] [--rebuild]");
  process.exit(0);
}
const built = await ensureBuilt(path.join(ROOT, "dist", "codex-mcp"), [path.join(ROOT, "src")], [], options.rebuild);
if (built) throw new Error(built);

const model = await startFakeModel({ handler: () => reply.message("ok") });
const samples: Record<string, number[]> = {};
for (let round = 0; round < options.runs; round++) {
  for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
    const home = makeCodexHome({
      modelUrl: model.url,
      extraToml: [
        "[mcp_servers.slow]",
        `command = ${JSON.stringify(process.execPath)}`,
        `args = [${JSON.stringify(SLOW_SERVER)}]`,
        "[mcp_servers.slow.env]",
        `CODEX_TEST_MCP_DELAY_MS = "${DELAY_MS}"`,
      ].join("\n"),
    });
    const server = await launch("compiled", {
      env: { ...home.env, CODEX_MCP_PATH: path.join(BIN, "codex"), CODEX_MCP_TEST_HOOKS: undefined },
      inheritEnv: false,
    });
    try {
      for (const phase of ["cold", "warm"]) {
        const started = performance.now();
        const result = await server.client.callTool(
          {
            name: "codex",
            arguments: {
              prompt: "hi",
              approvalPolicy: "never",
              sandbox: "read-only",
              cwd: home.workspace,
              advanced: { waitForResult: 120_000, mcpServers: mode },
            },
          },
          undefined,
          { timeout: 180_000 },
        );
        const status = (result.structuredContent as { status?: string }).status;
        if (status !== "idle") throw new Error(`${mode} ${phase}: session ended ${status}`);
        (samples[`${mode} ${phase}`] ??= []).push(performance.now() - started);
      }
    } finally {
      await server.closeStdin().catch(() => {});
      await server.dispose();
      home.cleanup();
    }
  }
}
await model.close();

const previousFile = path.join(RESULTS, "inner-mcp.json");
const previous = existsSync(previousFile) ? JSON.parse(readFileSync(previousFile, "utf8")) : null;
const rows = Object.entries(samples).map(([name, values]) => ({ name, ...summary(values) }));
const table = [
  `| session (slow MCP server: ${DELAY_MS} ms to initialize) | median ms | p90 ms | min ms | previous median ms |`,
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const before = previous?.rows?.find((p: { name: string }) => p.name === r.name)?.median;
    return `| ${r.name} | ${r.median.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.min.toFixed(0)} | ${
      before === undefined ? "—" : before.toFixed(0)
    } |`;
  }),
].join("\n");
console.log(table);
await mkdir(RESULTS, { recursive: true });
await writeFile(
  previousFile,
  `${JSON.stringify({ date: new Date().toISOString(), runs: options.runs, rows }, null, 2)}\n`,
);
await writeFile(
  path.join(RESULTS, "inner-mcp.md"),
  `# The user's MCP servers inside a session\n\nstart → idle of a one-message session, ${options.runs} rounds, interleaved; cold = a fresh codex-mcp (its app-server starts too), warm = its second session.\n\n${table}\n\nReproduce: \`bun bench/inner-mcp.ts\`\n`,
);
