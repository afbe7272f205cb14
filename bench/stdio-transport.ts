/**
 * Which stdio transport to hand the SDK's `serveStdio`, under Deno and under Bun: its own (Node
 * streams, `process.stdout.write`) or codex-mcp's, on the runtime adapter's own stdio (Web streams
 * in Deno, file sinks in Bun). A v2 server (bench/fixtures/transport-server.ts) answers 1 MiB tool
 * results to a client that reads fast, then to one that reads slowly (64 KiB every 10 ms, as a busy
 * client does); measured: the time for all answers and the server's longest event-loop stall (a
 * stalled loop cannot answer pings, cancellations, or Codex's own messages).
 *
 *   bun bench/stdio-transport.ts [--runs N]
 *
 * Results go to bench/results/stdio-transport.md.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { median, parseBenchArgs, ROOT } from "./lib.ts";

const RUNTIMES = {
  Deno: [path.join(ROOT, "node_modules", ".bin", "deno"), "run", "-A"],
  Bun: [process.execPath],
} as const;
type RuntimeName = keyof typeof RUNTIMES;
const SERVER = path.join(ROOT, "bench", "fixtures", "transport-server.ts");
const CALLS = 8;
const KIB = 1024;

interface Run {
  ms: number;
  worstStallMs: number;
}

async function run(runtime: RuntimeName, transport: "sdk" | "ours", slowReader: boolean): Promise<Run> {
  const [command, ...args] = RUNTIMES[runtime];
  const child = spawn(command, [...args, SERVER, transport], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let buffer = "";
  const waiting = new Map<number, () => void>();
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      waiting.get(message.id)?.();
    }
  };
  if (slowReader) {
    // Reads 64 KiB every 10 ms: the pipe fills and the server's writes must wait.
    const timer = setInterval(() => {
      const chunk = child.stdout.read(64 * 1024) ?? child.stdout.read();
      if (chunk) onData(chunk);
    }, 10);
    child.on("exit", () => clearInterval(timer));
  } else {
    child.stdout.on("data", onData);
  }
  const request = (id: number, method: string, params: unknown) =>
    new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  await request(0, "initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "bench", version: "0" },
  });
  child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLS }, (_, i) => request(i + 1, "tools/call", { name: "text", arguments: { kib: KIB } })),
  );
  const ms = performance.now() - started;
  child.stdin.end();
  await exited;
  const stall = /worst-stall-ms (\S+)/.exec(stderr);
  if (!stall) throw new Error(`${transport}: no stall report; stderr: ${stderr.slice(-400)}`);
  return { ms, worstStallMs: Number(stall[1]) };
}

const args = parseBenchArgs(process.argv.slice(2), { runs: 5, minRuns: 1 });
if (args === "help") {
  process.stdout.write("Usage: bun bench/stdio-transport.ts [--runs N]\n");
  process.exit(0);
}
const { runs } = args;
const rows: string[] = [];
for (const runtime of Object.keys(RUNTIMES) as RuntimeName[]) {
  for (const slowReader of [false, true]) {
    const results: Record<string, Run[]> = { sdk: [], ours: [] };
    for (let i = 0; i < runs; i++) {
      for (const transport of i % 2 ? (["ours", "sdk"] as const) : (["sdk", "ours"] as const)) {
        results[transport]!.push(await run(runtime, transport, slowReader));
      }
    }
    for (const transport of ["sdk", "ours"] as const) {
      const r = results[transport]!;
      rows.push(
        `| ${runtime} | ${slowReader ? "slow" : "fast"} | ${
          transport === "sdk" ? "SDK StdioServerTransport" : "codex-mcp StdioTransport"
        } | ${median(r.map((x) => x.ms))!.toFixed(0)} | ${median(r.map((x) => x.worstStallMs))!.toFixed(1)} | ${
          Math.max(...r.map((x) => x.worstStallMs)).toFixed(1)
        } |`,
      );
    }
  }
}
const table = `${CALLS} concurrent tool results of ${KIB} KiB each, ${runs} runs per cell (median)\n\n` +
  "| runtime | reader | transport | all answers ms | worst stall ms (median) | worst stall ms (max) |\n" +
  "| --- | --- | --- | --- | --- | --- |\n" + rows.join("\n") + "\n";
process.stdout.write(table);
const out = path.join(ROOT, "bench", "results", "stdio-transport.md");
await writeFile(
  out,
  `# stdio transports under Deno and Bun\n\n- date: ${
    new Date().toISOString()
  }\n\n${table}\nReproduce: \`bun bench/stdio-transport.ts\`\n`,
);
process.stdout.write(`wrote ${path.relative(ROOT, out)}\n`);
