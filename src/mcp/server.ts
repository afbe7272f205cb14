/**
 * The MCP face of codex-mcp: one `McpServer` with every tool and resource registered.
 *
 * @module
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { NAME, VERSION } from "../version.ts";
import type { ServerContext } from "./context.ts";
import { installToolErrorFormat } from "./errors.ts";
import { registerServerInfo } from "./resources/server-info.ts";
import { registerCodexSetup } from "./tools/codex-setup.ts";
import { registerDebugEcho } from "./tools/debug-echo.ts";

const INSTRUCTIONS = `codex-mcp runs OpenAI Codex agents. Call codex_setup to check that Codex is ready (and what to fix if not); read codex-mcp:///server-info for what is running.`;

export function createMcpServer(ctx: ServerContext): McpServer {
  const server = new McpServer(
    { name: NAME, title: "Codex MCP", version: VERSION },
    // Declaring tools up front installs tools/list even before the first tool is registered.
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  installToolErrorFormat(server);
  registerServerInfo(server, ctx);
  registerCodexSetup(server, ctx);
  if (ctx.config.testHooks) registerDebugEcho(server);
  return server;
}
