/**
 * `serve --http`'s settings from the command line and the environment: where to listen, and the
 * tokens let in (`--token-file`, `CODEX_MCP_HTTP_TOKENS`). Nobody gets in by accident: without a
 * token the server does not start, and `--no-auth` starts only on a loopback address.
 *
 * @module
 */
import type { Runtime } from "../../../runtime/types.ts";
import { parseTokens } from "./guard.ts";
import { type HttpServeSettings, isLoopback } from "./serve.ts";

/** `serve --http` as the command line asked for it: where to listen, and who gets in. */
export interface HttpCommand {
  hostname: string;
  port: number;
  tokenFile?: string;
  noAuth: boolean;
  /** More host names a request may name in `Host`/`Origin` (a reverse proxy's). */
  allowedHosts: string[];
}

/** The settings, or why the server cannot start (a usage problem: exit 2). */
export async function httpSettings(
  runtime: Pick<Runtime, "env" | "fs">,
  command: HttpCommand,
): Promise<HttpServeSettings | { problem: string }> {
  const base = { hostname: command.hostname, port: command.port, allowedHosts: command.allowedHosts };
  if (command.noAuth) {
    if (!isLoopback(command.hostname)) {
      return {
        problem:
          `--no-auth is only for loopback addresses (127.0.0.1, ::1, localhost), not ${command.hostname}: anyone who can reach it would drive Codex as you. Give tokens with --token-file instead.`,
      };
    }
    return { ...base, tokens: null };
  }
  const tokens = new Map<string, string>();
  try {
    if (command.tokenFile !== undefined) {
      let text: string;
      try {
        text = await runtime.fs.readTextFile(command.tokenFile);
      } catch (error) {
        return { problem: `--token-file ${command.tokenFile}: ${(error as Error).message}` };
      }
      for (const [token, name] of parseTokens(text, command.tokenFile)) tokens.set(token, name);
    }
    const fromEnv = runtime.env.CODEX_MCP_HTTP_TOKENS;
    if (fromEnv) {
      for (const [token, name] of parseTokens(fromEnv.replaceAll(",", "\n"), "CODEX_MCP_HTTP_TOKENS")) {
        tokens.set(token, name);
      }
    }
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (tokens.size === 0) {
    return {
      problem:
        "serve --http needs at least one token: --token-file PATH (one per line, or `name token`) or CODEX_MCP_HTTP_TOKENS; --no-auth only on loopback",
    };
  }
  return { ...base, tokens };
}
