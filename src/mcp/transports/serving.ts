/**
 * What every transport shares: the application it serves, and how it stops on a signal — the
 * first SIGTERM, SIGINT, SIGHUP or SIGBREAK stops taking work and lets running turns finish within
 * the shutdown grace; a second cuts that wait short; a third exits at once.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import type { Runtime } from "../../runtime/types.ts";
import type { AppContext } from "../context.ts";

/** What a transport needs of the application (src/app.ts builds it). */
export interface ServedApp {
  readonly context: AppContext;
  /** A line for the log: where the sessions are kept. */
  readonly description: string;
  shutdown(graceMs: number, hurry?: AbortSignal): Promise<void>;
}

/**
 * Calls `stop` on every signal (a transport stops taking work), and returns the signal that
 * aborts on the second: the application's shutdown takes it to cut the grace short.
 */
export function stopOnSignals(runtime: Runtime, log: Logger, stop: () => void): AbortSignal {
  const hurry = new AbortController();
  let signals = 0;
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK"] as const) {
    runtime.onSignal(signal, () => {
      signals += 1;
      log.info(`${signal}: shutting down${signals > 1 ? " now" : ""}`);
      if (signals === 2) hurry.abort();
      if (signals > 2) void runtime.exit(130);
      stop();
    });
  }
  return hurry.signal;
}
