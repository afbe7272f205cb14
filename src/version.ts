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
declare const __BUILD_COMMIT__: string | undefined;
declare const __BUILD_DATE__: string | undefined;
declare const __BUILD_TARGET__: string | undefined;

/** A compiled binary's provenance; `null` when running from source. */
export interface BuildInfo {
  /** The git commit built (short hash), with `-dirty` when the tree had changes. */
  commit: string;
  /** The commit's date (ISO 8601): the same sources give the same stamp. */
  date: string;
  /** build.ts's target name: linux-x64, darwin-arm64, windows-x64, … */
  target: string;
}

export const BUILD: BuildInfo | null = typeof __BUILD_COMMIT__ === "undefined" ? null : {
  commit: __BUILD_COMMIT__,
  date: typeof __BUILD_DATE__ === "undefined" ? "unknown" : __BUILD_DATE__,
  target: typeof __BUILD_TARGET__ === "undefined" ? "unknown" : __BUILD_TARGET__,
};
