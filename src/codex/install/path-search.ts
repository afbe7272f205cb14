/**
 * Looking a bare command name up on PATH the way the target OS would, but without running
 * anything: the result is an absolute file that codex-mcp then starts by path.
 *
 * - POSIX: each PATH directory in order; a hit must be a regular file with an execute bit.
 *   Empty entries (which `execvp` reads as the current directory) are skipped on purpose.
 * - Windows: each PATH directory in order, and within it each `PATHEXT` extension in order
 *   (default `.COM;.EXE;.BAT;.CMD`, case-insensitive); a name that already has an extension is
 *   also tried exactly, first. Variable names are case-insensitive (`Path`), entries may be
 *   quoted. The current directory is *not* searched implicitly (unlike `cmd.exe`).
 *
 * @module
 */
import { type DiscoveryFileSystem } from "./discovery.ts";
import { type Environment, getEnv } from "../../platform/env.ts";
import { hasExecuteBit, statOrNull } from "../../platform/files.ts";
import {
  basenamePath,
  extnamePath,
  isAbsolutePath,
  joinPath,
  normalizePath,
  type PathFlavor,
  pathFlavor,
  pathKey,
  resolvePath,
  sameName,
} from "../../platform/paths.ts";

/** Windows' default when `PATHEXT` is unset. */
const DEFAULT_PATHEXT = ".COM;.EXE;.BAT;.CMD";

/** What a PATH search needs. */
export interface PathSearchContext {
  platform: string;
  env: Environment;
  fs: DiscoveryFileSystem;
  /** Resolves relative PATH entries; without it they are skipped. */
  cwd?: string;
}

/** A candidate that was present but passed over, and why. */
export interface SkippedCandidate {
  path: string;
  reason: string;
}

/** The outcome of a search: the file found (absolute), or `null`, and what was looked at. */
export interface PathSearchResult {
  found: string | null;
  /** The directories searched, in order (after de-duplication). */
  searched: string[];
  skipped: SkippedCandidate[];
}

/** The PATH directories, in order, absolute, without duplicates or empty entries. */
export function pathDirectories(ctx: PathSearchContext): string[] {
  const f = pathFlavor(ctx.platform);
  const raw = getEnv(ctx.env, "PATH", ctx.platform) ?? "";
  const seen = new Set<string>();
  const dirs: string[] = [];
  for (let entry of raw.split(f.windows ? ";" : ":")) {
    if (f.windows) {
      entry = entry.trim();
      if (entry.length >= 2 && entry.startsWith('"') && entry.endsWith('"')) entry = entry.slice(1, -1);
    }
    if (entry === "") continue;
    let dir: string;
    if (isAbsolutePath(entry, f)) dir = normalizePath(entry, f);
    else if (ctx.cwd !== undefined) dir = resolvePath(f, ctx.cwd, entry);
    else continue;
    const key = pathKey(dir, f);
    if (seen.has(key)) continue;
    seen.add(key);
    dirs.push(dir);
  }
  return dirs;
}

/** The `PATHEXT` extensions in order, each with its leading dot; the default when unset or empty. */
export function pathExtensions(env: Environment, platform: string): string[] {
  const raw = getEnv(env, "PATHEXT", platform);
  const source = raw === undefined || raw.trim() === "" ? DEFAULT_PATHEXT : raw;
  const exts: string[] = [];
  for (let ext of source.split(";")) {
    ext = ext.trim();
    if (ext === "") continue;
    if (!ext.startsWith(".")) ext = `.${ext}`;
    if (!exts.some((e) => e.toLowerCase() === ext.toLowerCase())) exts.push(ext);
  }
  return exts;
}

/** The file names tried in each directory for `name`, in order. */
export function candidateNames(name: string, env: Environment, platform: string): string[] {
  const f = pathFlavor(platform);
  if (!f.windows) return [name];
  const names: string[] = [];
  if (extnamePath(name, f) !== "") names.push(name);
  for (const ext of pathExtensions(env, platform)) names.push(name + ext);
  return names;
}

/** Searches PATH for `name` (a bare name, no separators). */
export async function searchPath(name: string, ctx: PathSearchContext): Promise<PathSearchResult> {
  const f = pathFlavor(ctx.platform);
  const searched = pathDirectories(ctx);
  const names = candidateNames(name, ctx.env, ctx.platform);
  const skipped: SkippedCandidate[] = [];
  for (const dir of searched) {
    for (const candidateName of names) {
      const candidate = joinPath(f, dir, candidateName);
      const info = await statOrNull(ctx.fs, candidate);
      if (info === null) continue;
      if (!info.isFile) {
        skipped.push({ path: candidate, reason: info.isDirectory ? "a directory" : "not a regular file" });
        continue;
      }
      if (!f.windows && !hasExecuteBit(info)) {
        skipped.push({ path: candidate, reason: "not executable (no execute permission bit)" });
        continue;
      }
      return { found: await onDiskName(ctx.fs, f, dir, candidateName), searched, skipped };
    }
  }
  return { found: null, searched, skipped };
}

/** On Windows, the spelling the directory actually holds (`codex.CMD` found as `codex.cmd`). */
async function onDiskName(fs: DiscoveryFileSystem, f: PathFlavor, dir: string, name: string): Promise<string> {
  if (f.windows) {
    try {
      const entries = await fs.readDir(dir);
      const actual = entries.find((entry) => sameName(entry, name, f));
      if (actual !== undefined) return joinPath(f, dir, actual);
    } catch {
      // best effort: keep the spelling we asked for
    }
  }
  return joinPath(f, dir, basenamePath(name, f));
}
