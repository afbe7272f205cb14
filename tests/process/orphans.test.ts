/**
 * Orphan reaping: the rules (with injected process identities), then for real — a process group
 * left by a server that is gone is terminated, a pid now held by another process is not touched,
 * and a server's ledger follows its supervisor's children.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log.ts";
import { ChildLedger, identifier, type LedgerEntry, type ReapOptions, reapOrphans } from "../../src/process/orphans.ts";
import { createSupervisor } from "../../src/process/supervisor.ts";
import { loadRuntime } from "../../src/runtime/detect.ts";
import { isLive, liveGroupMembers } from "./helpers.ts";

const runtime = await loadRuntime();
const log = createLogger(new WritableStream(), "error");
const identify = identifier(runtime);
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "codex-mcp-orphans-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const DEAD_OWNER = { pid: 2_000_000_000, startTime: "1" };
function writeLedger(dir: string, owner: { pid: number; startTime: string | null }, children: LedgerEntry[]) {
  writeFileSync(join(dir, `${owner.pid}-${owner.startTime}.json`), JSON.stringify({ owner, children }));
}
const entry = (pid: number, startTime: string | null, pgid: number | null = pid): LedgerEntry => ({
  pid,
  pgid,
  label: "codex app-server",
  startedAt: 0,
  startTime,
});

describe("the rules, with injected identities", () => {
  function fakeReap(dir: string, alive: Map<number, string>) {
    const signals: string[] = [];
    const options: ReapOptions = {
      fs: runtime.fs,
      dir,
      self: { pid: 1, startTime: "self" },
      identify: async (pid) => alive.get(pid) ?? null,
      signal: {
        kill: (pid, sig) => (signals.push(`${sig} ${pid}`), alive.delete(pid)),
        killGroup: (pgid, sig) => (signals.push(`${sig} -${pgid}`), alive.delete(pgid)),
      },
      graceMs: 50,
      log,
    };
    return { options, signals };
  }

  test("a reused pid is never signalled; a gone one is reported; a live one is terminated", async () => {
    const dir = tempDir();
    writeLedger(dir, DEAD_OWNER, [entry(101, "t101"), entry(102, "t102"), entry(103, "t103"), entry(104, null)]);
    const alive = new Map([[101, "t101"], [102, "other program"]]);
    const { options, signals } = fakeReap(dir, alive);
    const report = await reapOrphans(options);
    expect(report.children.map((c) => [c.pid, c.outcome])).toEqual([
      [101, "terminated"],
      [102, "pid-reused"],
      [103, "already-gone"],
      [104, "unverifiable"],
    ]);
    expect(signals).toEqual(["SIGTERM -101"]);
    expect(readdirSync(dir)).toEqual([]); // the dead server's ledger is gone
  });

  test("children of a server that is still running are left alone, and so is our own ledger", async () => {
    const dir = tempDir();
    writeLedger(dir, { pid: 500, startTime: "t500" }, [entry(501, "t501")]);
    writeLedger(dir, { pid: 1, startTime: "self" }, [entry(601, "t601")]);
    const { options, signals } = fakeReap(dir, new Map([[500, "t500"], [501, "t501"], [601, "t601"]]));
    const report = await reapOrphans(options);
    expect(report).toMatchObject({ ledgers: 2, liveOwners: 1, children: [] });
    expect(signals).toEqual([]);
    expect(readdirSync(dir).length).toBe(2);
  });

  test("a server whose pid was reused by another program counts as gone", async () => {
    const dir = tempDir();
    writeLedger(dir, { pid: 500, startTime: "t500" }, [entry(501, "t501")]);
    const { options, signals } = fakeReap(dir, new Map([[500, "someone else"], [501, "t501"]]));
    expect((await reapOrphans(options)).children.map((c) => c.outcome)).toEqual(["terminated"]);
    expect(signals).toEqual(["SIGTERM -501"]);
  });

  test("SIGKILL follows when SIGTERM is not enough", async () => {
    const dir = tempDir();
    writeLedger(dir, DEAD_OWNER, [entry(101, "t101")]);
    const alive = new Map([[101, "t101"]]);
    const { options, signals } = fakeReap(dir, alive);
    options.signal.killGroup = (pgid, sig) => {
      signals.push(`${sig} -${pgid}`);
      if (sig === "SIGKILL") alive.delete(pgid);
      return true;
    };
    expect((await reapOrphans(options)).children[0]!.outcome).toBe("killed");
    expect(signals).toEqual(["SIGTERM -101", "SIGKILL -101"]);
  });

  test("no ledger directory, or an unreadable ledger: nothing happens", async () => {
    const { options } = fakeReap(join(tempDir(), "missing"), new Map());
    expect(await reapOrphans(options)).toEqual({ ledgers: 0, liveOwners: 0, children: [] });
    const dir = tempDir();
    writeFileSync(join(dir, "torn.json"), '{"owner":');
    expect((await reapOrphans({ ...options, dir })).ledgers).toBe(0);
  });
});

describe("for real", () => {
  test("a process group left behind by a gone server is terminated, grandchildren included", async () => {
    const dir = tempDir();
    const leader = spawn("/bin/sh", ["-c", "sleep 300 & sleep 300 & wait"], { detached: true, stdio: "ignore" });
    await Bun.sleep(100);
    const pid = leader.pid!;
    expect(liveGroupMembers(pid).length).toBe(3);
    writeLedger(dir, DEAD_OWNER, [entry(pid, await identify(pid))]);
    const report = await reapOrphans({
      fs: runtime.fs,
      dir,
      self: { pid: process.pid, startTime: await identify(process.pid) },
      identify,
      signal: runtime,
      graceMs: 2_000,
      log,
    });
    expect(report.children.map((c) => c.outcome)).toEqual(["terminated"]);
    await Bun.sleep(50);
    expect(liveGroupMembers(pid)).toEqual([]);
  });

  test("a ledger entry whose pid now belongs to another process: that process survives", async () => {
    const dir = tempDir();
    const bystander = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    try {
      await Bun.sleep(50);
      writeLedger(dir, DEAD_OWNER, [entry(bystander.pid!, "12345 (an earlier process)")]);
      const report = await reapOrphans({
        fs: runtime.fs,
        dir,
        self: { pid: process.pid, startTime: null },
        identify,
        signal: runtime,
        graceMs: 200,
        log,
      });
      expect(report.children.map((c) => c.outcome)).toEqual(["pid-reused"]);
      expect(isLive(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill("SIGKILL");
    }
  });

  test("a server's ledger follows its supervisor's children and disappears on close", async () => {
    const dir = tempDir();
    const supervisor = createSupervisor({ runtime });
    const owner = { pid: process.pid, startTime: await identify(process.pid) };
    const ledger = new ChildLedger({ fs: runtime.fs, dir, owner, identify, log });
    ledger.attach(supervisor.registry);
    const child = await supervisor.spawn({ command: "sleep", args: ["30"], label: "sleeper" });
    await Bun.sleep(50);
    await ledger.flushed();
    const file = join(dir, `${owner.pid}-${owner.startTime}.json`);
    const written = JSON.parse(readFileSync(file, "utf8"));
    expect(written.owner).toEqual(owner);
    expect(written.children).toEqual([{
      pid: child.pid,
      pgid: child.pgid,
      label: "sleeper",
      startedAt: child.record.startedAt,
      startTime: await identify(child.pid),
    }]);
    await child.teardown({ graceMs: 100 });
    await ledger.flushed();
    expect(JSON.parse(readFileSync(file, "utf8")).children).toEqual([]);
    await ledger.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
