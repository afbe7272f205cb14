/**
 * Builds the {@link Backend} sessions run on: finds Codex (as the readiness check does), decides
 * how to drive it — `codex app-server`, or the `codex exec --json` fallback — and remembers the
 * decision and its reason for `server-info`. Called on the first session, so a server without
 * Codex still starts and answers `codex_setup`.
 *
 * The decision (CODEX_MCP_MODE): `app-server` and `exec` force a backend (exec is checked with
 * `codex exec --help` so a Codex without it fails here, clearly); `auto` starts `codex app-server`
 * for real, and when it answers `initialize` that process serves the sessions; otherwise exec is
 * checked and used. (`codex_setup` and `doctor` probe separately: they report, they do not serve.)
 *
 * @module
 */
import type { BackendModeSetting } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { Runtime } from "../runtime/types.ts";
import { type Backend, type BackendCapabilities, BackendError, CAPABILITIES } from "../codex/backend.ts";
import { locateCodex } from "../codex/install/locate.ts";
import { type BackendMode, childEnvironment, decideBackend } from "./readiness.ts";

export interface BackendFactoryOptions {
  runtime: Pick<Runtime, "platform" | "arch" | "env" | "fs" | "cwd">;
  supervisor: Supervisor;
  log: Logger;
  clientInfo: { name: string; version: string };
  /** CODEX_MCP_MODE (default `auto`). */
  mode?: BackendModeSetting;
  /** How often a running app-server's liveness is checked (CODEX_MCP_LIVENESS_MS). */
  livenessMs?: number;
  /** How long an exec turn may write nothing before it counts as hung (CODEX_MCP_EXEC_SILENCE_MS). */
  execSilenceMs?: number;
}

/** What `server-info` shows about the backend. Cheap: never starts Codex to answer. */
export interface BackendStatus {
  /** CODEX_MCP_MODE. */
  setting: BackendModeSetting;
  /** The backend in use; before the first session, the forced one or `null`. */
  mode: BackendMode | null;
  started: boolean;
  reason: string;
  /** What that backend can do; `null` until it is known. */
  capabilities: BackendCapabilities | null;
}

/** Creates the backend once it is needed and keeps the decision. */
export class BackendFactory {
  readonly #options: BackendFactoryOptions;
  #status: BackendStatus;

  constructor(options: BackendFactoryOptions) {
    this.#options = options;
    const setting = options.mode ?? "auto";
    this.#status = {
      setting,
      mode: setting === "auto" ? null : setting,
      started: false,
      reason: setting === "auto"
        ? "not started: decided on the first session (app-server when it answers, else exec)"
        : `not started: forced by CODEX_MCP_MODE=${setting}`,
      capabilities: setting === "auto" ? null : CAPABILITIES[setting],
    };
  }

  status(): BackendStatus {
    return { ...this.#status };
  }

  async create(): Promise<Backend> {
    const { runtime, supervisor, log, clientInfo } = this.#options;
    const setting = this.#status.setting;
    const located = await locateCodex({
      platform: runtime.platform,
      arch: runtime.arch,
      env: runtime.env,
      fs: runtime.fs,
      cwd: runtime.cwd(),
    });
    if (!located.ok) {
      // A bad CODEX_MCP_PATH is the user's configuration, never the calling model's arguments.
      const code = located.error.code === "HOME_NOT_FOUND" ? "CONFIG_INVALID" : located.error.code;
      throw new BackendError(
        code,
        located.error.message,
        `${located.error.hint} \`codex-mcp doctor\` gives a full diagnosis.`,
      );
    }
    const location = located.value;
    const env = childEnvironment(runtime.env, location);

    const appServer = () =>
      import("../codex/drivers/app-server/backend.ts").then(({ AppServerBackend }) =>
        new AppServerBackend({
          supervisor,
          location,
          env,
          log,
          clientInfo,
          startupTimeoutMs: supervisor.timeouts.startupMs,
          requestTimeoutMs: supervisor.timeouts.requestMs,
          ...(this.#options.livenessMs !== undefined && { livenessMs: this.#options.livenessMs }),
        })
      );
    const exec = () =>
      // Loaded on first use: a server that only answers initialize never evaluates either driver.
      import("../codex/drivers/exec/backend.ts").then(({ ExecBackend }) =>
        new ExecBackend({
          supervisor,
          location,
          env,
          log,
          fs: runtime.fs,
          requestTimeoutMs: supervisor.timeouts.requestMs,
          ...(this.#options.execSilenceMs !== undefined && { silenceMs: this.#options.execSilenceMs }),
        })
      );
    const decided = (mode: BackendMode, reason: string) => {
      this.#status = { setting, mode, started: true, reason, capabilities: CAPABILITIES[mode] };
      log.info(`backend: ${mode} (${reason})`);
    };

    if (setting === "app-server") {
      // Forced: AppServerBackend's own start-up says clearly why it fails, if it does.
      decided("app-server", "forced by CODEX_MCP_MODE=app-server");
      return await appServer();
    }
    const checkExec = () =>
      decideBackend({
        supervisor,
        location,
        env,
        cwd: runtime.cwd(),
        timeoutMs: supervisor.timeouts.startupMs,
        clientInfo,
        mode: "exec",
      });
    if (setting === "exec") {
      const decision = await checkExec();
      if (!decision.ok) {
        throw new BackendError(
          "NOT_SUPPORTED",
          `Codex cannot be driven: ${decision.reason}`,
          "CODEX_MCP_MODE=exec needs a Codex with `codex exec`. Unset CODEX_MCP_MODE, or install Codex (`npm install -g @openai/codex@latest`); `codex-mcp doctor` shows the details.",
        );
      }
      decided("exec", decision.reason);
      return await exec();
    }
    // Auto: start app-server for real. When it answers initialize, that very process serves the
    // sessions (no probe that is torn down and started again); otherwise fall back to exec.
    const started = performance.now();
    const candidate = await appServer();
    try {
      await candidate.warmUp();
      decided("app-server", `app-server answered initialize in ${Math.round(performance.now() - started)} ms`);
      return candidate;
    } catch (error) {
      await candidate.close().catch(() => {});
      const appServerFailure = (error as Error).message;
      const decision = await checkExec();
      if (!decision.ok) {
        throw new BackendError(
          "CODEX_NOT_RUNNABLE",
          `Codex cannot be driven: app-server: ${appServerFailure}; exec: ${decision.failure}`,
        );
      }
      decided("exec", `app-server unavailable (${appServerFailure}); \`codex exec --json\` will be used`);
      return await exec();
    }
  }
}
