/**
 * Why the session state cannot be used. Its own module so that start-up can name these errors
 * without loading the SQLite store itself.
 *
 * @module
 */

/** Why the state cannot be used; each says which file or directory and what to do. */
export type StoreErrorCode =
  /** Not a database, another program's database, or one failing its integrity check. */
  | "STATE_CORRUPT"
  /** Written by a newer codex-mcp (schema version above the version this code knows). */
  | "STATE_NEWER_SCHEMA"
  /** The state directory cannot be created or written, or the database file cannot be opened for writing. */
  | "STATE_DIR_UNWRITABLE"
  /** No state directory could be worked out (no home directory, no CODEX_MCP_STATE_DIR). */
  | "STATE_DIR_UNRESOLVED"
  /** Another process kept the database locked past the busy timeout. */
  | "STATE_BUSY"
  /** A write failed (disk full, I/O error …); the change was rolled back. */
  | "STATE_WRITE_FAILED"
  /** This runtime has no SQLite (Node before 22.13). */
  | "STATE_UNAVAILABLE";

/** A state problem, in the tools' error vocabulary: code, message, hint. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly hint: string;
  /** The file or directory concerned. */
  readonly path: string;

  constructor(code: StoreErrorCode, message: string, hint: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
    this.hint = hint;
    this.path = path;
  }
}
