/**
 * Types shared by Codex discovery (`locate.ts`, `codex-home.ts`): the injected dependencies and
 * the typed error. Environment lookup and file checks are in src/platform/.
 *
 * @module
 */
import type { FileSystem } from "../../runtime/types.ts";

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

/** The install command every "Codex is missing" hint offers. */
export const INSTALL_COMMAND = "npm install -g @openai/codex";
