/**
 * The cost of persistence: the SQLite session store against the memory store, from ONE run.
 *
 * 1. Appends per second through `SessionStore.appendEvent`, four sessions round-robin, default
 *    event-log bounds (so eviction, and its deletes, happen once a session passes 1000 events):
 *    - ~100-byte `agent_message_delta`s of one stream, never read: merged into one event until it
 *      reaches 16 KiB (the SQLite store rewrites that growing row on every append);
 *    - ~100-byte `command_output_delta`s of distinct items (what a client that polls often
 *      causes): one new row each;
 *    - 16 KiB `item_completed` events (a 16 KiB text: one row each, just under the chunk size).
 *    Then the time to open the resulting database again (integrity check, WAL, migrations) and to
 *    list its sessions, and to load one session's log.
 * 2. One-message turn time through a SessionManager on the real Codex CLI (`codex app-server`)
 *    and the fake model (a message streamed as 20 deltas): start → waitForTurn "finished", and a
 *    follow-up reply → "finished", memory store vs SQLite store (each manager with its own warm
 *    app-server), interleaved, after warm-ups; ratio of medians.
 *
 * Prints a table and writes bench/results/persistence.{json,md}; compares with the previous run.
 *
 *   bun bench/persistence.ts [--runs N] [--scale F]   (N turns per case, default 30; F scales the append counts, default 1)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { SessionManager } from "../src/sessions/manager.ts";
import { MemorySessionStore } from "../src/sessions/memory-store.ts";
import { SqliteSessionStore } from "../src/sessions/sqlite-store.ts";
import { prepareStateDir } from "../src/platform/state-dir.ts";
import type { SessionRecord, SessionStore } from "../src/sessions/store.ts";
import { createWorld, memoryLogger, runtime } from "../tests/app-server/helpers.ts";
import { reply } from "../tests/harness/fake-model.ts";
import { summary } from "./lib.ts";

const RESULTS = join(import.meta.dir, "results");
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("--runs", 30);
const SCALE = arg("--scale", 1);
const WARMUP = 3;
const SESSIONS = 4;

const scratch = mkdtempSync(join(os.tmpdir(), "codex-mcp-bench-persistence-"));
let scratchCount = 0;

async function sqliteStore(): Promise<SqliteSessionStore> {
  const state = await prepareStateDir({
    env: { CODEX_MCP_STATE_DIR: join(scratch, `state-${++scratchCount}`) },
    platform: runtime.platform,
    cwd: runtime.cwd(),
    fs: runtime.fs,
  });
  return SqliteSessionStore.open({ path: state.databasePath, openDatabase: runtime.openDatabase });
}

function record(id: string): SessionRecord {
  const now = Date.now();
  return {
    id,
    threadId: null,
    status: "running",
    backend: "app-server",
    settings: { cwd: scratch, approvalPolicy: "never", sandbox: "read-only" },
    approvalTimeoutMs: 60_000,
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
    turns: 0,
    currentTurnId: null,
    phase: "bench",
    preview: id,
  };
}

// ---- 1. appends ------------------------------------------------------------------------------------

interface Workload {
  name: string;
  count: number;
  payloadBytes: number;
  event: (i: number) => { type: string; data: Record<string, unknown> };
}

const SMALL = "x".repeat(100);
const LARGE = "y".repeat(16 * 1024);
const WORKLOADS: Workload[] = [
  {
    name: "100 B deltas, one stream (merged)",
    count: Math.round(20_000 * SCALE),
    payloadBytes: 100,
    event: (i) => ({ type: "agent_message_delta", data: { itemId: `m${Math.floor(i / 4_000)}`, delta: SMALL } }),
  },
  {
    name: "100 B deltas, distinct items (a row each)",
    count: Math.round(20_000 * SCALE),
    payloadBytes: 100,
    event: (i) => ({ type: "command_output_delta", data: { itemId: `c${i}`, delta: SMALL } }),
  },
  {
    name: "16 KiB events",
    count: Math.round(2_000 * SCALE),
    payloadBytes: 16 * 1024,
    event: (i) => ({ type: "item_completed", data: { itemId: `i${i}`, text: LARGE } }),
  },
];

interface AppendResult {
  workload: string;
  appends: number;
  payloadBytes: number;
  memory: { eventsPerSec: number; ms: number };
  sqlite: { eventsPerSec: number; ms: number; rowsWritten: number; fileMiB: number };
  /** memory events/s ÷ sqlite events/s: how many times slower the SQLite store appends. */
  slowdown: number;
}

function appendAll(store: SessionStore, workload: Workload): { ms: number; rows: number } {
  for (let s = 0; s < SESSIONS; s++) store.createSession(record(`s${s}`));
  let rows = 0;
  const t = performance.now();
  for (let i = 0; i < workload.count; i++) {
    const { type, data } = workload.event(i);
    rows += store.appendEvent(`s${i % SESSIONS}`, type, data).length;
  }
  return { ms: performance.now() - t, rows };
}

const appendResults: AppendResult[] = [];
const openTimes: { workload: string; openMs: number; listMs: number; loadLogMs: number; events: number }[] = [];
for (const workload of WORKLOADS) {
  const memory = new MemorySessionStore();
  const m = appendAll(memory, workload);
  memory.close();
  const sqlite = await sqliteStore();
  const s = appendAll(sqlite, workload);
  const path = sqlite.path;
  sqlite.close();
  const fileBytes = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  appendResults.push({
    workload: workload.name,
    appends: workload.count,
    payloadBytes: workload.payloadBytes,
    memory: { eventsPerSec: (workload.count / m.ms) * 1000, ms: m.ms },
    sqlite: {
      eventsPerSec: (workload.count / s.ms) * 1000,
      ms: s.ms,
      rowsWritten: s.rows,
      fileMiB: fileBytes / 2 ** 20,
    },
    slowdown: m.ms === 0 ? 0 : s.ms / m.ms,
  });
  // Reopening what was written: the start-up cost of a server with this state.
  const t0 = performance.now();
  const reopened = SqliteSessionStore.open({ path, openDatabase: runtime.openDatabase });
  const t1 = performance.now();
  reopened.listSessions();
  const t2 = performance.now();
  const events = reopened.eventStats("s0").size;
  const t3 = performance.now();
  reopened.close();
  openTimes.push({ workload: workload.name, openMs: t1 - t0, listMs: t2 - t1, loadLogMs: t3 - t2, events });
}

// ---- 2. turns through a SessionManager -------------------------------------------------------------

interface Stats {
  median: number;
  p90: number;
  min: number;
}

const world = await createWorld();
const DELTAS = Array.from({ length: 20 }, (_, i) => `word${i} `);
world.model.setHandler(() => reply.message(DELTAS));
const policy = {
  approvalTimeoutMs: 60_000,
  idleTtlMs: 3_600_000,
  runningTtlMs: 3_600_000,
  terminalTtlMs: 3_600_000,
  retentionMs: 7 * 24 * 3_600_000,
  maxImageBytes: 20 * 1024 * 1024,
};
const paths = {
  isDirectory: async (path: string): Promise<boolean> => (await runtime.fs.stat(path))?.isDirectory === true,
  resolveFile: async () => null,
};

async function makeManager(store: SessionStore): Promise<SessionManager> {
  const { backend } = await world.backend();
  return new SessionManager({ store, backend: async () => backend, policy, log: memoryLogger(), paths });
}

const turnStores = { memory: new MemorySessionStore(), sqlite: await sqliteStore() };
const sides = { memory: await makeManager(turnStores.memory), sqlite: await makeManager(turnStores.sqlite) };
type Side = keyof typeof sides;
const samples: Record<"first" | "followUp", Record<Side, number[]>> = {
  first: { memory: [], sqlite: [] },
  followUp: { memory: [], sqlite: [] },
};

async function turn(side: Side, round: number, keep: boolean): Promise<void> {
  const manager = sides[side];
  let t = performance.now();
  const started = await manager.start({ settings: world.settings(), turn: { prompt: `round ${round}` } });
  if ((await manager.waitForTurn(started.id, 30_000)) !== "finished") {
    throw new Error(`${side}: the first turn did not finish`);
  }
  const firstMs = performance.now() - t;
  t = performance.now();
  await manager.reply(started.id, { prompt: `follow-up ${round}` });
  if ((await manager.waitForTurn(started.id, 30_000)) !== "finished") {
    throw new Error(`${side}: the follow-up did not finish`);
  }
  const followMs = performance.now() - t;
  const result = manager.get(started.id).result;
  if (result?.status !== "completed" || result.text !== DELTAS.join("")) {
    throw new Error(`${side}: unexpected result ${JSON.stringify(result)}`);
  }
  if (keep) {
    samples.first[side].push(firstMs);
    samples.followUp[side].push(followMs);
  }
}

try {
  for (let round = 0; round < WARMUP + RUNS; round++) {
    const order: Side[] = round % 2 === 0 ? ["memory", "sqlite"] : ["sqlite", "memory"];
    for (const side of order) await turn(side, round, round >= WARMUP);
  }
} finally {
  await Promise.all(Object.values(sides).map((m) => m.close()));
  for (const store of Object.values(turnStores)) store.close();
  await world.afterEach();
  await world.close();
}

const turns = (["first", "followUp"] as const).map((kind) => {
  const memory: Stats = summary(samples[kind].memory);
  const sqlite: Stats = summary(samples[kind].sqlite);
  return { kind, memory, sqlite, ratio: sqlite.median / memory.median };
});

// ---- report ----------------------------------------------------------------------------------------

const result = {
  date: new Date().toISOString(),
  runtime: `${runtime.name} ${runtime.version}`,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`,
  runs: RUNS,
  warmup: WARMUP,
  appends: appendResults,
  reopen: openTimes,
  turns,
};
const previousFile = join(RESULTS, "persistence.json");
const previous = existsSync(previousFile) ? (JSON.parse(readFileSync(previousFile, "utf8")) as typeof result) : null;
const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const was = (value: string | undefined): string => (previous ? ` ${value ?? "–"} |` : "");
const prevAppend = (name: string) => previous?.appends.find((a) => a.workload === name);
const prevTurn = (kind: string) => previous?.turns.find((t) => t.kind === kind);

const lines = [
  "# Cost of persistence: SQLite store vs memory store",
  "",
  `${result.runtime}; ${result.machine}; ${result.date}. One run. SQLite: node:sqlite, WAL, synchronous=NORMAL, one transaction per append.`,
  "",
  "## Appends per second (`SessionStore.appendEvent`, 4 sessions round-robin, default event-log bounds)",
  "",
  `| workload | appends | memory events/s | SQLite events/s | SQLite row writes (inserts + rewrites) | slowdown (×) | DB MiB |${
    previous ? " previous SQLite events/s |" : ""
  }`,
  `| --- | --- | --- | --- | --- | --- | --- |${previous ? " --- |" : ""}`,
  ...appendResults.map(
    (a) =>
      `| ${a.workload} | ${int(a.appends)} | ${int(a.memory.eventsPerSec)} | ${int(a.sqlite.eventsPerSec)} | ${
        int(a.sqlite.rowsWritten)
      } | ${fmt(a.slowdown, 1)} | ${fmt(a.sqlite.fileMiB, 1)} |${
        was(prevAppend(a.workload) && int(prevAppend(a.workload)!.sqlite.eventsPerSec))
      }`,
  ),
  "",
  "Reopening the database each workload left (what a server start pays): open = integrity check + WAL + migrations; list = `listSessions()`; load = one session's log restored on first access.",
  "",
  "| workload | open ms | list ms | load one log ms (events) |",
  "| --- | --- | --- | --- |",
  ...openTimes.map((o) =>
    `| ${o.workload} | ${fmt(o.openMs)} | ${fmt(o.listMs)} | ${fmt(o.loadLogMs)} (${o.events}) |`
  ),
  "",
  `## One-message turn through a SessionManager (real Codex app-server + fake model, 20 streamed deltas), ${RUNS} runs each after ${WARMUP} warm-ups, interleaved`,
  "",
  `| turn | memory median ms | memory p90 | SQLite median ms | SQLite p90 | ratio SQLite / memory (medians) |${
    previous ? " previous ratio |" : ""
  }`,
  `| --- | --- | --- | --- | --- | --- |${previous ? " --- |" : ""}`,
  ...turns.map(
    (t) =>
      `| ${t.kind === "first" ? "first turn (start → finished)" : "follow-up (reply → finished)"} | ${
        fmt(t.memory.median)
      } | ${fmt(t.memory.p90)} | ${fmt(t.sqlite.median)} | ${fmt(t.sqlite.p90)} | **${fmt(t.ratio, 3)}×** |${
        was(prevTurn(t.kind) && `${fmt(prevTurn(t.kind)!.ratio, 3)}×`)
      }`,
  ),
  "",
  "Reproduce: `bun bench/persistence.ts [--runs N] [--scale F]`",
];
const table = lines.join("\n") + "\n";
process.stdout.write(table);
writeFileSync(previousFile, JSON.stringify(result, null, 2) + "\n");
writeFileSync(join(RESULTS, "persistence.md"), table);
rmSync(scratch, { recursive: true, force: true });
