/**
 * The version of codex-mcp, from package.json (inlined into the compiled binary), and what
 * build.ts stamps into a compiled binary: its commit, build date and target.
 *
 * @module
 */
import pkg from "../package.json" with { type: "json" };

export const NAME = "codex-mcp";
export const VERSION: string = pkg.version;

// Replaced by `bun build --define` in build.ts; never defined when running from source.
declare const CODEX_MCP_BUILD_COMMIT: string | undefined;
declare const CODEX_MCP_BUILD_DATE: string | undefined;
declare const CODEX_MCP_BUILD_TARGET: string | undefined;

/** A compiled binary's provenance; `null` when running from source. */
export interface BuildInfo {
  /** The git commit built (short hash), with `-dirty` when the tree had changes. */
  commit: string;
  /** The commit's date (ISO 8601): the same sources give the same stamp. */
  date: string;
  /** build.ts's target name: linux-x64, darwin-arm64, windows-x64, … */
  target: string;
}

export const BUILD: BuildInfo | null = typeof CODEX_MCP_BUILD_COMMIT === "undefined" ? null : {
  commit: CODEX_MCP_BUILD_COMMIT,
  date: typeof CODEX_MCP_BUILD_DATE === "undefined" ? "unknown" : CODEX_MCP_BUILD_DATE,
  target: typeof CODEX_MCP_BUILD_TARGET === "undefined" ? "unknown" : CODEX_MCP_BUILD_TARGET,
};
