/**
 * The command line and the stdio preflight, through real processes: the compiled binary, and Node
 * where a check is specific to Node. `script(1)` provides a real pseudo-terminal.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { assertLaunchable, commandFor, COMPILED, ROOT } from "./launch.ts";

function run(argv: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const [command, ...args] = argv;
  const result = spawnSync(command!, args, {
    cwd: ROOT,
    // Sessions in memory: these runs are about the command line, not the user's state directory.
    env: { ...process.env, CODEX_MCP_STORE: "memory", ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("command line", () => {
  test("--help prints usage with client examples on stdout and exits 0", () => {
    assertLaunchable("compiled");
    const r = run([COMPILED, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("claude mcp add codex -- /path/to/codex-mcp");
    expect(r.stdout).toContain("CODEX_MCP_STDIO_MODE");
    expect(r.stderr).toBe("");
  });

  test("--version prints the version, the commit and date built, the target and the runtime; from source it says so", () => {
    const r = run([COMPILED, "--version"]);
    expect(r.code).toBe(0);
    const commit = spawnSync("git", ["log", "-1", "--format=%h"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    const target = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
    expect(r.stdout).toMatch(
      new RegExp(
        `^codex-mcp ${pkg.version} \\(commit ${commit}(-dirty)?, built \\d{4}-\\d\\d-\\d\\d, ${target}; bun \\d`,
      ),
    );
    const fromSource = run([...commandFor("bun"), "--version"]);
    expect(fromSource.stdout).toStartWith(`codex-mcp ${pkg.version} (from source; bun `);
  });

  test("an unknown flag prints usage to stderr, nothing to stdout, and exits 2", () => {
    const r = run([COMPILED, "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('unknown option "--bogus"');
    expect(r.stderr).toContain("Usage:");
  });

  test("an invalid CODEX_MCP_STDIO_MODE is a configuration error with exit code 2", () => {
    const r = run([COMPILED], { env: { CODEX_MCP_STDIO_MODE: "sometimes" } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("CODEX_MCP_STDIO_MODE must be one of auto, strict, off");
  });
});

/** Runs the binary with stdin and stdout on a pseudo-terminal; `script -e` returns its exit code. */
function runOnTerminal(env: Record<string, string>, input: string) {
  return run(["script", "-qec", COMPILED, "/dev/null"], { env, input });
}

describe("stdio preflight", () => {
  test("strict refuses to start when stdout is a terminal, exit code 2", () => {
    const r = runOnTerminal({ CODEX_MCP_STDIO_MODE: "strict" }, "");
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("[stdout-terminal]");
    expect(r.stdout).toContain("refusing to start");
  });

  test("auto warns about the terminal and keeps serving until end of input", () => {
    // ^D on the terminal is end of input for the server.
    const r = runOnTerminal({ CODEX_MCP_STDIO_MODE: "auto" }, "\x04");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("warning [stdin-terminal]");
    expect(r.stdout).toContain("blocking [stdout-terminal]");
    expect(r.stdout).not.toContain("refusing");
  });

  test("off skips the preflight", () => {
    const r = runOnTerminal({ CODEX_MCP_STDIO_MODE: "off" }, "\x04");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("preflight");
  });

  test("strict under Node refuses a NODE_OPTIONS preload; auto reports it and serves", () => {
    assertLaunchable("node");
    const preload = join(tmpdir(), `codex-mcp-preload-${process.pid}.cjs`);
    writeFileSync(preload, "// does nothing\n");
    const env = { NODE_OPTIONS: `--require ${preload}` };
    const strict = run(commandFor("node"), { env: { ...env, CODEX_MCP_STDIO_MODE: "strict" } });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain("[node-options-preload]");
    expect(strict.stdout).toBe("");

    const auto = run(commandFor("node"), { env: { ...env, CODEX_MCP_STDIO_MODE: "auto" } });
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain("blocking [node-options-preload]");
    expect(auto.stderr).not.toContain("refusing");
  });
});
