/**
 * Shared pieces of the ExecBackend tests: one fake model and one throwaway CODEX_HOME per test
 * file, exec backends built with the real runtime and supervisor (torn down and checked after
 * each test), and the event recorder of the app-server tests.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ThreadSettings } from "../../src/codex/backend.ts";
import { ExecBackend } from "../../src/codex/exec/backend.ts";
import { locateCodex } from "../../src/codex/locate.ts";
import { childEnvironment } from "../../src/codex/readiness.ts";
import { createSupervisor, type Supervisor } from "../../src/process/supervisor.ts";
import { CODEX_PATH, type MemoryLogger, memoryLogger, type Recorder, runtime } from "../app-server/helpers.ts";
import { PROJECT_ROOT } from "../harness/codex-bin.ts";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, startFakeModel } from "../harness/fake-model.ts";

export { record, type Recorder } from "../app-server/helpers.ts";

export interface TestExecBackend {
  backend: ExecBackend;
  supervisor: Supervisor;
  log: MemoryLogger;
}

export interface ExecWorld {
  model: FakeModel;
  home: CodexHome;
  backend(options?: { codexPath?: string; requestTimeoutMs?: number }): Promise<TestExecBackend>;
  settings(overrides?: Partial<ThreadSettings>): ThreadSettings;
  afterEach(): Promise<void>;
  close(): Promise<void>;
}

export async function createExecWorld(options: { extraToml?: string } = {}): Promise<ExecWorld> {
  const model = await startFakeModel();
  const home = makeCodexHome({ modelUrl: model.url, ...(options.extraToml ? { extraToml: options.extraToml } : {}) });
  const live: TestExecBackend[] = [];
  return {
    model,
    home,
    async backend(opts = {}) {
      const log = memoryLogger();
      const supervisor = createSupervisor({ runtime, logger: log, timeouts: { killGraceMs: 2_000 } });
      const env = { ...home.env };
      const located = await locateCodex({ platform: runtime.platform, arch: runtime.arch, env: { ...env, CODEX_MCP_PATH: opts.codexPath ?? CODEX_PATH }, fs: runtime.fs, cwd: PROJECT_ROOT });
      if (!located.ok) throw new Error(`locateCodex: ${located.error.message}`);
      const backend = new ExecBackend({ supervisor, location: located.value, env: childEnvironment(env, located.value), log, fs: runtime.fs, requestTimeoutMs: opts.requestTimeoutMs ?? 15_000 });
      const made = { backend, supervisor, log };
      live.push(made);
      return made;
    },
    settings(overrides = {}) {
      return { cwd: home.workspace, approvalPolicy: "never", sandbox: "read-only", ...overrides };
    },
    async afterEach() {
      model.reset(); // a failed test must not leave its scripts to the next
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

/** Runs one turn and resolves with its `turn_completed` and the events it produced. */
export async function runTurn(backend: ExecBackend, recorder: Recorder, threadId: string, prompt: string, extra: Record<string, unknown> = {}) {
  const from = recorder.events.length;
  const { turnId } = await backend.startTurn(threadId, { prompt, ...extra });
  const completed = await recorder.next("turn_completed", (e) => e.turnId === turnId, { from });
  return { turnId, completed, events: recorder.events.slice(from) };
}

/** Live processes whose command line contains `marker` (pids and command lines). */
export function processesMatching(marker: string): string[] {
  const out = spawnSync("ps", ["-e", "-o", "pid=,stat=,args="], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.includes(marker) && !/^\d+\s+Z/.test(line) && !line.includes("ps -e -o"));
}

/** Temporary directories the exec backend made, still present. */
export function execTempDirs(): string[] {
  const dir = os.tmpdir();
  return readdirSync(dir).filter((name) => name.startsWith("codex-mcp-exec-")).map((name) => path.join(dir, name));
}
