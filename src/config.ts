/**
 * Configuration from the environment, validated once at start-up. An invalid value is an error
 * naming the variable, never a silent default.
 *
 * @module
 */
import * as v from "valibot";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { STDIO_MODES, type StdioMode } from "./mcp/stdio-preflight.ts";

export interface Config {
  stdioMode: StdioMode;
  logLevel: LogLevel;
  /** Registers tools that exist only for codex-mcp's own tests. */
  testHooks: boolean;
}

/** Every variable codex-mcp reads, with what it means: `--help` prints this list. */
export const ENVIRONMENT_VARIABLES: readonly { name: string; values: string; meaning: string }[] = [
  { name: "CODEX_MCP_STDIO_MODE", values: STDIO_MODES.join("|") + " (default auto)", meaning: "stdout preflight: strict refuses to start on a blocking risk, auto warns, off skips" },
  { name: "CODEX_MCP_LOG_LEVEL", values: LOG_LEVELS.join("|") + " (default warn)", meaning: "how much to log on stderr" },
];

/** A configuration problem: one line per variable, ready for stderr. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) => s.trim().toLowerCase()),
    v.picklist(values, `${name} must be one of ${values.join(", ")}`),
  );

const EnvSchema = v.object({
  CODEX_MCP_STDIO_MODE: oneOf("CODEX_MCP_STDIO_MODE", STDIO_MODES, "auto"),
  CODEX_MCP_LOG_LEVEL: oneOf("CODEX_MCP_LOG_LEVEL", LOG_LEVELS, "warn"),
  CODEX_MCP_TEST_HOOKS: v.optional(v.string()),
});

/** Reads the configuration; throws {@link ConfigError} listing every invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = v.safeParse(EnvSchema, env);
  if (!result.success) {
    const lines = result.issues.map((issue) => `${issue.message} (got ${JSON.stringify(issue.input)})`);
    throw new ConfigError(lines.join("\n"));
  }
  const out = result.output;
  return { stdioMode: out.CODEX_MCP_STDIO_MODE, logLevel: out.CODEX_MCP_LOG_LEVEL, testHooks: out.CODEX_MCP_TEST_HOOKS === "1" };
}
