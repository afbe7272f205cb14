/**
 * The argument vectors of `codex exec --json`, `codex exec resume` and `codex exec fork`, built
 * from the backend's settings, and the checks that refuse what exec cannot do.
 *
 * Measured against Codex 0.169.0 (the fake model records what Codex sends):
 * - `exec resume` accepts `--json`, `-m`, `-c`, `-i`, `--output-schema`, `--skip-git-repo-check`
 *   and `--ephemeral`, but not `-C/--cd`, `-s/--sandbox`, `-p/--profile` or `--add-dir`.
 * - A resumed thread does NOT keep its sandbox (it falls back to exec's read-only default), nor a
 *   model chosen by flag: every turn therefore passes the thread's settings again, the sandbox as
 *   `-c sandbox_mode=…`.
 * - The working directory of a resumed turn is the process's cwd (`-c cwd=…` is ignored): the
 *   child is spawned there, which also makes it the sandbox's workspace root.
 * - `--profile p` (layering `$CODEX_HOME/p.config.toml`) works as a top-level flag before `exec`,
 *   for `exec` and `exec resume` alike; `-c profile=…` is refused by Codex.
 * - Base instructions have no config value, only `model_instructions_file`: they are written to a
 *   temporary file for the first turn; Codex records them with the thread, so later turns (even
 *   after the file is gone) keep them. `developer_instructions` and `personality` are config
 *   values, passed on every turn (Codex does not duplicate the developer message on resume).
 * - Reasoning effort and summary are the config values `model_reasoning_effort` and
 *   `model_reasoning_summary` (they reach the request's `reasoning` field).
 * - The prompt is read from stdin when the positional prompt is `-`: every user-provided value is
 *   given as `--flag=value` and the positionals come after `--`, so nothing a caller passes is ever
 *   read as an option.
 *
 * @module
 */
import {
  type ApprovalPolicy,
  BackendError,
  CAPABILITIES,
  type ReasoningEffort,
  type ReasoningSummary,
  type ReviewTarget,
  SANDBOX_MODES,
  type SandboxMode,
  type ThreadSettings,
  type TurnInput,
} from "../../backend.ts";

/** What an exec thread carries from turn to turn (exec itself remembers only the history). */
export interface ExecSettings {
  cwd: string;
  sandbox: SandboxMode;
  model?: string;
  profile?: string;
  config?: Record<string, unknown>;
  effort?: ReasoningEffort;
  summary?: ReasoningSummary;
  baseInstructions?: string;
  developerInstructions?: string;
  personality?: string;
  ephemeral?: boolean;
}

/** Temporary files a turn's arguments name. */
export interface TurnFiles {
  outputSchema?: string;
  baseInstructions?: string;
}

/** Flags every invocation starts with: top-level options go before the subcommand. */
function globalArgs(settings: ExecSettings): string[] {
  return settings.profile === undefined ? [] : [`--profile=${settings.profile}`];
}

/** Flags shared by `exec` and `exec resume`, the thread's settings and the turn's files. */
function turnArgs(settings: ExecSettings, images: readonly string[], files: TurnFiles): string[] {
  const args = ["--json", "--skip-git-repo-check"];
  if (settings.model !== undefined) args.push(`--model=${settings.model}`);
  for (const [key, value] of Object.entries(settings.config ?? {})) args.push(configArg(key, value));
  if (settings.effort !== undefined) args.push(configArg("model_reasoning_effort", settings.effort));
  if (settings.summary !== undefined) args.push(configArg("model_reasoning_summary", settings.summary));
  if (settings.developerInstructions !== undefined) {
    args.push(configArg("developer_instructions", settings.developerInstructions));
  }
  if (settings.personality !== undefined) args.push(configArg("personality", settings.personality));
  if (files.baseInstructions !== undefined) args.push(configArg("model_instructions_file", files.baseInstructions));
  for (const image of images) args.push(`--image=${image}`);
  if (files.outputSchema !== undefined) args.push(`--output-schema=${files.outputSchema}`);
  return args;
}

/** `codex exec` for a thread's first turn; the prompt follows on stdin. */
export function execArgs(settings: ExecSettings, images: readonly string[], files: TurnFiles): string[] {
  const args = [
    ...globalArgs(settings),
    "exec",
    ...turnArgs(settings, images, files),
    `--cd=${settings.cwd}`,
    `--sandbox=${settings.sandbox}`,
  ];
  if (settings.ephemeral === true) args.push("--ephemeral");
  return [...args, "--", "-"];
}

/** `codex exec resume` for a later turn; the prompt follows on stdin. Spawn it in `settings.cwd`. */
export function resumeArgs(
  codexThreadId: string,
  settings: ExecSettings,
  images: readonly string[],
  files: TurnFiles,
): string[] {
  return [
    ...globalArgs(settings),
    "exec",
    "resume",
    ...turnArgs(settings, images, files),
    configArg("sandbox_mode", settings.sandbox),
    "--",
    codexThreadId,
    "-",
  ];
}

/**
 * `codex exec review` for a thread's first turn: Codex's reviewer on the target, in the thread's
 * model, config and sandbox. Custom instructions follow on stdin; the other targets are flags.
 * Spawn it in `settings.cwd` (the repository it reviews).
 */
export function reviewArgs(settings: ExecSettings, target: ReviewTarget): string[] {
  const args = [
    ...globalArgs(settings),
    "exec",
    "review",
    ...turnArgs(settings, [], {}),
    configArg("sandbox_mode", settings.sandbox),
  ];
  if (settings.ephemeral === true) args.push("--ephemeral");
  switch (target.kind) {
    case "uncommitted":
      return [...args, "--uncommitted"];
    case "baseBranch":
      return [...args, `--base=${checkValue("base branch", target.branch)}`];
    case "commit":
      return [
        ...args,
        `--commit=${checkValue("commit", target.sha)}`,
        ...(target.title === undefined ? [] : [`--title=${checkValue("title", target.title)}`]),
      ];
    case "custom":
      return [...args, "--", "-"];
  }
}

/** `codex exec fork` without a prompt: Codex copies the thread, prints `thread.started` and exits. */
export function forkArgs(codexThreadId: string, settings: ExecSettings): string[] {
  const config = Object.entries(settings.config ?? {}).map(([key, value]) => configArg(key, value));
  return [...globalArgs(settings), "exec", "fork", "--json", "--skip-git-repo-check", ...config, "--", codexThreadId];
}

/** `--config=key=<TOML>`. */
function configArg(key: string, value: unknown): string {
  return `--config=${key}=${tomlValue(value, key)}`;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** The thread's settings as exec takes them; refuses what exec cannot do. */
export function execSettingsFor(settings: ThreadSettings): ExecSettings {
  checkApprovals(settings.approvalPolicy, settings.sandbox);
  checkSandbox(settings.sandbox);
  checkAbsolute("cwd", settings.cwd);
  const out: ExecSettings = { cwd: settings.cwd, sandbox: settings.sandbox };
  if (settings.model !== undefined) out.model = checkValue("model", settings.model);
  if (settings.profile !== undefined) out.profile = checkProfile(settings.profile);
  if (settings.config !== undefined) out.config = checkConfig(settings.config);
  if (settings.baseInstructions !== undefined) out.baseInstructions = settings.baseInstructions;
  if (settings.developerInstructions !== undefined) out.developerInstructions = settings.developerInstructions;
  if (settings.personality !== undefined) out.personality = settings.personality;
  if (settings.ephemeral !== undefined) out.ephemeral = settings.ephemeral;
  return out;
}

/**
 * The settings a turn runs with: the thread's, with the turn's overrides applied (they stick for
 * later turns, as in Codex). Every override is applied or refused, never dropped.
 */
export function settingsForTurn(thread: ExecSettings, input: TurnInput): ExecSettings {
  if (typeof input.prompt !== "string" || input.prompt === "") {
    throw new BackendError(
      "INVALID_ARGUMENT",
      "the prompt is empty",
      "Pass the text of the turn; `codex exec` refuses an empty prompt.",
    );
  }
  const sandbox = input.sandbox ?? thread.sandbox;
  if (input.approvalPolicy !== undefined) checkApprovals(input.approvalPolicy, sandbox);
  if (input.collaborationMode === "plan" && !CAPABILITIES.exec.userInput) {
    throw new BackendError(
      "NOT_SUPPORTED",
      'the exec backend has no "plan" collaboration mode',
      "`codex exec` cannot ask the user questions (plan mode needs `codex app-server`). Leave collaborationMode out, or use a Codex with app-server.",
    );
  }
  checkSandbox(sandbox);
  for (const image of input.images ?? []) checkAbsolute("image", image);
  const next: ExecSettings = { ...thread, sandbox };
  if (input.cwd !== undefined) next.cwd = checkAbsolute("cwd", input.cwd);
  if (input.model !== undefined) next.model = checkValue("model", input.model);
  if (input.effort !== undefined) next.effort = input.effort;
  if (input.summary !== undefined) next.summary = input.summary;
  return next;
}

function checkApprovals(policy: ApprovalPolicy, sandbox: SandboxMode): void {
  if (policy === "never" || CAPABILITIES.exec.approvals) return;
  throw new BackendError(
    "NOT_SUPPORTED",
    `the exec backend cannot ask for approvals (approvalPolicy ${JSON.stringify(policy)})`,
    `codex-mcp drives this Codex through \`codex exec\`, which never asks: with approvalPolicy "never" the turn runs under the ${
      JSON.stringify(sandbox)
    } sandbox and whatever the sandbox forbids fails instead of asking. Pass approvalPolicy "never" (choosing the sandbox you want), or use a Codex with \`codex app-server\` (see \`codex-mcp doctor\`) for approvals.`,
  );
}

function checkSandbox(sandbox: SandboxMode): void {
  if (!(SANDBOX_MODES as readonly string[]).includes(sandbox)) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `unknown sandbox mode ${JSON.stringify(sandbox)}`,
      "Use read-only, workspace-write or danger-full-access.",
    );
  }
}

function checkAbsolute(what: string, path: string): string {
  const absolute = path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
  if (!absolute || path.includes("\0")) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `${what} must be an absolute path, got ${JSON.stringify(path)}`,
      `Pass the ${what}'s absolute path.`,
    );
  }
  return path;
}

function checkValue(what: string, value: string): string {
  if (value === "" || value.includes("\0") || /[\r\n]/.test(value)) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `${what} ${JSON.stringify(value)} is not a valid name`,
      `Pass a ${what} name as Codex lists it.`,
    );
  }
  return value;
}

function checkProfile(profile: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(profile)) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `profile ${JSON.stringify(profile)} is not a profile name`,
      "Pass the name of a profile: `--profile p` layers $CODEX_HOME/p.config.toml over config.toml.",
    );
  }
  return profile;
}

function checkConfig(config: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(config)) {
    if (key === "profile") {
      throw new BackendError(
        "NOT_SUPPORTED",
        "the `profile` config key is not supported by Codex 0.169",
        "Pass the profile by name (the `profile` setting): codex-mcp gives it to Codex as `--profile`.",
      );
    }
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key)) {
      throw new BackendError(
        "INVALID_ARGUMENT",
        `config key ${JSON.stringify(key)} is not a dotted key`,
        "Config keys are dotted paths of plain names, as in `-c shell_environment_policy.inherit=all`.",
      );
    }
    tomlValue(value, key);
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// TOML

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A value as inline TOML (`-c` parses its value as TOML); INVALID_ARGUMENT for what TOML cannot hold. */
export function tomlValue(value: unknown, key: string): string {
  const refuse = (why: string): never => {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `config ${JSON.stringify(key)}: ${why}`,
      "Config values must be strings, finite numbers, booleans, arrays or tables (TOML has no null).",
    );
  };
  switch (typeof value) {
    case "string":
      return tomlString(value, refuse);
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) refuse(`${value} is not a TOML number`);
      return Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER
        ? refuse(`${value} is too large an integer`)
        : String(value);
    case "object": {
      if (value === null) return refuse("null has no TOML form");
      if (Array.isArray(value)) return `[${value.map((item) => tomlValue(item, key)).join(", ")}]`;
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
        `${BARE_KEY.test(k) ? k : tomlString(k, refuse)} = ${tomlValue(v, `${key}.${k}`)}`
      );
      return `{${entries.length === 0 ? "" : ` ${entries.join(", ")} `}}`;
    }
    default:
      return refuse(`a ${typeof value} has no TOML form`);
  }
}

/** A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML requires escaped. */
function tomlString(text: string, refuse: (why: string) => never): string {
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
    refuse("a string holds an unpaired surrogate");
  }
  return JSON.stringify(text).replaceAll("\u007f", "\\u007F");
}
