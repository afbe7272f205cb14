/** Where `codex-mcp install` writes, per client, OS and scope (the table in src/clients/targets.ts). */
import { describe, expect, test } from "bun:test";
import { CLIENTS, clientTarget, SCOPES } from "../../src/clients/targets.ts";

const mac = { platform: "darwin", env: { HOME: "/Users/me" }, cwd: "/Users/me/proj" };
const linux = { platform: "linux", env: { HOME: "/home/me" }, cwd: "/home/me/proj" };
const windows = {
  platform: "win32",
  env: { USERPROFILE: "C:\\Users\\me", APPDATA: "C:\\Users\\me\\AppData\\Roaming" },
  cwd: "C:\\proj",
};

describe("client config locations", () => {
  test("user scope, per OS", () => {
    const files = (at: typeof mac | typeof windows) =>
      Object.fromEntries(CLIENTS.map((c) => [c, clientTarget(c, "user", at).file]));
    expect(files(mac)).toEqual({
      "claude-code": "/Users/me/.claude.json",
      "claude-desktop": "/Users/me/Library/Application Support/Claude/claude_desktop_config.json",
      cursor: "/Users/me/.cursor/mcp.json",
      codex: "/Users/me/.codex/config.toml",
      vscode: "/Users/me/Library/Application Support/Code/User/mcp.json",
    });
    expect(files(linux)).toEqual({
      "claude-code": "/home/me/.claude.json",
      "claude-desktop": "/home/me/.config/Claude/claude_desktop_config.json",
      cursor: "/home/me/.cursor/mcp.json",
      codex: "/home/me/.codex/config.toml",
      vscode: "/home/me/.config/Code/User/mcp.json",
    });
    expect(files(windows)).toEqual({
      "claude-code": "C:\\Users\\me\\.claude.json",
      "claude-desktop": "C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json",
      cursor: "C:\\Users\\me\\.cursor\\mcp.json",
      codex: "C:\\Users\\me\\.codex\\config.toml",
      vscode: "C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json",
    });
  });

  test("project scope is the working directory's; Claude Desktop has none", () => {
    const files = CLIENTS.filter((c) => c !== "claude-desktop").map((c) => clientTarget(c, "project", linux).file);
    expect(files).toEqual([
      "/home/me/proj/.mcp.json",
      "/home/me/proj/.cursor/mcp.json",
      "/home/me/proj/.codex/config.toml",
      "/home/me/proj/.vscode/mcp.json",
    ]);
    expect(() => clientTarget("claude-desktop", "project", linux)).toThrow(/no project scope/);
  });

  test("the clients' own variables move them: CODEX_HOME, CLAUDE_CONFIG_DIR, XDG_CONFIG_HOME", () => {
    const env = { HOME: "/home/me", CODEX_HOME: "/x/codex", CLAUDE_CONFIG_DIR: "/x/claude", XDG_CONFIG_HOME: "/x/cfg" };
    const at = { ...linux, env };
    expect(clientTarget("codex", "user", at).file).toBe("/x/codex/config.toml");
    expect(clientTarget("claude-code", "user", at).file).toBe("/x/claude/.claude.json");
    expect(clientTarget("vscode", "user", at).file).toBe("/x/cfg/Code/User/mcp.json");
    expect(() => clientTarget("cursor", SCOPES[0], { ...linux, env: {} })).toThrow(/no home directory/);
  });

  test("each client's entry shape", () => {
    const server = { command: "/bin/codex-mcp", args: [], env: {} };
    const shape = (c: (typeof CLIENTS)[number]) => {
      const t = clientTarget(c, "user", linux);
      return t.format === "json" ? [t.container, t.entry(server)] : ["toml"];
    };
    expect(shape("claude-code")).toEqual(["mcpServers", { type: "stdio", command: "/bin/codex-mcp", args: [] }]);
    expect(shape("cursor")).toEqual(["mcpServers", { command: "/bin/codex-mcp", args: [] }]);
    expect(shape("vscode")).toEqual(["servers", { type: "stdio", command: "/bin/codex-mcp", args: [] }]);
    expect(shape("codex")).toEqual(["toml"]);
  });
});
