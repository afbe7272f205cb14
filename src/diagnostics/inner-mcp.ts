/**
 * Which of the user's own MCP servers run inside a session's Codex. Users report that their MCP
 * servers slow sessions down and hang them; a session can leave them out. The choice becomes
 * config overrides Codex honours, kept with the session's settings (replies and forks keep it):
 *
 * - `inherit`: every server the config files define (Codex's default);
 * - `none`, or a list of names to keep: every other configured server gets
 *   `mcp_servers.<name>.enabled = false`. (Measured on Codex 0.169: an override of
 *   `mcp_servers = {}` still starts them; `enabled = false` does not.)
 *
 * @module
 */
import { CodedError } from "../errors/registry.ts";
import type { CodexHomeDeps } from "./codex-home.ts";
import { findConfigFiles, resolveCodexHome } from "./codex-home.ts";

export type InnerMcpChoice = "inherit" | "none" | readonly string[];

/** The overrides that leave Codex, in `deps.cwd`, only the servers `choice` keeps. */
export async function innerMcpOverrides(choice: InnerMcpChoice, deps: CodexHomeDeps): Promise<Record<string, unknown>> {
  if (choice === "inherit") return {};
  const keep = choice === "none" ? [] : choice;
  const home = await resolveCodexHome(deps);
  const configured = home.ok ? (await findConfigFiles(deps, home.value)).mcpServers : [];
  const unknown = keep.filter((name) => !configured.includes(name));
  if (unknown.length > 0) {
    throw new CodedError(
      "INVALID_ARGUMENT",
      `no MCP server ${unknown.map((n) => JSON.stringify(n)).join(", ")} in Codex's config files (configured: ${
        configured.length > 0 ? configured.join(", ") : "none"
      })`,
      'Name servers from Codex\'s config.toml ([mcp_servers.<name>]), or pass "none" or "inherit".',
    );
  }
  return Object.fromEntries(
    configured.filter((name) => !keep.includes(name)).map((name) => [`mcp_servers.${name}.enabled`, false]),
  );
}
