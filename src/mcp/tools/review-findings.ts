/**
 * The findings of a Codex review, read back from the review as Codex renders it (the text of its
 * `exitedReviewMode` item): the overall explanation first, then a "Review comment:" (or "Full
 * review comments:") block with one `- [P<n>] Title — /path:start-end` line per finding and its
 * body indented below. The app-server gives no structured form, so this is the parse of that
 * layout; text that does not follow it gives no findings, and the text itself is always the
 * result's `text`. Pure.
 *
 * @module
 */

/** One finding: where, how important (0 most), what. */
export interface ReviewFinding {
  title: string;
  /** From the title's `[P<n>]`, when it has one. */
  priority: number | null;
  file: string;
  lines: { start: number; end: number };
  body: string;
}

export interface ParsedReview {
  /** Codex's overall verdict, the text before the findings. */
  overall: string;
  findings: ReviewFinding[];
}

const HEADER = /^(Review comment|Full review comments):\s*$/;
const ITEM = /^- (.+) — (.+):(\d+)-(\d+)\s*$/;

/** The review's findings, or `null` when `text` is not laid out as a Codex review. */
export function parseReview(text: string): ParsedReview | null {
  const lines = text.split("\n");
  const header = lines.findIndex((l) => HEADER.test(l));
  if (header < 0) return null;
  const findings: ReviewFinding[] = [];
  let current: ReviewFinding | undefined;
  for (const line of lines.slice(header + 1)) {
    const item = ITEM.exec(line);
    if (item) {
      const title = item[1]!.trim();
      const priority = /^\[P(\d)\]/.exec(title);
      current = {
        title,
        priority: priority ? Number(priority[1]) : null,
        file: item[2]!,
        lines: { start: Number(item[3]), end: Number(item[4]) },
        body: "",
      };
      findings.push(current);
    } else if (current && (line.startsWith("  ") || line === "")) {
      current.body += (current.body ? "\n" : "") + line.replace(/^ {2}/, "");
    }
  }
  for (const finding of findings) finding.body = finding.body.trim();
  if (findings.length === 0) return null;
  return { overall: lines.slice(0, header).join("\n").trim(), findings };
}
