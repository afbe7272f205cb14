/**
 * What a Codex child's stderr and exit tell a person, summarised the same way by both drivers and
 * by the readiness probe: the last meaningful lines (Codex's start-up warnings and its own log
 * lines left out), and how the process ended.
 *
 * @module
 */
import type { ExitReport } from "../../process/types.ts";

/** Lines that say nothing about a failure: Codex's start-up warning and its timestamped log lines. */
function isNoise(line: string): boolean {
  return line.startsWith("WARNING: proceeding") ||
    /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+(TRACE|DEBUG|INFO|WARN)\b/.test(line);
}

/** The last `lines` non-empty lines of a stderr tail, at most `chars` characters (kept whole, for events). */
export function tailLines(stderr: string, lines: number, chars: number): string {
  const kept = stderr
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-lines)
    .join("\n");
  return kept.length > chars ? kept.slice(-chars) : kept;
}

/**
 * The last meaningful lines of a stderr tail on one line, for a message; "" when there are none.
 * Default: three lines joined by " | ", at most 500 characters.
 */
export function stderrExcerpt(stderr: string, options: { lines?: number; chars?: number; join?: string } = {}): string {
  const { lines = 3, chars = 500, join = " | " } = options;
  const kept = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !isNoise(line));
  const text = kept.slice(-lines).join(join);
  return text.length > chars ? text.slice(-chars) : text;
}

/** How a child ended, as the end of a sentence: "exited with code 2", "was killed by SIGKILL" … */
export function describeExit(report: Pick<ExitReport, "code" | "signal" | "endedBy">): string {
  if (report.endedBy === "timeout") return "ran out of time";
  if (report.endedBy === "silence") return "wrote nothing for too long and was stopped";
  if (report.signal) return `was killed by ${report.signal}`;
  return `exited with code ${report.code}`;
}
