/**
 * The adapters' own stdio: `isTerminal` agrees with `node:tty` on pipes and on a terminal (a pty
 * from util-linux `script`, where it is installed), and after the stray-stdout redirect a write
 * through `process.stdout` reaches stderr while the adapter's stdout still reaches fd 1. The Bun
 * adapter does all of this without Node's stdio streams (see src/runtime/bun.ts).
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const SCRIPT = join(import.meta.dirname, "stdio-check.ts");
const RUNTIMES: Record<string, string[]> = {
  bun: [process.execPath, SCRIPT],
  node: [join(ROOT, "node_modules", ".bin", "node"), SCRIPT],
  deno: [join(ROOT, "node_modules", ".bin", "deno"), "run", "-A", SCRIPT],
};
const hasScript = spawnSync("script", ["--version"]).status === 0;

interface Report {
  runtime: string;
  adapter: boolean[];
  isatty: boolean[];
}

function reportOf(stdout: string): Report {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no report on stdout: ${JSON.stringify(stdout)}`);
  return JSON.parse(line) as Report;
}

describe("runtime stdio", () => {
  for (const [name, command] of Object.entries(RUNTIMES)) {
    test(`${name}: on pipes, nothing is a terminal, and a stray stdout write goes to stderr`, () => {
      const run = spawnSync(command[0]!, command.slice(1), { input: "", encoding: "utf8", cwd: ROOT });
      expect(run.status).toBe(0);
      const report = reportOf(run.stdout);
      expect(report.runtime).toBe(name);
      expect(report).toMatchObject({ adapter: [false, false, false], isatty: [false, false, false] });
      expect(run.stdout).not.toContain("STRAY");
      expect(run.stderr).toContain("STRAY process.stdout.write");
    }, 30_000);

    test.skipIf(!hasScript)(`${name}: on a terminal, isTerminal says so, as node:tty does`, () => {
      // `script` gives the command a pty for stdin, stdout and stderr alike.
      const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
      const run = spawnSync("script", ["-qec", quoted, "/dev/null"], { input: "", encoding: "utf8", cwd: ROOT });
      expect(run.status).toBe(0);
      const report = reportOf(run.stdout);
      expect(report).toMatchObject({ adapter: [true, true, true], isatty: [true, true, true] });
    }, 30_000);
  }
});
