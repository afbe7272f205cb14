/**
 * Keeps stdout for the protocol alone. In Bun and Deno `console.log` writes straight to fd 1
 * (measured), so rewiring `process.stdout.write` is not enough: every console method that prints to
 * stdout is pointed at `console.error`, and the runtime adapter redirects its own stdout APIs.
 *
 * @module
 */
import type { ServerStdio } from "../../../runtime/types.ts";

/** Console methods that print to stdout in at least one runtime. */
const STDOUT_CONSOLE_METHODS = [
  "log",
  "info",
  "debug",
  "dir",
  "dirxml",
  "table",
  "trace",
  "group",
  "groupCollapsed",
  "count",
  "timeLog",
  "timeEnd",
] as const;

/** Installs the guard. Idempotent; lasts for the life of the process. */
export function guardStdout(stdio: ServerStdio): void {
  const console_ = globalThis.console as unknown as Record<string, unknown> & { error: (...args: unknown[]) => void };
  const toStderr = console_.error.bind(globalThis.console);
  for (const method of STDOUT_CONSOLE_METHODS) console_[method] = (...args: unknown[]) => toStderr(...args);
  stdio.redirectStrayStdout();
}
