/**
 * `npm test`: everything CI checks, in order, ending with the line `N passed, N failed`.
 *
 *  1. type-check the whole tree (tsc); formatting (deno fmt --check), lint (deno lint) and the
 *     dead-export check (scripts/dead-exports.ts): a violation fails the suite
 *  2. build the host binary and the windows-x64 one (build.ts verifies each file's format)
 *  3. `bun test` (unit, harness with the real Codex CLI, end-to-end in every launch mode)
 *  4. no process started by the suite is still running
 *
 * Each step counts as one check; every `bun test` case counts as one test. The default per-test
 * timeout is passed on the command line: bun 1.4.5 ignores `timeout` in bunfig.toml (measured).
 * Usage: bun scripts/test.ts [--skip-build] [bun test arguments…]
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const BIN = join(ROOT, "node_modules", ".bin");
const args = process.argv.slice(2);
const skipBuild = args.includes("--skip-build");
const testArgs = args.filter((a) => a !== "--skip-build");

let passed = 0;
let failed = 0;
const failures: string[] = [];

function check(name: string, ok: boolean, detail = ""): void {
  if (ok) passed += 1;
  else {
    failed += 1;
    failures.push(detail ? `${name}: ${detail}` : name);
  }
  process.stdout.write(`${ok ? "✓" : "✗"} ${name}${detail && !ok ? ` — ${detail}` : ""}\n`);
}

function step(name: string, command: string, argv: string[]): void {
  process.stdout.write(`\n▶ ${name}\n`);
  const started = performance.now();
  const result = spawnSync(command, argv, { cwd: ROOT, stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  check(
    `${name} (${seconds} s)`,
    result.status === 0,
    result.status === 0 ? "" : `exit ${result.status ?? result.signal}`,
  );
}

/** Runs `bun test`, echoing its output, and returns its pass/fail counts. */
function bunTest(): Promise<{ pass: number; fail: number; code: number | null }> {
  process.stdout.write("\n▶ bun test\n");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["test", "--timeout", "60000", ...testArgs], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tail = "";
    const forward = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
      target.write(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-4096);
    };
    child.stdout.on("data", forward(process.stdout));
    child.stderr.on("data", forward(process.stderr));
    child.on("close", (code) => {
      const pass = Number(/^\s*(\d+) pass$/m.exec(tail)?.[1] ?? 0);
      const fail = Number(/^\s*(\d+) fail$/m.exec(tail)?.[1] ?? 0);
      resolve({ pass, fail, code });
    });
  });
}

/** What appears in the command line of every process the suite starts. */
const SUITE_PROCESS = [
  join(ROOT, "dist", "codex-mcp"),
  join(ROOT, "src", "main.ts"),
  join(ROOT, "tests", "fixtures"),
  join("@openai", "codex"),
  "codex-mcp-test-",
];

/** Processes started by the suite that are still running (zombies are already gone, just unreaped). */
function leftoverProcesses(): string[] {
  const ps = spawnSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  if (ps.status !== 0) return [`ps failed: ${ps.stderr}`];
  const mine = new Set([String(process.pid), String(process.ppid)]);
  return ps.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => {
      const [pid, stat] = line.split(/\s+/, 2);
      if (!pid || mine.has(pid) || stat?.startsWith("Z")) return false;
      return SUITE_PROCESS.some((marker) => line.includes(marker));
    });
}

step("type-check (tsc --noEmit)", join(BIN, "tsc"), ["--noEmit", "-p", "tsconfig.json"]);
step("formatting (deno fmt --check; `npx deno fmt` fixes it)", join(BIN, "deno"), ["fmt", "--check"]);
step("lint (deno lint)", join(BIN, "deno"), ["lint"]);
step("no dead exports (scripts/dead-exports.ts)", process.execPath, ["scripts/dead-exports.ts"]);
if (!skipBuild) {
  step("build the host binary", process.execPath, ["build.ts"]);
  step("build the windows-x64 binary (PE format verified)", process.execPath, ["build.ts", "--target", "windows-x64"]);
}
const tests = await bunTest();
passed += tests.pass;
failed += tests.fail;
if (tests.fail > 0) failures.push(`${tests.fail} bun test case(s)`);
if (tests.code !== 0 && tests.fail === 0) {
  check("bun test exited cleanly", false, `exit code ${tests.code} with no failing case reported`);
}

// Give children a moment to finish exiting after the last test, then look for any left behind.
await new Promise((r) => setTimeout(r, 500));
const leftovers = leftoverProcesses();
check("no process left behind by the suite", leftovers.length === 0, leftovers.join("; "));

if (failures.length > 0) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
