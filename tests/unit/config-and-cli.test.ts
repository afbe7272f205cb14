import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withGeneratedTables } from "../../scripts/docs.ts";
import { parseCommandLine, usageText } from "../../src/cli.ts";
import { ConfigError, describeValues, loadConfig, SETTINGS } from "../../src/config.ts";

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
    expect(parseCommandLine(["serve", "--bogus"])).toEqual({
      kind: "usage-error",
      message: 'unknown option "--bogus" for serve',
    });
  });
  test("the help text lists every environment variable", () => {
    expect(usageText()).toContain("CODEX_MCP_STDIO_MODE");
    expect(usageText()).toContain("CODEX_MCP_LOG_LEVEL");
  });
});

describe("the settings table is the one declaration", () => {
  test("defaults come from the table; every table key is a configuration field", () => {
    const config = loadConfig({}) as unknown as Record<string, unknown>;
    const inConfig = SETTINGS.filter((s) => s.kind !== "external");
    expect(Object.keys(config).sort()).toEqual(inConfig.map((s) => (s as { key: string }).key).sort());
    for (const s of inConfig) {
      if (s.kind === "choice" || s.kind === "ms" || s.kind === "bytes") expect(config[s.key]).toBe(s.default);
    }
  });

  test("--help and the README list every variable the way the table says", () => {
    const help = usageText();
    const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
    expect(withGeneratedTables(readme)).toBe(readme);
    for (const s of SETTINGS.filter((s) => !("hidden" in s))) {
      expect(help).toContain(s.variable);
      expect(help).toContain(describeValues(s));
      expect(readme).toContain(`| \`${s.variable}\` |`);
    }
  });

  test("every CODEX_MCP_* variable named in src/ is in the table", () => {
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts")) {
          for (const m of readFileSync(path, "utf8").matchAll(/\bCODEX_MCP_[A-Z_]+[A-Z]\b/g)) names.add(m[0]);
        }
      }
    };
    walk(join(import.meta.dir, "..", "..", "src"));
    const declared = new Set(SETTINGS.map((s) => s.variable));
    expect([...names].filter((n) => !declared.has(n)).sort()).toEqual([]);
  });
});

describe("serve --http", () => {
  test("plain serve is stdio; --http listens on loopback 8765 unless told otherwise", () => {
    expect(parseCommandLine(["serve"])).toEqual({ kind: "serve" });
    expect(parseCommandLine(["serve", "--http"])).toEqual({
      kind: "serve",
      http: { hostname: "127.0.0.1", port: 8765, noAuth: false, allowedHosts: [] },
    });
    expect(parseCommandLine([
      "serve",
      "--http",
      "--listen=[::1]:9000",
      "--token-file",
      "/etc/codex-mcp/tokens",
      "--allowed-host",
      "box.example",
    ])).toEqual({
      kind: "serve",
      http: {
        hostname: "::1",
        port: 9000,
        tokenFile: "/etc/codex-mcp/tokens",
        noAuth: false,
        allowedHosts: ["box.example"],
      },
    });
  });

  test("bad listen addresses and options without --http are usage errors", () => {
    expect(parseCommandLine(["serve", "--http", "--listen", "nope"]).kind).toBe("usage-error");
    expect(parseCommandLine(["serve", "--http", "--listen", "127.0.0.1:70000"]).kind).toBe("usage-error");
    expect(parseCommandLine(["serve", "--listen", "127.0.0.1:1"])).toMatchObject({
      kind: "usage-error",
      message: expect.stringContaining("go with --http"),
    });
  });
});
