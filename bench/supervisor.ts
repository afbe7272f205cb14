/**
 * The supervisor's overhead: spawn → exit of a trivial child (`/bin/true`) through the supervisor
 * (own process group, drained pipes, stderr ring, exit report, group clean-up) against the
 * runtime adapter's raw spawn, interleaved, in one run. Prints a table and writes
 * bench/results/supervisor.{json,md}; compares with the previous run when there is one.
 *
 * Usage: bun bench/supervisor.ts [--runs N]   (default 200 of each, after 20 warm-ups)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createSupervisor } from "../src/process/supervisor.ts";
import { loadRuntime } from "../src/runtime/detect.ts";
import { summary } from "./lib.ts";

const RESULTS = join(import.meta.dir, "results");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const WARMUP = 20;
const CHILD = { command: "/bin/true", args: [] as string[] };

const runtime = await loadRuntime();
const supervisor = createSupervisor({ runtime });

async function raw(): Promise<number> {
  const t = performance.now();
  const child = await runtime.spawn({ ...CHILD, stdin: "ignore" });
  // Drain as the supervisor does, so both sides do the same I/O work.
  await Promise.all([child.exited, new Response(child.stdout).arrayBuffer(), new Response(child.stderr).arrayBuffer()]);
  return performance.now() - t;
}

async function supervised(): Promise<number> {
  const t = performance.now();
  const child = await supervisor.spawn({ ...CHILD, stdin: "ignore" });
  await child.exit;
  return performance.now() - t;
}

const samples = { raw: [] as number[], supervised: [] as number[] };
for (let i = 0; i < WARMUP; i++) {
  await raw();
  await supervised();
}
for (let i = 0; i < RUNS; i++) {
  // Alternate which goes first, so neither always runs on a warmer cache.
  if (i % 2 === 0) {
    samples.raw.push(await raw());
    samples.supervised.push(await supervised());
  } else {
    samples.supervised.push(await supervised());
    samples.raw.push(await raw());
  }
}

const result = {
  date: new Date().toISOString(),
  runtime: `${runtime.name} ${runtime.version}`,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`,
  runs: RUNS,
  raw: summary(samples.raw),
  supervised: summary(samples.supervised),
  ratio: summary(samples.supervised).median / summary(samples.raw).median,
};

const previousFile = join(RESULTS, "supervisor.json");
const previous = existsSync(previousFile) ? (JSON.parse(readFileSync(previousFile, "utf8")) as typeof result) : null;
const fmt = (n: number) => n.toFixed(2);
const lines = [
  "# Supervisor overhead",
  "",
  `Spawn → exit of \`/bin/true\`, ${RUNS} runs each after ${WARMUP} warm-ups, interleaved. ${result.runtime}; ${result.machine}; ${result.date}.`,
  "",
  `| path | median ms | p90 ms | min ms |${previous ? " previous median ms |" : ""}`,
  `| --- | --- | --- | --- |${previous ? " --- |" : ""}`,
  `| runtime.spawn (raw, pipes drained) | ${fmt(result.raw.median)} | ${fmt(result.raw.p90)} | ${
    fmt(result.raw.min)
  } |${previous ? ` ${fmt(previous.raw.median)} |` : ""}`,
  `| supervisor.spawn → exit report | ${fmt(result.supervised.median)} | ${fmt(result.supervised.p90)} | ${
    fmt(result.supervised.min)
  } |${previous ? ` ${fmt(previous.supervised.median)} |` : ""}`,
  "",
  `Ratio supervised / raw (medians): **${result.ratio.toFixed(2)}×**${
    previous ? ` (previous run ${previous.ratio.toFixed(2)}×)` : ""
  }.`,
  "",
  "Reproduce: `bun bench/supervisor.ts`",
];
const table = lines.join("\n") + "\n";
process.stdout.write(table);
writeFileSync(previousFile, JSON.stringify(result, null, 2) + "\n");
writeFileSync(join(RESULTS, "supervisor.md"), table);
await supervisor.teardownAll();
