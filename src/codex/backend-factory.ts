/**
 * Builds the {@link Backend} sessions run on: finds Codex (as the readiness check does) and starts
 * driving it through `codex app-server`. Called once, on the first session, so a server without
 * Codex still starts and answers `codex_setup`.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { Runtime } from "../runtime/types.ts";
import { AppServerBackend } from "./app-server/backend.ts";
import { type Backend, BackendError } from "./backend.ts";
import { locateCodex } from "./locate.ts";
import { childEnvironment } from "./readiness.ts";

export interface BackendFactoryOptions {
  runtime: Pick<Runtime, "platform" | "arch" | "env" | "fs" | "cwd">;
  supervisor: Supervisor;
  log: Logger;
  clientInfo: { name: string; version: string };
}

export async function createBackend(options: BackendFactoryOptions): Promise<Backend> {
  const { runtime } = options;
  const located = await locateCodex({ platform: runtime.platform, arch: runtime.arch, env: runtime.env, fs: runtime.fs, cwd: runtime.cwd() });
  if (!located.ok) {
    const code = located.error.code === "CODEX_NOT_FOUND" ? "CODEX_NOT_FOUND" : "INVALID_ARGUMENT";
    throw new BackendError(code, located.error.message, `${located.error.hint} Call codex_setup for a full diagnosis.`);
  }
  return new AppServerBackend({
    supervisor: options.supervisor,
    location: located.value,
    env: childEnvironment(runtime.env, located.value),
    log: options.log,
    clientInfo: options.clientInfo,
    startupTimeoutMs: options.supervisor.timeouts.startupMs,
    requestTimeoutMs: options.supervisor.timeouts.requestMs,
  });
}
