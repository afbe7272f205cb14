/**
 * Proves the supervisor on all three adapters: runtime-check.ts runs under Bun, Node (≥ 22, on the
 * sources) and Deno, and each run must report the same outcomes and leave no process behind.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { isLive, liveGroupMembers } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const SCRIPT = join(import.meta.dirname, "runtime-check.ts");

const COMMANDS: Record<string, string[]> = {
  bun: [process.execPath, SCRIPT],
  node: [join(BIN, "node"), SCRIPT],
  deno: [join(BIN, "deno"), "run", "-A", SCRIPT],
};

type Run = { code: number | null; stdout: string; stderr: string };
const runs = new Map<string, Promise<Run>>();

// The three runs are independent: start them together.
beforeAll(() => {
  for (const [name, [command, ...args]] of Object.entries(COMMANDS)) {
    runs.set(
      name,
      new Promise((resolve) => {
        const child = execFile(
          command!,
          args,
          { cwd: ROOT, timeout: 15_000, env: { ...process.env, NO_COLOR: "1" } },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: unknown }).code as number | null) : 0, stdout, stderr }),
        );
        child.stdin?.end(); // the adapters read their stdin; an open pipe would keep Node alive
      }),
    );
  }
});

describe.each(Object.keys(COMMANDS))("supervisor on %s", (name) => {
  test("spawn → exit, stdin, ENOENT, SIGKILL after ignored SIGTERM, group teardown", async () => {
    const run = await runs.get(name)!;
    if (run.code !== 0) throw new Error(`${name} exited ${run.code}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(result.runtime).toBe(name);
    expect(result.failed).toMatchObject({ code: 7, signal: null, endedBy: "exit", stdout: ["starting"] });
    expect(result.failed.stderrTail).toContain('unknown key "modle"');
    expect(result.echo).toMatchObject({
      written: { ok: true },
      closed: { ok: true },
      echoed: ["got: ping"],
      late: "closed",
    });
    expect(result.echo.report).toMatchObject({ code: 0, endedBy: "exit" });
    expect(result.missing).toMatchObject({ code: "ENOENT" });
    expect(result.stubborn.report).toMatchObject({
      signal: "SIGKILL",
      endedBy: "teardown",
      signalsSent: ["SIGTERM", "SIGKILL"],
    });
    expect(result.stubborn.ms).toBeLessThan(300 + 1000);
    expect(result.family.report).toMatchObject({ endedBy: "teardown", signalsSent: ["SIGTERM", "SIGKILL"] });
    expect(liveGroupMembers(result.family.pgid)).toEqual([]);
    expect((result.family.grandchildren as number[]).filter(isLive)).toEqual([]);
    expect(result.registrySize).toBe(0);
    expect(result.unhandled).toEqual([]);
  }, 20_000);
});
