/**
 * The command line: what `codex-mcp` was asked to do, and the help text.
 *
 * @module
 */
import { describeValues, SETTINGS } from "./config.ts";
import { BUILD, type BuildInfo, NAME, VERSION } from "./version.ts";

export type Command =
  | { kind: "serve" }
  | { kind: "doctor"; json: boolean; cwd?: string }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "usage-error"; message: string };

/** Parses the arguments after the program name. */
export function parseCommandLine(args: readonly string[]): Command {
  if (args.includes("--help") || args.includes("-h")) return { kind: "help" };
  const [first, ...rest] = args;
  if (first === undefined) return { kind: "serve" };
  if (first === "help") return { kind: "help" };
  if (first === "--version" || first === "-V") {
    return rest.length === 0 ? { kind: "version" } : usageError(rest[0]!);
  }
  if (first === "doctor") return parseDoctor(rest);
  return usageError(first);
}

function parseDoctor(args: readonly string[]): Command {
  const command: Command & { kind: "doctor" } = { kind: "doctor", json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") command.json = true;
    else if (arg === "--cwd" || arg.startsWith("--cwd=")) {
      const value = arg === "--cwd" ? args[++i] : arg.slice("--cwd=".length);
      if (!value) return { kind: "usage-error", message: "--cwd needs a directory" };
      command.cwd = value;
    } else return usageError(arg, "doctor");
  }
  return command;
}

function usageError(arg: string, where?: string): Command {
  const what = arg.startsWith("-") ? "option" : "command";
  return { kind: "usage-error", message: `unknown ${what} ${JSON.stringify(arg)}${where ? ` for ${where}` : ""}` };
}

/** `codex-mcp 0.1.0 (commit abc1234, built 2026-12-01, linux-x64; bun 1.4.5)`, or `(from source; …)`. */
export function versionText(runtime: { name: string; version: string }, build: BuildInfo | null = BUILD): string {
  const made = build ? `commit ${build.commit}, built ${build.date.slice(0, 10)}, ${build.target}` : "from source";
  return `${NAME} ${VERSION} (${made}; ${runtime.name} ${runtime.version})\n`;
}

export function usageText(): string {
  const shown = SETTINGS.filter((s) => !("hidden" in s));
  const width = Math.max(...shown.map((s) => s.variable.length));
  const env = shown.map((s) =>
    `  ${s.variable.padEnd(width)}  ${describeValues(s)}\n  ${" ".repeat(width)}  ${s.meaning}`
  ).join("\n");
  return `${NAME} ${VERSION} — drive OpenAI Codex agents from any MCP client.

Usage:
  ${NAME}              serve MCP over stdio (what an MCP client runs)
  ${NAME} --help       show this help
  ${NAME} --version    print the version
  ${NAME} doctor [--json] [--cwd DIR]
                       check that Codex is ready: executable, version, backend, login,
                       CODEX_HOME, config files; every problem with a hint.
                       Exit 0 when ready, 1 when not.

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
