import { describe, expect, test } from "bun:test";
import { type PreflightInput, runPreflight } from "../../src/mcp/transports/stdio/preflight.ts";

const base: PreflightInput = {
  runtime: "bun",
  platform: "linux",
  env: {},
  stdinIsTerminal: false,
  stdoutIsTerminal: false,
};
const ids = (input: Partial<PreflightInput>) => runPreflight({ ...base, ...input }).map((f) => `${f.id}:${f.severity}`);

describe("stdio preflight", () => {
  test("pipes on both ends and a clean environment: nothing to report", () => {
    expect(ids({})).toEqual([]);
  });

  test("stdout on a terminal blocks; stdin on a terminal warns", () => {
    expect(ids({ stdoutIsTerminal: true })).toEqual(["stdout-terminal:blocking"]);
    expect(ids({ stdinIsTerminal: true })).toEqual(["stdin-terminal:warning"]);
  });

  test("NODE_OPTIONS preloads block under Node and warn elsewhere", () => {
    for (
      const opt of [
        "--require ./x.cjs",
        "-r x",
        "--import=tsx",
        "--loader ts-node/esm",
        "--max-old-space-size=100 --experimental-loader x",
      ]
    ) {
      expect(ids({ runtime: "node", env: { NODE_OPTIONS: opt } })).toEqual(["node-options-preload:blocking"]);
      expect(ids({ runtime: "deno", env: { NODE_OPTIONS: opt } })).toEqual(["node-options-preload:warning"]);
    }
    expect(ids({ runtime: "node", env: { NODE_OPTIONS: "--max-old-space-size=100 --no-warnings" } })).toEqual([]);
    expect(ids({ runtime: "node", env: { NODE_OPTIONS: "--requirements-are-not-a-flag" } })).toEqual([]);
  });

  test("tracing flags that print to stderr are fine; others are flagged", () => {
    expect(ids({ runtime: "node", env: { NODE_OPTIONS: "--trace-warnings --trace-deprecation --trace-exit" } }))
      .toEqual([]);
    expect(ids({ runtime: "node", env: { NODE_OPTIONS: "--trace-something-new" } })).toEqual([
      "node-options-trace:blocking",
    ]);
    expect(ids({ runtime: "bun", env: { NODE_OPTIONS: "--trace-something-new" } })).toEqual([
      "node-options-trace:warning",
    ]);
  });

  test("PowerShell as the parent on Windows is recognised from PSModulePath", () => {
    const system =
      "C:\\Program Files\\WindowsPowerShell\\Modules;C:\\WINDOWS\\system32\\WindowsPowerShell\\v1.0\\Modules";
    expect(ids({ platform: "win32", env: { PSModulePath: system } })).toEqual([]);
    expect(
      ids({ platform: "win32", env: { PSModulePath: `C:\\Users\\ada\\Documents\\PowerShell\\Modules;${system}` } }),
    ).toEqual(["powershell-profile:warning"]);
    expect(ids({ platform: "linux", env: { PSModulePath: "C:\\Users\\ada\\Documents\\PowerShell\\Modules" } })).toEqual(
      [],
    );
  });

  test("every finding carries a message and an actionable hint", () => {
    const all = runPreflight({
      ...base,
      runtime: "node",
      stdoutIsTerminal: true,
      stdinIsTerminal: true,
      env: { NODE_OPTIONS: "-r x --trace-foo" },
    });
    expect(all.length).toBe(4);
    for (const f of all) {
      expect(f.message.length).toBeGreaterThan(20);
      expect(f.hint.length).toBeGreaterThan(20);
    }
  });
});
