/**
 * Where each MCP client keeps its server list, per OS and scope, and how it spells one entry.
 * The facts, as the clients document them:
 *
 * | client | user scope | project scope | shape |
 * | --- | --- | --- | --- |
 * | claude-code | `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json`) | `.mcp.json` | `mcpServers.NAME = {type: "stdio", command, args, env}` |
 * | claude-desktop | macOS `~/Library/Application Support/Claude/`, Windows `%APPDATA%\Claude\`, Linux `~/.config/Claude/` + `claude_desktop_config.json` | — | `mcpServers.NAME = {command, args, env}` |
 * | cursor | `~/.cursor/mcp.json` | `.cursor/mcp.json` | `mcpServers.NAME = {command, args, env}` |
 * | vscode | macOS `~/Library/Application Support/Code/User/`, Windows `%APPDATA%\Code\User\`, Linux `~/.config/Code/User/` + `mcp.json` | `.vscode/mcp.json` | `servers.NAME = {type: "stdio", command, args, env}` |
 * | codex | `$CODEX_HOME/config.toml` (`~/.codex`) | `.codex/config.toml` | `[mcp_servers.NAME]` command, args, `[mcp_servers.NAME.env]` |
 *
 * @module
 */
import { getNonEmptyEnv } from "../platform/env.ts";
import { homeDirectory } from "../platform/home.ts";
import { joinPath, pathFlavor } from "../platform/paths.ts";
import type { ServerEntry } from "./toml-servers.ts";

export const CLIENTS = ["claude-code", "claude-desktop", "cursor", "codex", "vscode"] as const;
export type ClientName = (typeof CLIENTS)[number];
export const SCOPES = ["user", "project"] as const;
export type Scope = (typeof SCOPES)[number];

/** One client's config file for one scope. */
export type ClientTarget =
  & { client: ClientName; scope: Scope; file: string }
  & (
    | { format: "json"; container: "mcpServers" | "servers"; entry: (server: ServerEntry) => unknown }
    | { format: "toml" }
  );

/** The machine facts a location depends on. */
export interface Whereabouts {
  platform: string;
  env: Readonly<Record<string, string>>;
  cwd: string;
}

/** Something about the request or the machine that leaves no file to write; the message says what. */
export class TargetError extends Error {}

/** `{command, args, env}`, with `env` only when there is some. */
function plain(server: ServerEntry): Record<string, unknown> {
  return {
    command: server.command,
    args: server.args,
    ...(Object.keys(server.env).length > 0 && { env: server.env }),
  };
}
const stdio = (server: ServerEntry) => ({ type: "stdio", ...plain(server) });

/** The config file of `client` for `scope` on this machine. */
export function clientTarget(client: ClientName, scope: Scope, at: Whereabouts): ClientTarget {
  const f = pathFlavor(at.platform);
  const join = (base: string, ...parts: string[]) => joinPath(f, base, ...parts);
  const env = (name: string) => getNonEmptyEnv(at.env, name, at.platform);
  const home = () => {
    const found = homeDirectory(at.env, at.platform);
    if (!found) throw new TargetError("no home directory (HOME is not set)");
    return found.value;
  };
  /** Where per-user application settings live: Application Support, %APPDATA%, XDG config. */
  const appConfig = () =>
    at.platform === "darwin"
      ? join(home(), "Library", "Application Support")
      : at.platform === "win32"
      ? env("APPDATA") ?? join(home(), "AppData", "Roaming")
      : env("XDG_CONFIG_HOME") ?? join(home(), ".config");
  const project = scope === "project";
  switch (client) {
    case "claude-code":
      return {
        client,
        scope,
        file: project ? join(at.cwd, ".mcp.json") : join(env("CLAUDE_CONFIG_DIR") ?? home(), ".claude.json"),
        format: "json",
        container: "mcpServers",
        entry: stdio,
      };
    case "claude-desktop":
      if (project) throw new TargetError("Claude Desktop has no project scope: use --scope user");
      return {
        client,
        scope,
        file: join(appConfig(), "Claude", "claude_desktop_config.json"),
        format: "json",
        container: "mcpServers",
        entry: plain,
      };
    case "cursor":
      return {
        client,
        scope,
        file: join(project ? at.cwd : home(), ".cursor", "mcp.json"),
        format: "json",
        container: "mcpServers",
        entry: plain,
      };
    case "vscode":
      return {
        client,
        scope,
        file: project ? join(at.cwd, ".vscode", "mcp.json") : join(appConfig(), "Code", "User", "mcp.json"),
        format: "json",
        container: "servers",
        entry: stdio,
      };
    case "codex":
      return {
        client,
        scope,
        file: project
          ? join(at.cwd, ".codex", "config.toml")
          : join(env("CODEX_HOME") ?? join(home(), ".codex"), "config.toml"),
        format: "toml",
      };
  }
}
