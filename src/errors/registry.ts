/**
 * The one registry of error codes. Every failure codex-mcp reports — a failed tool call, a
 * session's `error`, a refused start-up — carries one of these codes, and no other. A client may
 * branch on the code; the message says what happened and the hint what to do.
 *
 * Each entry says:
 * - `surface`: where the code shows. `call` — a tool call fails with it (`isError: true`);
 *   `session` — a session's `error` carries it while the calls themselves succeed; `startup` —
 *   codex-mcp refuses to start (exit code 2) and prints it.
 * - `fixedBy`: who can fix it. `caller` — the calling client or model, by changing its arguments or
 *   its order of calls; `user` — the person, by changing the installation, configuration or
 *   machine; `retry` — nobody in particular, trying again may work; `maintainers` — a bug.
 * - `hint`: the default hint, used when the place that raises the code has nothing more specific.
 *   Defaults never name MCP tools: only `src/mcp/` knows them (see its `errors.ts`).
 *
 * The README's error table is checked against this registry by the suite.
 *
 * @module
 */

/** Where an error code shows. */
export type ErrorSurface = "call" | "session" | "startup";
/** Who can fix what the code reports. */
export type FixedBy = "caller" | "user" | "retry" | "maintainers";

/** What the registry knows of one code. */
export interface ErrorSpec {
  readonly surface: readonly ErrorSurface[];
  readonly fixedBy: FixedBy;
  /** What the code means, for the docs. */
  readonly meaning: string;
  readonly hint: string;
}

export const ERROR_REGISTRY = {
  INVALID_ARGUMENT: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "an argument is missing, malformed or does not fit the request",
    hint: "Fix the named argument; the tool's input schema lists what it accepts.",
  },
  CONFIG_INVALID: {
    surface: ["call", "startup"],
    fixedBy: "user",
    meaning: "a codex-mcp setting (an environment variable) has a value that cannot be used",
    hint: "Fix or unset the named environment variable in the MCP client's server configuration.",
  },
  SESSION_NOT_FOUND: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "no session has that id (never existed, removed, or forgotten after its retention)",
    hint: "List the sessions to find the right id, or start a new session.",
  },
  SESSION_BUSY: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "the session's turn has not finished",
    hint: "Wait for the turn to end, answer its pending request, or interrupt it first.",
  },
  REQUEST_NOT_FOUND: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "the session has no pending request with that id",
    hint:
      "Poll for the session's current actions: a request ends when answered, declined on timeout, or when its turn ends.",
  },
  CODEX_NOT_FOUND: {
    surface: ["call"],
    fixedBy: "user",
    meaning: "no Codex CLI was found",
    hint: "Install Codex (`npm install -g @openai/codex`), or point CODEX_MCP_PATH at the codex executable.",
  },
  CODEX_NOT_RUNNABLE: {
    surface: ["call"],
    fixedBy: "user",
    meaning: "a Codex CLI was found but cannot be started or driven",
    hint: "Run `codex-mcp doctor` to see why Codex does not start.",
  },
  CODEX_CRASHED: {
    surface: ["call", "session"],
    fixedBy: "retry",
    meaning: "the Codex process serving the session died or stopped answering",
    hint: "Reply to continue: codex-mcp resumes the thread, with its history, on a new Codex process.",
  },
  CODEX_HUNG: {
    surface: ["session"],
    fixedBy: "retry",
    meaning:
      "the Codex process serving the session stopped answering (app-server: a liveness check or a request timed out; exec: it wrote nothing for CODEX_MCP_EXEC_SILENCE_MS) and was stopped",
    hint: "Reply to continue: codex-mcp resumes the thread, with its history, on a new Codex process.",
  },
  TURN_FAILED: {
    surface: ["session"],
    fixedBy: "user",
    meaning: "Codex or the model failed the turn (the message is Codex's)",
    hint: "Check the model provider, configuration and login; then reply to try again.",
  },
  INTERRUPTED_BY_RESTART: {
    surface: ["session"],
    fixedBy: "retry",
    meaning: "codex-mcp stopped while the session's turn was running",
    hint: "Its events up to then are kept. Reply to resume the thread with its history.",
  },
  TIMEOUT: {
    surface: ["call"],
    fixedBy: "retry",
    meaning: "Codex did not answer in time",
    hint: "Try again; if it keeps happening, raise CODEX_MCP_REQUEST_TIMEOUT_MS or check the Codex process.",
  },
  NOT_SUPPORTED: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "the active backend or the installed Codex cannot do this",
    hint: "See the README's backend table for what each backend supports.",
  },
  FORBIDDEN: {
    surface: ["call"],
    fixedBy: "caller",
    meaning:
      "the call asks for more than the policy the person set allows (a sandbox, an approval policy, a directory)",
    hint:
      "Ask for what the policy allows; the person running codex-mcp sets it (CODEX_MCP_MAX_SANDBOX, CODEX_MCP_MIN_APPROVAL, CODEX_MCP_ALLOWED_ROOTS).",
  },
  LIMIT_REACHED: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "this server already runs as many sessions or turns as its limit allows",
    hint: "Finish, interrupt or clean sessions, then try again; the person running codex-mcp sets the limits.",
  },
  SESSION_OWNED_ELSEWHERE: {
    surface: ["call"],
    fixedBy: "caller",
    meaning: "the session belongs to another codex-mcp server that is still running (another client of the same user)",
    hint:
      "Continue it from the client that started it, or stop that server: once its owner is gone, the session is recovered here.",
  },
  STATE_WRITE_FAILED: {
    surface: ["call", "startup"],
    fixedBy: "user",
    meaning: "the session state could not be written (disk full, read-only file system, I/O error)",
    hint:
      "Free disk space or fix the state directory's permissions (CODEX_MCP_STATE_DIR moves it); nothing already stored is lost.",
  },
  STATE_CORRUPT: {
    surface: ["startup"],
    fixedBy: "user",
    meaning: "the state database is not a codex-mcp database, or fails its integrity check",
    hint: "Move the named file aside (it is never wiped) or set CODEX_MCP_STATE_DIR to another directory.",
  },
  STATE_NEWER_SCHEMA: {
    surface: ["startup"],
    fixedBy: "user",
    meaning: "the state database was written by a newer codex-mcp",
    hint: "Run the newer codex-mcp, or set CODEX_MCP_STATE_DIR to another directory.",
  },
  STATE_MIGRATION_FAILED: {
    surface: ["startup"],
    fixedBy: "maintainers",
    meaning: "upgrading the state database to this version's schema failed; the file is as it was",
    hint: "Keep the file and report the message; the previous codex-mcp still opens it.",
  },
  STATE_LINKED: {
    surface: ["startup"],
    fixedBy: "user",
    meaning:
      "a state file (the database, its -wal or -shm, the children directory) is a symbolic link; codex-mcp never writes through one",
    hint:
      "Replace the link with the real file (or remove it), or set CODEX_MCP_STATE_DIR to a directory of codex-mcp's own.",
  },
  STATE_DIR_UNWRITABLE: {
    surface: ["startup"],
    fixedBy: "user",
    meaning: "the state directory cannot be created or written",
    hint: "Fix its permissions, or set CODEX_MCP_STATE_DIR to a writable directory.",
  },
  STATE_DIR_UNRESOLVED: {
    surface: ["startup"],
    fixedBy: "user",
    meaning: "no state directory could be worked out (no home directory)",
    hint: "Set CODEX_MCP_STATE_DIR, or CODEX_MCP_STORE=memory to keep sessions in memory only.",
  },
  STATE_BUSY: {
    surface: ["call", "startup"],
    fixedBy: "retry",
    meaning: "another process kept the state database locked past the busy timeout",
    hint: "Try again; check for a stuck codex-mcp sharing the state directory.",
  },
  STATE_UNAVAILABLE: {
    surface: ["startup"],
    fixedBy: "user",
    meaning: "this runtime has no SQLite (Node before 22.13)",
    hint: "Use the compiled binary, Bun, Deno or Node ≥ 22.13, or CODEX_MCP_STORE=memory.",
  },
  INTERNAL: {
    surface: ["call"],
    fixedBy: "maintainers",
    meaning: "a bug in codex-mcp",
    hint: "Retry once; if it persists, report it with codex-mcp's stderr (CODEX_MCP_LOG_LEVEL=debug).",
  },
} as const satisfies Record<string, ErrorSpec>;

/** Every code codex-mcp reports. */
export type ErrorCode = keyof typeof ERROR_REGISTRY;
export const ERROR_CODES = Object.keys(ERROR_REGISTRY) as readonly ErrorCode[];

/** Whether `value` is a code of the registry. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_REGISTRY, value);
}

/**
 * A failure with a code of the registry, a message and a hint. Each layer throws its own
 * subclass (`BackendError`, `StoreError`, `SessionError` …); `src/mcp/` turns any of them into a
 * tool result. Without a hint the code's default is used.
 */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string;

  constructor(code: C, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CodedError";
    this.code = code;
    this.hint = hint ?? ERROR_REGISTRY[code].hint;
  }
}

/** The plain form of a coded failure, as results and records carry it. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** The plain form of `error`. */
export function errorInfo(error: CodedError): ErrorInfo {
  return { code: error.code, message: error.message, hint: error.hint };
}

/** A failure with the code's default hint, as a session's `error` records it. */
export function failure(code: ErrorCode, message: string): ErrorInfo {
  return { code, message, hint: ERROR_REGISTRY[code].hint };
}
