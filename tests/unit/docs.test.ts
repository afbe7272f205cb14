/**
 * The README says what the code declares: the backend table's yes/no cells against each
 * backend's capabilities (src/codex/backend.ts).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BackendCapabilities, CAPABILITIES } from "../../src/codex/backend.ts";

const README = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");

/** The README's backend table: row label → [app-server cell, exec cell]. */
function backendTable(): Map<string, [string, string]> {
  const start = README.indexOf("| feature | app-server |");
  const rows = README.slice(start).split("\n\n")[0]!.split("\n").slice(2);
  return new Map(rows.map((row) => {
    const [label, appServer, exec] = row.split(" | ").map((c) => c.replace(/^\| /, "").trim());
    return [label!, [appServer!, exec!]];
  }));
}

/** Which README row tells of which capability. */
const ROWS: Partial<Record<keyof BackendCapabilities, string>> = {
  approvals: "approvals",
  userInput: "questions",
  fork: "fork",
  streamingDeltas: "streaming message deltas",
  profiles: "config profile",
  steer: "steer a running turn",
  compact: "compact the conversation",
  rollback: "roll the conversation back",
  rateLimits: "the account's rate limits",
  review: "Codex's reviewer",
};

describe("the README's backend table", () => {
  test("says yes exactly where a backend has the capability", () => {
    const table = backendTable();
    for (const [capability, label] of Object.entries(ROWS) as [keyof BackendCapabilities, string][]) {
      const row = [...table.entries()].find(([l]) => l.startsWith(label));
      expect(row, `a row for ${capability}`).toBeDefined();
      const [appServer, exec] = row![1];
      const says = (cell: string) => cell.startsWith("✓");
      expect({ capability, appServer: says(appServer), exec: says(exec) }).toEqual({
        capability,
        appServer: CAPABILITIES["app-server"][capability],
        exec: CAPABILITIES.exec[capability],
      });
    }
  });
});
