/**
 * Finding the Codex CLI to run, and saying how it was found.
 *
 * Decision rules, in order:
 *
 * 1. `CODEX_MCP_PATH` and `CODEX_MCP_COMMAND` both set (non-empty) → `CONFIG_INVALID`.
 * 2. `CODEX_MCP_PATH` set → that file (relative paths resolve against `cwd`). It must exist and be
 *    a regular file, else `CONFIG_INVALID`.
 * 3. `CODEX_MCP_COMMAND` set → a bare name (no separators) looked up on PATH, else
 *    `CONFIG_INVALID`; not on PATH → `CODEX_NOT_FOUND`.
 * 4. Otherwise `codex`, then `codex-internal`, on PATH (see `path-search.ts` for PATH/PATHEXT);
 *    neither → `CODEX_NOT_FOUND`.
 * 5. The file found is then classified:
 *    a. It is `@openai/codex`'s `bin/codex.js` Node wrapper — itself, through a symlink (its real
 *       path), or through an npm/pnpm `.cmd`/`.ps1`/sh shim that refers to it → the native binary
 *       the wrapper would run (`npm-package.ts`) is run directly, with the variables the wrapper
 *       would have set (`env`). Node is not needed.
 *    b. A wrapper whose native binary cannot be found → fall back, with a `warning`: on POSIX run
 *       the file as found (its `#!/usr/bin/env node` line starts Node); on Windows run the `.cmd`
 *       shim (the file, or `<name>.cmd` beside it) through `cmd.exe /d /s /c`, else `node` from
 *       PATH with the wrapper; none of these → `CODEX_NOT_RUNNABLE`.
 *    c. Anything else is run as it is: on POSIX it needs an execute bit; on Windows `.exe`/`.com`
 *       start directly, `.cmd`/`.bat` through `cmd.exe`, other types → `CONFIG_INVALID` (for
 *       `CODEX_MCP_PATH`) or `CODEX_NOT_RUNNABLE`.
 *
 * Nothing is executed here; start the result with {@link buildInvocation}.
 *
 * Longer than ~400 lines on purpose: discovery is one ordered procedure whose steps share their
 * reasons; PATH search, npm layouts and cmd.exe quoting are already modules of their own
 * (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import { cmdInvocation } from "./cmd-quote.ts";
import { type DiscoveryError, type DiscoveryFileSystem, INSTALL_COMMAND, type Outcome } from "./discovery.ts";
import { type Environment, getNonEmptyEnv } from "../../platform/env.ts";
import { hasExecuteBit, realPathOrNull, statOrNull } from "../../platform/files.ts";
import {
  detectPackageManager,
  findNativeBinary,
  identifyWrapper,
  type NativeBinary,
  type NpmContext,
  type NpmWrapper,
  type PackageManager,
  platformPackageName,
  resolveShim,
  type ShimKind,
  wrapperEnvironment,
} from "./npm-package.ts";
import { type PathSearchResult, searchPath } from "./path-search.ts";
import {
  basenamePath,
  dirnamePath,
  extnamePath,
  hasSeparator,
  isAbsolutePath,
  joinPath,
  normalizePath,
  type PathFlavor,
  pathFlavor,
  resolvePath,
  samePath,
} from "../../platform/paths.ts";

/** What {@link locateCodex} reads. `fs` is a subset of the runtime's file system. */
export interface LocateDeps {
  /** Node's spelling: `linux`, `darwin`, `win32`. */
  platform: string;
  /** Node's spelling: `x64`, `arm64`. */
  arch: string;
  env: Environment;
  fs: DiscoveryFileSystem;
  /** Resolves a relative `CODEX_MCP_PATH` and relative PATH entries; without it they are
   * rejected or skipped. */
  cwd?: string;
}

/** Where the choice came from. */
export type CodexSource = "CODEX_MCP_PATH" | "CODEX_MCP_COMMAND" | "PATH";

/** What will run: a native executable as found, the native binary behind the npm wrapper, the
 * npm wrapper itself (needs Node), or a batch file that is not an npm shim. */
export type CodexKind = "native" | "npm-native" | "npm-wrapper" | "batch";

/** How the npm wrapper was reached, when it was. */
export interface NpmShimInfo {
  /** `direct`: the file is `bin/codex.js`; `symlink`: its real path is; otherwise the shim type. */
  via: "direct" | "symlink" | ShimKind;
  /** The file found (the symlink or shim). */
  entry: string;
  /** Real path of `@openai/codex/bin/codex.js`. */
  wrapper: string;
  /** Real path of the `@openai/codex` package. */
  packageRoot: string;
  wrapperVersion: string | null;
  /** The platform package expected, e.g. `@openai/codex-linux-x64` (`null` on unsupported
   * platforms). */
  platformPackage: string | null;
  /** The native binary, or `null` when the fallback was used. */
  native: NativeBinary | null;
  packageManager: PackageManager;
  /** Paths looked at for the native binary, in order. */
  tried: string[];
}

/** Environment changes for the Codex process. */
export interface EnvChanges {
  set: Record<string, string>;
  unset: string[];
}

/** How to start Codex, and why. */
export interface CodexLocation {
  /** The program to start: an absolute path, except `node` fallbacks found on PATH, which are
   * also absolute. */
  command: string;
  /** Arguments before Codex's own. For `launch: "cmd"` these are `/d /s /c` and the script and
   * arguments still need cmd.exe quoting: use {@link buildInvocation}. */
  argsPrefix: string[];
  /** `direct`: `command` starts as is. `cmd`: `command` is cmd.exe, running {@link executable}. */
  launch: "direct" | "cmd";
  source: CodexSource;
  /** The name looked up on PATH, or the file name of `CODEX_MCP_PATH`. */
  name: string;
  /** The file found (before following symlinks or shims), absolute. */
  file: string;
  /** What really runs: the native binary, the wrapper, the batch file, or `file`. */
  executable: string;
  kind: CodexKind;
  /** One line for a person: what was found where, and what runs. */
  how: string;
  /** Variables to set and clear for the child, e.g. what the npm wrapper would set. */
  env: EnvChanges;
  /** Present when reached through the npm wrapper. */
  shim?: NpmShimInfo;
  /** Present when the result works only with caveats (e.g. Node is required). */
  warning?: string;
  /** Non-fatal observations made on the way (skipped candidates, version mismatches). */
  notes: string[];
}

/** A program and arguments ready for `Runtime.spawn`. Spread it whole into the spawn options, so
 * the Windows verbatim flag can never be left behind. */
export interface Invocation {
  command: string;
  args: string[];
  /** When `true`, the arguments must be passed to the OS verbatim, unquoted by the runtime
   * (Node/Bun `windowsVerbatimArguments`, Deno `windowsRawArguments`). Only for cmd.exe. */
  windowsVerbatimArguments: boolean;
}

const CMD_PREFIX = ["/d", "/s", "/c"];
const NO_ENV_CHANGES: EnvChanges = { set: {}, unset: [] };

/** The program and arguments that run Codex with `args`. */
export function buildInvocation(location: CodexLocation, args: readonly string[]): Invocation {
  if (location.launch === "cmd") return cmdInvocation(location.command, location.executable, args);
  return { command: location.command, args: [...location.argsPrefix, ...args], windowsVerbatimArguments: false };
}

/** Finds the Codex CLI. Never throws for a missing or odd file; file system errors count as
 * "nothing there". */
export async function locateCodex(deps: LocateDeps): Promise<Outcome<CodexLocation>> {
  const f = pathFlavor(deps.platform);
  const explicitPath = getNonEmptyEnv(deps.env, "CODEX_MCP_PATH", deps.platform);
  const explicitCommand = getNonEmptyEnv(deps.env, "CODEX_MCP_COMMAND", deps.platform);

  if (explicitPath !== undefined && explicitCommand !== undefined) {
    return fail({
      code: "CONFIG_INVALID",
      message: `CODEX_MCP_PATH and CODEX_MCP_COMMAND are both set (CODEX_MCP_PATH=${JSON.stringify(explicitPath)}, ` +
        `CODEX_MCP_COMMAND=${JSON.stringify(explicitCommand)}); they are alternatives`,
      hint:
        "Unset one of them: CODEX_MCP_PATH names the Codex executable file, CODEX_MCP_COMMAND a command name looked up on PATH.",
      variable: "CODEX_MCP_PATH",
    });
  }

  if (explicitPath !== undefined) return fromExplicitPath(explicitPath, deps, f);

  if (explicitCommand !== undefined) {
    if (!isBareName(explicitCommand, f)) {
      return fail({
        code: "CONFIG_INVALID",
        message: `CODEX_MCP_COMMAND=${JSON.stringify(explicitCommand)} is not a bare command name`,
        hint:
          "Set CODEX_MCP_COMMAND to a name looked up on PATH (for example codex), or put a file path in CODEX_MCP_PATH instead.",
        variable: "CODEX_MCP_COMMAND",
      });
    }
    const result = await searchPath(explicitCommand, deps);
    if (result.found === null) {
      return fail({
        code: "CODEX_NOT_FOUND",
        message: `CODEX_MCP_COMMAND=${JSON.stringify(explicitCommand)} was not found on PATH` + searchSummary(result),
        hint: `Install it, add its directory to PATH, or fix CODEX_MCP_COMMAND (unset it to look for codex). ` +
          `To install the Codex CLI: ${INSTALL_COMMAND}`,
        variable: "CODEX_MCP_COMMAND",
        searched: result.searched,
      });
    }
    return classify(result.found, "CODEX_MCP_COMMAND", explicitCommand, deps, notesFrom(result));
  }

  const notes: string[] = [];
  let last: PathSearchResult | null = null;
  for (const name of ["codex", "codex-internal"]) {
    const result = await searchPath(name, deps);
    notes.push(...notesFrom(result));
    if (result.found !== null) return classify(result.found, "PATH", name, deps, notes);
    last = result;
  }
  const searched = last?.searched ?? [];
  return fail({
    code: "CODEX_NOT_FOUND",
    message: "The Codex CLI was not found: neither codex nor codex-internal is on PATH" +
      searchSummary({ found: null, searched, skipped: [] }) +
      (notes.length > 0 ? `; ${notes.join("; ")}` : ""),
    hint:
      `Install it with \`${INSTALL_COMMAND}\` and make sure its directory is on PATH, or set CODEX_MCP_PATH to the codex executable.`,
    searched,
  });
}

async function fromExplicitPath(value: string, deps: LocateDeps, f: PathFlavor): Promise<Outcome<CodexLocation>> {
  let file: string;
  if (deps.cwd !== undefined) file = resolvePath(f, deps.cwd, value);
  else if (isAbsolutePath(value, f)) file = normalizePath(value, f);
  else {
    return fail({
      code: "CONFIG_INVALID",
      message: `CODEX_MCP_PATH=${JSON.stringify(value)} is a relative path`,
      hint: "Set CODEX_MCP_PATH to the absolute path of the Codex executable.",
      variable: "CODEX_MCP_PATH",
      path: value,
    });
  }
  const info = await statOrNull(deps.fs, file);
  if (info === null) {
    return fail({
      code: "CONFIG_INVALID",
      message: `CODEX_MCP_PATH=${JSON.stringify(value)}: ${file} does not exist`,
      hint: `Fix CODEX_MCP_PATH to point at the Codex executable (${
        f.windows ? "`where codex`" : "`command -v codex`"
      } prints it), or unset it to look for codex on PATH.`,
      variable: "CODEX_MCP_PATH",
      path: file,
    });
  }
  if (!info.isFile) {
    const inside = info.isDirectory ? await executableInside(file, deps, f) : null;
    return fail({
      code: "CONFIG_INVALID",
      message: `CODEX_MCP_PATH=${JSON.stringify(value)}: ${file} is ${
        info.isDirectory ? "a directory" : "not a regular file"
      }, not the Codex executable`,
      hint: inside
        ? `Set CODEX_MCP_PATH to the executable itself: ${inside}`
        : "Set CODEX_MCP_PATH to the Codex executable file itself, or unset it to look for codex on PATH.",
      variable: "CODEX_MCP_PATH",
      path: file,
    });
  }
  return classify(file, "CODEX_MCP_PATH", basenamePath(file, f), deps, []);
}

/** A likely executable in a directory someone put in CODEX_MCP_PATH. */
async function executableInside(dir: string, deps: LocateDeps, f: PathFlavor): Promise<string | null> {
  const names = f.windows ? ["codex.exe", "codex.cmd"] : ["codex"];
  for (const sub of [[], ["bin"]]) {
    for (const name of names) {
      const candidate = joinPath(f, dir, ...sub, name);
      if ((await statOrNull(deps.fs, candidate))?.isFile) return candidate;
    }
  }
  return null;
}

async function classify(
  file: string,
  source: CodexSource,
  name: string,
  deps: LocateDeps,
  notes: string[],
): Promise<Outcome<CodexLocation>> {
  const f = pathFlavor(deps.platform);
  const ctx: NpmContext = { platform: deps.platform, arch: deps.arch, fs: deps.fs };
  const info = await statOrNull(deps.fs, file);
  const real = (await realPathOrNull(deps.fs, file)) ?? file;
  const origin = describeOrigin(file, source, name);

  // 5a/5b: the npm wrapper, reached directly, by symlink, or through a shim.
  let via: NpmShimInfo["via"] | null = null;
  let wrapper: NpmWrapper | null = await identifyWrapper(real, ctx);
  let shimTarget: string | null = null;
  if (wrapper !== null) {
    via = samePath(real, file, f) ? "direct" : "symlink";
  } else if (info !== null) {
    const shim = await resolveShim(file, info.size, ctx);
    if (shim !== null) {
      wrapper = shim.wrapper;
      via = shim.kind;
      shimTarget = shim.target;
    }
  }

  if (wrapper !== null && via !== null) {
    const search = await findNativeBinary(wrapper, ctx);
    notes.push(...search.notes);
    const entryDirs = [dirnamePath(shimTarget ?? file, f)];
    const packageManager = await detectPackageManager(wrapper, entryDirs, ctx);
    const shim: NpmShimInfo = {
      via,
      entry: file,
      wrapper: wrapper.wrapper,
      packageRoot: wrapper.packageRoot,
      wrapperVersion: wrapper.version,
      platformPackage: platformPackageName(deps.platform, deps.arch),
      native: search.native,
      packageManager,
      tried: search.tried,
    };
    const reached = describeReach(via, wrapper.wrapper);
    if (search.native !== null) {
      const native = search.native;
      const version = native.version ? ` ${native.version}` : "";
      return ok({
        command: native.path,
        argsPrefix: [],
        launch: "direct",
        source,
        name,
        file,
        executable: native.path,
        kind: "npm-native",
        how:
          `${origin} (${reached}) → native binary ${native.path} from ${native.packageName}${version}; Node is not needed`,
        env: wrapperEnvironment(wrapper, packageManager),
        shim,
        notes,
      });
    }
    return wrapperFallback(file, info, source, name, deps, notes, shim, `${origin} (${reached})`);
  }

  // 5c: anything else runs as it is.
  const shown = samePath(real, file, f) ? origin : `${origin} (→ ${real})`;
  if (!f.windows) {
    if (info === null || !hasExecuteBit(info)) {
      return fail({
        code: source === "CODEX_MCP_PATH" ? "CONFIG_INVALID" : "CODEX_NOT_RUNNABLE",
        message: `${
          source === "CODEX_MCP_PATH" ? `CODEX_MCP_PATH=${file}` : file
        } is not executable (no execute permission bit)`,
        hint: `Make it executable (chmod +x ${file}), or point ${
          source === "CODEX_MCP_PATH" ? "CODEX_MCP_PATH" : "CODEX_MCP_PATH or PATH"
        } at the Codex executable. To install Codex: ${INSTALL_COMMAND}`,
        ...(source === "CODEX_MCP_PATH" ? { variable: "CODEX_MCP_PATH" } : {}),
        path: file,
      });
    }
    return ok(directLocation(file, source, name, "native", `${shown} → runs it directly`, notes));
  }

  const ext = extnamePath(file, f).toLowerCase();
  if (ext === ".exe" || ext === ".com") {
    return ok(directLocation(file, source, name, "native", `${shown} → runs it directly`, notes));
  }
  if (ext === ".cmd" || ext === ".bat") {
    const cmdExe = cmdExePath(deps);
    return ok({
      command: cmdExe,
      argsPrefix: [...CMD_PREFIX],
      launch: "cmd",
      source,
      name,
      file,
      executable: file,
      kind: "batch",
      how: `${shown} → a batch file, run through ${cmdExe} /d /s /c`,
      env: NO_ENV_CHANGES,
      notes,
    });
  }
  return fail({
    code: source === "CODEX_MCP_PATH" ? "CONFIG_INVALID" : "CODEX_NOT_RUNNABLE",
    message:
      `${file} cannot be started on Windows: only .exe, .com, .cmd and .bat files can, and it is not an npm shim for Codex`,
    hint: source === "CODEX_MCP_PATH"
      ? "Set CODEX_MCP_PATH to codex.exe (or npm's codex.cmd shim)."
      : `Remove its extension from PATHEXT or its directory from PATH, or set CODEX_MCP_PATH to codex.exe. To install Codex: ${INSTALL_COMMAND}`,
    ...(source === "CODEX_MCP_PATH" ? { variable: "CODEX_MCP_PATH" } : {}),
    path: file,
  });
}

/** 5b: the wrapper without a native binary. */
async function wrapperFallback(
  file: string,
  info: Awaited<ReturnType<typeof statOrNull>>,
  source: CodexSource,
  name: string,
  deps: LocateDeps,
  notes: string[],
  shim: NpmShimInfo,
  reachedText: string,
): Promise<Outcome<CodexLocation>> {
  const f = pathFlavor(deps.platform);
  const missing = shim.platformPackage
    ? `its native binary (package ${shim.platformPackage}) was not found`
    : `Codex ships no native binary for ${deps.platform}/${deps.arch}`;
  const nodeSearch = await searchPath("node", deps);
  // npm's Windows shims prefer a node.exe beside them.
  const nodeBeside = f.windows &&
    (await statOrNull(deps.fs, joinPath(f, dirnamePath(file, f), "node.exe")))?.isFile === true;
  const nodeNote = nodeSearch.found === null && !nodeBeside ? " node is not on PATH either, so it will fail." : "";
  const warning = `Running Codex through its npm wrapper, which needs Node.js: ${missing}.${nodeNote} ` +
    `If Codex does not start, reinstall it (${INSTALL_COMMAND}) so the platform package is present.`;
  const base = { source, name, file, env: NO_ENV_CHANGES, shim, warning, notes };
  // The last resort on every platform: the wrapper itself, run by the node found on PATH.
  const withNode: CodexLocation | null = nodeSearch.found === null ? null : {
    ...base,
    command: nodeSearch.found,
    argsPrefix: [shim.wrapper],
    launch: "direct",
    executable: shim.wrapper,
    kind: "npm-wrapper",
    how: `${reachedText} → ${missing}; running the wrapper with ${nodeSearch.found}`,
  };

  if (!f.windows) {
    if (info !== null && hasExecuteBit(info)) {
      return ok({
        ...base,
        command: file,
        argsPrefix: [],
        launch: "direct",
        executable: file,
        kind: "npm-wrapper",
        how: `${reachedText} → ${missing}; running ${file} with Node`,
      });
    }
    if (withNode) return ok(withNode);
    return fail({
      code: "CODEX_NOT_RUNNABLE",
      message:
        `${file} is the Codex npm wrapper, ${missing}, and the wrapper is not executable and node is not on PATH`,
      hint: `Reinstall Codex (${INSTALL_COMMAND}) so the native platform package is installed.`,
      path: file,
    });
  }

  // Windows: a .cmd/.bat shim runs through cmd.exe; so does a `.cmd` beside a `.ps1`/sh shim.
  const ext = extnamePath(file, f).toLowerCase();
  let script: string | null = ext === ".cmd" || ext === ".bat" ? file : null;
  if (script === null) {
    const stem = ext === "" ? basenamePath(file, f) : basenamePath(file, f).slice(0, -ext.length);
    const sibling = joinPath(f, dirnamePath(file, f), `${stem}.cmd`);
    if ((await statOrNull(deps.fs, sibling))?.isFile) script = sibling;
  }
  if (script !== null) {
    const cmdExe = cmdExePath(deps);
    return ok({
      ...base,
      command: cmdExe,
      argsPrefix: [...CMD_PREFIX],
      launch: "cmd",
      executable: script,
      kind: "npm-wrapper",
      how: `${reachedText} → ${missing}; running the shim ${script} through ${cmdExe} /d /s /c (Node.js required)`,
    });
  }
  if (withNode) return ok(withNode);
  return fail({
    code: "CODEX_NOT_RUNNABLE",
    message:
      `${file} leads to the Codex npm wrapper, ${missing}, there is no .cmd shim beside it, and node is not on PATH`,
    hint:
      `Reinstall Codex (${INSTALL_COMMAND}) so the native platform package is installed, or set CODEX_MCP_PATH to codex.exe.`,
    path: file,
  });
}

function directLocation(
  file: string,
  source: CodexSource,
  name: string,
  kind: CodexKind,
  how: string,
  notes: string[],
): CodexLocation {
  return {
    command: file,
    argsPrefix: [],
    launch: "direct",
    source,
    name,
    file,
    executable: file,
    kind,
    how,
    env: NO_ENV_CHANGES,
    notes,
  };
}

function describeOrigin(file: string, source: CodexSource, name: string): string {
  switch (source) {
    case "CODEX_MCP_PATH":
      return `CODEX_MCP_PATH points at ${file}`;
    case "CODEX_MCP_COMMAND":
      return `found CODEX_MCP_COMMAND=${name} on PATH at ${file}`;
    case "PATH":
      return name === "codex"
        ? `found codex on PATH at ${file}`
        : `found ${name} on PATH at ${file} (no codex on PATH)`;
  }
}

function describeReach(via: NpmShimInfo["via"], wrapper: string): string {
  switch (via) {
    case "direct":
      return "the npm wrapper script";
    case "symlink":
      return `npm symlink to the wrapper ${wrapper}`;
    case "cmd":
      return `npm .cmd shim for the wrapper ${wrapper}`;
    case "ps1":
      return `npm PowerShell shim for the wrapper ${wrapper}`;
    case "sh":
      return `npm shell shim for the wrapper ${wrapper}`;
  }
}

/** cmd.exe: `ComSpec`, else `%SystemRoot%\System32\cmd.exe`, else `cmd.exe` from PATH. */
function cmdExePath(deps: Pick<LocateDeps, "env" | "platform">): string {
  const comspec = getNonEmptyEnv(deps.env, "ComSpec", deps.platform);
  if (comspec !== undefined) return comspec;
  const systemRoot = getNonEmptyEnv(deps.env, "SystemRoot", deps.platform);
  if (systemRoot !== undefined) return joinPath(pathFlavor(deps.platform), systemRoot, "System32", "cmd.exe");
  return "cmd.exe";
}

function isBareName(name: string, f: PathFlavor): boolean {
  if (name.trim() === "" || name === "." || name === ".." || hasSeparator(name, f)) return false;
  return !(f.windows && name.includes(":"));
}

function notesFrom(result: PathSearchResult): string[] {
  return result.skipped.map((s) => `skipped ${s.path}: ${s.reason}`);
}

function searchSummary(result: PathSearchResult): string {
  const n = result.searched.length;
  if (n === 0) return " (PATH is empty or unset)";
  return ` (searched ${n} PATH director${n === 1 ? "y" : "ies"})`;
}

function ok(value: CodexLocation): Outcome<CodexLocation> {
  return { ok: true, value };
}

function fail(error: DiscoveryError): Outcome<CodexLocation> {
  return { ok: false, error };
}
