/**
 * Session benchmark: what codex-mcp adds on top of driving `codex app-server` yourself, against
 * the real Codex CLI and the fake model (which answers every request at once with a short
 * message), from ONE run:
 *
 * 1. One-message turn time, interleaved, after warm-ups:
 *    - first turn: direct = `thread/start` + `turn/start` → `turn/completed` on one warm
 *      app-server; codex-mcp = a `codex` tool call with `advanced.waitForResult`, on one warm
 *      compiled server (its app-server already running), timed from sending to the answer.
 *    - follow-up turn: direct = `turn/start` on the thread of the same round → `turn/completed`;
 *      codex-mcp = `codex_reply` with `waitForResult` on the session of the same round.
 *    Goal: codex-mcp's first-turn median ≤ 1.10 × direct's. Also reported: the median of the
 *    per-round difference (steadier than the ratio of medians on a busy machine), the CPU each
 *    process spends per turn, and an MCP `ping` round trip.
 * 2. The liveness check's cost on a normal turn: three warm codex-mcp servers, interleaved first
 *    turns — the check effectively off (CODEX_MCP_LIVENESS_MS at its maximum), at its default
 *    (10 s, so a turn this short never meets one), and every 10 ms (a few checks per turn, a
 *    thousand times the default rate). Goal: no visible difference from "off".
 * 3. Memory of idle sessions: a fresh codex-mcp server with 0, 1 and then 10 idle sessions (one
 *    turn each): VmRSS (and Pss) of the server and of every child it supervises (from
 *    `codex-mcp:///server-info`) and their descendants; the same for a direct app-server with 0,
 *    1 and 10 threads.
 *
 *   bun bench/session.ts [--runs N] [--rebuild]
 *
 * Every side gets its own throwaway CODEX_HOME; every process started is closed and checked gone
 * at the end. Results go to bench/results/session.{json,md}; a previous JSON is compared against
 * before being replaced.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type AppServer, startAppServer, textInput } from "../tests/harness/app-server.ts";
import { codexBinary } from "../tests/harness/codex-bin.ts";
import { type CodexHome, makeCodexHome } from "../tests/harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../tests/harness/fake-model.ts";
import { launch, type Launched } from "../tests/e2e/launch.ts";
import { capture, ensureBuilt, median, parseBenchArgs, procMiB, ROOT, rssMiB, summary } from "./lib.ts";

const RESULTS_DIR = path.join(ROOT, "bench", "results");
const RESULTS_JSON = path.join(RESULTS_DIR, "session.json");
const RESULTS_MD = path.join(RESULTS_DIR, "session.md");
const PRODUCT_BINARY = path.join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");
const CODEX_WRAPPER = path.join(ROOT, "node_modules", ".bin", "codex");

const WARMUP = 3;
const DEFAULT_RUNS = 30;
const WAIT_FOR_RESULT_MS = 30_000;
const TURN_TIMEOUT_MS = 30_000;
const TARGET_RATIO = 1.1;
const MEMORY_SESSIONS = 10;
/** After the last turn, before reading memory: let both processes settle. */
const SETTLE_MS = 1_500;
const RSS_READINGS = 5;
const RSS_READING_GAP_MS = 300;
const ANSWER = "ok";

const USAGE = `Usage: bun bench/session.ts [--runs N] [--rebuild]

  --runs N     measured samples per case (default ${DEFAULT_RUNS}, at least 30); ${WARMUP} warm-up rounds are discarded
  --rebuild    rebuild dist/codex-mcp even if it looks current`;

// ---------------------------------------------------------------------------------------------
// Types

interface Stats {
  samplesMs: number[];
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

/** Mean CPU time per sample (utime + stime from /proc, in ms), by process. */
interface CpuPerTurn {
  appServer: number | null;
  codexMcp: number | null;
  /** This process: the harness or the SDK client (and the fake model, shared by both sides). */
  bench: number;
}

interface TimingCase {
  name: string;
  direct: Stats;
  codexMcp: Stats;
  /** codex-mcp median / direct median. */
  ratio: number;
  /** Median over rounds of (codex-mcp − direct) in the same round. */
  pairedDeltaMs: number;
  cpu: { direct: CpuPerTurn; codexMcp: CpuPerTurn };
}

/** One server of the liveness comparison. */
interface LivenessSide {
  name: string;
  livenessMs: number;
  turn: Stats;
  /** Median over rounds of (this side − "off") in the same round. */
  pairedDeltaMs: number;
  cpu: CpuPerTurn;
}

interface ProcessRss {
  pid: number;
  label: string;
  rssMiB: number | null;
  pssMiB: number | null;
}

interface MemoryPoint {
  sessions: number;
  processes: ProcessRss[];
  totalRssMiB: number;
  totalPssMiB: number | null;
}

interface MemorySide {
  name: string;
  points: MemoryPoint[];
  /** (total at 10 − total at 1) / 9. */
  marginalRssMiB: number;
}

interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; platform: string; arch: string; release: string; totalMemMiB: number };
  versions: {
    bun: string;
    codex: string | null;
    codexMcp: string | null;
    mcpSdk: string | null;
    source: string | null;
  };
  /** 1-minute load averages when the run started and ended: other work on the machine skews the timing. */
  loadAverage: { start: number; end: number };
  runs: number;
  warmup: number;
  timing: TimingCase[];
  /** MCP `ping` round trip through the warm codex-mcp server: the fixed cost of one hop. */
  mcpPing: Stats;
  /** Absent in runs before the liveness check was measured. */
  liveness?: LivenessSide[];
  memory: MemorySide[];
  leftovers: string[];
  check: { pass: boolean; text: string };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function stats(samples: number[]): Stats {
  const s = summary(samples);
  return { samplesMs: samples.map((v) => Math.round(v * 100) / 100), medianMs: s.median, p90Ms: s.p90, minMs: s.min };
}

// ---------------------------------------------------------------------------------------------
// Processes and memory

const pssMiB = (pid: number) => procMiB(`/proc/${pid}/smaps_rollup`, "Pss");

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on Linux everywhere in practice. */
const USER_HZ = 100;

/** utime + stime of a process in ms; null when it is gone. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(")").at(-1)!.trim().split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

const selfCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Sums the CPU that each process spends during the measured samples. */
class CpuMeter {
  readonly #totals = new Map<string, number>();
  #count = 0;

  async measure<T>(pids: Record<string, number>, fn: () => Promise<T>): Promise<T> {
    const before = Object.entries(pids).map(([key, pid]) => [key, pid, cpuMs(pid)] as const);
    const self = selfCpuMs();
    const value = await fn();
    this.#add("bench", selfCpuMs() - self);
    for (const [key, pid, start] of before) {
      const end = cpuMs(pid);
      if (start !== null && end !== null) this.#add(key, end - start);
    }
    this.#count++;
    return value;
  }

  #add(key: string, ms: number): void {
    this.#totals.set(key, (this.#totals.get(key) ?? 0) + ms);
  }

  perSample(): CpuPerTurn {
    const mean = (
      key: string,
    ) => (this.#totals.has(key) && this.#count > 0 ? (this.#totals.get(key) as number) / this.#count : null);
    return { appServer: mean("appServer"), codexMcp: mean("codexMcp"), bench: mean("bench") ?? 0 };
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name; a zombie has already exited.
    return !/\)\s+Z\s/.test(stat);
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
        if (text) out.push(...text.split(/\s+/).map(Number));
      } catch {
        // thread gone
      }
    }
  } catch {
    // process gone
  }
  return out;
}

function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...childrenOf(next));
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).map((a) => path.basename(a)).join(
      " ",
    ).slice(0, 60);
  } catch {
    return "?";
  }
}

/** Median of a few readings taken a moment apart, for every pid. */
async function readMemory(pids: { pid: number; label: string }[]): Promise<ProcessRss[]> {
  const rss = new Map<number, number[]>();
  const pss = new Map<number, number[]>();
  for (let i = 0; i < RSS_READINGS; i++) {
    if (i > 0) await sleep(RSS_READING_GAP_MS);
    for (const { pid } of pids) {
      const r = rssMiB(pid);
      const p = pssMiB(pid);
      if (r !== null) rss.set(pid, [...(rss.get(pid) ?? []), r]);
      if (p !== null) pss.set(pid, [...(pss.get(pid) ?? []), p]);
    }
  }
  return pids.map(({ pid, label }) => ({
    pid,
    label,
    rssMiB: rss.has(pid) ? median(rss.get(pid) as number[]) : null,
    pssMiB: pss.has(pid) ? median(pss.get(pid) as number[]) : null,
  }));
}

function memoryPoint(sessions: number, processes: ProcessRss[]): MemoryPoint {
  const pss = processes.map((p) => p.pssMiB);
  return {
    sessions,
    processes,
    totalRssMiB: processes.reduce((sum, p) => sum + (p.rssMiB ?? 0), 0),
    totalPssMiB: pss.every((v) => v !== null) ? (pss as number[]).reduce((a, b) => a + b, 0) : null,
  };
}

/** Every pid this run started, and every CODEX_HOME it made, to prove at the end that nothing is left. */
const startedPids = new Map<number, string>();
const homeRoots: string[] = [];

// ---------------------------------------------------------------------------------------------
// The two sides

type View = {
  sessionId: string;
  status: string;
  result?: { text: string | null; status: string };
  error?: { code: string; message: string };
};

interface McpSide {
  server: Launched;
  home: CodexHome;
  call(name: string, args: Record<string, unknown>): Promise<View>;
  start(prompt: string): Promise<View>;
  reply(sessionId: string, prompt: string): Promise<View>;
  serverInfo(): Promise<{ pid: number; version: string; children: { pid: number; label: string }[] }>;
  close(): Promise<void>;
}

async function startMcp(model: FakeModel, extraEnv: Record<string, string> = {}): Promise<McpSide> {
  const home = makeCodexHome({ modelUrl: model.url });
  homeRoots.push(home.root);
  const server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: CODEX_WRAPPER, CODEX_MCP_TEST_HOOKS: undefined, ...extraEnv },
    inheritEnv: false,
  });
  if (server.child.pid) startedPids.set(server.child.pid, "codex-mcp");
  // As a real client does: the tool list first (the SDK then validates structured output).
  await server.client.listTools();
  const call = async (name: string, args: Record<string, unknown>): Promise<View> => {
    const result = await server.client.callTool({ name, arguments: args }, undefined, {
      timeout: TURN_TIMEOUT_MS + 10_000,
    });
    if (result.isError) throw new Error(`${name}: ${(result.content as { text: string }[])[0]?.text}`);
    return result.structuredContent as View;
  };
  const side: McpSide = {
    server,
    home,
    call,
    start: (prompt) =>
      call("codex", {
        prompt,
        approvalPolicy: "never",
        sandbox: "workspace-write",
        cwd: home.workspace,
        advanced: { waitForResult: WAIT_FOR_RESULT_MS },
      }),
    reply: (sessionId, prompt) => call("codex_reply", { sessionId, prompt, waitForResult: WAIT_FOR_RESULT_MS }),
    async serverInfo() {
      const resource = await server.client.readResource({ uri: "codex-mcp:///server-info" });
      const info = JSON.parse((resource.contents[0] as { text: string }).text);
      for (const child of info.children) startedPids.set(child.pid, child.label);
      return info;
    },
    async close() {
      await server.client.close().catch(() => {}); // ends stdin
      const exited = await Promise.race([server.exited, sleep(10_000).then(() => null)]);
      if (!exited) {
        console.error("codex-mcp did not exit within 10 s of stdin closing; killing it");
        await server.dispose();
      }
      home.cleanup();
    },
  };
  return side;
}

function assertDone(view: View, what: string): void {
  if (view.status !== "idle" || view.result?.status !== "completed" || view.result.text !== ANSWER) {
    throw new Error(
      `${what}: unexpected answer ${JSON.stringify({ status: view.status, result: view.result, error: view.error })}`,
    );
  }
}

interface DirectSide {
  app: AppServer;
  home: CodexHome;
  startThread(): Promise<string>;
  turn(threadId: string, prompt: string): Promise<void>;
  close(): Promise<void>;
}

async function startDirect(model: FakeModel): Promise<DirectSide> {
  const home = makeCodexHome({ modelUrl: model.url });
  homeRoots.push(home.root);
  const app = startAppServer({ env: home.env, cwd: home.workspace });
  startedPids.set(app.pid, "direct codex app-server");
  await app.initialize("codex-mcp-bench");
  const side: DirectSide = {
    app,
    home,
    async startThread() {
      const { thread } = await app.request<{ thread: { id: string } }>(
        "thread/start",
        { cwd: home.workspace, approvalPolicy: "never", sandbox: "workspace-write" },
        TURN_TIMEOUT_MS,
      );
      return thread.id;
    },
    async turn(threadId, prompt) {
      const from = app.notifications.length;
      const { turn } = await app.request<{ turn: { id: string } }>("turn/start", {
        threadId,
        input: [textInput(prompt)],
      }, TURN_TIMEOUT_MS);
      const done = await app.waitForNotification(
        "turn/completed",
        (p) => p?.threadId === threadId && p?.turn?.id === turn.id,
        { timeoutMs: TURN_TIMEOUT_MS, from },
      );
      if (done.params.turn.status !== "completed") {
        throw new Error(`direct turn ended ${done.params.turn.status}: ${JSON.stringify(done.params.turn.error)}`);
      }
    },
    async close() {
      await app.close();
      home.cleanup();
    },
  };
  return side;
}

// ---------------------------------------------------------------------------------------------
// Part 1: timing

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function measureTiming(model: FakeModel, runs: number): Promise<{ timing: TimingCase[]; ping: Stats }> {
  const direct = await startDirect(model);
  const mcp = await startMcp(model);
  try {
    // Untimed: start codex-mcp's app-server.
    assertDone(await mcp.start("warm up"), "warm-up codex");
    const info = await mcp.serverInfo();
    const mcpPids = { codexMcp: info.pid, appServer: (info.children[0] as { pid: number }).pid };
    const directPids = { appServer: direct.app.pid };
    const samples = {
      directFirst: [] as number[],
      mcpFirst: [] as number[],
      directFollow: [] as number[],
      mcpFollow: [] as number[],
      ping: [] as number[],
    };
    const cpu = {
      directFirst: new CpuMeter(),
      mcpFirst: new CpuMeter(),
      directFollow: new CpuMeter(),
      mcpFollow: new CpuMeter(),
    };
    const rounds = WARMUP + runs;
    console.log(
      `timing: ${rounds} rounds (${WARMUP} warm-up) of first + follow-up turns, direct and codex-mcp interleaved …`,
    );
    for (let round = 0; round < rounds; round++) {
      const keep = round >= WARMUP;
      let threadId = "";
      let sessionId = "";
      // Warm-up rounds are measured too, into a meter that is thrown away.
      const meter = (m: CpuMeter) => (keep ? m : new CpuMeter());
      const directFirst = async () => {
        const { ms } = await meter(cpu.directFirst).measure(directPids, () =>
          timed(async () => {
            threadId = await direct.startThread();
            await direct.turn(threadId, `first ${round}`);
          }));
        if (keep) samples.directFirst.push(ms);
      };
      const mcpFirst = async () => {
        const { ms, value } = await meter(cpu.mcpFirst).measure(
          mcpPids,
          () => timed(() => mcp.start(`first ${round}`)),
        );
        assertDone(value, "codex");
        sessionId = value.sessionId;
        if (keep) samples.mcpFirst.push(ms);
      };
      const directFollow = async () => {
        const { ms } = await meter(cpu.directFollow).measure(
          directPids,
          () => timed(() => direct.turn(threadId, `follow-up ${round}`)),
        );
        if (keep) samples.directFollow.push(ms);
      };
      const mcpFollow = async () => {
        const { ms, value } = await meter(cpu.mcpFollow).measure(
          mcpPids,
          () => timed(() => mcp.reply(sessionId, `follow-up ${round}`)),
        );
        assertDone(value, "codex_reply");
        if (keep) samples.mcpFollow.push(ms);
      };
      // Alternate which side goes first, so neither always runs right after the other.
      const order = round % 2 === 0
        ? [directFirst, mcpFirst, directFollow, mcpFollow]
        : [mcpFirst, directFirst, mcpFollow, directFollow];
      for (const step of order) await step();
      const { ms: pingMs } = await timed(() => mcp.server.client.ping());
      if (keep) samples.ping.push(pingMs);
      if (process.stdout.isTTY) process.stdout.write(`  ${round + 1}/${rounds}${round + 1 === rounds ? "\n" : "\r"}`);
    }
    const make = (name: string, d: number[], m: number[], dCpu: CpuMeter, mCpu: CpuMeter): TimingCase => {
      const ds = stats(d);
      const ms = stats(m);
      return {
        name,
        direct: ds,
        codexMcp: ms,
        ratio: ms.medianMs / ds.medianMs,
        pairedDeltaMs: median(m.map((v, i) => v - (d[i] as number))) as number,
        cpu: { direct: dCpu.perSample(), codexMcp: mCpu.perSample() },
      };
    };
    return {
      timing: [
        make("first turn (new session)", samples.directFirst, samples.mcpFirst, cpu.directFirst, cpu.mcpFirst),
        make("follow-up turn", samples.directFollow, samples.mcpFollow, cpu.directFollow, cpu.mcpFollow),
      ],
      ping: stats(samples.ping),
    };
  } finally {
    await mcp.close();
    await direct.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: the liveness check

const LIVENESS_SIDES = [
  { name: "check off", livenessMs: 2_147_483_647 },
  { name: "default (10 s)", livenessMs: 10_000 },
  { name: "every 10 ms", livenessMs: 10 },
] as const;

async function measureLiveness(model: FakeModel, runs: number): Promise<LivenessSide[]> {
  const sides = [];
  for (const spec of LIVENESS_SIDES) {
    const mcp = await startMcp(model, { CODEX_MCP_LIVENESS_MS: String(spec.livenessMs) });
    assertDone(await mcp.start("warm up"), "warm-up codex"); // untimed: starts its app-server
    const info = await mcp.serverInfo();
    const pids = { codexMcp: info.pid, appServer: (info.children[0] as { pid: number }).pid };
    sides.push({ spec, mcp, pids, samples: [] as number[], cpu: new CpuMeter() });
  }
  try {
    const rounds = WARMUP + runs;
    console.log(`liveness: ${rounds} rounds (${WARMUP} warm-up) of first turns on 3 servers, interleaved …`);
    for (let round = 0; round < rounds; round++) {
      const keep = round >= WARMUP;
      // Rotate the order, so no side always runs right after another.
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length]!;
        const meter = keep ? side.cpu : new CpuMeter();
        const { ms, value } = await meter.measure(side.pids, () => timed(() => side.mcp.start(`first ${round}`)));
        assertDone(value, "codex");
        if (keep) side.samples.push(ms);
      }
    }
    const off = sides[0]!.samples;
    return sides.map((side) => ({
      name: side.spec.name,
      livenessMs: side.spec.livenessMs,
      turn: stats(side.samples),
      pairedDeltaMs: median(side.samples.map((v, i) => v - (off[i] as number))) as number,
      cpu: side.cpu.perSample(),
    }));
  } finally {
    for (const side of sides) await side.mcp.close();
  }
}

function livenessTable(results: Results, previous: Results | null): string {
  const header = [
    "codex-mcp, liveness check",
    "median ms",
    "p90 ms",
    "Δ vs off per round (median)",
    "CPU ms/turn: app-server",
    "codex-mcp",
  ];
  if (previous?.liveness) header.push("previous median ms");
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const side of results.liveness ?? []) {
    const row = [
      side.name,
      fmt(side.turn.medianMs),
      fmt(side.turn.p90Ms),
      `${side.pairedDeltaMs >= 0 ? "+" : ""}${fmt(side.pairedDeltaMs)} ms`,
      fmt(side.cpu.appServer),
      fmt(side.cpu.codexMcp),
    ];
    if (previous?.liveness) row.push(fmt(previous.liveness.find((p) => p.name === side.name)?.turn.medianMs));
    lines.push(`| ${row.join(" | ")} |`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Part 3: memory

async function mcpMemory(model: FakeModel): Promise<{ side: MemorySide; version: string | null }> {
  const mcp = await startMcp(model);
  try {
    const points: MemoryPoint[] = [];
    let version: string | null = null;
    const read = async (sessions: number) => {
      await sleep(SETTLE_MS);
      const info = await mcp.serverInfo();
      version = info.version;
      const pids = [{ pid: info.pid, label: "codex-mcp" }];
      for (const child of info.children) {
        pids.push({ pid: child.pid, label: child.label });
        for (const d of descendantsOf(child.pid)) {
          startedPids.set(d, `descendant of ${child.label}`);
          pids.push({ pid: d, label: `└ ${commandOf(d)}` });
        }
      }
      points.push(memoryPoint(sessions, await readMemory(pids)));
    };
    await read(0);
    let started = 0;
    for (const target of [1, MEMORY_SESSIONS]) {
      for (; started < target; started++) assertDone(await mcp.start(`session ${started + 1}`), "codex");
      const list = (await mcp.call("codex_session", { action: "list" })) as unknown as {
        sessions: { status: string }[];
      };
      if (list.sessions.length !== target || list.sessions.some((s) => s.status !== "idle")) {
        throw new Error(`expected ${target} idle sessions, got ${JSON.stringify(list.sessions.map((s) => s.status))}`);
      }
      await read(target);
    }
    return { side: { name: "codex-mcp", points, marginalRssMiB: marginal(points) }, version };
  } finally {
    await mcp.close();
  }
}

async function directMemory(model: FakeModel): Promise<MemorySide> {
  const direct = await startDirect(model);
  try {
    const points: MemoryPoint[] = [];
    const read = async (threads: number) => {
      await sleep(SETTLE_MS);
      const pids = [{ pid: direct.app.pid, label: "codex app-server (direct)" }];
      for (const d of descendantsOf(direct.app.pid)) pids.push({ pid: d, label: `└ ${commandOf(d)}` });
      points.push(memoryPoint(threads, await readMemory(pids)));
    };
    await read(0);
    let started = 0;
    for (const target of [1, MEMORY_SESSIONS]) {
      for (; started < target; started++) await direct.turn(await direct.startThread(), `thread ${started + 1}`);
      await read(target);
    }
    return { name: "codex app-server directly", points, marginalRssMiB: marginal(points) };
  } finally {
    await direct.close();
  }
}

function marginal(points: MemoryPoint[]): number {
  const one = points.find((p) => p.sessions === 1) as MemoryPoint;
  const many = points.find((p) => p.sessions === MEMORY_SESSIONS) as MemoryPoint;
  return (many.totalRssMiB - one.totalRssMiB) / (MEMORY_SESSIONS - 1);
}

// ---------------------------------------------------------------------------------------------
// Leftovers

/** Pids this run started that still live, and any app-server still using one of our homes. */
async function leftovers(homes: readonly string[]): Promise<string[]> {
  await sleep(300);
  const found: string[] = [];
  for (const [pid, label] of startedPids) {
    if (alive(pid)) found.push(`${label} (pid ${pid}) still running: ${commandOf(pid)}`);
  }
  const ps = await capture(["ps", "-eo", "pid=,ppid=,args="]);
  for (const line of (ps ?? "").split("\n")) {
    const [pid] = line.trim().split(/\s+/);
    if (!pid || startedPids.has(Number(pid))) continue;
    let environ = "";
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue;
    }
    if (homes.some((home) => environ.includes(home)) && alive(Number(pid))) {
      found.push(`stray process using a bench CODEX_HOME: ${line.trim()}`);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? "—" : n.toFixed(digits));

function timingTable(results: Results, previous: Results | null): string {
  const header = [
    "turn",
    "side",
    "median ms",
    "p90 ms",
    "min ms",
    "× direct (medians)",
    "Δ per round (median)",
    "CPU ms/turn: app-server",
    "codex-mcp",
    "bench process",
  ];
  if (previous) header.push("previous median ms", "previous ×");
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const c of results.timing) {
    const before = previous?.timing.find((p) => p.name === c.name);
    for (
      const [side, s, ratio, delta, cpu, prev, prevRatio] of [
        ["codex app-server directly", c.direct, "1.00", "", c.cpu.direct, before?.direct.medianMs, ""],
        [
          "codex-mcp",
          c.codexMcp,
          c.ratio.toFixed(2),
          `${c.pairedDeltaMs >= 0 ? "+" : ""}${fmt(c.pairedDeltaMs)} ms`,
          c.cpu.codexMcp,
          before?.codexMcp.medianMs,
          before ? before.ratio.toFixed(2) : "—",
        ],
      ] as const
    ) {
      const row = [
        c.name,
        side,
        fmt(s.medianMs),
        fmt(s.p90Ms),
        fmt(s.minMs),
        ratio,
        delta,
        fmt(cpu.appServer),
        fmt(cpu.codexMcp),
        fmt(cpu.bench),
      ];
      if (previous) row.push(fmt(prev), prevRatio);
      lines.push(`| ${row.join(" | ")} |`);
    }
  }
  const p = results.mcpPing;
  lines.push(
    "",
    `MCP \`ping\` round trip through the warm server (the fixed cost of one client ↔ codex-mcp hop): median ${
      fmt(p.medianMs, 2)
    } ms, p90 ${fmt(p.p90Ms, 2)} ms, min ${fmt(p.minMs, 2)} ms.`,
  );
  return lines.join("\n");
}

function memoryTable(results: Results, previous: Results | null): string {
  const header = ["side", "sessions", "process", "pid", "VmRSS MiB", "Pss MiB"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const side of results.memory) {
    for (const point of side.points) {
      for (const p of point.processes) {
        lines.push(
          `| ${side.name} | ${point.sessions} | ${p.label} | ${p.pid} | ${fmt(p.rssMiB)} | ${fmt(p.pssMiB)} |`,
        );
      }
      lines.push(
        `| ${side.name} | ${point.sessions} | **sum** | | **${fmt(point.totalRssMiB)}** | ${fmt(point.totalPssMiB)} |`,
      );
    }
  }
  const summary = ["side", `sum at 0`, "sum at 1", `sum at ${MEMORY_SESSIONS}`, "MiB per extra session (VmRSS)"];
  if (previous) summary.push("previous per extra session");
  const s = [`| ${summary.join(" | ")} |`, `|${summary.map(() => " --- ").join("|")}|`];
  for (const side of results.memory) {
    const at = (n: number) => side.points.find((p) => p.sessions === n)?.totalRssMiB;
    const row = [side.name, fmt(at(0)), fmt(at(1)), fmt(at(MEMORY_SESSIONS)), fmt(side.marginalRssMiB, 2)];
    if (previous) row.push(fmt(previous.memory.find((m) => m.name === side.name)?.marginalRssMiB, 2));
    s.push(`| ${row.join(" | ")} |`);
  }
  return `${s.join("\n")}\n\n${lines.join("\n")}`;
}

function checkLine(timing: TimingCase[]): { pass: boolean; text: string } {
  const first = timing[0] as TimingCase;
  const pass = first.ratio <= TARGET_RATIO;
  return {
    pass,
    text: `one-message turn ≤ ${TARGET_RATIO.toFixed(2)}× direct: ${pass ? "PASS" : "FAIL"} (${
      first.ratio.toFixed(2)
    }×: ${first.codexMcp.medianMs.toFixed(1)} ms vs ${
      first.direct.medianMs.toFixed(1)
    } ms; paired estimate 1 + median Δ / direct median = ${
      (1 + first.pairedDeltaMs / first.direct.medianMs).toFixed(2)
    }×)`,
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let options: { runs: number; rebuild: boolean } | "help";
  try {
    options = parseBenchArgs(process.argv.slice(2), { runs: DEFAULT_RUNS, minRuns: 30 });
  } catch (error) {
    console.error(`session.ts: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  if (process.platform !== "linux") {
    console.warn("session.ts: memory is read from /proc; it will be missing on this platform");
  }
  const loadAtStart = os.loadavg()[0] as number;
  const buildError = await ensureBuilt(PRODUCT_BINARY, [path.join(ROOT, "src")], [], options.rebuild);
  if (buildError) throw new Error(buildError);

  const model = await startFakeModel({ handler: () => reply.message(ANSWER) });
  let timing: TimingCase[];
  let mcpPing: Stats;
  let liveness: LivenessSide[];
  let memory: MemorySide[];
  let codexMcpVersion: string | null = null;
  try {
    ({ timing, ping: mcpPing } = await measureTiming(model, options.runs));
    liveness = await measureLiveness(model, options.runs);
    console.log("memory: codex-mcp with 1 and 10 idle sessions …");
    const mcp = await mcpMemory(model);
    codexMcpVersion = mcp.version;
    console.log("memory: codex app-server with 1 and 10 threads …");
    memory = [mcp.side, await directMemory(model)];
  } finally {
    await model.close();
  }
  const stray = await leftovers(homeRoots);

  const loadAtEnd = os.loadavg()[0] as number;
  const codexVersion = await capture([codexBinary(), "--version"]);
  const commit = await capture(["git", "rev-parse", "--short", "HEAD"]);
  const dirty = await capture(["git", "status", "--porcelain", "--", "src", "build.ts", "package-lock.json"]);
  const source = commit === null ? null : `${commit}${dirty ? " + uncommitted changes in src/" : ""}`;
  let mcpSdk: string | null = null;
  try {
    mcpSdk =
      JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@modelcontextprotocol", "sdk", "package.json"), "utf8"))
        .version;
  } catch {
    // not installed the usual way
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
    versions: { bun: Bun.version, codex: codexVersion, codexMcp: codexMcpVersion, mcpSdk, source },
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    runs: options.runs,
    warmup: WARMUP,
    timing,
    mcpPing,
    liveness,
    memory,
    leftovers: stray,
    check: checkLine(timing),
  };

  let previous: Results | null = null;
  if (existsSync(RESULTS_JSON)) {
    try {
      previous = JSON.parse(readFileSync(RESULTS_JSON, "utf8")) as Results;
    } catch {
      console.warn(`ignoring unreadable ${path.relative(ROOT, RESULTS_JSON)}`);
    }
  }
  const tTable = timingTable(results, previous);
  const mTable = memoryTable(results, previous);
  const lTable = livenessTable(results, previous);
  const left = stray.length
    ? `processes left behind:\n${stray.map((s) => `- ${s}`).join("\n")}`
    : "processes left behind: none";
  console.log(
    `\n${tTable}\n\n${results.check.text}${
      previous ? ` (previous run ${previous.check.text.match(/\(([\d.]+)×/)?.[1] ?? "?"}×)` : ""
    }\n\n${lTable}\n\n${mTable}\n\n${left}`,
  );

  const { machine, versions } = results;
  const md = [
    "# Session benchmark",
    "",
    `The real Codex CLI against the fake model, which answers every request at once with "${ANSWER}". Each side has its own throwaway CODEX_HOME.`,
    "",
    `- date: ${results.date}`,
    `- machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemMiB} MiB, ${machine.platform}-${machine.arch} ${machine.release}`,
    `- bun ${versions.bun}, ${versions.codex ?? "codex: unknown version"}, codex-mcp ${
      versions.codexMcp ?? "?"
    } (dist/codex-mcp built from ${versions.source ?? "unknown sources"}), @modelcontextprotocol/sdk ${
      versions.mcpSdk ?? "?"
    }`,
    `- 1-minute load average: ${results.loadAverage.start.toFixed(2)} at the start, ${
      results.loadAverage.end.toFixed(2)
    } at the end (${machine.cpus} CPUs; other work on the machine moves the timing)`,
    previous ? `- compared with the run of ${previous.date}` : "- no previous run to compare with",
    "",
    "## One-message turn",
    "",
    `${options.runs} samples per case after ${WARMUP} warm-up rounds, the sides interleaved (the order alternates every round). Direct: one warm \`codex app-server\` (initialized once, untimed, as the test harness does it: experimental API on, no notifications opted out, so it receives a few more notifications than codex-mcp's app-server); first turn = \`thread/start\` + \`turn/start\` → \`turn/completed\` on a new thread, follow-up = \`turn/start\` → \`turn/completed\` on that thread. codex-mcp: one warm compiled server driven by the SDK client (its app-server started by an untimed call); first turn = a \`codex\` call with \`advanced.waitForResult\`, follow-up = \`codex_reply\` with \`waitForResult\` on that session, each timed from sending to the answer. "Δ per round" is the median of codex-mcp − direct within the same round. CPU ms/turn is the mean utime + stime (from /proc, 10 ms ticks summed over all samples) spent during the samples by the app-server, by codex-mcp, and by this process (the harness or the SDK client, plus the fake model both share).`,
    "",
    tTable,
    "",
    `**${results.check.text}**${
      previous ? ` (previous run: ${previous.check.text.match(/\(([\d.]+)×/)?.[1] ?? "?"}×)` : ""
    }`,
    "",
    "## The liveness check on a normal turn",
    "",
    `Three warm codex-mcp servers that differ only in CODEX_MCP_LIVENESS_MS, ${options.runs} first turns each (a \`codex\` call with \`waitForResult\`) after ${WARMUP} warm-up rounds, interleaved with the order rotating every round. While a turn runs, each server asks its app-server an unknown method at that interval (answered at once with an error). "off" is the largest interval allowed, so it never fires; the default never fires during a turn this short either; every 10 ms fires a few times per turn. "Δ vs off" is the median of (side − off) within the same round.`,
    "",
    lTable,
    "",
    "## Memory of idle sessions",
    "",
    `A fresh codex-mcp server: VmRSS (and Pss) from /proc of the server, of every child in \`codex-mcp:///server-info\` and of their descendants, with 0 sessions (no app-server yet), after 1 session and after ${MEMORY_SESSIONS} (one turn each, idle). The same for a direct app-server with 0, 1 and ${MEMORY_SESSIONS} threads. Median of ${RSS_READINGS} readings ${RSS_READING_GAP_MS} ms apart, ${SETTLE_MS} ms after the last turn. VmRSS counts shared pages in full in every process that maps them; Pss divides them among those processes, unrelated ones running the same binaries included, so it moves with whatever else runs on the machine.`,
    "",
    mTable,
    "",
    left,
    "",
    "Reproduce: `bun bench/session.ts`",
    "",
  ].join("\n");
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(RESULTS_MD, md);
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_JSON)} and ${path.relative(ROOT, RESULTS_MD)}`);
  return stray.length ? 1 : 0;
}

process.exitCode = await main();
