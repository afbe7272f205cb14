/**
 * The supervisor's basic paths on whichever runtime runs this file (`bun`, `node`, `deno run -A`):
 * spawn → exit with a stderr tail, stdin round trip, a write after exit, ENOENT, SIGKILL after an
 * ignored SIGTERM, and group teardown with grandchildren. Prints one JSON object for
 * cross-runtime.test.ts to check, and must then exit on its own (nothing left holding the loop).
 */
import { ChildSpawnError } from "../../src/process/errors.ts";
import { createSupervisor } from "../../src/process/supervisor.ts";
import { loadRuntime } from "../../src/runtime/detect.ts";

const fixture = (name: string) => new URL(`../fixtures/children/${name}`, import.meta.url).pathname;
const runtime = await loadRuntime();
const unhandled: string[] = [];
runtime.onUnhandledError((error) => void unhandled.push(String(error)));
const supervisor = createSupervisor({ runtime, timeouts: { killGraceMs: 300 } });

function waitForLine(match: (line: string) => boolean) {
  let resolve!: (line: string) => void;
  const found = new Promise<string>((r) => (resolve = r));
  return { found, onLine: (line: string) => void (match(line) && resolve(line)) };
}

// spawn → exit, with stdout lines and the stderr tail
const stdout: string[] = [];
const failing = await supervisor.spawn({
  command: "/bin/sh",
  args: [fixture("fail-with-stderr.sh")],
  onStdoutLine: (l) => void stdout.push(l),
});
const failed = await failing.exit;

// stdin round trip, then a write after the exit
const echoed: string[] = [];
const echo = await supervisor.spawn({
  command: "/bin/sh",
  args: [fixture("echo-lines.sh")],
  onStdoutLine: (l) => void echoed.push(l),
});
const written = await echo.write("ping\n");
const closed = await echo.closeStdin();
const echoReport = await echo.exit;
const late = await echo.write("too late\n");

// ENOENT
const missing = await supervisor.spawn({ command: "/nonexistent/codex", args: [] }).catch((e: unknown) => e);

// SIGTERM ignored → SIGKILL
const ready = waitForLine((l) => l === "ready");
const stubborn = await supervisor.spawn({
  command: "/bin/sh",
  args: [fixture("ignore-term.sh")],
  onStdoutLine: ready.onLine,
});
await ready.found;
const t0 = performance.now();
const stubbornReport = await stubborn.teardown({ escalation: ["SIGTERM", "SIGKILL"] });
const stubbornMs = performance.now() - t0;

// group teardown with grandchildren (one ignores SIGTERM)
const pidsLine = waitForLine((l) => l.startsWith("pids "));
const family = await supervisor.spawn({
  command: "/bin/sh",
  args: [fixture("grandchildren.sh"), "stay"],
  onStdoutLine: pidsLine.onLine,
});
const grandchildren = (await pidsLine.found).split(" ").slice(1).map(Number);
const familyReport = await family.teardown();

console.log(
  JSON.stringify({
    runtime: runtime.name,
    failed: { ...failed, stdout },
    echo: { written, closed, report: echoReport, echoed, late: late.ok ? "ok" : late.error.reason },
    missing: missing instanceof ChildSpawnError ? { code: missing.code, hint: missing.hint } : String(missing),
    stubborn: { report: stubbornReport, ms: stubbornMs },
    family: { report: familyReport, pgid: family.pgid, grandchildren },
    registrySize: supervisor.registry.size,
    unhandled,
  }),
);
