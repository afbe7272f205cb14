/**
 * `CODEX_HOME`, and the `config.toml` files Codex will see.
 *
 * The home, as Codex 0.169 resolves it (`find_codex_home`): a non-empty `CODEX_HOME` must be an
 * existing directory (Codex canonicalizes it and refuses to start otherwise); an empty one counts
 * as unset. Unset, it is `<home>/.codex` — `HOME`, or on Windows `USERPROFILE` — which need not
 * exist yet.
 *
 * The configuration files, lowest precedence first, as Codex's config loader layers them:
 *
 * 1. system: `/etc/codex/config.toml`, or `%ProgramData%\OpenAI\Codex\config.toml` on Windows;
 * 2. user: `$CODEX_HOME/config.toml`;
 * 3. project: `<dir>/.codex/config.toml` for every `<dir>` from the *project root* down to the
 *    working directory, the nearest winning. The project root is the nearest ancestor of the
 *    working directory (itself included) holding one of `project_root_markers` (a top-level key of
 *    the system/user config; default `[".git"]`, a file or directory); with no marker found, or
 *    an empty marker list, only the working directory itself. A `.codex` that is `CODEX_HOME`
 *    itself is skipped. Project files are loaded only for a *trusted* project
 *    (`[projects."<dir or project root>"] trust_level = "trusted"` in the user config); untrusted
 *    or unmarked ones are shown by Codex as disabled.
 *
 * This follows the Codex source's `config_loader` (`load_config_layers_state`,
 * `find_project_root`, `load_project_layers`); the trust lookup here is best-effort (see
 * `toml-scan.ts`) and ignores linked-worktree repository roots. Profile files
 * (`$CODEX_HOME/<name>.config.toml`, with `--profile`), `managed_config.toml`, macOS managed
 * preferences, cloud bundles and `-c` overrides are not files a person edits here and are not
 * listed.
 *
 * @module
 */
import type { FileSystem } from "../runtime/types.ts";
import { type Environment, getNonEmptyEnv } from "../platform/env.ts";
import type { Outcome } from "../codex/install/discovery.ts";
import { realPathOrNull, statOrNull } from "../platform/files.ts";
import { homeDirectory } from "../platform/home.ts";
import {
  ancestorsOf,
  isAbsolutePath,
  joinPath,
  normalizePath,
  pathFlavor,
  pathKey,
  resolvePath,
  samePath,
} from "../platform/paths.ts";
import { type CodexTomlFacts, scanCodexToml } from "./toml-scan.ts";

/** What {@link resolveCodexHome} and {@link findConfigFiles} read. */
export interface CodexHomeDeps {
  platform: string;
  env: Environment;
  /** The directory Codex will run in: where project config discovery starts. Absolute. */
  cwd: string;
  fs: Pick<FileSystem, "stat" | "readTextFile" | "realPath">;
}

/** The resolved Codex home. */
export interface CodexHome {
  /** Absolute; canonical (symlinks resolved) when `CODEX_HOME` is set, as Codex uses it. */
  path: string;
  source: "CODEX_HOME" | "default";
  /** `CODEX_HOME` as set, when it is. */
  configured?: string;
  /** Whether the directory exists (always `true` for `CODEX_HOME`). */
  exists: boolean;
  /** One line for a person. */
  how: string;
  warnings: string[];
}

/** Resolves the Codex home directory. */
export async function resolveCodexHome(deps: CodexHomeDeps): Promise<Outcome<CodexHome>> {
  const f = pathFlavor(deps.platform);
  const configured = getNonEmptyEnv(deps.env, "CODEX_HOME", deps.platform);
  const warnings: string[] = [];

  if (configured !== undefined) {
    const absolute = resolvePath(f, deps.cwd, configured);
    if (!isAbsolutePath(configured, f)) {
      warnings.push(
        `CODEX_HOME=${JSON.stringify(configured)} is relative; Codex resolves it against its own working directory, ` +
          `so codex-mcp passes the absolute ${absolute} to it. Set an absolute path to avoid surprises.`,
      );
    }
    const info = await statOrNull(deps.fs, absolute);
    const mkdir = f.windows ? `mkdir "${absolute}"` : `mkdir -p '${absolute}'`;
    if (info === null) {
      return {
        ok: false,
        error: {
          code: "CONFIG_INVALID",
          message: `CODEX_HOME=${
            JSON.stringify(configured)
          }: ${absolute} does not exist; Codex requires CODEX_HOME to be an existing directory`,
          hint: `Create it (${mkdir}), point CODEX_HOME at an existing directory, or unset it to use ~/.codex.`,
          variable: "CODEX_HOME",
          path: absolute,
        },
      };
    }
    if (!info.isDirectory) {
      return {
        ok: false,
        error: {
          code: "CONFIG_INVALID",
          message: `CODEX_HOME=${JSON.stringify(configured)}: ${absolute} is not a directory`,
          hint:
            "Point CODEX_HOME at a directory (Codex keeps config.toml, auth.json and sessions there), or unset it to use ~/.codex.",
          variable: "CODEX_HOME",
          path: absolute,
        },
      };
    }
    const real = (await realPathOrNull(deps.fs, absolute)) ?? absolute;
    const via = samePath(real, absolute, f) ? "" : ` (→ ${real})`;
    return {
      ok: true,
      value: {
        path: real,
        source: "CODEX_HOME",
        configured,
        exists: true,
        how: `CODEX_HOME=${configured}${via}: an existing directory`,
        warnings,
      },
    };
  }

  const home = homeDirectory(deps.env, deps.platform);
  if (home === null) {
    return {
      ok: false,
      error: {
        code: "HOME_NOT_FOUND",
        message: `CODEX_HOME is not set and there is no home directory (${
          f.windows ? "USERPROFILE" : "HOME"
        } is unset) to find ~/.codex in`,
        hint: `Set CODEX_HOME to the Codex configuration directory, or set ${f.windows ? "USERPROFILE" : "HOME"}.`,
        variable: "CODEX_HOME",
      },
    };
  }
  const path = joinPath(f, resolvePath(f, deps.cwd, home.value), ".codex");
  const info = await statOrNull(deps.fs, path);
  if (info !== null && !info.isDirectory) {
    warnings.push(`${path} exists but is not a directory; Codex cannot use it. Remove it, or set CODEX_HOME.`);
  }
  const exists = info?.isDirectory === true;
  return {
    ok: true,
    value: {
      path,
      source: "default",
      exists,
      how: `CODEX_HOME is not set; using the default ${path} (from ${home.variable}), ` +
        (exists ? "which exists" : "which does not exist yet"),
      warnings,
    },
  };
}

/** Whether Codex will apply a project file. */
export type ProjectTrust = "trusted" | "untrusted" | "not-set";

/** One `config.toml` Codex may read. */
export interface ConfigTomlFile {
  scope: "system" | "user" | "project";
  path: string;
  exists: boolean;
  /** Project files only: the trust found for the directory or the project root (best-effort). */
  trust?: ProjectTrust;
  /** Project files only: the `projects` key the trust came from. */
  trustKey?: string;
  /** Project files only: whether Codex applies it (only when trusted). */
  active?: boolean;
}

/** The configuration files Codex will see from a working directory. */
export interface ConfigFiles {
  /** Lowest precedence first: system, user, then project files from the project root down to
   * the working directory. System and user are always listed (with `exists`); project entries
   * only where the file exists. */
  files: ConfigTomlFile[];
  projectRoot: string;
  projectRootMarkers: string[];
  /** Where the markers came from. */
  markersFrom: "default" | "system" | "user";
  /** The directories whose `.codex/config.toml` was looked for, root first. */
  searchedDirs: string[];
  /** Things a person may want to know (unreadable files, untrusted project config…). */
  notes: string[];
  /** The model provider the files select (`openai` unless one says otherwise), and whether it needs an OpenAI login. */
  provider: { id: string; requiresOpenaiAuth: boolean };
  /** The MCP servers the files Codex applies define, by name. */
  mcpServers: string[];
}

/** The system-wide config file for the platform. */
function systemConfigPath(env: Environment, platform: string): string {
  if (platform !== "win32") return "/etc/codex/config.toml";
  const programData = getNonEmptyEnv(env, "ProgramData", platform) ?? "C:\\ProgramData";
  return joinPath(pathFlavor(platform), programData, "OpenAI", "Codex", "config.toml");
}

/** Lists the config.toml files Codex would read for `deps.cwd` with `home`. */
export async function findConfigFiles(deps: CodexHomeDeps, home: CodexHome): Promise<ConfigFiles> {
  const f = pathFlavor(deps.platform);
  const notes: string[] = [];
  const cwd = normalizePath(deps.cwd, f);

  const systemPath = systemConfigPath(deps.env, deps.platform);
  const userPath = joinPath(f, home.path, "config.toml");
  const system = await readFacts(deps, systemPath, notes);
  const user = await readFacts(deps, userPath, notes);

  let markers = [".git"];
  let markersFrom: ConfigFiles["markersFrom"] = "default";
  if (user.facts?.projectRootMarkers) {
    markers = user.facts.projectRootMarkers;
    markersFrom = "user";
  } else if (system.facts?.projectRootMarkers) {
    markers = system.facts.projectRootMarkers;
    markersFrom = "system";
  }
  const trust = new Map<string, { key: string; level: string }>();
  for (const facts of [system.facts, user.facts]) {
    for (const [key, level] of facts?.projectTrust ?? []) trust.set(pathKey(key, f), { key, level });
  }

  const projectRoot = await findProjectRoot(deps, cwd, markers);
  const ancestors = ancestorsOf(cwd, f);
  const rootIndex = ancestors.findIndex((dir) => samePath(dir, projectRoot, f));
  const searchedDirs = ancestors.slice(0, rootIndex === -1 ? 1 : rootIndex + 1).reverse();

  const homeKeys = new Set([pathKey(home.path, f)]);
  const realHome = await realPathOrNull(deps.fs, home.path);
  if (realHome !== null) homeKeys.add(pathKey(realHome, f));

  // The layers Codex applies, lowest precedence first: later ones override earlier ones.
  const layers: (CodexTomlFacts | null)[] = [system.facts, user.facts];
  const files: ConfigTomlFile[] = [
    { scope: "system", path: systemPath, exists: system.exists },
    { scope: "user", path: userPath, exists: user.exists },
  ];
  for (const dir of searchedDirs) {
    const dotCodex = joinPath(f, dir, ".codex");
    if ((await statOrNull(deps.fs, dotCodex))?.isDirectory !== true) continue;
    const realDotCodex = await realPathOrNull(deps.fs, dotCodex);
    if (homeKeys.has(pathKey(dotCodex, f)) || (realDotCodex !== null && homeKeys.has(pathKey(realDotCodex, f)))) {
      notes.push(`${dotCodex} is CODEX_HOME itself, so it is not read as project config`);
      continue;
    }
    const path = joinPath(f, dotCodex, "config.toml");
    if ((await statOrNull(deps.fs, path))?.isFile !== true) continue;
    const decision = await trustFor(deps, dir, projectRoot, trust);
    const active = decision.trust === "trusted";
    if (active) layers.push((await readFacts(deps, path, notes)).facts);
    files.push({
      scope: "project",
      path,
      exists: true,
      trust: decision.trust,
      ...(decision.key ? { trustKey: decision.key } : {}),
      active,
    });
    if (!active) {
      notes.push(
        decision.trust === "untrusted"
          ? `${path} is ignored: ${decision.key} is marked untrusted in ${userPath}`
          : `${path} is ignored unless the project is trusted: add [projects.${
            JSON.stringify(projectRoot)
          }] trust_level = "trusted" to ${userPath} (or accept Codex's trust prompt)`,
      );
    }
  }
  return {
    files,
    projectRoot,
    projectRootMarkers: markers,
    markersFrom,
    searchedDirs,
    notes,
    provider: selectedProvider(layers),
    mcpServers: [...new Set(layers.flatMap((facts) => [...(facts?.mcpServers ?? [])]))].sort(),
  };
}

/**
 * The model provider the layers select and whether it needs an OpenAI login: Codex's built-in
 * `openai` provider does (it is the default); any other needs one only when its
 * `requires_openai_auth` says so (Codex's default for a provider is false).
 */
function selectedProvider(layers: readonly (CodexTomlFacts | null)[]): ConfigFiles["provider"] {
  let id = "openai";
  for (const facts of layers) if (facts?.modelProvider !== undefined) id = facts.modelProvider;
  let requiresOpenaiAuth = id === "openai";
  for (const facts of layers) {
    const flag = facts?.providerRequiresOpenaiAuth.get(id);
    if (flag !== undefined) requiresOpenaiAuth = flag;
  }
  return { id, requiresOpenaiAuth };
}

async function readFacts(
  deps: CodexHomeDeps,
  path: string,
  notes: string[],
): Promise<{ exists: boolean; facts: CodexTomlFacts | null }> {
  const info = await statOrNull(deps.fs, path);
  if (info === null) return { exists: false, facts: null };
  if (!info.isFile) {
    notes.push(`${path} is not a regular file`);
    return { exists: false, facts: null };
  }
  try {
    return { exists: true, facts: scanCodexToml(await deps.fs.readTextFile(path)) };
  } catch (error) {
    notes.push(`${path} could not be read: ${(error as Error).message}`);
    return { exists: true, facts: null };
  }
}

/** The nearest ancestor of `cwd` (itself included) holding a marker; `cwd` when none does or
 * there are no markers. */
async function findProjectRoot(
  deps: Pick<CodexHomeDeps, "platform" | "fs">,
  cwd: string,
  markers: readonly string[],
): Promise<string> {
  const f = pathFlavor(deps.platform);
  if (markers.length === 0) return cwd;
  for (const dir of ancestorsOf(cwd, f)) {
    for (const marker of markers) {
      if ((await statOrNull(deps.fs, joinPath(f, dir, marker))) !== null) return dir;
    }
  }
  return cwd;
}

async function trustFor(
  deps: CodexHomeDeps,
  dir: string,
  projectRoot: string,
  trust: Map<string, { key: string; level: string }>,
): Promise<{ trust: ProjectTrust; key?: string }> {
  const f = pathFlavor(deps.platform);
  for (const candidate of [dir, projectRoot]) {
    const real = await realPathOrNull(deps.fs, candidate);
    for (const p of real === null ? [candidate] : [real, candidate]) {
      const hit = trust.get(pathKey(p, f));
      if (hit) return { trust: hit.level === "trusted" ? "trusted" : "untrusted", key: hit.key };
    }
  }
  return { trust: "not-set" };
}
