/**
 * The failures a supervised child can produce, as types callers can branch on. Spawn failures are
 * thrown (nothing was started); stdin failures are returned as values, because a child may exit at
 * any moment and that must be an ordinary outcome, never an unhandled rejection.
 *
 * @module
 */

/** What to tell a human for each way the OS can refuse to start a program. */
const SPAWN_HINTS: Readonly<Record<string, string>> = {
  ENOENT: "no such file (or the working directory does not exist) — check CODEX_MCP_PATH or install Codex",
  EACCES: "not executable — chmod +x the file, or check that it is not a directory",
  EPERM: "not permitted — check the file's permissions and any security policy",
  ENOTDIR: "a component of the path is not a directory",
  ENOEXEC: "not a program for this platform — wrong architecture, or a script without a #! line",
  E2BIG: "the argument list or environment is too large — pass large input on stdin instead",
  EINVAL: "invalid arguments — an argument or environment value contains a NUL byte",
  EMFILE: "too many open files in this process",
  ENFILE: "too many open files on this system",
  EAGAIN: "too many processes — try again later",
  ENOMEM: "out of memory",
  SHUTDOWN: "the server is shutting down and starts no new processes",
};

/** Raised when a child cannot be started. `code` is POSIX-style (`ENOENT`, `EACCES`, … or `UNKNOWN`). */
export class ChildSpawnError extends Error {
  override name = "ChildSpawnError";
  readonly code: string;
  readonly command: string;
  /** A short, actionable explanation for humans. */
  readonly hint: string;

  constructor(code: string, command: string, options?: { cause?: unknown; detail?: string }) {
    const hint = SPAWN_HINTS[code] ?? "the operating system refused to start it";
    const detail = options?.detail ? ` (${options.detail})` : "";
    super(`cannot start ${JSON.stringify(command)}: ${code}: ${hint}${detail}`, { cause: options?.cause });
    this.code = code;
    this.command = command;
    this.hint = hint;
  }
}

/**
 * Why a write to (or close of) a child's stdin did not happen:
 * - `no-stdin`: the child was spawned with stdin ignored;
 * - `closed`: {@link SupervisedChild.closeStdin} was already called;
 * - `exited`: the child had exited (or exited while the write waited);
 * - `broken-pipe`: the OS refused the write (EPIPE): the child closed its stdin or died;
 * - `failed`: anything else, see `cause`.
 */
export type StdinFailure = "no-stdin" | "closed" | "exited" | "broken-pipe" | "failed";

/** A stdin failure, returned inside {@link StdinResult} rather than thrown. */
export class StdinError extends Error {
  override name = "StdinError";
  readonly reason: StdinFailure;

  constructor(reason: StdinFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The outcome of a stdin operation; it never rejects. */
export type StdinResult = { ok: true } | { ok: false; error: StdinError };
