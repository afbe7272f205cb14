/**
 * Configuration from the environment, validated once at start-up. An invalid value is an error
 * naming the variable, never a silent default.
 *
 * Longer than ~400 lines on purpose: most of it is `SETTINGS`, the one table of every environment
 * variable, from which the schema, --help and the README are made (docs/ARCHITECTURE.md, "Long
 * files").
 *
 * @module
 */
import * as v from "valibot";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { DEFAULT_TIMEOUTS, MAX_TIMEOUT_MS } from "./process/timeouts.ts";

/** How the stdio preflight treats its findings (CODEX_MCP_STDIO_MODE). */
const STDIO_MODES = ["auto", "strict", "off"] as const;
export type StdioMode = (typeof STDIO_MODES)[number];

/** How sessions drive Codex: decided on the first session (`auto`), or forced. */
const BACKEND_MODES = ["auto", "app-server", "exec"] as const;
export type BackendModeSetting = (typeof BACKEND_MODES)[number];

/** Where sessions live. */
const STORES = ["sqlite", "memory"] as const;

export interface Config {
  stdioMode: StdioMode;
  /** CODEX_MCP_MODE: `auto` uses `codex app-server` when it answers and falls back to `codex exec --json`. */
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
  store: (typeof STORES)[number];
  /** Persisted sessions inactive this long are deleted from the state database. */
  retentionMs: number;
  /** At shutdown, how long running turns may take to finish before they are interrupted. */
  shutdownGraceMs: number;
  /** The longest any call waits (waitForResult, a long poll's waitMs), whatever it asks for. */
  maxWaitMs: number;
  /** The largest image a turn may attach. */
  maxImageBytes: number;
  /** Directories a cwd or an image must lie inside (after resolving links); empty: anywhere. */
  allowedRoots: string[];
  /** The most permissive sandbox a call may ask for; "none": no ceiling. */
  maxSandbox: "none" | "read-only" | "workspace-write" | "danger-full-access";
  /** The least strict approval policy a call may ask for; "none": any. */
  minApproval: "none" | "never" | "on-request" | "untrusted";
  /** Sessions this server keeps open at once; 0: no limit. */
  maxSessions: number;
  /** Turns this server runs at once; 0: no limit. */
  maxRunningTurns: number;
  /** `serve --http`: sessions one principal keeps open at once; 0: no limit of its own. */
  principalMaxSessions: number;
  /** `serve --http`: turns one principal runs at once; 0: no limit of its own. */
  principalMaxRunningTurns: number;
  /** While a turn runs, how often the app-server's liveness is checked. */
  livenessMs: number;
  /** An exec turn whose process writes nothing this long is declared hung. */
  execSilenceMs: number;
  /** Who answers Codex's approvals and questions: the person (by form), the calling model, or auto. */
  approvals: ApprovalsSetting;
  /** Which of the user's MCP servers run inside sessions, unless a call says otherwise. */
  innerMcp: "inherit" | "none";
}

export const APPROVALS_SETTINGS = ["auto", "client", "model"] as const;
export type ApprovalsSetting = (typeof APPROVALS_SETTINGS)[number];

/** A setting read into {@link Config}: a choice among words, or a duration. */
type ConfigSetting =
  | { variable: string; key: keyof Config; kind: "choice"; values: readonly string[]; default: string; meaning: string }
  | { variable: string; key: keyof Config; kind: "ms"; default: number; meaning: string }
  | { variable: string; key: keyof Config; kind: "bytes"; default: number; meaning: string }
  | { variable: string; key: keyof Config; kind: "count"; meaning: string }
  | { variable: string; key: keyof Config; kind: "list"; values: string; meaning: string }
  | { variable: string; key: keyof Config; kind: "flag"; meaning: string; hidden: true };
/** A variable another part reads itself (Codex discovery, the state directory): documented here too. */
type ExternalSetting = { variable: string; kind: "external"; values: string; meaning: string };
export type Setting = ConfigSetting | ExternalSetting;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Every environment variable codex-mcp reads, declared once: the configuration's schema, the
 * `--help` text and the README's table (scripts/docs.ts) are all made from this list.
 */
export const SETTINGS: readonly Setting[] = [
  {
    variable: "CODEX_MCP_STDIO_MODE",
    key: "stdioMode",
    kind: "choice",
    values: STDIO_MODES,
    default: "auto",
    meaning:
      "the stdio preflight: strict refuses to start on a blocking finding (exit 2), auto reports findings on stderr and serves, off skips the checks",
  },
  {
    variable: "CODEX_MCP_MODE",
    key: "backendMode",
    kind: "choice",
    values: BACKEND_MODES,
    default: "auto",
    meaning:
      "how sessions drive Codex: auto uses `codex app-server` when it answers and falls back to `codex exec --json`; the others force one",
  },
  {
    variable: "CODEX_MCP_LOG_LEVEL",
    key: "logLevel",
    kind: "choice",
    values: LOG_LEVELS,
    default: "warn",
    meaning: "how much codex-mcp logs on stderr",
  },
  {
    variable: "CODEX_MCP_STORE",
    key: "store",
    kind: "choice",
    values: STORES,
    default: "sqlite",
    meaning: "keep sessions in SQLite in the state directory (they survive restarts), or in memory only",
  },
  {
    variable: "CODEX_MCP_STATE_DIR",
    kind: "external",
    values: "a directory",
    meaning:
      "where state lives (default: $XDG_STATE_HOME/codex-mcp or ~/.local/state/codex-mcp; macOS ~/Library/Application Support/codex-mcp; Windows %LOCALAPPDATA%\\codex-mcp)",
  },
  {
    variable: "CODEX_MCP_RETENTION_MS",
    key: "retentionMs",
    kind: "ms",
    default: 7 * 24 * HOUR,
    meaning: "persisted sessions inactive this long are deleted",
  },
  {
    variable: "CODEX_MCP_SHUTDOWN_GRACE_MS",
    key: "shutdownGraceMs",
    kind: "ms",
    default: 10_000,
    meaning:
      "at shutdown, running turns may finish for this long before they are interrupted; a second signal cuts it short",
  },
  {
    variable: "CODEX_MCP_PATH",
    kind: "external",
    values: "a file path",
    meaning: "the Codex executable to run (not together with CODEX_MCP_COMMAND)",
  },
  {
    variable: "CODEX_MCP_COMMAND",
    kind: "external",
    values: "a bare name",
    meaning: "a Codex executable to look up on PATH instead of codex, then codex-internal",
  },
  {
    variable: "CODEX_MCP_STARTUP_TIMEOUT_MS",
    key: "startupTimeoutMs",
    kind: "ms",
    default: DEFAULT_TIMEOUTS.startupMs,
    meaning: "how long a Codex process may take to start and answer its handshake",
  },
  {
    variable: "CODEX_MCP_REQUEST_TIMEOUT_MS",
    key: "requestTimeoutMs",
    kind: "ms",
    default: DEFAULT_TIMEOUTS.requestMs,
    meaning: "how long one request to a Codex process may go unanswered",
  },
  {
    variable: "CODEX_MCP_KILL_GRACE_MS",
    key: "killGraceMs",
    kind: "ms",
    default: DEFAULT_TIMEOUTS.killGraceMs,
    meaning: "how long teardown waits at each step (stdin EOF, SIGTERM, SIGKILL) for a child to exit",
  },
  {
    variable: "CODEX_MCP_MAX_WAIT_MS",
    key: "maxWaitMs",
    kind: "ms",
    default: 50_000,
    meaning:
      "the longest a call waits (waitForResult, a long poll's waitMs), below the 60 s tool timeout many clients use; a longer wait answers with the polling shape at this point",
  },
  {
    variable: "CODEX_MCP_MAX_IMAGE_BYTES",
    key: "maxImageBytes",
    kind: "bytes",
    default: 20 * 1024 * 1024,
    meaning:
      "the largest image a turn may attach; only regular files are taken (a device or a pipe would make Codex read forever)",
  },
  {
    variable: "CODEX_MCP_LIVENESS_MS",
    key: "livenessMs",
    kind: "ms",
    default: 10_000,
    meaning:
      "while a turn runs, how often the app-server is asked something cheap; no answer within CODEX_MCP_REQUEST_TIMEOUT_MS means it hangs: it is stopped and its sessions turn error (CODEX_HUNG, a reply resumes)",
  },
  {
    variable: "CODEX_MCP_EXEC_SILENCE_MS",
    key: "execSilenceMs",
    kind: "ms",
    default: 15 * MINUTE,
    meaning:
      "exec backend: a turn whose `codex exec` writes nothing (no event, no log line) this long hangs: it is stopped and its session turns error (CODEX_HUNG, a reply resumes)",
  },
  {
    variable: "CODEX_MCP_APPROVALS",
    key: "approvals",
    kind: "choice",
    values: APPROVALS_SETTINGS,
    default: "auto",
    meaning:
      "who answers Codex's approvals and questions: client = the person, through the MCP client's form (elicitation); model = the caller, by polling; auto = the person when the client can show forms, else the caller. Polling stays open beside a form: the first answer wins",
  },
  {
    variable: "CODEX_MCP_INNER_MCP",
    key: "innerMcp",
    kind: "choice",
    values: ["inherit", "none"],
    default: "inherit",
    meaning:
      "the MCP servers of the user's Codex config inside sessions: inherit runs them (Codex's default), none starts sessions without them; a call's advanced.mcpServers picks per session",
  },
  {
    variable: "CODEX_MCP_APPROVAL_TIMEOUT_MS",
    key: "approvalTimeoutMs",
    kind: "ms",
    default: MINUTE,
    meaning: "unanswered approvals and questions are declined after this long",
  },
  {
    variable: "CODEX_MCP_IDLE_TTL_MS",
    key: "idleTtlMs",
    kind: "ms",
    default: 30 * MINUTE,
    meaning: "idle sessions are cancelled after this long",
  },
  {
    variable: "CODEX_MCP_RUNNING_TTL_MS",
    key: "runningTtlMs",
    kind: "ms",
    default: 4 * HOUR,
    meaning: "a turn running this long is interrupted and its session cancelled",
  },
  {
    variable: "CODEX_MCP_TERMINAL_TTL_MS",
    key: "terminalTtlMs",
    kind: "ms",
    default: 5 * MINUTE,
    meaning: "cancelled and failed sessions are forgotten this long after their last activity",
  },
  {
    variable: "CODEX_MCP_TEST_HOOKS",
    key: "testHooks",
    kind: "flag",
    hidden: true,
    meaning: "1 registers a debug_echo tool for codex-mcp's own end-to-end tests",
  },
  {
    variable: "CODEX_MCP_ALLOWED_ROOTS",
    key: "allowedRoots",
    kind: "list",
    values: "directories, comma-separated",
    meaning:
      "a session's cwd and images must lie inside one of them, after links are resolved (FORBIDDEN otherwise); unset: anywhere",
  },
  {
    variable: "CODEX_MCP_MAX_SANDBOX",
    key: "maxSandbox",
    kind: "choice",
    values: ["none", "read-only", "workspace-write", "danger-full-access"],
    default: "none",
    meaning:
      "the most permissive sandbox a call may ask for, per-turn overrides and forks included (FORBIDDEN otherwise)",
  },
  {
    variable: "CODEX_MCP_MIN_APPROVAL",
    key: "minApproval",
    kind: "choice",
    values: ["none", "never", "on-request", "untrusted"],
    default: "none",
    meaning: "the least strict approval policy a call may ask for, e.g. on-request refuses never (FORBIDDEN)",
  },
  {
    variable: "CODEX_MCP_MAX_SESSIONS",
    key: "maxSessions",
    kind: "count",
    meaning: "sessions this server keeps open at once (not cancelled); more are LIMIT_REACHED; unset or 0: no limit",
  },
  {
    variable: "CODEX_MCP_MAX_RUNNING_TURNS",
    key: "maxRunningTurns",
    kind: "count",
    meaning: "turns this server runs at once; more are LIMIT_REACHED; unset or 0: no limit",
  },
  {
    variable: "CODEX_MCP_PRINCIPAL_MAX_SESSIONS",
    key: "principalMaxSessions",
    kind: "count",
    meaning:
      "`serve --http`: sessions one token's principal keeps open at once (not cancelled); more are LIMIT_REACHED; unset or 0: no limit of its own",
  },
  {
    variable: "CODEX_MCP_PRINCIPAL_MAX_RUNNING_TURNS",
    key: "principalMaxRunningTurns",
    kind: "count",
    meaning:
      "`serve --http`: turns one token's principal runs at once; more are LIMIT_REACHED; unset or 0: no limit of its own",
  },
  {
    variable: "CODEX_MCP_ENV_DENY",
    kind: "external",
    values: "name patterns, comma-separated (`*` matches anything)",
    meaning:
      "variables removed from the environment of every Codex process, e.g. AWS_*,GITHUB_TOKEN (Codex children otherwise inherit codex-mcp's environment: Codex needs its keys)",
  },
  {
    variable: "CODEX_MCP_HTTP_TOKENS",
    kind: "external",
    values: "tokens, comma- or newline-separated (each `name token` or a bare token, at least 16 characters)",
    meaning:
      "`serve --http`: the bearer tokens let in, besides those of --token-file; each names a principal (keep it out of logs and shell history: prefer --token-file)",
  },
  {
    variable: "CODEX_HOME",
    kind: "external",
    values: "a directory",
    meaning: "Codex's own home (default ~/.codex); must exist when set",
  },
];

/** A duration in a person's words: "1800000 = 30 min". */
function readableMs(ms: number): string {
  const units: [number, string][] = [[24 * HOUR, "days"], [HOUR, "h"], [MINUTE, "min"], [1000, "s"]];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${ms} = ${n} ${name === "days" && n === 1 ? "day" : name}`;
    }
  }
  return String(ms);
}

/** The values a setting takes and its default, as `--help` and the README say them. */
export function describeValues(setting: Setting): string {
  switch (setting.kind) {
    case "choice":
      return `${setting.values.join("|")} (default ${setting.default})`;
    case "ms":
      return `milliseconds (default ${readableMs(setting.default)})`;
    case "count":
      return "a whole number (default 0: no limit)";
    case "list":
      return setting.values;
    case "bytes":
      return `bytes (default ${setting.default}${
        setting.default % (1024 * 1024) === 0 ? ` = ${setting.default / (1024 * 1024)} MiB` : ""
      })`;
    case "flag":
      return "1 to enable";
    case "external":
      return setting.values;
  }
}

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

/**
 * A whole number from the environment: `unit` names it in messages ("milliseconds"; none for a
 * count); `min` is the least accepted (1 for durations and sizes, 0 for counts, where 0 means no
 * limit); `max` the most.
 */
function wholeNumber(name: string, fallback: number, unit: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const what = min > 0 ? `a positive integer number of ${unit}` : "a whole number";
  return v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform((s) => s.trim()),
    v.regex(/^[0-9]+$/, `${name} must be ${what}`),
    v.transform(Number),
    v.minValue(min, `${name} must be ${what}`),
    v.maxValue(max, `${name} must be at most ${max} ${unit}${max === MAX_TIMEOUT_MS ? " (about 24 days)" : ""}`),
  );
}

const CONFIG_SETTINGS = SETTINGS.filter((s): s is ConfigSetting => s.kind !== "external");

function schemaOf(setting: ConfigSetting) {
  switch (setting.kind) {
    case "choice":
      return oneOf(setting.variable, setting.values, setting.default);
    case "ms":
      // Above this, timers fire immediately instead of late: refuse rather than misbehave.
      return wholeNumber(setting.variable, setting.default, "milliseconds", 1, MAX_TIMEOUT_MS);
    case "bytes":
      return wholeNumber(setting.variable, setting.default, "bytes", 1);
    case "count":
      return wholeNumber(setting.variable, 0, "", 0);
    case "list":
      return v.pipe(
        v.optional(v.string(), ""),
        v.transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean)),
      );
    case "flag":
      return v.pipe(v.optional(v.string(), ""), v.transform((s) => s === "1"));
  }
}

const EnvSchema = v.object(Object.fromEntries(CONFIG_SETTINGS.map((s) => [s.variable, schemaOf(s)])));

/**
 * CODEX_MCP_MODE alone, for code that has the environment but not the {@link Config} (the
 * readiness check behind `codex_setup`). An invalid value reads as `auto` here: `loadConfig`
 * already refused it at start-up.
 */
export function backendModeFrom(env: Readonly<Record<string, string | undefined>>): BackendModeSetting {
  const result = v.safeParse(EnvSchema.entries["CODEX_MCP_MODE"]!, env["CODEX_MCP_MODE"]);
  return result.success ? (result.output as BackendModeSetting) : "auto";
}

/** Reads the configuration; throws {@link ConfigError} listing every invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = v.safeParse(EnvSchema, env);
  if (!result.success) {
    const lines = result.issues.map((issue) => `${issue.message} (got ${JSON.stringify(issue.input)})`);
    throw new ConfigError(lines.join("\n"));
  }
  const out = result.output as Record<string, unknown>;
  return Object.fromEntries(CONFIG_SETTINGS.map((s) => [s.key, out[s.variable]])) as unknown as Config;
}
