/** The version of codex-mcp, from package.json (inlined into the compiled binary). */
import pkg from "../package.json" with { type: "json" };

export const NAME = "codex-mcp";
export const VERSION: string = pkg.version;
