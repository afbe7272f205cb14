/**
 * Fault tests for the process supervisor with real child processes on the current runtime (Bun):
 * spawn failures, stdin after exit, SIGTERM-proof children, grandchildren, floods, huge lines,
 * time limits and the registry. Grace periods are short so the whole file runs in a few seconds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { ChildSpawnError } from "../../src/process/errors.ts";
import type { RegistryEvent } from "../../src/process/registry.ts";
import { createSupervisor, type Supervisor } from "../../src/process/supervisor.ts";
import { loadRuntime } from "../../src/runtime/detect.ts";
import type { Runtime } from "../../src/runtime/types.ts";
import { bunScript, fixture, isLive, lineWaiter, liveGroupMembers, sh, watchUnhandled } from "./helpers.ts";

const GRACE = 300;
const MiB = 1024 * 1024;

let runtime: Runtime;
let supervisor: Supervisor;

beforeAll(async () => {
  runtime = await loadRuntime();
  supervisor = createSupervisor({ runtime, timeouts: { killGraceMs: GRACE } });
  chmodSync(fixture("not-executable.sh"), 0o644); // whatever the checkout did with mode bits
});

afterAll(async () => {
  await supervisor.teardownAll({ graceMs: 100, escalation: ["SIGKILL"] });
});

describe("spawn failures are typed errors with a hint", () => {
  test("missing binary: ENOENT", async () => {
    const error = await supervisor.spawn({ command: "/nonexistent/bin/codex", args: ["app-server"] }).catch((
      e: unknown,
    ) => e);
    expect(error).toBeInstanceOf(ChildSpawnError);
    const spawnError = error as ChildSpawnError;
    expect(spawnError.code).toBe("ENOENT");
    expect(spawnError.command).toBe("/nonexistent/bin/codex");
    expect(spawnError.hint).toContain("CODEX_MCP_PATH");
    expect(spawnError.message).toContain("ENOENT");
    expect(supervisor.registry.size).toBe(0);
  });

  test("not executable: EACCES", async () => {
    const error = await supervisor.spawn({ command: fixture("not-executable.sh"), args: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChildSpawnError);
    expect((error as ChildSpawnError).code).toBe("EACCES");
    expect((error as ChildSpawnError).hint).toContain("chmod +x");
  });

  test("NUL bytes in arguments are refused before anything starts", async () => {
    const error = await supervisor.spawn({ command: "/bin/echo", args: ["a\0b"] }).catch((e: unknown) => e);
    expect((error as ChildSpawnError).code).toBe("EINVAL");
  });
});

describe("stdin", () => {
  test("writes and closeStdin reach the child; it exits on EOF", async () => {
    const lines: string[] = [];
    const child = await supervisor.spawn({ ...sh("echo-lines.sh"), onStdoutLine: (line) => lines.push(line) });
    expect(await child.write("one\n")).toEqual({ ok: true });
    expect(await child.write(new TextEncoder().encode("two\n"))).toEqual({ ok: true });
    expect(await child.closeStdin()).toEqual({ ok: true });
    const report = await child.exit;
    expect(report).toMatchObject({ code: 0, signal: null, endedBy: "exit" });
    expect(lines).toEqual(["got: one", "got: two"]);
    const again = await child.write("three\n");
    expect(again.ok).toBe(false);
  });

  test("a child that exited before its stdin is written: error results, no crash, no unhandled rejection", async () => {
    const unhandled = watchUnhandled();
    try {
      const child = await supervisor.spawn(sh("exit-now.sh", "3"));
      // Written at once, racing the exit, and again after it: every outcome is a value.
      const racing = await child.write("x".repeat(MiB));
      const report = await child.exit;
      expect(report.code).toBe(3);
      const late = await child.write("hello\n");
      const closed = await child.closeStdin();
      const afterClose = await child.write("again\n");
      if (!racing.ok) expect(["exited", "broken-pipe"]).toContain(racing.error.reason);
      expect(late.ok).toBe(false);
      expect(!late.ok && late.error.reason).toBe("exited");
      expect(closed.ok).toBe(false);
      expect(!afterClose.ok && afterClose.error.reason).toBe("closed");
      await new Promise((r) => setTimeout(r, 50)); // let any stray rejection surface
      expect(unhandled.errors).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });

  test("a running child that closed its stdin: broken-pipe result", async () => {
    const unhandled = watchUnhandled();
    try {
      const ready = lineWaiter();
      const child = await supervisor.spawn({ ...sh("close-stdin-and-wait.sh", "5"), onStdoutLine: ready.onLine });
      await ready.next((line) => line === "ready");
      const result = await child.write("x".repeat(256 * 1024));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.reason).toBe("broken-pipe");
      await child.teardown({ escalation: ["SIGTERM", "SIGKILL"] });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled.errors).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });

  test("a child started without stdin refuses writes", async () => {
    const child = await supervisor.spawn({ ...sh("exit-now.sh"), stdin: "ignore" });
    const result = await child.write("x");
    expect(!result.ok && result.error.reason).toBe("no-stdin");
    await child.exit;
  });
});

describe("teardown", () => {
  test("a child that ignores SIGTERM is gone via SIGKILL within grace + 1 s", async () => {
    const ready = lineWaiter();
    const child = await supervisor.spawn({ ...sh("ignore-term.sh"), onStdoutLine: ready.onLine });
    await ready.next((line) => line === "ready");
    const started = performance.now();
    const first = child.teardown({ graceMs: GRACE, escalation: ["SIGTERM", "SIGKILL"] });
    expect(child.teardown()).toBe(first); // the same promise, however often it is asked
    const report = await first;
    expect(performance.now() - started).toBeLessThan(GRACE + 1000);
    expect(report).toMatchObject({
      code: null,
      signal: "SIGKILL",
      endedBy: "teardown",
      signalsSent: ["SIGTERM", "SIGKILL"],
    });
    expect(liveGroupMembers(child.pgid!)).toEqual([]);
  });

  test("a child that exits on stdin EOF is never signalled", async () => {
    const child = await supervisor.spawn(sh("echo-lines.sh"));
    const started = performance.now();
    const report = await child.teardown();
    expect(performance.now() - started).toBeLessThan(GRACE);
    expect(report).toMatchObject({ code: 0, signal: null, endedBy: "teardown", signalsSent: [] });
  });

  test("teardown right after the caller closed stdin still gives the child its grace period", async () => {
    const child = await supervisor.spawn(sh("echo-lines.sh"));
    void child.closeStdin();
    const report = await child.teardown();
    expect(report).toMatchObject({ code: 0, signal: null, signalsSent: [] });
  });

  test("grandchildren in the group do not survive teardown (one ignores SIGTERM)", async () => {
    const pids = lineWaiter();
    const child = await supervisor.spawn({ ...sh("grandchildren.sh", "stay"), onStdoutLine: pids.onLine });
    const grandchildren = (await pids.next((line) => line.startsWith("pids "))).split(" ").slice(1).map(Number);
    expect(grandchildren.every(isLive)).toBe(true);
    expect(liveGroupMembers(child.pgid!).length).toBeGreaterThanOrEqual(4);
    const report = await child.teardown();
    expect(report.endedBy).toBe("teardown");
    expect(report.signal).toBe("SIGTERM"); // the leader went on SIGTERM; its TERM-proof grandchild needed SIGKILL
    expect(report.signalsSent).toEqual(["SIGTERM", "SIGKILL"]);
    expect(liveGroupMembers(child.pgid!)).toEqual([]);
    expect(grandchildren.filter(isLive)).toEqual([]);
  });

  test("grandchildren left behind by a leader that exited on its own are cleaned up", async () => {
    const pids = lineWaiter();
    const child = await supervisor.spawn({ ...sh("grandchildren.sh", "leave"), onStdoutLine: pids.onLine });
    const grandchildren = (await pids.next((line) => line.startsWith("pids "))).split(" ").slice(1).map(Number);
    const report = await child.exit;
    expect(report).toMatchObject({ code: 0, endedBy: "exit" });
    expect(report.signalsSent).toEqual(["SIGTERM", "SIGKILL"]);
    expect(liveGroupMembers(child.pgid!)).toEqual([]);
    expect(grandchildren.filter(isLive)).toEqual([]);
    // Teardown after the fact returns the same report and signals nothing more.
    expect(await child.teardown()).toBe(report);
  });

  test("an overall time limit tears the child down", async () => {
    const ready = lineWaiter();
    const child = await supervisor.spawn({
      ...sh("ignore-term.sh"),
      onStdoutLine: ready.onLine,
      timeoutMs: 200,
      teardown: { graceMs: 200, escalation: ["SIGTERM", "SIGKILL"] },
    });
    const report = await child.exit;
    expect(report).toMatchObject({ endedBy: "timeout", signal: "SIGKILL", signalsSent: ["SIGTERM", "SIGKILL"] });
    expect(report.durationMs).toBeGreaterThanOrEqual(390);
    expect(report.durationMs).toBeLessThan(1500);
  });

  test("a time limit does not fire once the child has exited", async () => {
    const child = await supervisor.spawn({ ...sh("exit-now.sh"), timeoutMs: 100 });
    const report = await child.exit;
    await new Promise((r) => setTimeout(r, 150));
    expect(report).toMatchObject({ code: 0, endedBy: "exit", signalsSent: [] });
  });
});

describe("silence: a hung child that never exits", () => {
  test("a child that stops writing (SIGSTOP) is torn down after silenceMs, endedBy silence", async () => {
    const lines: string[] = [];
    const child = await supervisor.spawn({
      command: "/bin/sh",
      args: ["-c", "echo ready; kill -STOP $$; echo never"],
      onStdoutLine: (line) => lines.push(line),
      silenceMs: 300,
      teardown: { graceMs: 100, escalation: ["SIGTERM", "SIGKILL"] },
    });
    const report = await child.exit;
    expect(lines).toEqual(["ready"]);
    expect(report).toMatchObject({ endedBy: "silence", signal: "SIGKILL" });
  });

  test("a child that keeps writing on stderr, however slowly, is not silent", async () => {
    const child = await supervisor.spawn({
      command: "/bin/sh",
      args: ["-c", "for i in 1 2 3 4 5 6; do echo tick >&2; sleep 0.1; done"],
      silenceMs: 400,
    });
    const report = await child.exit;
    expect(report).toMatchObject({ code: 0, endedBy: "exit", signalsSent: [] });
    expect(report.durationMs).toBeGreaterThan(500); // longer than silenceMs in all
  });
});

describe("pipes", () => {
  test("10 MiB of stderr while stdout is idle: no deadlock, the ring keeps the last 64 KiB", async () => {
    const child = await supervisor.spawn(bunScript("stderr-flood.ts", String(10 * MiB)));
    const report = await child.exit;
    expect(report.code).toBe(0);
    expect(report.stderrBytes).toBe(10 * MiB);
    // 64-byte lines: the last 64 KiB are exactly the last 1024 lines.
    const lastLines = Array.from(
      { length: 1024 },
      (_, k) => `${String(163840 - 1024 + k).padStart(8, "0")} ${"x".repeat(54)}\n`,
    ).join("");
    expect(report.stderrTail.length).toBe(64 * 1024);
    expect(report.stderrTail).toBe(lastLines);
  });

  test("one 10 MiB stdout line arrives whole, with its exact length", async () => {
    const lines: string[] = [];
    const child = await supervisor.spawn({
      ...bunScript("long-line.ts", String(10 * MiB)),
      onStdoutLine: (line) => lines.push(line),
    });
    const report = await child.exit;
    await child.stdoutDone;
    expect(report.code).toBe(0);
    expect(lines.length).toBe(2);
    expect(lines[0]!.length).toBe(10 * MiB);
    expect(lines[0]!.startsWith("0123456789abcdef0123")).toBe(true);
    expect(lines[0]!.endsWith("cdef")).toBe(true);
    expect(lines[1]).toBe("after");
  });

  test("without a consumer, stdout is still drained", async () => {
    const child = await supervisor.spawn(bunScript("long-line.ts", String(4 * MiB)));
    expect((await child.exit).code).toBe(0);
  });

  test("the stderr tail is quoted in the exit report, with optional stderr lines", async () => {
    const stderrLines: string[] = [];
    const stdoutLines: string[] = [];
    const child = await supervisor.spawn({
      ...sh("fail-with-stderr.sh"),
      onStdoutLine: (l) => stdoutLines.push(l),
      onStderrLine: (l) => stderrLines.push(l),
      label: "failing",
    });
    const report = await child.exit;
    expect(report).toMatchObject({ code: 7, signal: null, endedBy: "exit" });
    expect(report.stderrTail).toBe('error: config.toml line 3: unknown key "modle"\nhint: did you mean "model"?\n');
    expect(child.stderrTail()).toBe(report.stderrTail);
    expect(stderrLines).toEqual(['error: config.toml line 3: unknown key "modle"', 'hint: did you mean "model"?']);
    expect(stdoutLines).toEqual(["starting"]);
  });

  test("a throwing line consumer does not stop the draining", async () => {
    let calls = 0;
    const child = await supervisor.spawn({
      ...sh("echo-lines.sh"),
      onStdoutLine: () => {
        calls++;
        throw new Error("consumer bug");
      },
    });
    for (const word of ["a", "b", "c"]) await child.write(word + "\n");
    await child.closeStdin();
    expect((await child.exit).code).toBe(0);
    expect(calls).toBe(3);
  });
});

describe("registry", () => {
  test("adds on spawn, removes on exit, with plain records", async () => {
    const local = createSupervisor({ runtime, timeouts: { killGraceMs: GRACE } });
    const events: RegistryEvent[] = [];
    local.registry.subscribe((event) => events.push(event));
    const children = await Promise.all(
      [1, 2, 3].map((n) => local.spawn({ ...sh("exit-now.sh"), label: `child ${n}` })),
    );
    expect(local.registry.size).toBe(3);
    const records = local.registry.list();
    expect(records.map((r) => r.label)).toEqual(["child 1", "child 2", "child 3"]);
    for (const [i, record] of records.entries()) {
      expect(record).toEqual({
        id: record.id,
        pid: children[i]!.pid,
        pgid: children[i]!.pid,
        command: "/bin/sh",
        label: `child ${i + 1}`,
        startedAt: record.startedAt,
      });
      expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    }
    await Promise.all(children.map((c) => c.exit));
    expect(local.registry.size).toBe(0);
    expect(events.filter((e) => e.type === "added").length).toBe(3);
    expect(events.filter((e) => e.type === "removed").length).toBe(3);
  });

  test("teardownAll stops every live child and refuses new ones", async () => {
    const local = createSupervisor({ runtime, timeouts: { killGraceMs: GRACE } });
    const ready = lineWaiter();
    await local.spawn(sh("echo-lines.sh"));
    await local.spawn(sh("echo-lines.sh"));
    const stubborn = await local.spawn({ ...sh("ignore-term.sh"), onStdoutLine: ready.onLine });
    await ready.next((l) => l === "ready");
    const pending = local.spawn(sh("echo-lines.sh")); // still starting when shutdown begins
    const reports = await local.teardownAll();
    expect(reports.length).toBe(4);
    expect(reports.every((r) => r.endedBy === "teardown")).toBe(true);
    expect(reports.filter((r) => r.code === 0).length).toBe(3);
    expect(reports.find((r) => r.signal === "SIGKILL")).toBeDefined();
    expect(local.registry.size).toBe(0);
    expect((await pending).running).toBe(false);
    expect(liveGroupMembers(stubborn.pgid!)).toEqual([]);
    const refused = await local.spawn(sh("exit-now.sh")).catch((e: unknown) => e);
    expect((refused as ChildSpawnError).code).toBe("SHUTDOWN");
  });
});
