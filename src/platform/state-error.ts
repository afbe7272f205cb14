/**
 * Why the session state cannot be used. Its own module so that start-up can name these errors
 * without loading the SQLite store itself.
 *
 * @module
 */
import { CodedError, type ErrorCode } from "../errors/registry.ts";

/** Why the state cannot be used; each says which file or directory and what to do. */
export type StoreErrorCode = Extract<
  ErrorCode,
  | "STATE_CORRUPT"
  | "STATE_NEWER_SCHEMA"
  | "STATE_MIGRATION_FAILED"
  | "STATE_DIR_UNWRITABLE"
  | "STATE_LINKED"
  | "STATE_DIR_UNRESOLVED"
  | "STATE_BUSY"
  | "STATE_WRITE_FAILED"
  | "STATE_UNAVAILABLE"
>;

/** A state problem: code, message, hint, and the file or directory concerned. */
export class StoreError extends CodedError<StoreErrorCode> {
  /** The file or directory concerned. */
  readonly path: string;

  constructor(code: StoreErrorCode, message: string, hint: string, path: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = "StoreError";
    this.path = path;
  }
}
