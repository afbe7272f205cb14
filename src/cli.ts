/**
 * The command line: what `codex-mcp` was asked to do, and the help text.
 *
 * @module
 */
import { ENVIRONMENT_VARIABLES } from "./config.ts";
import { NAME, VERSION } from "./version.ts";

export type Command =
  | { kind: "serve" }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "usage-error"; message: string };

/** Parses the arguments after the program name. */
export function parseCommandLine(args: readonly string[]): Command {
  let command: Command = { kind: "serve" };
  for (const arg of args) {
    if (arg === "--help" || arg === "-h" || arg === "help") return { kind: "help" };
    if (arg === "--version" || arg === "-V") command = { kind: "version" };
    else if (arg.startsWith("-")) return { kind: "usage-error", message: `unknown option ${JSON.stringify(arg)}` };
    else return { kind: "usage-error", message: `unknown command ${JSON.stringify(arg)}` };
  }
  return command;
}

export function versionText(runtime: { name: string; version: string }): string {
  return `${NAME} ${VERSION} (${runtime.name} ${runtime.version})\n`;
}

export function usageText(): string {
  const width = Math.max(...ENVIRONMENT_VARIABLES.map((v) => v.name.length));
  const env = ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.values}\n  ${" ".repeat(width)}  ${v.meaning}`).join("\n");
  return `${NAME} ${VERSION} — drive OpenAI Codex agents from any MCP client.

Usage:
  ${NAME}              serve MCP over stdio (what an MCP client runs)
  ${NAME} --help       show this help
  ${NAME} --version    print the version

An MCP client starts codex-mcp itself. For example:
  Claude Code:   claude mcp add codex -- /path/to/codex-mcp
  Codex:         codex mcp add codex -- /path/to/codex-mcp
  Claude Desktop, Cursor (JSON config):
    { "mcpServers": { "codex": { "command": "/path/to/codex-mcp" } } }

Environment:
${env}

Stdout carries only MCP messages; diagnostics go to stderr.
`;
}
