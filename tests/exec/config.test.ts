/** CODEX_MCP_MODE: auto by default, app-server or exec to force one, anything else refused by name. */
import { describe, expect, test } from "bun:test";
import { backendModeFrom, ConfigError, describeValues, loadConfig, SETTINGS } from "../../src/config.ts";

describe("CODEX_MCP_MODE", () => {
  test("auto by default; app-server and exec force a backend (case and spaces do not matter)", () => {
    expect(loadConfig({}).backendMode).toBe("auto");
    expect(loadConfig({ CODEX_MCP_MODE: "exec" }).backendMode).toBe("exec");
    expect(loadConfig({ CODEX_MCP_MODE: " App-Server " }).backendMode).toBe("app-server");
    expect(backendModeFrom({ CODEX_MCP_MODE: "EXEC" })).toBe("exec");
    expect(backendModeFrom({})).toBe("auto");
  });

  test("an invalid value is a configuration error naming the variable and the choices", () => {
    expect(() => loadConfig({ CODEX_MCP_MODE: "appserver" })).toThrow(ConfigError);
    expect(() => loadConfig({ CODEX_MCP_MODE: "appserver" })).toThrow(
      'CODEX_MCP_MODE must be one of auto, app-server, exec (got "appserver")',
    );
  });

  test("--help lists it", () => {
    expect(describeValues(SETTINGS.find((s) => s.variable === "CODEX_MCP_MODE")!)).toBe(
      "auto|app-server|exec (default auto)",
    );
  });
});
