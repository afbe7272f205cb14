import { describe, expect, test } from "bun:test";
import { parseReview } from "../../src/mcp/tools/review-findings.ts";

describe("a Codex review's findings, read from its text", () => {
  test("several findings, a body over lines, the priority from the title", () => {
    const text = [
      "Two problems.",
      "",
      "Full review comments:",
      "",
      "- [P0] Crash on empty input — /repo/a.ts:10-12",
      "  Dividing by the length fails",
      "  when the list is empty.",
      "",
      "- Naming — /repo/b.ts:1-1",
      "  Call it count.",
    ].join("\n");
    expect(parseReview(text)).toEqual({
      overall: "Two problems.",
      findings: [
        {
          title: "[P0] Crash on empty input",
          priority: 0,
          file: "/repo/a.ts",
          lines: { start: 10, end: 12 },
          body: "Dividing by the length fails\nwhen the list is empty.",
        },
        { title: "Naming", priority: null, file: "/repo/b.ts", lines: { start: 1, end: 1 }, body: "Call it count." },
      ],
    });
  });

  test("text that is not a review gives none", () => {
    expect(parseReview("Looks good to me.")).toBeNull();
    expect(parseReview("Review comment:\n\nnothing in the expected form")).toBeNull();
  });
});
