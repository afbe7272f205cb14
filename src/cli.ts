/**
 * The command line: what `codex-mcp` was asked to do, and the help text.
 *
 * @module
 */
import { type ClientName, CLIENTS, type Scope, SCOPES } from "./clients/targets.ts";
import { describeValues, SETTINGS } from "./config.ts";
import type { HttpCommand } from "./mcp/transports/http/settings.ts";
import { BUILD, type BuildInfo, NAME, VERSION } from "./version.ts";

export type Command =
  | { kind: "serve"; http?: HttpCommand }
  | { kind: "doctor"; json: boolean; cwd?: string }
  | { kind: "help" }
  | { kind: "version" }
  | {
    kind: "install";
    action: "install" | "uninstall";
    client: ClientName;
    scope: Scope;
    name: string;
    env: Record<string, string>;
    dryRun: boolean;
  }
  | { kind: "usage-error"; message: string };

/** The name codex-mcp gets in a client's server list unless `--name` says otherwise. */
const DEFAULT_SERVER_NAME = "codex-mcp";

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
  if (first === "serve") return parseServe(rest);
  if (first === "install" || first === "uninstall") return parseInstall(first, rest);
  return usageError(first);
}

function parseInstall(action: "install" | "uninstall", args: readonly string[]): Command {
  const [client, ...options] = args;
  if (client === undefined || client.startsWith("-")) {
    return { kind: "usage-error", message: `${action} needs a client: ${CLIENTS.join(", ")}` };
  }
  if (!(CLIENTS as readonly string[]).includes(client)) {
    return {
      kind: "usage-error",
      message: `unknown client ${JSON.stringify(client)}; expected one of ${CLIENTS.join(", ")}`,
    };
  }
  const command: Command & { kind: "install" } = {
    kind: "install",
    action,
    client: client as ClientName,
    scope: "user",
    name: DEFAULT_SERVER_NAME,
    env: {},
    dryRun: false,
  };
  for (let i = 0; i < options.length; i++) {
    const arg = options[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => inline ?? options[++i];
    if (flag === "--dry-run" && inline === undefined) command.dryRun = true;
    else if (flag === "--scope") {
      const scope = value();
      if (!(SCOPES as readonly (string | undefined)[]).includes(scope)) {
        return { kind: "usage-error", message: `--scope takes ${SCOPES.join(" or ")}` };
      }
      command.scope = scope as Scope;
    } else if (flag === "--name") {
      const name = value();
      if (!name || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
        return { kind: "usage-error", message: "--name takes letters, digits, '.', '_' and '-' (at most 64)" };
      }
      command.name = name;
    } else if (flag === "--env" && action === "install") {
      const pair = value() ?? "";
      const eq = pair.indexOf("=");
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) {
        return { kind: "usage-error", message: `--env takes KEY=VALUE, got ${JSON.stringify(pair)}` };
      }
      command.env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else return usageError(arg, action);
  }
  return command;
}

/** The default of `--listen`: loopback only. */
const DEFAULT_LISTEN = { hostname: "127.0.0.1", port: 8765 };

function parseServe(args: readonly string[]): Command {
  let http = false;
  const settings: HttpCommand = { ...DEFAULT_LISTEN, noAuth: false, allowedHosts: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--http" && inline === undefined) http = true;
    else if (flag === "--no-auth" && inline === undefined) settings.noAuth = true;
    else if (flag === "--listen") {
      const listen = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(value() ?? "");
      const port = Number(listen?.[2]);
      if (!listen || port > 65535) {
        return { kind: "usage-error", message: "--listen takes HOST:PORT, e.g. 127.0.0.1:8765" };
      }
      settings.hostname = listen[1]!.replace(/^\[|\]$/g, "");
      settings.port = port;
    } else if (flag === "--token-file") {
      const file = value();
      if (!file) return { kind: "usage-error", message: "--token-file needs a path" };
      settings.tokenFile = file;
    } else if (flag === "--allowed-host") {
      const host = value();
      if (!host || !/^[A-Za-z0-9.-]+$/.test(host)) {
        return { kind: "usage-error", message: "--allowed-host takes a host name" };
      }
      settings.allowedHosts.push(host);
    } else return usageError(arg, "serve");
  }
  if (!http) {
    return args.length === 0
      ? { kind: "serve" }
      : { kind: "usage-error", message: "serve options (--listen, --token-file, --no-auth) go with --http" };
  }
  return { kind: "serve", http: settings };
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
  ${NAME} serve --http [--listen HOST:PORT] [--token-file PATH] [--no-auth] [--allowed-host NAME]...
                       serve MCP over streamable HTTP at /mcp (default 127.0.0.1:8765); every
                       request needs a bearer token from --token-file (one per line, or
                       "name token") or CODEX_MCP_HTTP_TOKENS; --no-auth only on loopback
  ${NAME} --help       show this help
  ${NAME} --version    print the version
  ${NAME} doctor [--json] [--cwd DIR]
                       check that Codex is ready: executable, version, backend, login,
                       CODEX_HOME, config files; every problem with a hint.
                       Exit 0 when ready, 1 when not.
  ${NAME} install <client> [--scope user|project] [--name NAME] [--env KEY=VALUE]... [--dry-run]
                       add this binary to a client's MCP config, merged with what is there
                       (a backup is kept as <file>.codex-mcp.bak); clients: ${CLIENTS.join(", ")}
  ${NAME} uninstall <client> [--scope user|project] [--name NAME] [--dry-run]
                       take it out again

An MCP client starts codex-mcp itself: \`${NAME} install claude-code\` writes the entry, or by hand:
  Claude Code:   claude mcp add codex -- /path/to/codex-mcp
  Codex:         codex mcp add codex -- /path/to/codex-mcp
  Claude Desktop, Cursor (JSON config):
    { "mcpServers": { "codex": { "command": "/path/to/codex-mcp" } } }

Environment:
${env}

Stdout carries only MCP messages; diagnostics go to stderr.
`;
}
