/**
 * Shared pieces of the supervisor's fault tests: fixture paths, process-group inspection and a
 * recorder for unhandled errors.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "children");
export const fixture = (name: string): string => join(FIXTURES, name);

/** A `/bin/sh` fixture as a command line (run through sh, so its mode bits do not matter). */
export const sh = (name: string, ...args: string[]) => ({ command: "/bin/sh", args: [fixture(name), ...args] });

/** A TypeScript fixture run by the bun executing the tests. */
export const bunScript = (name: string, ...args: string[]) => ({
  command: process.execPath,
  args: [fixture(name), ...args],
});

/** Live (non-zombie) members of process group `pgid`, as `pid stat` strings. */
export function liveGroupMembers(pgid: number): string[] {
  const out = spawnSync("ps", ["-e", "-o", "pid=,pgid=,stat="], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .map((row) => row.trim().split(/\s+/))
    .filter((cols) => cols.length === 3 && Number(cols[1]) === pgid && !cols[2]!.startsWith("Z"))
    .map((cols) => `${cols[0]} ${cols[2]}`);
}

/** Whether `pid` is alive and not a zombie. */
export function isLive(pid: number): boolean {
  const out = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return out !== "" && !out.startsWith("Z");
}

/** Collects unhandled rejections and uncaught exceptions while a test runs. */
export function watchUnhandled(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown) => void errors.push(error);
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
  return {
    errors,
    stop() {
      process.off("unhandledRejection", onError);
      process.off("uncaughtException", onError);
    },
  };
}

/** Resolves with the first line `lines` receives that matches, or rejects after `ms`. */
export function lineWaiter(
  ms = 5000,
): { onLine: (line: string) => void; next(match: (line: string) => boolean): Promise<string> } {
  const seen: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  return {
    onLine(line) {
      seen.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    },
    next(match) {
      const found = seen.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching line within ${ms} ms; saw ${JSON.stringify(seen)}`)),
          ms,
        );
        waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}
