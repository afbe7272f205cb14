import { describe, expect, test } from "bun:test";
import { parseCommandLine, usageText } from "../../src/cli.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("configuration from the environment", () => {
  test("defaults", () => {
    expect(loadConfig({})).toMatchObject({ stdioMode: "auto", logLevel: "warn", testHooks: false });
  });

  test("accepts valid values, case-insensitively", () => {
    expect(loadConfig({ CODEX_MCP_STDIO_MODE: "STRICT", CODEX_MCP_LOG_LEVEL: "debug" })).toMatchObject({
      stdioMode: "strict",
      logLevel: "debug",
    });
  });

  test("an invalid value is an error naming the variable, every variable at once", () => {
    let error: unknown;
    try {
      loadConfig({ CODEX_MCP_STDIO_MODE: "loud", CODEX_MCP_LOG_LEVEL: "chatty" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("CODEX_MCP_STDIO_MODE must be one of auto, strict, off");
    expect(message).toContain('"loud"');
    expect(message).toContain("CODEX_MCP_LOG_LEVEL");
  });
});

describe("command line", () => {
  test("no arguments serves", () => expect(parseCommandLine([])).toEqual({ kind: "serve" }));
  test("--help and -h win over everything", () => {
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["--version", "-h"])).toEqual({ kind: "help" });
  });
  test("--version", () => expect(parseCommandLine(["--version"])).toEqual({ kind: "version" }));
  test("unknown options and commands are usage errors", () => {
    expect(parseCommandLine(["--frobnicate"])).toEqual({
      kind: "usage-error",
      message: 'unknown option "--frobnicate"',
    });
    expect(parseCommandLine(["serve"])).toEqual({ kind: "usage-error", message: 'unknown command "serve"' });
  });
  test("the help text lists every environment variable", () => {
    expect(usageText()).toContain("CODEX_MCP_STDIO_MODE");
    expect(usageText()).toContain("CODEX_MCP_LOG_LEVEL");
  });
});
