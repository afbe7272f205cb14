/**
 * Configuration from the environment, validated once at start-up. An invalid value is an error
 * naming the variable, never a silent default.
 *
 * @module
 */
import * as v from "valibot";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { DEFAULT_TIMEOUTS, MAX_TIMEOUT_MS } from "./process/timeouts.ts";

/** How the stdio preflight treats its findings (CODEX_MCP_STDIO_MODE). */
const STDIO_MODES = ["auto", "strict", "off"] as const;
export type StdioMode = (typeof STDIO_MODES)[number];

/** How sessions drive Codex: decided by the readiness probe (`auto`), or forced. */
const BACKEND_MODES = ["auto", "app-server", "exec"] as const;
export type BackendModeSetting = (typeof BACKEND_MODES)[number];

export interface Config {
  stdioMode: StdioMode;
  /** CODEX_MCP_MODE: `auto` probes `codex app-server` and falls back to `codex exec --json`. */
  backendMode: BackendModeSetting;
  logLevel: LogLevel;
  /** Registers tools that exist only for codex-mcp's own tests. */
  testHooks: boolean;
  /** How long a Codex child may take to start and answer its handshake. */
  startupTimeoutMs: number;
  /** How long one request to a Codex child may go unanswered. */
  requestTimeoutMs: number;
  /** How long teardown waits after each step (stdin EOF, SIGTERM, …) before escalating. */
  killGraceMs: number;
  /** An unanswered approval or question is declined after this long (per session: advanced.approvalTimeoutMs). */
  approvalTimeoutMs: number;
  /** Sessions idle this long are cancelled. */
  idleTtlMs: number;
  /** Sessions whose turn has run this long are interrupted and cancelled. */
  runningTtlMs: number;
  /** Cancelled and failed sessions are dropped from memory this long after their last activity. */
  terminalTtlMs: number;
  /** Where sessions live: SQLite in the state directory (default), or memory only. */
  store: "sqlite" | "memory";
  /** Persisted sessions inactive this long are deleted from the state database. */
  retentionMs: number;
  /** At shutdown, how long running turns may take to finish before they are interrupted. */
  shutdownGraceMs: number;
}

/** Every variable codex-mcp reads, with what it means: `--help` prints this list. */
export const ENVIRONMENT_VARIABLES: readonly { name: string; values: string; meaning: string }[] = [
  {
    name: "CODEX_MCP_STDIO_MODE",
    values: STDIO_MODES.join("|") + " (default auto)",
    meaning: "stdout preflight: strict refuses to start on a blocking risk, auto warns, off skips",
  },
  {
    name: "CODEX_MCP_MODE",
    values: BACKEND_MODES.join("|") + " (default auto)",
    meaning:
      "how sessions drive Codex: auto probes `codex app-server` and falls back to `codex exec --json`; the others force one",
  },
  {
    name: "CODEX_MCP_LOG_LEVEL",
    values: LOG_LEVELS.join("|") + " (default warn)",
    meaning: "how much to log on stderr",
  },
  {
    name: "CODEX_MCP_STARTUP_TIMEOUT_MS",
    values: `milliseconds (default ${DEFAULT_TIMEOUTS.startupMs})`,
    meaning: "how long a Codex process may take to start and complete its handshake",
  },
  {
    name: "CODEX_MCP_REQUEST_TIMEOUT_MS",
    values: `milliseconds (default ${DEFAULT_TIMEOUTS.requestMs})`,
    meaning: "how long one request to a Codex process may go unanswered",
  },
  {
    name: "CODEX_MCP_KILL_GRACE_MS",
    values: `milliseconds (default ${DEFAULT_TIMEOUTS.killGraceMs})`,
    meaning: "how long teardown waits at each step (stdin EOF, SIGTERM, SIGKILL) for a child to exit",
  },
  {
    name: "CODEX_MCP_APPROVAL_TIMEOUT_MS",
    values: "milliseconds (default 60000)",
    meaning: "an unanswered approval or question is declined after this long",
  },
  {
    name: "CODEX_MCP_IDLE_TTL_MS",
    values: "milliseconds (default 1800000, 30 min)",
    meaning: "idle sessions are cancelled after this long",
  },
  {
    name: "CODEX_MCP_RUNNING_TTL_MS",
    values: "milliseconds (default 14400000, 4 h)",
    meaning: "a turn running this long is interrupted and its session cancelled",
  },
  {
    name: "CODEX_MCP_TERMINAL_TTL_MS",
    values: "milliseconds (default 300000, 5 min)",
    meaning: "cancelled and failed sessions are forgotten this long after their last activity",
  },
  {
    name: "CODEX_MCP_STORE",
    values: "sqlite|memory (default sqlite)",
    meaning: "keep sessions in SQLite in the state directory (they survive restarts) or in memory only",
  },
  {
    name: "CODEX_MCP_STATE_DIR",
    values: "a directory",
    meaning:
      "where state lives (default: $XDG_STATE_HOME/codex-mcp or ~/.local/state/codex-mcp; macOS ~/Library/Application Support/codex-mcp; Windows %LOCALAPPDATA%\\codex-mcp)",
  },
  {
    name: "CODEX_MCP_RETENTION_MS",
    values: "milliseconds (default 604800000, 7 days)",
    meaning: "persisted sessions inactive this long are deleted",
  },
  {
    name: "CODEX_MCP_SHUTDOWN_GRACE_MS",
    values: "milliseconds (default 10000)",
    meaning:
      "at shutdown, running turns may finish for this long before they are interrupted; a second signal cuts it short",
  },
  {
    name: "CODEX_MCP_PATH",
    values: "a file path",
    meaning: "the Codex executable to run (not together with CODEX_MCP_COMMAND)",
  },
  {
    name: "CODEX_MCP_COMMAND",
    values: "a bare name",
    meaning: "a Codex executable to look up on PATH instead of codex, codex-internal",
  },
  { name: "CODEX_HOME", values: "a directory", meaning: "Codex's own home (default ~/.codex); must exist when set" },
];

/** A configuration problem: one line per variable, ready for stderr. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) => s.trim().toLowerCase()),
    v.picklist(values, `${name} must be one of ${values.join(", ")}`),
  );

/** A duration in whole milliseconds, 1 ms up to the largest delay `setTimeout` honours. */
const milliseconds = (name: string, fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform((s) => s.trim()),
    v.regex(/^[0-9]+$/, `${name} must be a positive integer number of milliseconds`),
    v.transform(Number),
    v.minValue(1, `${name} must be a positive integer number of milliseconds`),
    // Above this, timers fire immediately instead of late: refuse rather than misbehave.
    v.maxValue(MAX_TIMEOUT_MS, `${name} must be at most ${MAX_TIMEOUT_MS} milliseconds (about 24 days)`),
  );

const EnvSchema = v.object({
  CODEX_MCP_STDIO_MODE: oneOf("CODEX_MCP_STDIO_MODE", STDIO_MODES, "auto"),
  CODEX_MCP_MODE: oneOf("CODEX_MCP_MODE", BACKEND_MODES, "auto"),
  CODEX_MCP_LOG_LEVEL: oneOf("CODEX_MCP_LOG_LEVEL", LOG_LEVELS, "warn"),
  CODEX_MCP_TEST_HOOKS: v.optional(v.string()),
  CODEX_MCP_STARTUP_TIMEOUT_MS: milliseconds("CODEX_MCP_STARTUP_TIMEOUT_MS", DEFAULT_TIMEOUTS.startupMs),
  CODEX_MCP_REQUEST_TIMEOUT_MS: milliseconds("CODEX_MCP_REQUEST_TIMEOUT_MS", DEFAULT_TIMEOUTS.requestMs),
  CODEX_MCP_KILL_GRACE_MS: milliseconds("CODEX_MCP_KILL_GRACE_MS", DEFAULT_TIMEOUTS.killGraceMs),
  CODEX_MCP_APPROVAL_TIMEOUT_MS: milliseconds("CODEX_MCP_APPROVAL_TIMEOUT_MS", 60_000),
  CODEX_MCP_IDLE_TTL_MS: milliseconds("CODEX_MCP_IDLE_TTL_MS", 30 * 60_000),
  CODEX_MCP_RUNNING_TTL_MS: milliseconds("CODEX_MCP_RUNNING_TTL_MS", 4 * 3_600_000),
  CODEX_MCP_TERMINAL_TTL_MS: milliseconds("CODEX_MCP_TERMINAL_TTL_MS", 5 * 60_000),
  CODEX_MCP_STORE: oneOf("CODEX_MCP_STORE", ["sqlite", "memory"] as const, "sqlite"),
  CODEX_MCP_RETENTION_MS: milliseconds("CODEX_MCP_RETENTION_MS", 7 * 24 * 3_600_000),
  CODEX_MCP_SHUTDOWN_GRACE_MS: milliseconds("CODEX_MCP_SHUTDOWN_GRACE_MS", 10_000),
});

/**
 * CODEX_MCP_MODE alone, for code that has the environment but not the {@link Config} (the
 * readiness check behind `codex_setup`). An invalid value reads as `auto` here: `loadConfig`
 * already refused it at start-up.
 */
export function backendModeFrom(env: Readonly<Record<string, string | undefined>>): BackendModeSetting {
  const result = v.safeParse(EnvSchema.entries.CODEX_MCP_MODE, env["CODEX_MCP_MODE"]);
  return result.success ? result.output : "auto";
}

/** Reads the configuration; throws {@link ConfigError} listing every invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = v.safeParse(EnvSchema, env);
  if (!result.success) {
    const lines = result.issues.map((issue) => `${issue.message} (got ${JSON.stringify(issue.input)})`);
    throw new ConfigError(lines.join("\n"));
  }
  const out = result.output;
  return {
    stdioMode: out.CODEX_MCP_STDIO_MODE,
    backendMode: out.CODEX_MCP_MODE,
    logLevel: out.CODEX_MCP_LOG_LEVEL,
    testHooks: out.CODEX_MCP_TEST_HOOKS === "1",
    startupTimeoutMs: out.CODEX_MCP_STARTUP_TIMEOUT_MS,
    requestTimeoutMs: out.CODEX_MCP_REQUEST_TIMEOUT_MS,
    killGraceMs: out.CODEX_MCP_KILL_GRACE_MS,
    approvalTimeoutMs: out.CODEX_MCP_APPROVAL_TIMEOUT_MS,
    idleTtlMs: out.CODEX_MCP_IDLE_TTL_MS,
    runningTtlMs: out.CODEX_MCP_RUNNING_TTL_MS,
    terminalTtlMs: out.CODEX_MCP_TERMINAL_TTL_MS,
    store: out.CODEX_MCP_STORE,
    retentionMs: out.CODEX_MCP_RETENTION_MS,
    shutdownGraceMs: out.CODEX_MCP_SHUTDOWN_GRACE_MS,
  };
}
