/**
 * The slice of the `Deno` namespace the Deno adapter uses. Deno's own type definitions come from a
 * host these machines cannot reach, and `tsc` (which type-checks the project) does not ship them.
 * Only `src/runtime/deno.ts` may use these; a test scans the rest of `src/` for `Deno.`.
 */
declare namespace Deno {
  const pid: number;
  const args: string[];
  const version: { deno: string };
  const build: { os: string; arch: string };
  const errors: { NotFound: ErrorConstructor; PermissionDenied: ErrorConstructor; AlreadyExists: ErrorConstructor };
  const env: { toObject(): Record<string, string> };
  interface StdStream {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    write(p: Uint8Array): Promise<number>;
    writeSync(p: Uint8Array): number;
    isTerminal(): boolean;
  }
  const stdin: StdStream;
  const stdout: StdStream;
  const stderr: StdStream;
  interface CommandStatus {
    success: boolean;
    code: number;
    signal: string | null;
  }
  interface ChildProcess {
    readonly pid: number;
    readonly stdin: WritableStream<Uint8Array>;
    readonly stdout: ReadableStream<Uint8Array>;
    readonly stderr: ReadableStream<Uint8Array>;
    readonly status: Promise<CommandStatus>;
  }
  interface CommandOptions {
    args?: string[];
    cwd?: string;
    env?: Record<string, string>;
    clearEnv?: boolean;
    stdin?: "piped" | "inherit" | "null";
    stdout?: "piped" | "inherit" | "null";
    stderr?: "piped" | "inherit" | "null";
    detached?: boolean;
    windowsRawArguments?: boolean;
  }
  class Command {
    constructor(command: string, options?: CommandOptions);
    spawn(): ChildProcess;
  }
  interface FileInfo {
    isFile: boolean;
    isDirectory: boolean;
    size: number;
    mode: number | null;
    mtime: Date | null;
  }
  function cwd(): string;
  function execPath(): string;
  function exit(code?: number): never;
  /** `0` probes for existence without sending anything (measured: Deno 2.9 accepts it). */
  function kill(pid: number, signal?: string | 0): void;
  function addSignalListener(signal: string, handler: () => void): void;
  function removeSignalListener(signal: string, handler: () => void): void;
  function unrefTimer(id: number): void;
  function memoryUsage(): { rss: number };
  function readTextFile(path: string): Promise<string>;
  function writeTextFile(path: string, data: string, options?: { mode?: number; createNew?: boolean }): Promise<void>;
  function stat(path: string): Promise<FileInfo>;
  function mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  function remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  function readDir(path: string): AsyncIterable<{ name: string }>;
  function realPath(path: string): Promise<string>;
  function makeTempDir(options?: { prefix?: string }): Promise<string>;
  function chmod(path: string, mode: number): Promise<void>;
  function rename(oldpath: string, newpath: string): Promise<void>;
  interface HttpServer {
    readonly addr: { hostname: string; port: number };
    readonly finished: Promise<void>;
    shutdown(): Promise<void>;
  }
  function serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): HttpServer;
}
