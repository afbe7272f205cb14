/** The process time limits from the environment: defaults, valid overrides, clear errors. */
import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, SETTINGS } from "../../src/config.ts";
import { DEFAULT_TIMEOUTS } from "../../src/process/timeouts.ts";

const NAMES = ["CODEX_MCP_STARTUP_TIMEOUT_MS", "CODEX_MCP_REQUEST_TIMEOUT_MS", "CODEX_MCP_KILL_GRACE_MS"] as const;

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("process timeouts from the environment", () => {
  test("defaults", () => {
    expect(loadConfig({})).toMatchObject({
      startupTimeoutMs: DEFAULT_TIMEOUTS.startupMs,
      requestTimeoutMs: DEFAULT_TIMEOUTS.requestMs,
      killGraceMs: DEFAULT_TIMEOUTS.killGraceMs,
    });
    expect(DEFAULT_TIMEOUTS).toEqual({ startupMs: 30_000, requestMs: 60_000, killGraceMs: 3_000 });
  });

  test("valid overrides, surrounding spaces allowed", () => {
    expect(
      loadConfig({
        CODEX_MCP_STARTUP_TIMEOUT_MS: "1500",
        CODEX_MCP_REQUEST_TIMEOUT_MS: " 250 ",
        CODEX_MCP_KILL_GRACE_MS: "1",
      }),
    ).toMatchObject({
      startupTimeoutMs: 1500,
      requestTimeoutMs: 250,
      killGraceMs: 1,
    });
    expect(loadConfig({ CODEX_MCP_KILL_GRACE_MS: "2147483647" }).killGraceMs).toBe(2147483647);
  });

  for (const bad of ["0", "-5", "abc", "1.5", "", "1e3", "10ms", "2147483648"]) {
    test(`${JSON.stringify(bad)} is refused with the variable's name`, () => {
      for (const name of NAMES) {
        const message = configError({ [name]: bad });
        expect(message).toContain(name);
        expect(message).toContain("milliseconds");
      }
    });
  }

  test("every invalid variable is reported at once", () => {
    const message = configError({ CODEX_MCP_STARTUP_TIMEOUT_MS: "soon", CODEX_MCP_KILL_GRACE_MS: "0" });
    expect(message).toContain("CODEX_MCP_STARTUP_TIMEOUT_MS must be a positive integer number of milliseconds");
    expect(message).toContain('"soon"');
    expect(message).toContain("CODEX_MCP_KILL_GRACE_MS");
    expect(message.split("\n").length).toBe(2);
  });

  test("--help lists them", () => {
    const listed = SETTINGS.map((s) => s.variable);
    for (const name of NAMES) expect(listed).toContain(name);
  });
});
