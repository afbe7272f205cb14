/**
 * The durations that bound every child process. Defaults live here; `src/config.ts` lets the
 * environment override them (CODEX_MCP_*_TIMEOUT_MS, CODEX_MCP_KILL_GRACE_MS) and each call may
 * override them again. A child that hangs must never hang the server with it.
 *
 * @module
 */

/** Timeouts shared by the supervisor and the Codex clients built on it. All in milliseconds. */
export interface ProcessTimeouts {
  /** A Codex child must have started and answered its handshake within this. */
  readonly startupMs: number;
  /** One JSON-RPC request to a Codex child must be answered within this. */
  readonly requestMs: number;
  /** Teardown waits this long after each step (stdin EOF, SIGTERM, …) before the next one. */
  readonly killGraceMs: number;
}

/**
 * Start-up is generous because a first run may migrate state or refresh credentials; a request
 * (`thread/start`, `turn/interrupt`, …) is answered in milliseconds when Codex is healthy; Codex
 * exits within ~80 ms of stdin EOF or SIGTERM, so a few seconds of grace is plenty.
 */
export const DEFAULT_TIMEOUTS: ProcessTimeouts = { startupMs: 30_000, requestMs: 60_000, killGraceMs: 3_000 };

/** The largest delay `setTimeout` honours; above it, timers fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves `true` if `promise` settles within `ms`, else `false`. The timer is cleared either way,
 * so a long grace period never keeps the process alive on its own.
 */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}
