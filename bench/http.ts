/**
 * codex-mcp over streamable HTTP against the same over stdio: 20 concurrent clients (the SDK v2
 * `Client`), each running a session to its result (one `codex` call with `waitForResult` on the
 * real Codex and the fake model), then 200 `tools/list` calls spread over them. Measured: p50 and
 * p99 of the `codex` call, `tools/list` requests per second, and codex-mcp's RSS at the end. Over
 * stdio each client has a server process of its own (that is how stdio works); over HTTP one
 * process serves them all, so its RSS is the whole cost, while stdio's is summed over processes.
 *
 *   bun bench/http.ts [--runs N]
 *
 * Results go to bench/results/http.md.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { codexBinary } from "../tests/harness/codex-bin.ts";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { reply, startFakeModel } from "../tests/harness/fake-model.ts";
import { ensureBuilt, parseBenchArgs, quantile, ROOT } from "./lib.ts";

const PRODUCT = path.join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");
const CLIENTS = 20;
const LISTS = 200;
const TOKEN = "bench-token-0123456789abcdef";

interface Outcome {
  callMs: number[];
  listsPerSecond: number;
  rssMiB: number;
}

/** RSS of a process from /proc (Linux), in MiB; 0 elsewhere. */
function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function drive(clients: Client[], workspace: string): Promise<Pick<Outcome, "callMs" | "listsPerSecond">> {
  const callMs = await Promise.all(clients.map(async (client, i) => {
    const started = performance.now();
    const result = await client.callTool({
      name: "codex",
      arguments: {
        prompt: `Task ${i}.`,
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: workspace,
        advanced: { waitForResult: 50_000 },
      },
    });
    if ((result.structuredContent as { status?: string }).status !== "idle") throw new Error(`client ${i}: not idle`);
    return performance.now() - started;
  }));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LISTS }, (_, i) => clients[i % clients.length]!.listTools()),
  );
  return { callMs, listsPerSecond: LISTS / ((performance.now() - started) / 1000) };
}

async function overHttp(env: Record<string, string>, workspace: string, dir: string): Promise<Outcome> {
  writeFileSync(path.join(dir, "tokens"), `bench ${TOKEN}\n`);
  const server = spawn(PRODUCT, [
    "serve",
    "--http",
    "--listen",
    "127.0.0.1:0",
    "--token-file",
    path.join(dir, "tokens"),
  ], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    server.stderr!.on("data", (d) => {
      stderr += d;
      const found = /serving MCP over HTTP at (\S+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    server.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const client = new Client({ name: "bench-http", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    return client;
  }));
  try {
    const measured = await drive(clients, workspace);
    return { ...measured, rssMiB: rssOf(server.pid!) };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
}

async function overStdio(env: Record<string, string>, workspace: string): Promise<Outcome> {
  const transports: StdioClientTransport[] = [];
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    const transport = new StdioClientTransport({
      command: PRODUCT,
      env: { ...env, CODEX_MCP_STATE_DIR: `${env.CODEX_MCP_STATE_DIR}-${i}` },
      stderr: "ignore",
    });
    transports.push(transport);
    const client = new Client({ name: "bench-stdio", version: "0" });
    await client.connect(transport);
    return client;
  }));
  try {
    const measured = await drive(clients, workspace);
    const rssMiB = transports.reduce((sum, t) => sum + (t.pid ? rssOf(t.pid) : 0), 0);
    return { ...measured, rssMiB };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), { runs: 1, minRuns: 1 });
  if (args === "help") {
    process.stdout.write("Usage: bun bench/http.ts [--runs N] [--rebuild]\n");
    return;
  }
  const buildError = await ensureBuilt(PRODUCT, [path.join(ROOT, "src")], [], args.rebuild);
  if (buildError) throw new Error(buildError);
  const model = await startFakeModel();
  model.setHandler(() => reply.message("done"));
  const home = makeCodexHome({ modelUrl: model.url });
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-mcp-bench-http-"));
  const env = {
    ...home.env,
    CODEX_MCP_PATH: codexBinary(),
    CODEX_MCP_STATE_DIR: path.join(dir, "state"),
    PATH: process.env.PATH ?? "",
  };
  const rows: string[] = [];
  try {
    for (let run = 0; run < args.runs; run++) {
      for (
        const [name, measure] of [
          ["stdio (a process per client)", () => overStdio(env, home.workspace)],
          ["HTTP (one process)", () => overHttp(env, home.workspace, dir)],
        ] as const
      ) {
        const outcome = await measure();
        const sorted = [...outcome.callMs].sort((a, b) => a - b);
        rows.push(
          `| ${name} | ${quantile(sorted, 0.5).toFixed(0)} | ${quantile(sorted, 0.99).toFixed(0)} | ${
            outcome.listsPerSecond.toFixed(0)
          } | ${outcome.rssMiB.toFixed(0)} |`,
        );
      }
    }
  } finally {
    await model.close();
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  const table =
    `${CLIENTS} concurrent clients (SDK v2 Client), each one session to its result, then ${LISTS} tools/list; ${os.cpus().length} cores.\n\n` +
    "| transport | codex call p50 ms | p99 ms | tools/list per s | codex-mcp RSS MiB |\n| --- | --- | --- | --- | --- |\n" +
    rows.join("\n") + "\n";
  process.stdout.write(table);
  const out = path.join(ROOT, "bench", "results", "http.md");
  await writeFile(
    out,
    `# HTTP against stdio\n\n- date: ${new Date().toISOString()}\n\n${table}\nReproduce: \`bun bench/http.ts\`\n`,
  );
  process.stdout.write(`wrote ${path.relative(ROOT, out)}\n`);
}

await main();
