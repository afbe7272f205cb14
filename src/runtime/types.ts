/**
 * The one interface between codex-mcp's core and a JavaScript runtime.
 *
 * Everything outside `src/runtime/` talks to Bun, Deno or Node only through a {@link Runtime}.
 * The adapters (`bun.ts`, `deno.ts`, `node.ts`) are deliberately thin: they translate, they do not
 * decide. Policy (timeouts, escalation, retries) lives in the core.
 *
 * @module
 */

/** The runtimes codex-mcp runs on. */
export type RuntimeName = "bun" | "deno" | "node";

/** Signals the core sends or listens for. `SIGBREAK` exists only on Windows. */
export type Signal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGHUP" | "SIGBREAK";

/** How to start a child process. There is no shell: `command` and `args` reach `execve` as they are. */
export interface SpawnOptions {
  /** An executable path, or a bare name looked up on PATH by the OS. */
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The child's complete environment. When absent the child inherits ours. */
  env?: Readonly<Record<string, string>>;
  /** POSIX: the child starts a new session and leads its own process group, so one signal to the
   * group reaches every descendant. Ignored on Windows. */
  newProcessGroup?: boolean;
  /** `"pipe"` (default) gives the child a writable stdin; `"ignore"` connects it to /dev/null. */
  stdin?: "pipe" | "ignore";
  /** Windows: pass `args` to the program's command line as they are, unquoted. Needed for
   * `cmd.exe /d /s /c "…"`, whose one argument is already quoted for cmd.exe. Ignored elsewhere. */
  windowsVerbatimArguments?: boolean;
}

/** How a child ended: exactly one of `code` and `signal` is non-null. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/** A running child. stdout and stderr must be consumed by the caller, or the child may block. */
export interface ChildProcess {
  readonly pid: number;
  /** `null` when spawned with `stdin: "ignore"`. Writes after the child exits reject; they never throw
   * asynchronously. */
  readonly stdin: WritableStream<Uint8Array> | null;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when the process has exited (not when its pipes close: grandchildren may hold them). */
  readonly exited: Promise<ExitStatus>;
}

/** Raised by {@link Runtime.spawn} when the OS refuses to start the program. */
export class SpawnError extends Error {
  /** A POSIX-style code: `ENOENT`, `EACCES`, `ENOTDIR`, … or `UNKNOWN`. */
  readonly code: string;
  readonly command: string;

  constructor(code: string, command: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SpawnError";
    this.code = code;
    this.command = command;
  }
}

/** The server's own standard streams. */
export interface ServerStdio {
  /** Bytes from our stdin; ends at EOF. */
  readonly stdin: ReadableStream<Uint8Array>;
  /** The protocol channel. Writes resolve once the bytes are handed to the OS, so awaiting them is
   * backpressure; on every runtime this path never blocks the event loop. */
  readonly stdout: WritableStream<Uint8Array>;
  readonly stderr: WritableStream<Uint8Array>;
  isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean;
  /**
   * Sends every other write aimed at fd 1 through this runtime's own APIs (`process.stdout.write`,
   * `Deno.stdout.write`, …) to stderr instead, so only {@link ServerStdio.stdout} reaches the
   * protocol channel. `console` is rewired by the core, since it is the same on every runtime.
   */
  redirectStrayStdout(): void;
}

/** What {@link FileSystem.stat} reports. */
export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  /** Permission bits, or `null` where the platform has none (Windows). */
  mode: number | null;
  mtimeMs: number | null;
}

/** The file operations the core needs; paths are native paths. */
export interface FileSystem {
  readTextFile(path: string): Promise<string>;
  /**
   * Writes (creating or truncating) a file. `mode` applies when the file is created. With
   * `createNew` an existing file is left alone and the call rejects with code `EEXIST`.
   */
  writeTextFile(path: string, data: string, options?: { mode?: number; createNew?: boolean }): Promise<void>;
  /** `null` when nothing exists at `path`; other errors reject. Follows symlinks. */
  stat(path: string): Promise<FileInfo | null>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  readDir(path: string): Promise<string[]>;
  realPath(path: string): Promise<string>;
  makeTempDir(prefix: string): Promise<string>;
  /** Sets the permission bits of `path` (POSIX; on Windows only the read-only bit means anything). */
  chmod(path: string, mode: number): Promise<void>;
  /** Moves `from` to `to`, replacing a file there in one step (on one file system). */
  rename(from: string, to: string): Promise<void>;
}

/** What SQLite takes as a parameter and gives back in a row. Booleans are not values: use 0/1. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** A row: column name → value. */
export type SqlRow = Record<string, SqlValue>;

/** A prepared statement. Parameters bind to `?` in order. Every method throws {@link DatabaseError}. */
export interface SqlStatement {
  /** Runs it for its effect. `lastInsertRowid` is only meaningful after an INSERT into a rowid table. */
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  /** The first row, or undefined. */
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

/**
 * An open SQLite database file: a minimal, synchronous handle (node:sqlite's `DatabaseSync` under
 * Node, Bun and Deno alike). No policy here: pragmas, transactions and schema are the core's.
 */
export interface Database {
  /** The file as opened. */
  readonly path: string;
  /** Runs one or more statements, no parameters, no rows. */
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  /** Closes it; statements prepared on it can no longer be used. Closing twice is harmless. */
  close(): void;
}

/** What the database handle throws: SQLite's own result code, spelt and numbered, plus its message. */
export class DatabaseError extends Error {
  /**
   * SQLite's primary result code by name (`SQLITE_NOTADB`, `SQLITE_CORRUPT`, `SQLITE_BUSY`,
   * `SQLITE_READONLY`, `SQLITE_CANTOPEN`, `SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_CONSTRAINT`, …),
   * or `SQLITE_UNAVAILABLE` when this runtime has no SQLite (Node older than 22.13), or
   * `SQLITE_UNKNOWN` for an error that carried no SQLite code.
   */
  readonly code: string;
  /** SQLite's extended result code, when there was one (e.g. 1555 for a primary-key violation). */
  readonly errcode: number | null;

  constructor(code: string, errcode: number | null, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseError";
    this.code = code;
    this.errcode = errcode;
  }
}

/** A JavaScript runtime, as the core sees it. */
/** What {@link Runtime.serveHttp} serves: a Web-standard handler on one address. */
export interface HttpServeOptions {
  hostname: string;
  /** 0: any free port (the listener's `port` says which). */
  port: number;
  fetch(request: Request): Promise<Response>;
}

/** A listening HTTP server. */
export interface HttpListener {
  readonly hostname: string;
  readonly port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** The runtime's own version, e.g. `1.4.5` for Bun. */
  readonly version: string;
  /** Node's spelling: `linux`, `darwin`, `win32`, … */
  readonly platform: string;
  /** Node's spelling: `x64`, `arm64`, … */
  readonly arch: string;
  readonly pid: number;
  /** The running executable: the compiled binary, or the runtime itself when running sources. */
  readonly execPath: string;
  /** Command-line arguments after the program (and script) name. */
  readonly args: readonly string[];
  /** The environment at start-up. */
  readonly env: Readonly<Record<string, string>>;
  readonly stdio: ServerStdio;
  readonly fs: FileSystem;

  cwd(): string;
  /** Rejects with {@link SpawnError} when the program cannot be started. */
  spawn(options: SpawnOptions): Promise<ChildProcess>;
  /** Signals one process. Returns `false` when it no longer exists. Signal `0` sends nothing: it only
   * asks whether the process exists (a zombie still counts). */
  kill(pid: number, signal: Signal | 0): boolean;
  /** POSIX: signals every process in the group led by `pgid`. Returns `false` when the group is gone.
   * Signal `0` only asks whether any member is left, so teardown can stop escalating early.
   * Throws on Windows, which has no process groups of this kind. */
  killGroup(pgid: number, signal: Signal | 0): boolean;
  /** Registers a handler; returns a function that removes it. Signals the platform lacks are ignored. */
  onSignal(signal: Signal, handler: () => void): () => void;
  /** Routes uncaught exceptions and unhandled rejections to `handler` instead of ending the process. */
  onUnhandledError(handler: (error: unknown) => void): void;
  /** Lets the process exit while `timer` is still pending. */
  unrefTimer(timer: ReturnType<typeof setTimeout>): void;
  /** Resident set size of this process in bytes. */
  memoryRss(): number;
  /**
   * Opens the SQLite database at `path`, creating an empty one when the file does not exist (its
   * directory must). Synchronous, like every call on the handle. Opening reads nothing yet: a file
   * that is not a database fails on the first statement, with `SQLITE_NOTADB`. Throws
   * {@link DatabaseError}.
   */
  openDatabase(path: string): Database;
  /** Exits once everything written to stdout and stderr has been handed to the OS. */
  exit(code: number): Promise<never>;
  /** Serves HTTP with a Web-standard handler; rejects when it cannot listen (the address in use …). */
  serveHttp(options: HttpServeOptions): Promise<HttpListener>;
}
