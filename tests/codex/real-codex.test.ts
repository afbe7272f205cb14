/**
 * Discovery against the real world: the runtime's own file system, this repository's
 * `node_modules/.bin/codex` (npm's symlink to `@openai/codex/bin/codex.js`) and the real Codex
 * 0.169.0 native binary from `@openai/codex-linux-x64`. Linux x64 only, where that package is
 * installed.
 */
import { describe, expect, test } from "bun:test";
import { findConfigFiles, resolveCodexHome } from "../../src/diagnostics/codex-home.ts";
import { buildInvocation, locateCodex } from "../../src/codex/install/locate.ts";
import { loadRuntime } from "../../src/runtime/detect.ts";
import type { Runtime } from "../../src/runtime/types.ts";
import { PROJECT_ROOT } from "../harness/codex-bin.ts";

const runtime: Runtime = await loadRuntime();
const onLinuxX64 = runtime.platform === "linux" && runtime.arch === "x64";
const NATIVE = `${PROJECT_ROOT}/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex`;

async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = await runtime.spawn({ command, args, env, cwd, stdin: "ignore" });
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code: status.code, stdout, stderr };
}

/** The environment without codex-mcp's own discovery variables. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { ...runtime.env };
  delete env["CODEX_MCP_PATH"];
  delete env["CODEX_MCP_COMMAND"];
  delete env["CODEX_HOME"];
  return env;
}

describe.skipIf(!onLinuxX64)("real Codex on Linux x64", () => {
  test("node_modules/.bin/codex on PATH resolves to the native binary, which runs without Node", async () => {
    const env = { ...baseEnv(), PATH: `${PROJECT_ROOT}/node_modules/.bin:${runtime.env["PATH"] ?? ""}` };
    const outcome = await locateCodex({
      platform: runtime.platform,
      arch: runtime.arch,
      env,
      fs: runtime.fs,
      cwd: PROJECT_ROOT,
    });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const loc = outcome.value;
    expect(loc.command).toBe(await runtime.fs.realPath(NATIVE));
    expect(loc).toMatchObject({
      source: "PATH",
      name: "codex",
      kind: "npm-native",
      launch: "direct",
      file: `${PROJECT_ROOT}/node_modules/.bin/codex`,
    });
    expect(loc.shim).toMatchObject({
      via: "symlink",
      platformPackage: "@openai/codex-linux-x64",
      wrapperVersion: "0.169.0",
    });
    expect(loc.shim?.native).toMatchObject({
      manifest: true,
      version: "0.169.0",
      targetTriple: "x86_64-unknown-linux-musl",
    });
    expect(loc.env.set["CODEX_MANAGED_PACKAGE_ROOT"]).toBe(
      await runtime.fs.realPath(`${PROJECT_ROOT}/node_modules/@openai/codex`),
    );
    expect(loc.how).toStartWith(
      `found codex on PATH at ${PROJECT_ROOT}/node_modules/.bin/codex (npm symlink to the wrapper`,
    );

    // Run it with a PATH that has no node at all: the wrapper could not start, the binary can.
    const inv = buildInvocation(loc, ["--version"]);
    const childEnv: Record<string, string> = { ...env, ...loc.env.set, PATH: "/nonexistent" };
    for (const name of loc.env.unset) delete childEnv[name];
    const result = await run(inv.command, inv.args, childEnv);
    expect(result.stdout.trim()).toBe("codex-cli 0.169.0");
    expect(result.code).toBe(0);
  });

  test("CODEX_MCP_PATH at the wrapper script resolves to the same binary", async () => {
    const env = { ...baseEnv(), CODEX_MCP_PATH: `${PROJECT_ROOT}/node_modules/@openai/codex/bin/codex.js` };
    const outcome = await locateCodex({ platform: runtime.platform, arch: runtime.arch, env, fs: runtime.fs });
    expect(outcome.ok && outcome.value.command).toBe(await runtime.fs.realPath(NATIVE));
  });

  test("project config.toml discovery agrees with what Codex 0.169 loads", async () => {
    const tmp = await runtime.fs.makeTempDir("codex-mcp-home-");
    try {
      const home = `${tmp}/home`;
      const proj = `${tmp}/outer/proj`;
      const deep = `${proj}/sub/deep`;
      await runtime.fs.mkdir(home, { recursive: true });
      await runtime.fs.mkdir(deep, { recursive: true });
      await runtime.fs.mkdir(`${tmp}/outer/.codex`, { recursive: true });
      await runtime.fs.mkdir(`${proj}/.codex`, { recursive: true });
      await runtime.fs.mkdir(`${proj}/sub/.codex`, { recursive: true });
      await runtime.fs.writeTextFile(`${proj}/.git`, "gitdir: /nonexistent\n");
      // One feature flag per file, so `codex features list` shows which files were applied.
      await runtime.fs.writeTextFile(`${tmp}/outer/.codex/config.toml`, "[features]\nartifact = true\n");
      await runtime.fs.writeTextFile(`${proj}/.codex/config.toml`, "[features]\nagent_message_board = true\n");
      await runtime.fs.writeTextFile(`${proj}/sub/.codex/config.toml`, "[features]\nanalytics_plan_history = true\n");
      const flagFor: Record<string, string> = {
        [`${tmp}/outer/.codex/config.toml`]: "artifact",
        [`${proj}/.codex/config.toml`]: "agent_message_board",
        [`${proj}/sub/.codex/config.toml`]: "analytics_plan_history",
      };

      for (
        const userConfig of [
          `[projects."${proj}"]\ntrust_level = "trusted"\n`,
          `[projects."${proj}/sub"]\ntrust_level = "trusted"\n`,
          `[projects."${proj}"]\ntrust_level = "untrusted"\n`,
          "",
        ]
      ) {
        await runtime.fs.writeTextFile(`${home}/config.toml`, userConfig);
        const env = { ...baseEnv(), CODEX_HOME: home };
        const homeOutcome = await resolveCodexHome({ platform: runtime.platform, env, cwd: deep, fs: runtime.fs });
        if (!homeOutcome.ok) throw new Error(homeOutcome.error.message);
        expect(homeOutcome.value).toMatchObject({ source: "CODEX_HOME", path: home, exists: true });
        const files = await findConfigFiles(
          { platform: runtime.platform, env, cwd: deep, fs: runtime.fs },
          homeOutcome.value,
        );
        expect(files.projectRoot).toBe(proj);
        const predicted = Object.keys(flagFor)
          .filter((path) => files.files.some((f) => f.path === path && f.active === true))
          .map((path) => flagFor[path] ?? path)
          .sort();

        const result = await run(NATIVE, ["features", "list"], env, deep);
        expect(result.code).toBe(0);
        const enabled = Object.values(flagFor)
          .filter((flag) => new RegExp(`^${flag}\\s+.*\\strue\\s*$`, "m").test(result.stdout))
          .sort();
        expect({ userConfig, enabled }).toEqual({ userConfig, enabled: predicted });
      }
    } finally {
      await runtime.fs.remove(tmp, { recursive: true });
    }
  });
});
