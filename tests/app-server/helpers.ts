/**
 * Shared pieces of the AppServerBackend tests: one fake model and one throwaway CODEX_HOME per
 * test file, backends built with the real runtime and supervisor, and an event recorder.
 *
 * ```ts
 * const world = await createWorld();            // beforeAll
 * const { backend } = await world.backend();     // closed (and the registry checked) by world.afterEach()
 * const thread = await backend.startThread(world.settings());
 * const events = record(backend, thread.threadId);
 * ```
 */
import path from "node:path";
import { AppServerBackend } from "../../src/codex/drivers/app-server/backend.ts";
import type { Backend, BackendEvent, ThreadSettings } from "../../src/codex/backend.ts";
import { type CodexLocation, locateCodex } from "../../src/codex/install/locate.ts";
import { childEnvironment } from "../../src/diagnostics/readiness.ts";
import type { Logger } from "../../src/log.ts";
import { createSupervisor, type Supervisor } from "../../src/process/supervisor.ts";
import { loadRuntime } from "../../src/runtime/detect.ts";
import type { Runtime } from "../../src/runtime/types.ts";
import { PROJECT_ROOT } from "../harness/codex-bin.ts";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, startFakeModel } from "../harness/fake-model.ts";

export const runtime: Runtime = await loadRuntime();
export const CODEX_PATH = path.join(PROJECT_ROOT, "node_modules", ".bin", "codex");
export const FIXTURES = path.join(import.meta.dir, "fixtures");

/** A logger that keeps its lines (and echoes them with CODEX_MCP_TEST_LOG=1). */
export interface MemoryLogger extends Logger {
  readonly lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const echo = process.env["CODEX_MCP_TEST_LOG"] === "1";
  const emit = (level: string) => (message: string, detail?: unknown) => {
    const line = `[${level}] ${message}${
      detail === undefined ? "" : ` ${detail instanceof Error ? detail.message : safeJson(detail)}`
    }`;
    lines.push(line);
    if (echo) process.stderr.write(line.slice(0, 2000) + "\n");
  };
  return {
    lines,
    setLevel: () => {},
    print: (text) => void lines.push(text),
    error: emit("error"),
    warn: emit("warn"),
    info: emit("info"),
    debug: emit("debug"),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Everything one backend under test is made of. */
/** A backend under test, with what it was built on. */
export interface MadeBackend<B extends Backend> {
  backend: B;
  supervisor: Supervisor;
  log: MemoryLogger;
  location: CodexLocation;
}

export type TestBackend = MadeBackend<AppServerBackend>;

export interface BackendOptions {
  /** CODEX_MCP_PATH (default: node_modules/.bin/codex). */
  codexPath?: string;
  /** Added to the process environment. */
  extraEnv?: Record<string, string>;
  requestTimeoutMs?: number;
  startupTimeoutMs?: number;
}

/** One fake model and one throwaway CODEX_HOME per test file, and backends built on them. */
export interface BackendWorld<B extends Backend, O extends BackendOptions> {
  model: FakeModel;
  home: CodexHome;
  /** A new backend, torn down by {@link BackendWorld.afterEach}. */
  backend(options?: O): Promise<MadeBackend<B>>;
  /** Thread settings in the workspace (approval "never", sandbox "read-only" unless overridden). */
  settings(overrides?: Partial<ThreadSettings>): ThreadSettings;
  /** Closes this test's backends and checks that no child is left. */
  afterEach(): Promise<void>;
  /** Closes the model and removes the CODEX_HOME. */
  close(): Promise<void>;
}

export type World = BackendWorld<AppServerBackend, BackendOptions>;

/** What a backend is built from: the real runtime's supervisor and the located Codex. */
export interface BackendParts {
  supervisor: Supervisor;
  log: MemoryLogger;
  location: CodexLocation;
  /** Codex's environment (the throwaway home's, plus what its npm wrapper would set). */
  env: Record<string, string>;
  home: CodexHome;
}

/** A world whose backends `build` makes; both drivers' suites use it. */
export async function createBackendWorld<B extends Backend, O extends BackendOptions>(
  build: (parts: BackendParts, options: O) => B,
  options: { extraToml?: string; resetModelAfterEach?: boolean } = {},
): Promise<BackendWorld<B, O>> {
  const model = await startFakeModel();
  const home = makeCodexHome({ modelUrl: model.url, ...(options.extraToml ? { extraToml: options.extraToml } : {}) });
  const live: MadeBackend<B>[] = [];
  return {
    model,
    home,
    async backend(opts = {} as O) {
      const log = memoryLogger();
      const supervisor = createSupervisor({ runtime, logger: log, timeouts: { killGraceMs: 2_000 } });
      const env = { ...home.env, ...opts.extraEnv };
      const located = await locateCodex({
        platform: runtime.platform,
        arch: runtime.arch,
        env: { ...env, CODEX_MCP_PATH: opts.codexPath ?? CODEX_PATH },
        fs: runtime.fs,
        cwd: PROJECT_ROOT,
      });
      if (!located.ok) throw new Error(`locateCodex: ${located.error.message}`);
      const backend = build({
        supervisor,
        log,
        location: located.value,
        env: childEnvironment(env, located.value),
        home,
      }, opts);
      const made = { backend, supervisor, log, location: located.value };
      live.push(made);
      return made;
    },
    settings(overrides = {}) {
      return { cwd: home.workspace, approvalPolicy: "never", sandbox: "read-only", ...overrides };
    },
    async afterEach() {
      if (options.resetModelAfterEach) model.reset(); // a failed test must not leave its scripts to the next
      const all = live.splice(0);
      await Promise.all(all.map((t) => t.backend.close()));
      for (const t of all) {
        const left = t.supervisor.registry.list();
        if (left.length > 0) {
          await t.supervisor.teardownAll();
          throw new Error(`children left after close(): ${JSON.stringify(left)}`);
        }
      }
    },
    async close() {
      await model.close();
      home.cleanup();
    },
  };
}

export function createWorld(options: { extraToml?: string } = {}): Promise<World> {
  return createBackendWorld<AppServerBackend, BackendOptions>(
    (parts, opts) =>
      new AppServerBackend({
        supervisor: parts.supervisor,
        location: parts.location,
        env: parts.env,
        log: parts.log,
        clientInfo: { name: "codex-mcp-test", version: "0.0.0" },
        startupTimeoutMs: opts.startupTimeoutMs ?? 15_000,
        requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
        cwd: parts.home.workspace,
      }),
    options,
  );
}

/** Every event of one thread, with waiting helpers. */
export interface Recorder {
  readonly events: BackendEvent[];
  types(): string[];
  /** The first event (from index `from`) matching, now or later. */
  next<T extends BackendEvent["type"]>(
    type: T,
    predicate?: (event: Extract<BackendEvent, { type: T }>) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Extract<BackendEvent, { type: T }>>;
  unsubscribe(): void;
}

export function record(
  backend: { subscribe(threadId: string, listener: (event: BackendEvent) => void): () => void },
  threadId: string,
): Recorder {
  const events: BackendEvent[] = [];
  const waiters = new Set<() => void>();
  const unsubscribe = backend.subscribe(threadId, (event) => {
    events.push(event);
    for (const waiter of [...waiters]) waiter();
  });
  return {
    events,
    types: () => events.map((e) => e.type),
    unsubscribe,
    next(type, predicate = () => true, { from = 0, timeoutMs = 15_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = from; i < events.length; i++) {
            const event = events[i]!;
            if (event.type === type && predicate(event as never)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(event as never);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no ${type} event within ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => e.type))}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs one turn and resolves with its `turn_completed` and the events it produced. */
export async function runTurn(
  backend: AppServerBackend,
  recorder: Recorder,
  threadId: string,
  prompt: string,
  extra: Record<string, unknown> = {},
) {
  const from = recorder.events.length;
  const { turnId } = await backend.startTurn(threadId, { prompt, ...extra });
  const completed = await recorder.next("turn_completed", (e) => e.turnId === turnId, { from });
  return { turnId, completed, events: recorder.events.slice(from) };
}
