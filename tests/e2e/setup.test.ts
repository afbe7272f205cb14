/**
 * Readiness through both faces — the MCP tool `codex_setup` and `codex-mcp doctor` — against the
 * real Codex CLI, a missing one, and misbehaving stand-ins. Whatever Codex does, the server keeps
 * serving and no process it started is left behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED, launch, type Launched, ROOT } from "./launch.ts";

const NPM_CODEX = join(BIN, "codex"); // the npm wrapper: codex-mcp must resolve it to the native binary
const FAKE_CODEX = join(ROOT, "tests", "fixtures", "fake-codex", "codex");

let model: FakeModel;
let home: CodexHome;
beforeAll(async () => {
  model = await startFakeModel();
  home = makeCodexHome({ modelUrl: model.url });
});
afterAll(async () => {
  await model.close();
  home.cleanup();
});

let running: Launched[] = [];
afterEach(async () => {
  await Promise.all(running.map((l) => l.dispose()));
  running = [];
});
async function server(env: Record<string, string>): Promise<Launched> {
  const launched = await launch("compiled", { env: { ...home.env, ...env }, inheritEnv: false });
  running.push(launched);
  return launched;
}

type Report = {
  ready: boolean;
  executable: { path: string; source: string; kind: string; how: string } | null;
  version: string | null;
  backend: { mode: string | null; reason: string };
  codexHome: { path: string; source: string } | null;
  configFiles: { scope: string; path: string; exists: boolean; active: boolean | null }[];
  problems: { code: string; severity: string; message: string; hint: string }[];
};

async function setup(s: Launched, args: Record<string, unknown> = {}) {
  const result = await s.client.callTool({ name: "codex_setup", arguments: args });
  const text = (result.content as { text: string }[])[0]!.text;
  return { result, text, report: result.structuredContent as Report };
}

/** Processes still running whose command line mentions `marker` (zombies excluded). */
function survivors(marker: string): string[] {
  const ps = spawnSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  return ps.stdout.split("\n").filter((l) => l.includes(marker) && !/^\s*\d+\s+Z/.test(l) && !l.includes("ps -eo"));
}

describe("codex_setup", () => {
  test("the real Codex through its npm wrapper: ready, on app-server, with the throwaway CODEX_HOME", async () => {
    const s = await server({ CODEX_MCP_PATH: NPM_CODEX });
    const { result, text, report } = await setup(s, { cwd: home.workspace });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(text)).toEqual(report); // the same JSON as text
    expect(report.ready).toBe(true);
    expect(report.version).toBe("codex-cli 0.169.0");
    expect(report.executable).toMatchObject({ source: "CODEX_MCP_PATH", kind: "npm-native" });
    expect(report.executable!.path).toContain("@openai/codex-linux-x64");
    expect(report.backend.mode).toBe("app-server");
    // The models Codex offers, with their efforts; exactly one is the default.
    const models = (report as unknown as { models: { id: string; isDefault: boolean; efforts: string[] }[] }).models;
    expect(models.length).toBeGreaterThan(1);
    expect(models.filter((m) => m.isDefault)).toHaveLength(1);
    expect(models.every((m) => m.efforts.length > 0)).toBe(true);
    // Rate limits come with a ChatGPT sign-in only: this home signs in with an API key, and the
    // real Codex says so.
    const rateLimits = (report as unknown as { rateLimits: { available: boolean; reason?: string } }).rateLimits;
    expect(rateLimits).toMatchObject({ available: false });
    expect(rateLimits.reason).toContain("authentication required");
    const resource = await s.client.readResource({ uri: "codex-mcp:///rate-limits" });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual(rateLimits);
    expect((report.backend as { capabilities?: unknown }).capabilities).toMatchObject({
      approvals: true,
      userInput: true,
      profiles: false,
    });
    expect(report.codexHome).toMatchObject({ path: home.codexHome, source: "CODEX_HOME" });
    expect(report.configFiles).toContainEqual({
      scope: "user",
      path: join(home.codexHome, "config.toml"),
      exists: true,
      active: null,
    });
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    // The throwaway config selects a provider that needs no OpenAI login: no NOT_LOGGED_IN warning.
    expect(report.problems.map((p) => p.code)).not.toContain("NOT_LOGGED_IN");
    expect((report as unknown as { login: { detail: string } }).login.detail).toContain('"mock"');
    // The tool asked nothing of the model: probing is local.
    expect(model.responsesRequests().length).toBe(0);
  }, 30_000);

  test("NOT_LOGGED_IN only when the selected provider is OpenAI's (the default)", async () => {
    // A CODEX_HOME whose config selects no provider: Codex's built-in openai provider needs a login.
    const openaiHome = mkdtempSync(join(tmpdir(), "codex-mcp-test-openai-home-"));
    try {
      writeFileSync(join(openaiHome, "config.toml"), 'model = "gpt-5.5"\n');
      const s = await server({ CODEX_MCP_PATH: NPM_CODEX, CODEX_HOME: openaiHome });
      const { report } = await setup(s);
      expect(report.problems).toContainEqual(expect.objectContaining({ code: "NOT_LOGGED_IN", severity: "warning" }));
    } finally {
      rmSync(openaiHome, { recursive: true, force: true });
    }
  }, 30_000);

  test("CODEX_MCP_PATH=/nonexistent: not ready, with the code and a hint; the server keeps serving", async () => {
    const s = await server({ CODEX_MCP_PATH: "/nonexistent" });
    const { result, report } = await setup(s);
    expect(result.isError).toBeFalsy(); // the check worked; its answer is "not ready"
    expect(report.ready).toBe(false);
    expect(report.executable).toBeNull();
    const problem = report.problems.find((p) => p.severity === "error")!;
    expect(problem.code).toBe("CONFIG_INVALID");
    expect(problem.message).toContain("/nonexistent");
    expect(problem.hint).toContain("CODEX_MCP_PATH");
    expect((await s.client.listTools()).tools.map((t) => t.name)).toContain("codex_setup");
  }, 30_000);

  test("a bad CODEX_MCP_PATH fails a session with CONFIG_INVALID, not the caller's INVALID_ARGUMENT", async () => {
    const s = await server({ CODEX_MCP_PATH: "/nonexistent" });
    const result = await s.client.callTool({
      name: "codex",
      arguments: { prompt: "hi", approvalPolicy: "never", sandbox: "read-only" },
    });
    expect(result.isError).toBe(true);
    const error = (result.structuredContent as { error: { code: string; message: string; hint: string } }).error;
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("/nonexistent");
    expect(error.hint).toContain("CODEX_MCP_PATH");
    expect((result.content as { text: string }[])[0]!.text).toStartWith("Error [CONFIG_INVALID]: ");
  }, 30_000);

  test("no codex anywhere on PATH: CODEX_NOT_FOUND with an install hint", async () => {
    const s = await server({ PATH: "/usr/bin:/bin" });
    const { report } = await setup(s);
    expect(report.ready).toBe(false);
    const problem = report.problems.find((p) => p.code === "CODEX_NOT_FOUND")!;
    expect(problem.hint).toContain("npm install -g @openai/codex");
  }, 30_000);

  test("bad arguments are INVALID_ARGUMENT errors with a hint, from our checks and from the schema", async () => {
    const s = await server({ CODEX_MCP_PATH: NPM_CODEX });
    const cases: [Record<string, unknown>, string][] = [
      [{ cwd: "relative/dir" }, "cwd must be an absolute path"],
      [{ cwd: "/definitely/not/here" }, "does not exist"],
      [{ cwd: 42 }, "cwd"],
    ];
    for (const [args, says] of cases) {
      const { result, text } = await setup(s, args);
      expect(result.isError).toBe(true);
      expect(text).toStartWith("Error [INVALID_ARGUMENT]: ");
      expect(text).toContain(says);
      expect(text).toContain("\nHint: ");
    }
    const unknown = await s.client.callTool({ name: "codex_nope", arguments: {} });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as { text: string }[])[0]!.text).toStartWith(
      "Error [INVALID_ARGUMENT]: no tool named codex_nope",
    );
  }, 30_000);
});

describe("faults: a Codex that misbehaves never takes the server down or leaves a process behind", () => {
  const faults: [mode: string, expectation: RegExp][] = [
    ["exit-early", /exited \(code 1\) before answering.*missing libfoo/],
    ["ignore-sigterm", /initialize got no answer within 1000 ms/],
    ["grandchildren", /initialize got no answer within 1000 ms/],
    ["stderr-flood", /initialize got no answer within 1000 ms/],
    ["long-line", /initialize got no answer within 1000 ms/],
  ];
  for (const [mode, expectation] of faults) {
    test(mode, async () => {
      const s = await server({
        CODEX_MCP_PATH: FAKE_CODEX,
        FAKE_CODEX_MODE: mode,
        CODEX_MCP_STARTUP_TIMEOUT_MS: "1000",
        CODEX_MCP_KILL_GRACE_MS: "300",
      });
      const started = performance.now();
      const { result, report } = await setup(s);
      const ms = performance.now() - started;
      expect(result.isError).toBeFalsy();
      expect(report.ready).toBe(false);
      expect(report.backend.mode).toBeNull();
      expect(report.backend.reason).toMatch(expectation);
      expect(report.problems.map((p) => p.code)).toContain("CODEX_NOT_RUNNABLE");
      // Probe limit 1 s, then at most three grace steps of 0.3 s, plus slack for a loaded machine.
      expect(ms).toBeLessThan(6_000);
      // Still serving, and nothing of the fake Codex remains (its grandchildren included).
      await s.client.ping();
      expect((await s.client.listTools()).tools.length).toBeGreaterThan(0);
      expect(survivors(FAKE_CODEX)).toEqual([]);
      expect(survivors("sleep 300")).toEqual([]);
    }, 30_000);
  }
});

describe("codex-mcp doctor", () => {
  function doctor(args: string[], env: Record<string, string>) {
    const r = spawnSync(COMPILED, ["doctor", ...args], {
      env: { ...home.env, ...env },
      encoding: "utf8",
      timeout: 30_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test("ready with the real Codex: exit 0, human report", () => {
    const r = doctor([], { CODEX_MCP_PATH: NPM_CODEX });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("doctor: ready");
    expect(r.stdout).toContain("codex-cli 0.169.0");
    expect(r.stdout).toContain("app-server — app-server answered initialize");
    expect(r.stdout).toContain(home.codexHome);
  }, 30_000);

  test("--json for machines, with the same report as codex_setup", () => {
    const r = doctor(["--json", "--cwd", home.workspace], { CODEX_MCP_PATH: NPM_CODEX });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ ready: true, version: "codex-cli 0.169.0", backend: { mode: "app-server" } });
  }, 30_000);

  test("not ready: exit 1 with the problem and its hint", () => {
    const r = doctor([], { CODEX_MCP_PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("doctor: NOT READY");
    expect(r.stdout).toContain("✗ [CONFIG_INVALID]");
    expect(r.stdout).toContain("hint: Fix CODEX_MCP_PATH");
  }, 30_000);

  test("usage errors exit 2", () => {
    expect(doctor(["--frob"], {}).code).toBe(2);
    expect(doctor(["--cwd", "/definitely/not/here"], { CODEX_MCP_PATH: NPM_CODEX }).code).toBe(2);
  }, 30_000);
});
