/**
 * Is Codex ready to drive, and if not, what should a person do? One core behind two faces: the MCP
 * tool `codex_setup` and the command `codex-mcp doctor`.
 *
 * It finds the executable, asks its version, probes `codex app-server` with a real `initialize`
 * under a time limit (the backend decision: app-server, else exec), reads the login status, and
 * lists CODEX_HOME and the config files Codex will read. The three Codex processes run at once,
 * each through the supervisor and torn down before the report is returned.
 *
 * @module
 */
import type { PreflightFinding, StdioMode } from "../mcp/stdio-preflight.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { Runtime } from "../runtime/types.ts";
import { spawnLineChannel } from "./child-channel.ts";
import { type CodexHome, type ConfigTomlFile, findConfigFiles, resolveCodexHome } from "./codex-home.ts";
import { JsonRpcConnection } from "./jsonrpc.ts";
import { buildInvocation, type CodexLocation, locateCodex } from "./locate.ts";
import { delay } from "../process/timeouts.ts";

/** Something in the way, with what to do about it. `error` problems make codex-mcp not ready. */
export interface Problem {
  code: string;
  severity: "error" | "warning";
  message: string;
  hint: string;
}

export type BackendMode = "app-server" | "exec";

export interface ReadinessReport {
  ready: boolean;
  executable: {
    path: string;
    command: string;
    args: string[];
    source: CodexLocation["source"];
    kind: CodexLocation["kind"];
    how: string;
  } | null;
  version: string | null;
  backend: { mode: BackendMode | null; reason: string; userAgent: string | null; probeMs: number | null };
  login: { status: "logged-in" | "not-logged-in" | "unknown"; detail: string };
  codexHome: { path: string; source: CodexHome["source"]; exists: boolean } | null;
  configFiles: { scope: ConfigTomlFile["scope"]; path: string; exists: boolean; active: boolean | null }[];
  cwd: string;
  stdio: { mode: StdioMode; findings: readonly PreflightFinding[] };
  problems: Problem[];
}

export interface ReadinessDeps {
  runtime: Pick<Runtime, "platform" | "arch" | "env" | "fs" | "cwd">;
  supervisor: Supervisor;
  stdio: { mode: StdioMode; findings: readonly PreflightFinding[] };
  /** Where Codex would run: project config discovery starts here. Defaults to the server's cwd. */
  cwd?: string;
  /** How long each probe may take (the supervisor's start-up timeout by default). */
  probeTimeoutMs?: number;
  clientInfo: { name: string; version: string };
}

const INSTALL_HINT = "Install Codex with `npm install -g @openai/codex`, or set CODEX_MCP_PATH to the codex executable.";

/** Runs every check; never throws for what it finds, only reports it. */
export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const { runtime } = deps;
  const cwd = deps.cwd ?? runtime.cwd();
  const problems: Problem[] = [];
  const report: ReadinessReport = {
    ready: false,
    executable: null,
    version: null,
    backend: { mode: null, reason: "Codex was not found", userAgent: null, probeMs: null },
    login: { status: "unknown", detail: "Codex was not found" },
    codexHome: null,
    configFiles: [],
    cwd,
    stdio: deps.stdio,
    problems,
  };
  for (const finding of deps.stdio.findings) {
    problems.push({ code: `STDIO_${finding.id.toUpperCase().replaceAll("-", "_")}`, severity: "warning", message: finding.message, hint: finding.hint });
  }

  const home = await resolveCodexHome({ platform: runtime.platform, env: runtime.env, cwd, fs: runtime.fs });
  if (home.ok) {
    report.codexHome = { path: home.value.path, source: home.value.source, exists: home.value.exists };
    const config = await findConfigFiles({ platform: runtime.platform, env: runtime.env, cwd, fs: runtime.fs }, home.value);
    report.configFiles = config.files.map((f) => ({ scope: f.scope, path: f.path, exists: f.exists, active: f.active ?? null }));
  } else {
    problems.push({ code: home.error.code, severity: "error", message: home.error.message, hint: home.error.hint });
  }

  const located = await locateCodex({ platform: runtime.platform, arch: runtime.arch, env: runtime.env, fs: runtime.fs, cwd });
  if (!located.ok) {
    problems.push({ code: located.error.code, severity: "error", message: located.error.message, hint: located.error.hint });
    return finish(report);
  }
  const location = located.value;
  report.executable = {
    path: location.executable,
    command: location.command,
    args: location.argsPrefix,
    source: location.source,
    kind: location.kind,
    how: location.how,
  };
  if (location.warning) problems.push({ code: "CODEX_NEEDS_NODE", severity: "warning", message: location.warning, hint: "Install Codex from npm so its native binary is present: `npm install -g @openai/codex`." });

  const probe: Probe = { deps, location, env: childEnvironment(runtime.env, location), cwd, timeoutMs: deps.probeTimeoutMs ?? deps.supervisor.timeouts.startupMs };
  const [version, appServer, login] = await Promise.all([runOnce(probe, ["--version"]), probeAppServer(probe), runOnce(probe, ["login", "status"])]);

  if (version.code === 0) {
    // A first line, and a short one: whatever answered may not be Codex at all.
    report.version = (version.stdout.trim().split("\n")[0] ?? "").slice(0, 200) || null;
  } else {
    problems.push({
      code: "CODEX_NOT_RUNNABLE",
      severity: "error",
      message: `${location.executable} --version failed (${version.failure}).${quote(version.stderr)}`,
      hint: `Check that this is the Codex CLI and that it runs: \`${location.executable} --version\`. ${INSTALL_HINT}`,
    });
  }

  if (appServer.ok) {
    report.backend = { mode: "app-server", reason: `app-server answered initialize in ${appServer.ms} ms`, userAgent: appServer.userAgent, probeMs: appServer.ms };
  } else if (version.code === 0) {
    report.backend = { mode: "exec", reason: `app-server unavailable (${appServer.reason}); \`codex exec --json\` will be used`, userAgent: null, probeMs: null };
    problems.push({
      code: "APP_SERVER_UNAVAILABLE",
      severity: "warning",
      message: `\`codex app-server\` did not start: ${appServer.reason}. Sessions will use \`codex exec\`, which cannot ask for approvals or fork.`,
      hint: "Upgrade Codex (`npm install -g @openai/codex@latest`) for approvals, interrupts and forks.",
    });
  } else {
    report.backend = { mode: null, reason: `Codex does not run: ${appServer.reason}`, userAgent: null, probeMs: null };
  }

  const loginText = (login.stdout + login.stderr).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("WARNING:")).join(" ");
  if (login.code === 0) report.login = { status: "logged-in", detail: loginText || "logged in" };
  else if (/not logged in/i.test(loginText)) {
    report.login = { status: "not-logged-in", detail: loginText };
    problems.push({
      code: "NOT_LOGGED_IN",
      severity: "warning",
      message: "Codex is not logged in.",
      hint: "Run `codex login` (ChatGPT account) or `printenv OPENAI_API_KEY | codex login --with-api-key`. Not needed when config.toml selects a model provider with its own credentials.",
    });
  } else report.login = { status: "unknown", detail: loginText || login.failure };

  return finish(report);
}

function finish(report: ReadinessReport): ReadinessReport {
  report.ready = !report.problems.some((p) => p.severity === "error");
  return report;
}

interface Probe {
  deps: ReadinessDeps;
  location: CodexLocation;
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
}

/** The environment Codex runs with: ours, plus what its npm wrapper would have set. */
export function childEnvironment(base: Readonly<Record<string, string>>, location: CodexLocation): Record<string, string> {
  const env = { ...base, ...location.env.set };
  for (const name of location.env.unset) delete env[name];
  return env;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not exit 0, for a person. */
  failure: string;
}

/** Runs Codex once with `args`, stdin closed, within the probe's time limit. */
async function runOnce(probe: Probe, args: string[]): Promise<RunResult> {
  const invocation = buildInvocation(probe.location, args);
  const stdout: string[] = [];
  try {
    const child = await probe.deps.supervisor.spawn({
      command: invocation.command,
      args: invocation.args,
      windowsVerbatimArguments: invocation.windowsVerbatimArguments,
      label: `codex ${args.join(" ")}`,
      cwd: probe.cwd,
      env: probe.env,
      stdin: "ignore",
      timeoutMs: probe.timeoutMs,
      onStdoutLine: (line) => void (stdout.length < 50 && stdout.push(line.slice(0, 4096))),
    });
    const exit = await child.exit;
    await child.stdoutDone;
    const failure = exit.endedBy === "timeout" ? `no exit within ${probe.timeoutMs} ms` : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    return { code: exit.endedBy === "timeout" ? null : exit.code, stdout: stdout.join("\n"), stderr: exit.stderrTail, failure };
  } catch (error) {
    return { code: null, stdout: "", stderr: "", failure: (error as Error).message };
  }
}

type AppServerProbe = { ok: true; ms: number; userAgent: string } | { ok: false; reason: string };

/** Starts `codex app-server`, sends `initialize`, and tears it down again. */
async function probeAppServer(probe: Probe): Promise<AppServerProbe> {
  const invocation = buildInvocation(probe.location, ["app-server"]);
  const started = performance.now();
  let spawned;
  try {
    spawned = await spawnLineChannel(probe.deps.supervisor, {
      command: invocation.command,
      args: invocation.args,
      windowsVerbatimArguments: invocation.windowsVerbatimArguments,
      label: "codex app-server (probe)",
      cwd: probe.cwd,
      env: probe.env,
      timeoutMs: probe.timeoutMs + 5_000,
    });
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const { child, channel } = spawned;
  const rpc = new JsonRpcConnection(channel, { requestTimeoutMs: probe.timeoutMs });
  const exited = child.exit.then((exit) => new Error(`it exited (${exit.signal ?? `code ${exit.code}`}) before answering${quote(exit.stderrTail)}`));
  try {
    const answer = await Promise.race([
      rpc.request<{ userAgent?: unknown }>("initialize", { clientInfo: { ...probe.deps.clientInfo, title: null }, capabilities: null }),
      exited.then((error) => Promise.reject(error)),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started), userAgent: typeof answer?.userAgent === "string" ? answer.userAgent : "" };
  } catch (error) {
    // A write can fail (broken pipe) a moment before the exit is seen: the exit, with the
    // child's own last words, is the more useful explanation.
    const exitedFirst = await Promise.race([exited, delay(500).then(() => null)]);
    return { ok: false, reason: (exitedFirst ?? (error as Error)).message };
  } finally {
    rpc.close("probe finished");
    await child.teardown();
  }
}

/** The last lines of a stderr tail, for a message. */
function quote(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("WARNING: proceeding"));
  return lines.length === 0 ? "" : ` stderr: ${lines.slice(-3).join(" | ").slice(0, 500)}`;
}
