/**
 * The npm distribution of Codex, as `@openai/codex@0.169.0` lays it out:
 *
 * - `@openai/codex/bin/codex.js` is a Node wrapper (`#!/usr/bin/env node`). It resolves
 *   `@openai/codex-<platform>-<arch>/package.json` with Node's module resolution from its own
 *   (real) directory, falling back to its own `vendor/`, and runs
 *   `vendor/<target triple>/bin/codex[.exe]` with `CODEX_MANAGED_PACKAGE_ROOT` and
 *   `CODEX_MANAGED_BY_<NPM|BUN|PNPM|VITE_PLUS>=1` added to the environment.
 * - The platform package is installed under that alias name (its package.json still says
 *   `@openai/codex`); next to the binary, `vendor/<triple>/codex-package.json` describes the
 *   layout (`target`, `entrypoint`: `bin/codex`, `resourcesDir`, `pathDir`).
 * - npm reaches the wrapper through a symlink on POSIX (`<prefix>/bin/codex`), and through
 *   generated shims on Windows (`<prefix>\codex.cmd`, `codex.ps1`, and an extensionless sh
 *   script) that run `node "<shim dir>\node_modules\@openai\codex\bin\codex.js"`. pnpm writes
 *   such sh shims on POSIX too.
 *
 * This module recognises the wrapper, follows shims to it, and finds the native binary the
 * wrapper would run, so codex-mcp can start that directly and not need Node at all.
 *
 * Longer than ~400 lines on purpose: the layouts of Codex's npm package (npm, pnpm, Bun, Vite+
 * shims) are one set of rules, read together (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import { type DiscoveryFileSystem } from "./discovery.ts";
import { hasExecuteBit, realPathOrNull, statOrNull } from "../../platform/files.ts";
import {
  ancestorsOf,
  basenamePath,
  dirnamePath,
  extnamePath,
  hasSeparator,
  isAbsolutePath,
  joinPath,
  type PathFlavor,
  pathFlavor,
  sameName,
  samePath,
} from "../../platform/paths.ts";

/** Rust target triple of the native binary, per Node `platform-arch`. */
const TARGET_TRIPLES: Readonly<Record<string, string>> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

function platformKey(platform: string, arch: string): string {
  return `${platform === "android" ? "linux" : platform}-${arch}`;
}

/** The triple for a platform/arch, or `null` where Codex ships no native build. */
function targetTriple(platform: string, arch: string): string | null {
  return TARGET_TRIPLES[platformKey(platform, arch)] ?? null;
}

/** The npm platform package, e.g. `@openai/codex-linux-x64`, or `null` where none exists. */
export function platformPackageName(platform: string, arch: string): string | null {
  return targetTriple(platform, arch) === null ? null : `@openai/codex-${platformKey(platform, arch)}`;
}

/** The native executable's file name. */
function nativeExeName(platform: string): string {
  return platform === "win32" ? "codex.exe" : "codex";
}

/** What discovery needs to look at the npm layout. */
export interface NpmContext {
  platform: string;
  arch: string;
  fs: DiscoveryFileSystem;
}

/** The `@openai/codex` wrapper script, identified. */
export interface NpmWrapper {
  /** Real path of `bin/codex.js`. */
  wrapper: string;
  /** Real path of the `@openai/codex` package directory (what the wrapper reports as
   * `CODEX_MANAGED_PACKAGE_ROOT`). */
  packageRoot: string;
  /** `version` from its package.json, when readable. */
  version: string | null;
}

/**
 * Whether `realFile` (already a real path) is `@openai/codex`'s `bin/codex.js`: named so, in a
 * `bin` directory of a package whose package.json names `@openai/codex` — or, when that
 * package.json cannot be read, in an `@openai/codex` directory.
 */
export async function identifyWrapper(realFile: string, ctx: NpmContext): Promise<NpmWrapper | null> {
  const f = pathFlavor(ctx.platform);
  if (!sameName(basenamePath(realFile, f), "codex.js", f)) return null;
  const binDir = dirnamePath(realFile, f);
  if (!sameName(basenamePath(binDir, f), "bin", f)) return null;
  const packageRoot = dirnamePath(binDir, f);
  const manifest = await readJson(ctx.fs, joinPath(f, packageRoot, "package.json"));
  if (manifest !== undefined) {
    if (manifest === null || manifest["name"] !== "@openai/codex") return null;
    const version = manifest["version"];
    return { wrapper: realFile, packageRoot, version: typeof version === "string" ? version : null };
  }
  const scope = dirnamePath(packageRoot, f);
  if (!sameName(basenamePath(packageRoot, f), "codex", f) || !sameName(basenamePath(scope, f), "@openai", f)) {
    return null;
  }
  return { wrapper: realFile, packageRoot, version: null };
}

/** A parsed JSON object; `null` when the file exists but is not a JSON object; `undefined` when
 * it cannot be read at all. */
async function readJson(fs: DiscoveryFileSystem, path: string): Promise<Record<string, unknown> | null | undefined> {
  const info = await statOrNull(fs, path);
  if (info === null || !info.isFile) return undefined;
  let text: string;
  try {
    text = await fs.readTextFile(path);
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The kind of npm/pnpm shim script a wrapper was reached through. */
export type ShimKind = "cmd" | "ps1" | "sh";

/** The largest file read to look for a shim reference; shims are a few hundred bytes. */
const MAX_SHIM_BYTES = 64 * 1024;

const WRAPPER_TAIL = /@openai[\\/]+codex[\\/]+bin[\\/]+codex\.js/gi;
/** Variables that shims use for their own directory. */
const SHIM_DIR_PREFIX = /^(?:%~dp0|%dp0%|\$basedir|\$\{basedir\}|\$PSScriptRoot)(?=[\\/]|$)/i;

/**
 * The paths to `@openai/codex/bin/codex.js` a shim script refers to, resolved against the shim's
 * directory (`%dp0%`, `%~dp0`, `$basedir`, `$PSScriptRoot`) or taken as written when absolute,
 * in order of appearance, without duplicates. Paths are joined, not normalized: `..` is left for
 * the file system to resolve physically.
 */
function shimTargets(shimPath: string, text: string, platform: string): string[] {
  const f = pathFlavor(platform);
  const shimDir = dirnamePath(shimPath, f);
  const out: string[] = [];
  for (const match of text.matchAll(WRAPPER_TAIL)) {
    const end = match.index + match[0].length;
    let start = match.index;
    while (start > 0 && !/["'\s=]/.test(text[start - 1] ?? "")) start--;
    const raw = text.slice(start, end);
    let resolved: string | null = null;
    const prefix = SHIM_DIR_PREFIX.exec(raw);
    if (prefix) resolved = joinPath(f, shimDir, raw.slice(prefix[0].length));
    else if (isAbsolutePath(raw, f) && !raw.includes("$") && !raw.includes("%")) resolved = joinPath(f, raw);
    if (resolved !== null && !out.some((p) => samePath(p, resolved, f))) out.push(resolved);
  }
  return out;
}

/** The shim kind suggested by a file's extension: `.cmd`/`.bat`, `.ps1`, else a shell script. */
function shimKind(path: string, platform: string): ShimKind {
  const ext = extnamePath(path, pathFlavor(platform)).toLowerCase();
  if (ext === ".cmd" || ext === ".bat") return "cmd";
  if (ext === ".ps1") return "ps1";
  return "sh";
}

/** A shim that leads to the wrapper. */
export interface ShimResolution {
  kind: ShimKind;
  /** The wrapper path as the shim spells it (before symlinks are resolved). */
  target: string;
  wrapper: NpmWrapper;
}

/**
 * If `file` is a small script referring to the wrapper, follows it. Native executables are
 * skipped by size, and on Windows by extension (`.exe`, `.com`).
 */
export async function resolveShim(file: string, size: number, ctx: NpmContext): Promise<ShimResolution | null> {
  const f = pathFlavor(ctx.platform);
  if (size > MAX_SHIM_BYTES) return null;
  const ext = extnamePath(file, f).toLowerCase();
  if (f.windows && (ext === ".exe" || ext === ".com")) return null;
  let text: string;
  try {
    text = await ctx.fs.readTextFile(file);
  } catch {
    return null;
  }
  for (const target of shimTargets(file, text, ctx.platform)) {
    const real = await realPathOrNull(ctx.fs, target);
    if (real === null) continue;
    const wrapper = await identifyWrapper(real, ctx);
    if (wrapper !== null) return { kind: shimKind(file, ctx.platform), target, wrapper };
  }
  return null;
}

/** Where the native binary was found. */
export interface NativeBinary {
  /** The executable. */
  path: string;
  /** The package directory it came from (the platform package, or the wrapper package itself
   * for the legacy layout with its own `vendor/`). */
  packageDir: string;
  /** `@openai/codex-linux-x64`, or `@openai/codex` for the legacy layout. */
  packageName: string;
  targetTriple: string;
  /** Whether `codex-package.json` was present and used. */
  manifest: boolean;
  /** Codex's version per `codex-package.json` or the platform package.json, when known. */
  version: string | null;
}

/** The outcome of looking for the native binary. */
export interface NativeSearch {
  native: NativeBinary | null;
  /** Every path looked at, in order. */
  tried: string[];
  /** Why candidates were rejected; mismatches worth telling a person. */
  notes: string[];
}

/**
 * Finds the native binary the wrapper would run: `@openai/codex-<platform>-<arch>` by Node's
 * resolution from the wrapper's directory (each ancestor's `node_modules`, nearest first), then
 * the wrapper package's own `vendor/`. In `vendor/<triple>/`, `codex-package.json` is honoured
 * when present (a different `target` rejects the directory; a safe relative `entrypoint` is tried
 * first), then `bin/codex[.exe]`. On POSIX the binary must have an execute bit.
 */
export async function findNativeBinary(wrapper: NpmWrapper, ctx: NpmContext): Promise<NativeSearch> {
  const f = pathFlavor(ctx.platform);
  const tried: string[] = [];
  const notes: string[] = [];
  const triple = targetTriple(ctx.platform, ctx.arch);
  const packageName = platformPackageName(ctx.platform, ctx.arch);
  if (triple === null || packageName === null) {
    notes.push(`Codex publishes no native build for ${ctx.platform}/${ctx.arch}`);
    return { native: null, tried, notes };
  }

  const packageDirs: { dir: string; name: string }[] = [];
  const [scope, bare] = packageName.split("/") as [string, string];
  for (const dir of ancestorsOf(dirnamePath(wrapper.wrapper, f), f)) {
    if (sameName(basenamePath(dir, f), "node_modules", f)) continue;
    const candidate = joinPath(f, dir, "node_modules", scope, bare);
    const manifestPath = joinPath(f, candidate, "package.json");
    tried.push(manifestPath);
    const info = await statOrNull(ctx.fs, manifestPath);
    if (info?.isFile) {
      packageDirs.push({ dir: candidate, name: packageName });
      break;
    }
  }
  packageDirs.push({ dir: wrapper.packageRoot, name: "@openai/codex" });

  for (const { dir, name } of packageDirs) {
    const vendorDir = joinPath(f, dir, "vendor", triple);
    const found = await nativeInVendorDir(vendorDir, triple, ctx, tried, notes);
    if (found !== null) {
      const version = found.version ?? (await platformPackageVersion(ctx.fs, f, dir, name));
      if (version !== null && wrapper.version !== null && version !== wrapper.version) {
        notes.push(
          `${name} is version ${version} but the wrapper is ${wrapper.version}; reinstall Codex so they match`,
        );
      }
      return {
        native: {
          path: found.path,
          packageDir: dir,
          packageName: name,
          targetTriple: triple,
          manifest: found.manifest,
          version,
        },
        tried,
        notes,
      };
    }
  }
  return { native: null, tried, notes };
}

async function platformPackageVersion(
  fs: DiscoveryFileSystem,
  f: PathFlavor,
  dir: string,
  name: string,
): Promise<string | null> {
  if (name === "@openai/codex") return null;
  const manifest = await readJson(fs, joinPath(f, dir, "package.json"));
  const version = manifest?.["version"];
  // The platform packages are published as versions of @openai/codex: `0.169.0-linux-x64`.
  return typeof version === "string" ? version.replace(/-(?:linux|darwin|win32)-[a-z0-9]+$/, "") : null;
}

async function nativeInVendorDir(
  vendorDir: string,
  triple: string,
  ctx: NpmContext,
  tried: string[],
  notes: string[],
): Promise<{ path: string; manifest: boolean; version: string | null } | null> {
  const f = pathFlavor(ctx.platform);
  const candidates: string[] = [];
  let usedManifest = false;
  let version: string | null = null;
  const manifestPath = joinPath(f, vendorDir, "codex-package.json");
  const manifest = await readJson(ctx.fs, manifestPath);
  if (manifest === null) {
    notes.push(`${manifestPath} is not a JSON object; ignoring it`);
  } else if (manifest !== undefined) {
    const target = manifest["target"];
    if (typeof target === "string" && target !== triple) {
      notes.push(`${manifestPath} is for ${target}, not ${triple}; skipping that directory`);
      tried.push(manifestPath);
      return null;
    }
    usedManifest = true;
    if (typeof manifest["version"] === "string") version = manifest["version"];
    const entry = manifest["entrypoint"];
    if (typeof entry === "string" && isSafeRelative(entry, f)) {
      const entryPath = joinPath(f, vendorDir, entry);
      candidates.push(entryPath);
      if (f.windows && extnamePath(entryPath, f).toLowerCase() !== ".exe") candidates.push(`${entryPath}.exe`);
    } else if (entry !== undefined) {
      notes.push(
        `${manifestPath} has an unusable entrypoint ${JSON.stringify(entry)}; using bin/${nativeExeName(ctx.platform)}`,
      );
    }
  }
  candidates.push(joinPath(f, vendorDir, "bin", nativeExeName(ctx.platform)));

  for (const candidate of candidates) {
    if (tried.some((t) => samePath(t, candidate, f))) continue;
    tried.push(candidate);
    const info = await statOrNull(ctx.fs, candidate);
    if (info === null) continue;
    if (!info.isFile) {
      notes.push(`${candidate} is not a regular file`);
      continue;
    }
    if (!f.windows && !hasExecuteBit(info)) {
      notes.push(`${candidate} is not executable (chmod +x it, or reinstall Codex)`);
      continue;
    }
    return { path: candidate, manifest: usedManifest, version };
  }
  return null;
}

/** A relative path that stays inside its directory: not absolute, no `..` component. */
function isSafeRelative(p: string, f: PathFlavor): boolean {
  if (p === "" || isAbsolutePath(p, f) || (f.windows && /^[A-Za-z]:/.test(p))) return false;
  if (!hasSeparator(p, f)) return p !== "..";
  return !p.split(f.windows ? /[\\/]/ : "/").includes("..");
}

/** Package managers the wrapper tells Codex about. */
export type PackageManager = "npm" | "pnpm" | "bun";

/**
 * Which package manager installed the wrapper, by the wrapper's own heuristics, for the
 * `CODEX_MANAGED_BY_*` variable: a Bun global install path, or a pnpm `node_modules` (holding
 * `.modules.yaml`) whose `@openai/codex` is this package. Otherwise npm. (The wrapper also knows
 * Vite+ and reads `npm_config_user_agent`; neither is replicated here.)
 */
export async function detectPackageManager(
  wrapper: NpmWrapper,
  entryDirs: readonly string[],
  ctx: NpmContext,
): Promise<PackageManager> {
  const f = pathFlavor(ctx.platform);
  if ([wrapper.packageRoot, ...entryDirs].some((p) => /[\\/]\.bun[\\/]install[\\/]global(?:[\\/]|$)/.test(p))) {
    return "bun";
  }
  const starts = [wrapper.packageRoot, ...entryDirs];
  const visited = new Set<string>();
  for (const start of starts) {
    for (const dir of ancestorsOf(start, f)) {
      const nodeModules = joinPath(f, dir, "node_modules");
      if (visited.has(nodeModules)) continue;
      visited.add(nodeModules);
      const marker = await statOrNull(ctx.fs, joinPath(f, nodeModules, ".modules.yaml"));
      if (marker === null) continue;
      const real = await realPathOrNull(ctx.fs, joinPath(f, nodeModules, "@openai", "codex"));
      if (real !== null && samePath(real, wrapper.packageRoot, f)) return "pnpm";
    }
  }
  return "npm";
}

/** The variables the wrapper sets for the native binary, and the ones it clears. */
export function wrapperEnvironment(
  wrapper: NpmWrapper,
  manager: PackageManager,
): { set: Record<string, string>; unset: string[] } {
  const all = ["CODEX_MANAGED_BY_NPM", "CODEX_MANAGED_BY_BUN", "CODEX_MANAGED_BY_PNPM", "CODEX_MANAGED_BY_VITE_PLUS"];
  const mine = `CODEX_MANAGED_BY_${manager.toUpperCase()}`;
  return {
    set: { CODEX_MANAGED_PACKAGE_ROOT: wrapper.packageRoot, [mine]: "1" },
    unset: all.filter((name) => name !== mine),
  };
}
