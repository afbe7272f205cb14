/**
 * Tree killing without real signals: the exact `taskkill` argv on Windows (through a fake runner,
 * since it cannot run here), the whole supervisor on a fake Windows runtime, and /proc parsing.
 */
import { describe, expect, test } from "bun:test";
import { createSupervisor } from "../../src/process/supervisor.ts";
import {
  groupHasRunningMember,
  parseProcStat,
  processGroupKiller,
  taskkillArgv,
  taskkillKiller,
  treeKillerFor,
} from "../../src/process/tree-kill.ts";
import type { ChildProcess, ExitStatus, Runtime, Signal, SpawnOptions } from "../../src/runtime/types.ts";

function fakeRunner(onRun?: (argv: readonly string[]) => void) {
  const calls: (readonly string[])[] = [];
  return {
    calls,
    run: async (argv: readonly string[]) => {
      calls.push(argv);
      onRun?.(argv);
      return { code: 0 };
    },
  };
}

/** A child whose exit the test controls, with stdin that records what happened to it. */
function fakeChild(pid: number) {
  let exit!: (status: ExitStatus) => void;
  const stdinEvents: string[] = [];
  const ends: (() => void)[] = [];
  const output = () => new ReadableStream<Uint8Array>({ start: (c) => void ends.push(() => c.close()) });
  const child: ChildProcess = {
    pid,
    stdin: new WritableStream<Uint8Array>({
      write: () => void stdinEvents.push("write"),
      close: () => void stdinEvents.push("close"),
    }),
    stdout: output(),
    stderr: output(),
    exited: new Promise<ExitStatus>((resolve) => (exit = resolve)),
  };
  return {
    child,
    stdinEvents,
    exit(status: ExitStatus) {
      for (const end of ends) end();
      exit(status);
    },
  };
}

function fakeWindowsRuntime(child: ChildProcess) {
  const spawns: SpawnOptions[] = [];
  const runtime = {
    platform: "win32",
    spawn: async (options: SpawnOptions) => (spawns.push(options), child),
    kill: () => true,
    killGroup: () => {
      throw new Error("process groups are POSIX-only");
    },
    fs: {} as Runtime["fs"],
  } satisfies Pick<Runtime, "platform" | "spawn" | "kill" | "killGroup" | "fs">;
  return { runtime, spawns };
}

describe("Windows: taskkill /T /F", () => {
  test("the exact argv", () => {
    expect(taskkillArgv(4242)).toEqual(["taskkill", "/PID", "4242", "/T", "/F"]);
  });

  test("every step runs it, whatever the signal, while the child lives", async () => {
    const runner = fakeRunner();
    const killer = taskkillKiller(runner.run);
    expect(killer.usesProcessGroups).toBe(false);
    expect(await killer.signalTree(77, "SIGTERM", true)).toBe(true);
    expect(await killer.signalTree(77, "SIGKILL", true)).toBe(true);
    expect(runner.calls).toEqual([
      ["taskkill", "/PID", "77", "/T", "/F"],
      ["taskkill", "/PID", "77", "/T", "/F"],
    ]);
    // Once the child is gone its pid may be reused: nothing is run.
    expect(await killer.signalTree(77, "SIGKILL", false)).toBe(false);
    expect(runner.calls.length).toBe(2);
    expect(await killer.treeAlive(77)).toBeNull();
  });

  test("the supervisor on Windows: no process group, stdin closed first, then one taskkill", async () => {
    const fake = fakeChild(4242);
    const { runtime, spawns } = fakeWindowsRuntime(fake.child);
    const runner = fakeRunner(() => fake.exit({ code: 1, signal: null }));
    const supervisor = createSupervisor({
      runtime,
      treeKiller: treeKillerFor(runtime, runner.run),
      timeouts: { killGraceMs: 30 },
    });
    const child = await supervisor.spawn({
      command: "C:\\codex\\codex.exe",
      args: ["app-server"],
      label: "app-server",
    });
    expect(spawns[0]).toMatchObject({ command: "C:\\codex\\codex.exe", args: ["app-server"], newProcessGroup: false });
    expect(child.pgid).toBeNull();
    expect(supervisor.registry.list()[0]).toMatchObject({ pid: 4242, pgid: null, label: "app-server" });
    const report = await child.teardown();
    expect(fake.stdinEvents).toEqual(["close"]);
    expect(runner.calls).toEqual([["taskkill", "/PID", "4242", "/T", "/F"]]);
    expect(report).toMatchObject({ code: 1, signal: null, endedBy: "teardown", signalsSent: ["SIGTERM"] });
    expect(supervisor.registry.size).toBe(0);
  });

  test("a Windows child that exits on its own is not taskkilled afterwards", async () => {
    const fake = fakeChild(5151);
    const { runtime } = fakeWindowsRuntime(fake.child);
    const runner = fakeRunner();
    const supervisor = createSupervisor({ runtime, treeKiller: treeKillerFor(runtime, runner.run) });
    const child = await supervisor.spawn({ command: "codex.exe", args: [] });
    fake.exit({ code: 0, signal: null });
    expect(await child.exit).toMatchObject({ code: 0, endedBy: "exit", signalsSent: [] });
    expect(await child.teardown()).toMatchObject({ endedBy: "exit" });
    expect(runner.calls).toEqual([]);
  });
});

describe("POSIX process groups", () => {
  test("signals go to the group; a refused group signal still stops the child itself", async () => {
    const sent: string[] = [];
    const killer = processGroupKiller({
      killGroup: (pgid: number, signal: Signal | 0) => {
        if (signal === "SIGTERM") throw Object.assign(new Error("EPERM"), { code: "EPERM" });
        sent.push(`group ${pgid} ${signal}`);
        return signal !== 0;
      },
      kill: (pid: number, signal: Signal | 0) => (sent.push(`pid ${pid} ${signal}`), true),
    });
    expect(killer.usesProcessGroups).toBe(true);
    expect(await killer.signalTree(10, "SIGINT", true)).toBe(true);
    expect(await killer.signalTree(10, "SIGTERM", true)).toBe(true);
    expect(await killer.signalTree(10, "SIGTERM", false)).toBe(false);
    expect(await killer.treeAlive(10)).toBe(false);
    expect(sent).toEqual(["group 10 SIGINT", "pid 10 SIGTERM", "group 10 0"]);
  });

  test("/proc: zombies do not count as running members", async () => {
    const stats: Record<string, string> = {
      "/proc/100/stat": "100 (codex) S 1 100 100 0 -1 4194560",
      "/proc/101/stat": "101 (sh (weird) name) Z 100 100 100 0 -1",
      "/proc/102/stat": "102 (other) R 1 555 555 0 -1",
    };
    const fs = {
      readDir: async () => ["100", "101", "102", "self", "cpuinfo"],
      readTextFile: async (path: string) => {
        const text = stats[path];
        if (text === undefined) throw new Error("ENOENT");
        return text;
      },
    };
    expect(await groupHasRunningMember(fs, 100)).toBe(true);
    delete stats["/proc/100/stat"]; // the leader is gone: only a zombie is left in group 100
    expect(await groupHasRunningMember(fs, 100)).toBe(false);
    expect(await groupHasRunningMember(fs, 555)).toBe(true);
    // A real line's layout (from `cat /proc/self/stat`), with a comm holding ") " to trip naive parsers.
    expect(parseProcStat("7 (a) b) c) D 1 42 42 0 -1 4194304 134 0 0 0 0 0 0 0 20 0 1 0 290874 3133440 385")).toEqual({
      state: "D",
      pgrp: 42,
      startTime: "290874",
    });
    expect(parseProcStat("garbage")).toBeNull();
  });
});
