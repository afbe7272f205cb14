/**
 * Types shared by Codex discovery (`locate.ts`, `codex-home.ts`): the injected dependencies, the
 * typed error, and environment lookup that honours Windows' case-insensitive variable names.
 *
 * @module
 */
import type { FileInfo, FileSystem } from "../runtime/types.ts";

/** What went wrong while finding Codex or its home. */
export type DiscoveryErrorCode =
  /** No Codex executable where we looked. */
  | "CODEX_NOT_FOUND"
  /** A codex-mcp or Codex environment variable has a value we cannot use. */
  | "CONFIG_INVALID"
  /** Something was found but cannot be started on this platform (e.g. a `.ps1`, or a Node
   * wrapper with no Node to run it). */
  | "CODEX_NOT_RUNNABLE"
  /** No home directory to put the default `.codex` in. */
  | "HOME_NOT_FOUND";

/** A discovery failure, ready for a person: what happened, and what to do about it. */
export interface DiscoveryError {
  code: DiscoveryErrorCode;
  message: string;
  /** An action a person can take: an install command, a variable to set, a file to fix. */
  hint: string;
  /** The environment variable at fault, when there is one. */
  variable?: string;
  /** The path at fault, when there is one. */
  path?: string;
  /** Directories or files that were looked at, in order. */
  searched?: string[];
}

/** Success with a value, or a {@link DiscoveryError}. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: DiscoveryError };

/** The file operations discovery uses: a subset of the runtime's {@link FileSystem}. */
export type DiscoveryFileSystem = Pick<FileSystem, "stat" | "readTextFile" | "realPath" | "readDir">;

/** The environment as discovery sees it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads an environment variable. On Windows names are case-insensitive (`Path` is `PATH`); an
 * exact-case match wins if several spellings exist. On other platforms names are exact.
 */
export function getEnv(env: Environment, name: string, platform: string): string | undefined {
  const exact = env[name];
  if (exact !== undefined || platform !== "win32") return exact;
  const wanted = name.toUpperCase();
  for (const key of Object.keys(env)) {
    if (key.toUpperCase() === wanted) return env[key];
  }
  return undefined;
}

/** Like {@link getEnv}, but an empty value counts as unset (as Codex does for `CODEX_HOME`). */
export function getNonEmptyEnv(env: Environment, name: string, platform: string): string | undefined {
  const value = getEnv(env, name, platform);
  return value === undefined || value === "" ? undefined : value;
}

/** `stat` that reports any failure (ENOTDIR, EACCES, a malformed name…) as "nothing there". */
export async function statOrNull(fs: Pick<FileSystem, "stat">, path: string): Promise<FileInfo | null> {
  try {
    return await fs.stat(path);
  } catch {
    return null;
  }
}

/** `realPath`, or `null` when it fails. */
export async function realPathOrNull(fs: Pick<FileSystem, "realPath">, path: string): Promise<string | null> {
  try {
    return await fs.realPath(path);
  } catch {
    return null;
  }
}

/** Whether a file can be executed on this platform as far as its mode says (any execute bit).
 * Windows has no mode: every file passes, and the extension decides instead. */
export function hasExecuteBit(info: FileInfo): boolean {
  return info.mode === null || (info.mode & 0o111) !== 0;
}

/** The install command every "Codex is missing" hint offers. */
export const INSTALL_COMMAND = "npm install -g @openai/codex";
