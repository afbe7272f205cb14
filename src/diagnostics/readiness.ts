/**
 * Is Codex ready to drive, and if not, what should a person do? One core behind two faces: the MCP
 * tool `codex_setup` and the command `codex-mcp doctor`.
 *
 * It finds the executable, asks its version, decides the backend (see {@link decideBackend}:
 * CODEX_MCP_MODE forces one; `auto` probes `codex app-server` with a real `initialize` under a
 * time limit, else `codex exec`), reads the login status, and lists CODEX_HOME and the config
 * files Codex will read. The Codex processes run at once, each through the supervisor and torn
 * down before the report is returned.
 *
 * Longer than ~400 lines on purpose: it is one report assembled from the probes it runs, with a
 * hint per problem (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import { backendModeFrom, type BackendModeSetting, type StdioMode } from "../config.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { Runtime } from "../runtime/types.ts";
import { answerOrExit, spawnLineChannel } from "../codex/drivers/child-channel.ts";
import { type CodexHome, type ConfigTomlFile, findConfigFiles, resolveCodexHome } from "./codex-home.ts";
import { JsonRpcConnection } from "../codex/drivers/jsonrpc.ts";
import { buildInvocation, type CodexLocation, locateCodex } from "../codex/install/locate.ts";
import { stderrExcerpt } from "../codex/drivers/stderr.ts";
import { type BackendCapabilities, CAPABILITIES } from "../codex/backend.ts";

/** A finding of the stdio preflight (which the transport runs; readiness only reports it). */
export interface StdioFinding {
  id: string;
  severity: "blocking" | "warning";
  message: string;
  hint: string;
}

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
  backend: {
    mode: BackendMode | null;
    reason: string;
    userAgent: string | null;
    probeMs: number | null;
    /** What the chosen backend can do (`null` when none works). */
    capabilities: BackendCapabilities | null;
  };
  login: { status: "logged-in" | "not-logged-in" | "unknown"; detail: string };
  codexHome: { path: string; source: CodexHome["source"]; exists: boolean } | null;
  configFiles: { scope: ConfigTomlFile["scope"]; path: string; exists: boolean; active: boolean | null }[];
  cwd: string;
  stdio: { mode: StdioMode; findings: readonly StdioFinding[] };
  problems: Problem[];
}

export interface ReadinessDeps {
  runtime: Pick<Runtime, "platform" | "arch" | "env" | "fs" | "cwd">;
  supervisor: Supervisor;
  stdio: { mode: StdioMode; findings: readonly StdioFinding[] };
  /** Where Codex would run: project config discovery starts here. Defaults to the server's cwd. */
  cwd?: string;
  /** How long each probe may take (the supervisor's start-up timeout by default). */
  probeTimeoutMs?: number;
  clientInfo: { name: string; version: string };
  /** CODEX_MCP_MODE; read from `runtime.env` when absent. */
  mode?: BackendModeSetting;
}

const INSTALL_HINT =
  "Install Codex with `npm install -g @openai/codex`, or set CODEX_MCP_PATH to the codex executable.";

/** Runs every check; never throws for what it finds, only reports it. */
export async function checkReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const { runtime } = deps;
  const cwd = deps.cwd ?? runtime.cwd();
  const problems: Problem[] = [];
  const report: ReadinessReport = {
    ready: false,
    executable: null,
    version: null,
    backend: { mode: null, reason: "Codex was not found", userAgent: null, probeMs: null, capabilities: null },
    login: { status: "unknown", detail: "Codex was not found" },
    codexHome: null,
    configFiles: [],
    cwd,
    stdio: deps.stdio,
    problems,
  };
  for (const finding of deps.stdio.findings) {
    problems.push({
      code: `STDIO_${finding.id.toUpperCase().replaceAll("-", "_")}`,
      severity: "warning",
      message: finding.message,
      hint: finding.hint,
    });
  }

  let provider: { id: string; requiresOpenaiAuth: boolean } = { id: "openai", requiresOpenaiAuth: true };
  const home = await resolveCodexHome({ platform: runtime.platform, env: runtime.env, cwd, fs: runtime.fs });
  if (home.ok) {
    report.codexHome = { path: home.value.path, source: home.value.source, exists: home.value.exists };
    const config = await findConfigFiles(
      { platform: runtime.platform, env: runtime.env, cwd, fs: runtime.fs },
      home.value,
    );
    provider = config.provider;
    report.configFiles = config.files.map((f) => ({
      scope: f.scope,
      path: f.path,
      exists: f.exists,
      active: f.active ?? null,
    }));
  } else {
    problems.push({ code: home.error.code, severity: "error", message: home.error.message, hint: home.error.hint });
  }

  const located = await locateCodex({
    platform: runtime.platform,
    arch: runtime.arch,
    env: runtime.env,
    fs: runtime.fs,
    cwd,
  });
  if (!located.ok) {
    problems.push({
      code: located.error.code,
      severity: "error",
      message: located.error.message,
      hint: located.error.hint,
    });
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
  if (location.warning) {
    problems.push({
      code: "CODEX_NEEDS_NODE",
      severity: "warning",
      message: location.warning,
      hint: "Install Codex from npm so its native binary is present: `npm install -g @openai/codex`.",
    });
  }

  const probe: Probe = {
    deps,
    location,
    env: childEnvironment(runtime.env, location),
    cwd,
    timeoutMs: deps.probeTimeoutMs ?? deps.supervisor.timeouts.startupMs,
  };
  const setting = deps.mode ?? backendModeFrom(runtime.env);
  const [version, decision, login] = await Promise.all([
    runOnce(probe, ["--version"]),
    decide(probe, setting),
    runOnce(probe, ["login", "status"]),
  ]);

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

  const { mode, reason, userAgent, probeMs } = decision;
  report.backend = { mode, reason, userAgent, probeMs, capabilities: mode ? CAPABILITIES[mode] : null };
  if (!decision.ok && !(setting === "auto" && version.code !== 0)) {
    // (When even --version fails, CODEX_NOT_RUNNABLE above says it all.)
    problems.push(
      setting === "auto"
        ? {
          code: "NO_BACKEND",
          severity: "error",
          message: `Neither \`codex app-server\` nor \`codex exec\` works: ${decision.failure}.`,
          hint: `Check that this is the Codex CLI and that it runs. ${INSTALL_HINT}`,
        }
        : {
          code: setting === "exec" ? "EXEC_UNAVAILABLE" : "APP_SERVER_UNAVAILABLE",
          severity: "error",
          message: `CODEX_MCP_MODE=${setting}, but \`codex ${setting}\` does not work: ${decision.failure}.`,
          hint:
            `Unset CODEX_MCP_MODE (auto uses app-server when it works, else exec), or install a Codex that has \`codex ${setting}\`: \`npm install -g @openai/codex@latest\`.`,
        },
    );
  } else if (mode === "exec" && setting === "auto") {
    problems.push({
      code: "APP_SERVER_UNAVAILABLE",
      severity: "warning",
      message:
        `\`codex app-server\` did not start: ${decision.appServerFailure}. Sessions use \`codex exec\`, which cannot ask for approvals or questions.`,
      hint:
        "Upgrade Codex (`npm install -g @openai/codex@latest`) for approvals and questions. CODEX_MCP_MODE=exec makes this choice explicit.",
    });
  }

  const loginText = (login.stdout + login.stderr).split("\n").map((l) => l.trim()).filter((l) =>
    l && !l.startsWith("WARNING:")
  ).join(" ");
  if (login.code === 0) report.login = { status: "logged-in", detail: loginText || "logged in" };
  else if (/not logged in/i.test(loginText) && !provider.requiresOpenaiAuth) {
    // The selected provider brings its own credentials (or needs none): no OpenAI login to miss.
    report.login = {
      status: "not-logged-in",
      detail:
        `${loginText}; not needed: config.toml selects the model provider "${provider.id}", which does not use OpenAI auth`,
    };
  } else if (/not logged in/i.test(loginText)) {
    report.login = { status: "not-logged-in", detail: loginText };
    problems.push({
      code: "NOT_LOGGED_IN",
      severity: "warning",
      message: "Codex is not logged in.",
      hint:
        "Run `codex login` (ChatGPT account) or `printenv OPENAI_API_KEY | codex login --with-api-key`. Not needed when config.toml selects a model provider with its own credentials.",
    });
  } else report.login = { status: "unknown", detail: loginText || login.failure };

  return finish(report);
}

/** How sessions will drive Codex, and why. */
export interface BackendDecision {
  /** `false` when the chosen (or every) way does not work; `mode` is then what was forced, or `null`. */
  ok: boolean;
  mode: BackendMode | null;
  reason: string;
  userAgent: string | null;
  probeMs: number | null;
  /** Why it does not work (when `ok` is false). */
  failure: string;
  /** `auto` chose exec: why app-server did not do. */
  appServerFailure: string;
}

export interface DecideBackendOptions {
  supervisor: Supervisor;
  location: CodexLocation;
  /** The complete environment of the probes (`childEnvironment`). */
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  clientInfo: { name: string; version: string };
  mode: BackendModeSetting;
}

/**
 * Chooses the backend: `exec` or `app-server` when CODEX_MCP_MODE forces it (exec is checked with
 * `codex exec --help`, app-server probed with `initialize`), else app-server when it answers
 * `initialize` within the time limit, else exec when `codex exec --help` works (both are asked
 * at once). Never throws.
 */
export function decideBackend(options: DecideBackendOptions): Promise<BackendDecision> {
  const probe: Probe = {
    deps: { supervisor: options.supervisor, clientInfo: options.clientInfo },
    location: options.location,
    env: options.env,
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
  };
  return decide(probe, options.mode);
}

async function decide(probe: Probe, setting: BackendModeSetting): Promise<BackendDecision> {
  const none = { userAgent: null, probeMs: null, failure: "", appServerFailure: "" };
  const forced = `forced by CODEX_MCP_MODE=${setting}`;
  if (setting === "exec") {
    const exec = await runOnce(probe, ["exec", "--help"]);
    if (exec.code === 0) return { ...none, ok: true, mode: "exec", reason: `${forced} (\`codex exec --help\` works)` };
    const failure = `\`codex exec --help\` failed (${exec.failure})${quote(exec.stderr)}`;
    return { ...none, ok: false, mode: "exec", reason: `${forced}, but ${failure}`, failure };
  }
  // In auto mode exec is checked at the same time: it costs a few milliseconds, and a sequential
  // check would double the wait for a Codex that hangs.
  const [appServer, execCheck] = await Promise.all([
    probeAppServer(probe),
    setting === "auto" ? runOnce(probe, ["exec", "--help"]) : null,
  ]);
  if (appServer.ok) {
    const answered = `app-server answered initialize in ${appServer.ms} ms`;
    return {
      ...none,
      ok: true,
      mode: "app-server",
      reason: setting === "app-server" ? `${forced}; ${answered}` : answered,
      userAgent: appServer.userAgent,
      probeMs: appServer.ms,
    };
  }
  if (setting === "app-server") {
    return {
      ...none,
      ok: false,
      mode: "app-server",
      reason: `${forced}, but it does not start: ${appServer.reason}`,
      failure: appServer.reason,
    };
  }
  const exec = execCheck ?? (await runOnce(probe, ["exec", "--help"]));
  if (exec.code === 0) {
    return {
      ...none,
      ok: true,
      mode: "exec",
      reason: `app-server unavailable (${appServer.reason}); \`codex exec --json\` will be used`,
      appServerFailure: appServer.reason,
    };
  }
  const failure = `app-server: ${appServer.reason}; exec: \`codex exec --help\` failed (${exec.failure})${
    quote(exec.stderr)
  }`;
  return {
    ...none,
    ok: false,
    mode: null,
    reason: `Codex does not run: ${failure}`,
    failure,
    appServerFailure: appServer.reason,
  };
}

function finish(report: ReadinessReport): ReadinessReport {
  report.ready = !report.problems.some((p) => p.severity === "error");
  return report;
}

interface Probe {
  deps: Pick<ReadinessDeps, "supervisor" | "clientInfo">;
  location: CodexLocation;
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
}

/** The environment Codex runs with: ours, plus what its npm wrapper would have set. */
export function childEnvironment(
  base: Readonly<Record<string, string>>,
  location: CodexLocation,
  deny: readonly string[] = envDenyFrom(base),
): Record<string, string> {
  const env = { ...base, ...location.env.set };
  for (const name of location.env.unset) delete env[name];
  const denied = deny.map(globPattern);
  for (const name of Object.keys(env)) if (denied.some((re) => re.test(name))) delete env[name];
  return env;
}

/** CODEX_MCP_ENV_DENY: comma-separated name patterns (`*` any run of characters). */
function envDenyFrom(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env["CODEX_MCP_ENV_DENY"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
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
      ...invocation,
      label: `codex ${args.join(" ")}`,
      cwd: probe.cwd,
      env: probe.env,
      stdin: "ignore",
      timeoutMs: probe.timeoutMs,
      onStdoutLine: (line) => void (stdout.length < 50 && stdout.push(line.slice(0, 4096))),
    });
    const exit = await child.exit;
    await child.stdoutDone;
    const failure = exit.endedBy === "timeout"
      ? `no exit within ${probe.timeoutMs} ms`
      : exit.signal
      ? `killed by ${exit.signal}`
      : `exit code ${exit.code}`;
    return {
      code: exit.endedBy === "timeout" ? null : exit.code,
      stdout: stdout.join("\n"),
      stderr: exit.stderrTail,
      failure,
    };
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
      ...invocation,
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
  try {
    const answer = await answerOrExit(
      child,
      rpc.request<{ userAgent?: unknown }>("initialize", {
        clientInfo: { ...probe.deps.clientInfo, title: null },
        capabilities: null,
      }),
      (exit) =>
        new Error(`it exited (${exit.signal ?? `code ${exit.code}`}) before answering${quote(exit.stderrTail)}`),
    );
    return {
      ok: true,
      ms: Math.round(performance.now() - started),
      userAgent: typeof answer?.userAgent === "string" ? answer.userAgent : "",
    };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  } finally {
    rpc.close("probe finished");
    await child.teardown();
  }
}

/** " stderr: …" with the last meaningful stderr lines, or "". */
function quote(stderr: string): string {
  const excerpt = stderrExcerpt(stderr);
  return excerpt ? ` stderr: ${excerpt}` : "";
}
