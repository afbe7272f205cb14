/**
 * The composition root: builds the application a transport serves — the session store, the
 * supervisor and its child ledger, the backend factory, the session manager — and owns its
 * start-up (restart recovery, the lifecycle sweep, reaping orphans) and its shutdown (the drain,
 * every child torn down). Transports know nothing of this wiring; they get {@link App.context}.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { BackendFactory } from "./diagnostics/backend-factory.ts";
import type { StdioFinding } from "./diagnostics/readiness.ts";
import type { Logger } from "./log.ts";
import type { AppContext } from "./mcp/context.ts";
import { ChildLedger, childLedgerDir, identifier, reapOrphans, supervisedOutput } from "./process/orphans.ts";
import { createSupervisor, type Supervisor } from "./process/supervisor.ts";
import type { Runtime } from "./runtime/types.ts";
import { SessionManager } from "./sessions/manager.ts";
import { type OpenedStore, openSessionStore } from "./sessions/open-store.ts";
import { SCHEMA_CACHE_FILE, SchemaCache } from "./mcp/tools/schema-cache.ts";
import { BUILD, NAME, VERSION } from "./version.ts";

export interface App {
  readonly context: AppContext;
  readonly store: Pick<OpenedStore, "kind" | "stateDir">;
  /** Where the sessions are kept, for the log. */
  readonly description: string;
  /** Recovers what earlier runs left, starts the lifecycle sweep, reaps orphans in the background. */
  start(): Promise<void>;
  /**
   * Lets running turns finish for `graceMs` (or until `hurry` aborts), interrupts the rest, tears
   * every child down, and closes the store. Called once.
   */
  shutdown(graceMs: number, hurry?: AbortSignal): Promise<void>;
}

/** The supervisor every child of this process goes through, with the configured timeouts. */
export function supervisorFor(runtime: Runtime, config: Config, log: Logger): Supervisor {
  return createSupervisor({
    runtime,
    timeouts: {
      startupMs: config.startupTimeoutMs,
      requestMs: config.requestTimeoutMs,
      killGraceMs: config.killGraceMs,
    },
    logger: log,
  });
}

/**
 * Builds the application. Opens the state first, so that a broken one stops start-up with its
 * reason: rejects with a `StoreError` then, having started nothing.
 */
/**
 * The tools' JSON Schemas kept between starts, in the state directory of a compiled binary (from
 * source the code can change under the same version, so nothing is kept). They depend on the
 * binary (its build and the file itself, so a rebuild is a new key) and the configuration.
 */
function toolSchemaCache(runtime: Runtime, config: Config, stateDir: string | null, log: Logger) {
  if (!BUILD || !stateDir) return undefined;
  const identity = runtime.fs.stat(runtime.execPath).then((binary) =>
    JSON.stringify([VERSION, BUILD, runtime.execPath, binary?.size, binary?.mtimeMs, config])
  );
  return SchemaCache.open(runtime.fs, `${stateDir}/${SCHEMA_CACHE_FILE}`, identity, log);
}

export async function createApp(
  runtime: Runtime,
  config: Config,
  log: Logger,
  options: { preflight: readonly StdioFinding[] },
): Promise<App> {
  const opened = await openSessionStore(runtime, config.store);
  for (const warning of opened.warnings) log.warn(warning);

  const supervisor = supervisorFor(runtime, config, log);
  const identify = identifier(runtime, supervisedOutput(supervisor));
  const self = { pid: runtime.pid, startTime: await identify(runtime.pid) };
  const ledgerDir = opened.stateDir ? childLedgerDir(opened.stateDir) : null;
  const ledger = ledgerDir ? new ChildLedger({ fs: runtime.fs, dir: ledgerDir, owner: self, identify, log }) : null;
  ledger?.attach(supervisor.registry);

  const backends = new BackendFactory({
    runtime,
    supervisor,
    log,
    clientInfo: { name: NAME, version: VERSION },
    mode: config.backendMode,
    livenessMs: config.livenessMs,
    execSilenceMs: config.execSilenceMs,
  });
  // Roots are compared after links are resolved, on both sides.
  const allowedRoots = await Promise.all(
    config.allowedRoots.map((root) => runtime.fs.realPath(root).catch(() => root)),
  );
  const sessions = new SessionManager({
    stopBoundMs: config.requestTimeoutMs + config.killGraceMs,
    limits: {
      allowedRoots,
      maxSandbox: config.maxSandbox === "none" ? null : config.maxSandbox,
      minApproval: config.minApproval === "none" ? null : config.minApproval,
      maxSessions: config.maxSessions,
      maxRunningTurns: config.maxRunningTurns,
    },
    store: opened.store,
    persistent: opened.kind === "sqlite",
    backend: () => backends.create(),
    policy: config,
    log,
    paths: {
      isDirectory: async (path) => (await runtime.fs.stat(path).catch(() => null))?.isDirectory === true,
      resolveFile: async (path) => {
        const realPath = await runtime.fs.realPath(path).catch(() => null);
        const info = realPath === null ? null : await runtime.fs.stat(realPath).catch(() => null);
        return realPath === null || info === null ? null : { realPath, isFile: info.isFile, size: info.size };
      },
    },
    owner: self,
    isOwnerAlive: async (owner) => owner.startTime !== null && (await identify(owner.pid)) === owner.startTime,
  });
  const context: AppContext = {
    runtime,
    config,
    log,
    supervisor,
    sessions,
    backendStatus: () => backends.status(),
    startedAt: new Date(),
    preflight: options.preflight,
    toolSchemas: toolSchemaCache(runtime, config, opened.stateDir, log),
  };

  let reaping: Promise<unknown> = Promise.resolve();
  return {
    context,
    store: { kind: opened.kind, stateDir: opened.stateDir },
    description: `${opened.kind} store${opened.stateDir ? ` in ${opened.stateDir}` : ""}`,
    async start() {
      const recovery = await sessions.recover();
      if (recovery.recovered > 0) {
        log.info(
          `recovered ${recovery.recovered} session(s) from earlier runs; ${recovery.interrupted.length} had a turn cut off by the restart`,
        );
      }
      sessions.startLifecycle(30_000, (timer) => runtime.unrefTimer(timer));
      // Children of servers that died without tearing them down: reaped in the background, since
      // waiting on them must not delay the handshake.
      if (!ledgerDir) return;
      reaping = reapOrphans({
        fs: runtime.fs,
        dir: ledgerDir,
        self,
        identify,
        signal: runtime,
        graceMs: config.killGraceMs,
        log,
      })
        .then((report) =>
          report.children.length > 0 &&
          log.info(
            `reaped orphans of earlier runs: ${
              report.children.map((c) => `${c.label} ${c.pid} ${c.outcome}`).join(", ")
            }`,
          )
        )
        .catch((error) => log.warn("reaping orphans failed", error));
    },
    async shutdown(graceMs, hurry) {
      const drained = await sessions.drain(graceMs, hurry);
      if (drained.interrupted.length > 0) {
        log.info(`shutdown: interrupted ${drained.interrupted.length} running turn(s)`);
      }
      await sessions.close();
      // No child outlives the server: Codex processes get stdin EOF, then SIGTERM, then SIGKILL.
      const reports = await supervisor.teardownAll();
      if (reports.length > 0) log.info(`stopped ${reports.length} child process(es)`);
      await reaping;
      await ledger?.close();
      // A client that listed the tools and left at once still leaves their schemas for the next start.
      await context.toolSchemas?.flush();
      opened.store.close();
    },
  };
}
