/**
 * Shared pieces of the ExecBackend tests: one fake model and one throwaway CODEX_HOME per test
 * file, exec backends built with the real runtime and supervisor (torn down and checked after
 * each test), and the event recorder of the app-server tests.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ExecBackend } from "../../src/codex/drivers/exec/backend.ts";
import {
  type BackendOptions,
  type BackendWorld,
  createBackendWorld,
  type MadeBackend,
  type Recorder,
  runtime,
} from "../app-server/helpers.ts";

export { record, type Recorder } from "../app-server/helpers.ts";

export type ExecWorld = BackendWorld<ExecBackend, Pick<BackendOptions, "codexPath" | "requestTimeoutMs">>;
export type TestExecBackend = MadeBackend<ExecBackend>;

export function createExecWorld(options: { extraToml?: string } = {}): Promise<ExecWorld> {
  return createBackendWorld(
    (parts, opts: Pick<BackendOptions, "codexPath" | "requestTimeoutMs">) =>
      new ExecBackend({
        supervisor: parts.supervisor,
        location: parts.location,
        env: parts.env,
        log: parts.log,
        fs: runtime.fs,
        requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
      }),
    { ...options, resetModelAfterEach: true },
  );
}

/** Runs one turn and resolves with its `turn_completed` and the events it produced. */
export async function runTurn(
  backend: ExecBackend,
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
