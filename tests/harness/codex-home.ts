/**
 * Throwaway CODEX_HOME + HOME for running the real Codex against the fake model.
 *
 * ```ts
 * const home = makeCodexHome({ modelUrl: model.url });
 * spawn(codexBinary(), ["app-server"], { env: home.env, cwd: home.workspace });
 * home.cleanup();
 * ```
 *
 * Layout under `root` (a fresh temp dir, realpath'd): `codex-home/config.toml`, `home/`
 * (agent commands run `bash -lc` and read startup files from HOME) and `workspace/` (a cwd
 * for threads). `env` is built from an allow-list of the current environment (PATH, locale,
 * temp dir, Windows system variables) plus HOME/CODEX_HOME, so no OPENAI_API_KEY,
 * CODEX_*, proxy or XDG setting leaks into Codex.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };
export type TomlTable = { [key: string]: TomlValue };

export interface CodexHomeOptions {
  /** Base URL of the fake Responses API, ending in `/v1` (FakeModel.url). */
  modelUrl: string;
  /** Deep-merged over the default config (e.g. `{ features: { foo: true }, model: "x" }`). */
  extraConfig?: TomlTable;
  /** Raw TOML appended at the end of config.toml (must not redefine tables already present). */
  extraToml?: string;
  /** Extra environment variables for `env` (an undefined value removes the variable). */
  extraEnv?: Record<string, string | undefined>;
}

export interface CodexHome {
  /** The temp directory holding everything below. */
  root: string;
  /** CODEX_HOME (contains config.toml; Codex writes sessions/, logs etc. here). */
  codexHome: string;
  /** HOME for Codex and the commands it runs. */
  home: string;
  /** An empty directory to use as a thread cwd. */
  workspace: string;
  /** The config.toml text written. */
  configToml: string;
  /** Complete environment for spawning Codex. */
  env: Record<string, string>;
  /** Remove `root` (idempotent). */
  cleanup(): void;
}

/** The default config.toml content as a table (see codex-protocol.md §1). */
export function defaultCodexConfig(modelUrl: string): TomlTable {
  return {
    model: "gpt-5.5",
    model_provider: "mock",
    model_providers: {
      mock: {
        name: "mock",
        base_url: modelUrl,
        wire_api: "responses",
        requires_openai_auth: false,
        request_max_retries: 0,
        stream_max_retries: 0,
        stream_idle_timeout_ms: 10000,
      },
    },
    features: {
      plugins: false,
      unbounded_connection_retries: false,
    },
  };
}

const isTable = (v: unknown): v is TomlTable => typeof v === "object" && v !== null && !Array.isArray(v);

function deepMerge(base: TomlTable, extra: TomlTable): TomlTable {
  const out: TomlTable = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const prev = out[key];
    out[key] = isTable(prev) && isTable(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const tomlKey = (k: string) => (BARE_KEY.test(k) ? k : JSON.stringify(k));

function tomlInline(value: TomlValue): string {
  if (typeof value === "string") return JSON.stringify(value); // JSON string escapes are valid TOML basic strings
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`codex-home: cannot write ${value} to TOML`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlInline).join(", ")}]`;
  return `{ ${Object.entries(value).map(([k, v]) => `${tomlKey(k)} = ${tomlInline(v)}`).join(", ")} }`;
}

/** Serialise a table to TOML: scalars/arrays first, then sub-tables as `[a.b]` sections. */
export function toToml(table: TomlTable, prefix: string[] = []): string {
  const lines: string[] = [];
  const sub: Array<[string, TomlTable]> = [];
  for (const [key, value] of Object.entries(table)) {
    if (isTable(value)) sub.push([key, value]);
    else lines.push(`${tomlKey(key)} = ${tomlInline(value)}`);
  }
  let text = "";
  if (prefix.length > 0 && (lines.length > 0 || sub.length === 0)) text += `\n[${prefix.map(tomlKey).join(".")}]\n`;
  if (lines.length > 0) text += lines.join("\n") + "\n";
  for (const [key, value] of sub) text += toToml(value, [...prefix, key]);
  return text;
}

/** Variables copied from the current environment; everything else is dropped. */
const ENV_ALLOW = [
  "PATH",
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  // Windows essentials
  "SYSTEMROOT",
  "SystemRoot",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
];

/** Create a throwaway CODEX_HOME/HOME pointing Codex at `modelUrl`. */
export function makeCodexHome(options: CodexHomeOptions): CodexHome {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "codex-mcp-test-")));
  const codexHome = path.join(root, "codex-home");
  const home = path.join(root, "home");
  const workspace = path.join(root, "workspace");
  for (const dir of [codexHome, home, workspace]) mkdirSync(dir);

  let config = defaultCodexConfig(options.modelUrl);
  if (options.extraConfig) config = deepMerge(config, options.extraConfig);
  let configToml = toToml(config);
  if (options.extraToml) configToml += `\n${options.extraToml.trim()}\n`;
  writeFileSync(path.join(codexHome, "config.toml"), configToml);

  const env: Record<string, string> = {};
  for (const name of ENV_ALLOW) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.HOME = home;
  env.CODEX_HOME = codexHome;
  if (process.platform === "win32") env.USERPROFILE = home;
  for (const [name, value] of Object.entries(options.extraEnv ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  let removed = false;
  return {
    root,
    codexHome,
    home,
    workspace,
    configToml,
    env,
    cleanup() {
      if (removed) return;
      removed = true;
      rmSync(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    },
  };
}
