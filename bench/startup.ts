/**
 * Cold-start benchmark: how long each way of launching codex-mcp takes from spawn to the
 * `initialize` answer, and how much memory it holds right then; and on to the `tools/list` answer,
 * asked for once the handshake is answered, as clients do (tool schemas are built on first use, so
 * this column shows what moved past the handshake). MCP clients spawn servers on
 * every session, so this is latency users feel; the bare SDK server compiled the same way
 * (`hello (compiled)`) is the floor we compare against.
 *
 *   bun bench/startup.ts [--runs N] [--rebuild]
 *
 * Runs are interleaved across modes (rotating the order every round) so that background noise
 * lands on all modes alike. Results go to bench/results/startup.{json,md}; a previous JSON is
 * compared against before being replaced.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { capture, ensureBuilt, median, parseBenchArgs, quantile, ROOT, rssMiB } from "./lib.ts";

const RESULTS_DIR = path.join(ROOT, "bench", "results");
const RESULTS_JSON = path.join(RESULTS_DIR, "startup.json");
const RESULTS_MD = path.join(RESULTS_DIR, "startup.md");
const EXE = process.platform === "win32" ? ".exe" : "";
const PRODUCT_ENTRY = path.join(ROOT, "src", "main.ts");
const PRODUCT_BINARY = path.join(ROOT, "dist", `codex-mcp${EXE}`);
const HELLO_ENTRY = path.join(ROOT, "bench", "hello-server.ts");
const HELLO_BINARY = path.join(ROOT, "dist", "bench", `hello-server${EXE}`);

/** Exactly what a real client sends first. */
const INITIALIZE =
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}';

const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
const TOOLS_LIST = '{"jsonrpc":"2.0","id":2,"method":"tools/list"}';

const WARMUP = 2;
const RESPONSE_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 3_000;
/** A mode that keeps failing is dropped instead of slowing every round down. */
const MAX_FAILURES = 3;
const HELLO = "hello (compiled)";
const TARGET_MS = 70;
const TARGET_RATIO = 1.1;

const USAGE = `Usage: bun bench/startup.ts [--runs N] [--rebuild]

  --runs N     measured runs per mode (default 25, at least 20); ${WARMUP} warm-up runs are discarded
  --rebuild    rebuild dist/codex-mcp and dist/bench/hello-server even if they look current`;

interface Mode {
  name: string;
  command: string[];
  /** Set when the mode cannot run at all (missing entry, failed build, wrong runtime). */
  unavailable?: string;
}

interface Sample {
  /** Spawn → the `initialize` answer. */
  ms: number;
  /** Spawn → the `tools/list` answer, asked for once the handshake was answered. */
  listMs: number;
  rssMiB: number | null;
}

interface ModeState {
  mode: Mode;
  samples: Sample[];
  failures: string[];
  attempts: number;
  /** Runs whose process was still alive after stdin closed and had to be killed. */
  killed: number;
}

interface ModeSummary {
  name: string;
  command: string[];
  ok: boolean;
  error?: string;
  runs: number;
  failures: number;
  killedAfterStdinClose: number;
  samplesMs: number[];
  medianMs: number | null;
  p90Ms: number | null;
  minMs: number | null;
  rssMedianMiB: number | null;
  ratioToHello: number | null;
  /** Spawn → tools/list, median. */
  listMedianMs: number | null;
  listRatioToHello: number | null;
}

interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; platform: string; arch: string; release: string; totalMemMiB: number };
  versions: { bun: string; deno: string | null; node: string | null };
  runs: number;
  warmup: number;
  modes: ModeSummary[];
  check: { pass: boolean; text: string };
}

function localBin(name: string): string | null {
  for (const candidate of [name, `${name}.exe`, `${name}.cmd`]) {
    const p = path.join(ROOT, "node_modules", ".bin", candidate);
    if (existsSync(p)) return p;
  }
  return Bun.which(name);
}

async function prepareModes(rebuild: boolean, nodeVersion: string | null): Promise<Mode[]> {
  const hasProduct = existsSync(PRODUCT_ENTRY);
  const noProduct = hasProduct ? undefined : `${path.relative(ROOT, PRODUCT_ENTRY)} does not exist`;
  const bun = localBin("bun") ?? process.execPath;
  const deno = localBin("deno");
  const node = localBin("node");

  const productBuild = hasProduct ? await ensureBuilt(PRODUCT_BINARY, [path.join(ROOT, "src")], [], rebuild) : null;
  const helloBuild = await ensureBuilt(
    HELLO_BINARY,
    [HELLO_ENTRY],
    ["--entry", HELLO_ENTRY, "--outfile", HELLO_BINARY],
    rebuild,
  );

  // Node runs .ts directly only from 22.18 (type stripping on by default) / 23.6.
  const [major = 0, minor = 0] = (nodeVersion ?? "").replace(/^v/, "").split(".").map(Number);
  const nodeProblem = node === null
    ? "node not found"
    : major > 22 || (major === 22 && minor >= 18)
    ? undefined
    : `node ${nodeVersion ?? "?"} cannot run TypeScript without flags (needs ≥ 22.18)`;

  return [
    { name: "compiled", command: [PRODUCT_BINARY], unavailable: noProduct ?? productBuild ?? undefined },
    { name: "bun src/main.ts", command: [bun, PRODUCT_ENTRY], unavailable: noProduct },
    {
      name: "deno run -A src/main.ts",
      command: [deno ?? "deno", "run", "--allow-all", PRODUCT_ENTRY],
      unavailable: noProduct ?? (deno === null ? "deno not found" : undefined),
    },
    { name: "node src/main.ts", command: [node ?? "node", PRODUCT_ENTRY], unavailable: noProduct ?? nodeProblem },
    { name: HELLO, command: [HELLO_BINARY], unavailable: helloBuild ?? undefined },
  ];
}

/** VmRSS of a live process in MiB; null where /proc does not exist. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One cold start: spawn, send `initialize` at once, stop the clock on the response line, sample
 * RSS, ask for the tools and stop a second clock on that answer, then close stdin and wait for a
 * clean exit (killing after a grace period).
 */
async function measureOnce(mode: Mode): Promise<{ sample?: Sample; error?: string; killed: boolean }> {
  const started = performance.now();
  const proc = Bun.spawn(mode.command, { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(`${INITIALIZE}\n`);
  proc.stdin.flush();

  let stderr = "";
  const stderrDone = (async () => {
    const decoder = new TextDecoder();
    const errReader = proc.stderr.getReader();
    for (;;) {
      const { done, value } = await errReader.read();
      if (done) return;
      if (stderr.length < 4096) stderr += decoder.decode(value, { stream: true });
    }
  })();

  // Resolves each id's response with its arrival time; keeps draining stdout afterwards so the
  // server never blocks on a full pipe while shutting down.
  const waiting = new Map<number, (found: { at: number; line: string } | { error: string }) => void>();
  const responseTo = (id: number) =>
    new Promise<{ at: number; line: string } | { error: string }>((resolve) => waiting.set(id, resolve));
  const response = responseTo(1);
  const listed = responseTo(2);
  const reader = proc.stdout.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const at = performance.now();
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        try {
          const message = JSON.parse(line) as { id?: unknown };
          if (typeof message.id === "number") waiting.get(message.id)?.({ at, line });
        } catch {
          // Not JSON: a stray log line on stdout. Keep looking, but remember it for the error text.
        }
      }
    }
    const error = `stdout closed before a response${buffered ? `: ${buffered.slice(0, 200)}` : ""}`;
    for (const resolve of waiting.values()) resolve({ error });
  })();

  const first = await withTimeout(response, RESPONSE_TIMEOUT_MS);
  let sample: Sample | undefined;
  let error: string | undefined;
  if (first === "timeout") {
    error = `no initialize response within ${RESPONSE_TIMEOUT_MS} ms`;
  } else if ("error" in first) {
    error = first.error;
  } else {
    const rss = rssMiB(proc.pid);
    const parsed = JSON.parse(first.line) as { result?: unknown; error?: { message?: string } };
    if (parsed.result === undefined) error = `initialize failed: ${parsed.error?.message ?? first.line.slice(0, 200)}`;
    else {
      // What a client does next: the tools, asked for once it has the handshake's answer.
      proc.stdin.write(`${INITIALIZED}\n${TOOLS_LIST}\n`);
      proc.stdin.flush();
      const tools = await withTimeout(listed, RESPONSE_TIMEOUT_MS);
      if (tools === "timeout") error = `no tools/list response within ${RESPONSE_TIMEOUT_MS} ms`;
      else if ("error" in tools) error = tools.error;
      else sample = { ms: first.at - started, listMs: tools.at - started, rssMiB: rss };
    }
  }

  proc.stdin.end();
  let killed = false;
  if ((await withTimeout(proc.exited, EXIT_TIMEOUT_MS)) === "timeout") {
    killed = true;
    proc.kill("SIGKILL");
    await proc.exited;
  }
  await Promise.allSettled([reading, stderrDone]);
  if (error && stderr.trim()) error += ` — stderr: ${stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`;
  if (error && proc.exitCode !== null && proc.exitCode !== 0 && !killed) error += ` (exit ${proc.exitCode})`;
  return { sample, error, killed };
}

function summarise(state: ModeState, runs: number): ModeSummary {
  const measured = state.samples.slice(WARMUP);
  const ms = measured.map((s) => s.ms);
  const sorted = [...ms].sort((a, b) => a - b);
  const rss = measured.map((s) => s.rssMiB).filter((v): v is number => v !== null);
  const complete = ms.length >= runs;
  const error = state.mode.unavailable ??
    (complete ? undefined : `${ms.length}/${runs} runs succeeded; last error: ${state.failures.at(-1) ?? "?"}`);
  return {
    name: state.mode.name,
    command: state.mode.command.map((c) => (path.isAbsolute(c) && c.startsWith(ROOT) ? path.relative(ROOT, c) : c)),
    ok: complete,
    ...(error ? { error } : {}),
    runs: ms.length,
    failures: state.failures.length,
    killedAfterStdinClose: state.killed,
    samplesMs: ms.map((v) => Math.round(v * 10) / 10),
    medianMs: complete ? median(ms) : null,
    p90Ms: complete ? quantile(sorted, 0.9) : null,
    minMs: complete ? (sorted[0] as number) : null,
    rssMedianMiB: complete ? median(rss) : null,
    ratioToHello: null,
    listMedianMs: complete ? median(measured.map((s) => s.listMs)) : null,
    listRatioToHello: null,
  };
}

function fmt(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? "—" : n.toFixed(digits);
}

function markdownTable(results: Results, previous: Results | null): string {
  const header = ["mode", "median ms", "p90 ms", "min ms", "RSS MiB (median)", "× hello", "→ tools/list ms", "× hello"];
  if (previous) header.push("previous median ms", "Δ median");
  const rows = results.modes.map((m) => {
    const row = m.ok
      ? [
        m.name,
        fmt(m.medianMs),
        fmt(m.p90Ms),
        fmt(m.minMs),
        fmt(m.rssMedianMiB),
        fmt(m.ratioToHello, 2),
        fmt(m.listMedianMs),
        fmt(m.listRatioToHello, 2),
      ]
      : [m.name, "failed", "—", "—", "—", "—", "—", "—"];
    if (previous) {
      const before = previous.modes.find((p) => p.name === m.name && p.ok)?.medianMs ?? null;
      const delta = before !== null && m.medianMs !== null
        ? `${m.medianMs - before >= 0 ? "+" : ""}${(m.medianMs - before).toFixed(1)} ms (${
          (((m.medianMs - before) / before) * 100).toFixed(0)
        }%)`
        : "—";
      row.push(fmt(before), delta);
    }
    return row;
  });
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

function checkLine(modes: ModeSummary[]): { pass: boolean; text: string } {
  const compiled = modes.find((m) => m.name === "compiled");
  const hello = modes.find((m) => m.name === HELLO);
  const label = `compiled median ≤ ${TARGET_MS} ms and ≤ ${TARGET_RATIO}× hello`;
  if (!compiled?.ok || compiled.medianMs === null) {
    return { pass: false, text: `${label}: FAIL (compiled did not run)` };
  }
  if (!hello?.ok || hello.medianMs === null) return { pass: false, text: `${label}: FAIL (hello did not run)` };
  const ratio = compiled.medianMs / hello.medianMs;
  const pass = compiled.medianMs <= TARGET_MS && ratio <= TARGET_RATIO;
  return {
    pass,
    text: `${label}: ${pass ? "PASS" : "FAIL"} (${compiled.medianMs.toFixed(1)} ms, ${ratio.toFixed(2)}× hello)`,
  };
}

async function main(): Promise<number> {
  let options: { runs: number; rebuild: boolean } | "help";
  try {
    options = parseBenchArgs(process.argv.slice(2), { runs: 25, minRuns: 20 });
  } catch (error) {
    console.error(`startup.ts: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const { runs, rebuild } = options;

  const denoBin = localBin("deno");
  const nodeBin = localBin("node");
  const [denoVersion, nodeVersion] = await Promise.all([
    denoBin ? capture([denoBin, "--version"]) : null,
    nodeBin ? capture([nodeBin, "--version"]) : null,
  ]);

  const modes = await prepareModes(rebuild, nodeVersion);
  const states: ModeState[] = modes.map((mode) => ({ mode, samples: [], failures: [], attempts: 0, killed: 0 }));
  for (const state of states) {
    if (state.mode.unavailable) console.log(`skipping ${state.mode.name}: ${state.mode.unavailable}`);
  }

  const rounds = WARMUP + runs;
  console.log(
    `measuring ${states.filter((s) => !s.mode.unavailable).length} modes × ${rounds} runs (${WARMUP} warm-up) …`,
  );
  for (let round = 0; round < rounds; round++) {
    const order = states.map((_, i) => states[(i + round) % states.length] as ModeState);
    for (const state of order) {
      if (state.mode.unavailable || state.failures.length >= MAX_FAILURES) continue;
      // A failure still costs a slot, so retry until this mode has `round + 1` good samples or gives up.
      while (state.samples.length <= round && state.failures.length < MAX_FAILURES) {
        state.attempts++;
        const result = await measureOnce(state.mode);
        if (result.killed) state.killed++;
        if (result.sample) state.samples.push(result.sample);
        else {
          state.failures.push(result.error ?? "unknown error");
          console.error(`  ${state.mode.name}: ${result.error}`);
        }
      }
    }
    if (process.stdout.isTTY) process.stdout.write(`  ${round + 1}/${rounds}${round + 1 === rounds ? "\n" : "\r"}`);
  }

  const summaries = states.map((s) => summarise(s, runs));
  const helloMedian = summaries.find((m) => m.name === HELLO && m.ok)?.medianMs ?? null;
  const helloList = summaries.find((m) => m.name === HELLO && m.ok)?.listMedianMs ?? null;
  for (const m of summaries) {
    if (m.medianMs !== null && helloMedian) m.ratioToHello = m.medianMs / helloMedian;
    if (m.listMedianMs !== null && helloList) m.listRatioToHello = m.listMedianMs / helloList;
  }

  const cpus = os.cpus();
  const results: Results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      platform: process.platform,
      arch: process.arch,
      release: os.release(),
      totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    },
    versions: { bun: Bun.version, deno: denoVersion?.split("\n")[0] ?? null, node: nodeVersion },
    runs,
    warmup: WARMUP,
    modes: summaries,
    check: checkLine(summaries),
  };

  let previous: Results | null = null;
  if (existsSync(RESULTS_JSON)) {
    try {
      previous = JSON.parse(readFileSync(RESULTS_JSON, "utf8")) as Results;
    } catch {
      console.warn(`ignoring unreadable ${path.relative(ROOT, RESULTS_JSON)}`);
    }
  }

  const table = markdownTable(results, previous);
  const notes: string[] = [];
  for (const m of summaries) {
    if (m.error) notes.push(`- ${m.name}: ${m.error}`);
    if (m.killedAfterStdinClose > 0) {
      notes.push(
        `- ${m.name}: ${m.killedAfterStdinClose} run(s) did not exit within ${EXIT_TIMEOUT_MS} ms of stdin closing and were killed`,
      );
    }
  }
  console.log(`\n${table}\n\n${results.check.text}`);
  if (notes.length) console.log(`\n${notes.join("\n")}`);

  const { machine, versions } = results;
  const md = [
    "# Startup benchmark",
    "",
    `Cold start → \`initialize\` response (the target's measure), and on to the \`tools/list\` answer a client asks for next, ${runs} runs per mode after ${WARMUP} warm-up runs, interleaved; RSS from /proc/<pid>/status right after the response.`,
    "",
    `- date: ${results.date}`,
    `- machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemMiB} MiB, ${machine.platform}-${machine.arch} ${machine.release}`,
    `- bun ${versions.bun}, ${versions.deno ?? "deno: not found"}, node ${versions.node ?? "not found"}`,
    previous ? `- compared with the run of ${previous.date}` : "- no previous run to compare with",
    "",
    table,
    "",
    results.check.text,
    ...(notes.length ? ["", ...notes] : []),
    "",
    "Reproduce: `bun bench/startup.ts`",
    "",
  ].join("\n");
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(RESULTS_MD, md);
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_JSON)} and ${path.relative(ROOT, RESULTS_MD)}`);
  return 0;
}

process.exitCode = await main();
