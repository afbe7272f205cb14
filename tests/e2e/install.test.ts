/**
 * `codex-mcp install <client>` / `uninstall` through the compiled binary, under throwaway homes:
 * the real Claude Code (`claude mcp list` → Connected) and the real Codex CLI (`codex mcp list`)
 * read what it wrote; Claude Desktop, Cursor and VS Code files are fixtures with comments, other
 * servers and odd formatting, read back with TypeScript's JSON-with-comments parser.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import ts from "typescript";
import { BIN, COMPILED } from "./launch.ts";

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "codex-mcp-install-home-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(COMPILED, args, {
    cwd: join(home, "project"),
    env: { HOME: home, PATH: process.env.PATH!, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A config file as TypeScript's JSON-with-comments reader sees it (loosely typed: tests poke at it). */
// deno-lint-ignore no-explicit-any
function jsonc(file: string): any {
  const parsed = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8"));
  if (parsed.error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
  return parsed.config;
}

function put(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeEach(() => mkdirSync(join(home, "project"), { recursive: true }));

describe("install into the real clients", () => {
  test("claude-code: Claude Code reports it connected; uninstall takes it out; other settings stay", () => {
    const env = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };
    put(join(home, ".claude.json"), JSON.stringify({ numStartups: 3, mcpServers: { other: { command: "x" } } }));
    const added = cli(["install", "claude-code", "--env", "CODEX_MCP_STORE=memory"], env);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`codex-mcp added to claude-code (user): ${home}/.claude.json`);
    expect(added.stdout).toContain(`the file as it was: ${home}/.claude.json.codex-mcp.bak`);
    const claude = (args: string[]) =>
      spawnSync(join(BIN, "claude"), args, { env: { HOME: home, PATH: process.env.PATH!, ...env }, encoding: "utf8" });
    expect(claude(["mcp", "list"]).stdout).toContain(`codex-mcp: ${COMPILED}  - ✔ Connected`);
    const written = jsonc(join(home, ".claude.json"));
    expect(written.numStartups).toBe(3);
    expect(written.mcpServers.other).toEqual({ command: "x" });
    expect(written.mcpServers["codex-mcp"]).toEqual({
      type: "stdio",
      command: COMPILED,
      args: [],
      env: { CODEX_MCP_STORE: "memory" },
    });
    expect(cli(["uninstall", "claude-code"], env).stdout).toContain("codex-mcp removed from claude-code");
    expect(claude(["mcp", "list"]).stdout).not.toContain("codex-mcp");
    expect(jsonc(join(home, ".claude.json")).mcpServers).toEqual({ other: { command: "x" } });
  }, 60_000);

  test("claude-code, project scope: .mcp.json in the working directory", () => {
    expect(cli(["install", "claude-code", "--scope", "project", "--name", "codex"]).code).toBe(0);
    expect(jsonc(join(home, "project", ".mcp.json"))).toEqual({
      mcpServers: { codex: { type: "stdio", command: COMPILED, args: [] } },
    });
  });

  test("codex: the Codex CLI lists it with its env; the rest of config.toml is kept", () => {
    const codexHome = join(home, "codex-home");
    const config = join(codexHome, "config.toml");
    put(config, '# mine\nmodel = "gpt-5"\n\n[mcp_servers.other]\ncommand = "other"\n');
    const env = { CODEX_HOME: codexHome };
    expect(cli(["install", "codex", "--env", "CODEX_MCP_STORE=memory"], env).code).toBe(0);
    const listed = spawnSync(join(BIN, "codex"), ["mcp", "list", "--json"], {
      env: { HOME: home, PATH: process.env.PATH!, ...env },
      encoding: "utf8",
    });
    const servers = JSON.parse(listed.stdout) as { name: string; transport: { command?: string; env?: object } }[];
    expect(servers.map((s) => s.name).sort()).toEqual(["codex-mcp", "other"]);
    expect(servers.find((s) => s.name === "codex-mcp")?.transport).toMatchObject({
      command: COMPILED,
      env: { CODEX_MCP_STORE: "memory" },
    });
    expect(readFileSync(config, "utf8")).toStartWith(
      '# mine\nmodel = "gpt-5"\n\n[mcp_servers.other]\ncommand = "other"\n',
    );
    expect(cli(["uninstall", "codex"], env).code).toBe(0);
    expect(readFileSync(config, "utf8")).toBe('# mine\nmodel = "gpt-5"\n\n[mcp_servers.other]\ncommand = "other"\n');
  });
});

describe("install into config files with comments and odd formatting", () => {
  const fixtures = {
    "claude-desktop": {
      file: () => join(home, ".config", "Claude", "claude_desktop_config.json"),
      text: '{"mcpServers":{"fs":{"command":"npx","args":["-y","fs-server"]}},"globalShortcut":"Ctrl+Space"}',
      container: "mcpServers",
      entry: { command: COMPILED, args: [] },
    },
    cursor: {
      file: () => join(home, ".cursor", "mcp.json"),
      text: '// my servers\n{\n    "mcpServers": {\n        "git": { "command": "git-mcp" }, // keep\n    },\n}\n',
      container: "mcpServers",
      entry: { command: COMPILED, args: [] },
    },
    vscode: {
      file: () => join(home, ".config", "Code", "User", "mcp.json"),
      text: '{\r\n\t/* inputs first */\r\n\t"inputs": [],\r\n\t"servers": {}\r\n}\r\n',
      container: "servers",
      entry: { type: "stdio", command: COMPILED, args: [] },
    },
  } as const;

  for (const [client, fixture] of Object.entries(fixtures)) {
    test(`${client}: merged, comments and formatting kept, a backup of the original, and back out again`, () => {
      const file = fixture.file();
      put(file, fixture.text);
      const before = jsonc(file);
      const dry = cli(["install", client, "--dry-run"]);
      expect(dry.stdout).toContain("(dry run: nothing was written)");
      expect(readFileSync(file, "utf8")).toBe(fixture.text);
      expect(existsSync(file + ".codex-mcp.bak")).toBe(false);

      expect(cli(["install", client]).code).toBe(0);
      const after = jsonc(file);
      expect(after[fixture.container]["codex-mcp"]).toEqual(fixture.entry);
      expect({ ...after, [fixture.container]: { ...after[fixture.container], "codex-mcp": undefined } }).toEqual({
        ...before,
        [fixture.container]: { ...before[fixture.container], "codex-mcp": undefined },
      });
      const text = readFileSync(file, "utf8");
      for (const kept of ["// my servers", "// keep", "/* inputs first */", "\r\n\t"]) {
        if (fixture.text.includes(kept)) expect(text).toContain(kept);
      }
      expect(readFileSync(file + ".codex-mcp.bak", "utf8")).toBe(fixture.text);
      expect(cli(["install", client]).stdout).toContain("is already there");

      expect(cli(["uninstall", client]).code).toBe(0);
      expect(jsonc(file)).toEqual(before);
    });
  }

  test("a broken file is refused with a hint, and left exactly as it was", () => {
    const file = join(home, ".cursor", "mcp.json");
    put(file, '{ "mcpServers": { "a": } }');
    const refused = cli(["install", "cursor"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${file} cannot be edited: expected a value at line 1, column 24`);
    expect(refused.stderr).toContain("hint: Fix the file");
    expect(readFileSync(file, "utf8")).toBe('{ "mcpServers": { "a": } }');
    expect(existsSync(file + ".codex-mcp.bak")).toBe(false);
  });

  test("a new file is private (0600): --env values may be secrets", () => {
    expect(cli(["install", "cursor", "--env", "OPENAI_API_KEY=sk-test"]).code).toBe(0);
    expect(statSync(join(home, ".cursor", "mcp.json")).mode & 0o777).toBe(0o600);
  });

  test("bad arguments are usage errors (exit 2) naming what is wrong", () => {
    for (
      const [args, says] of [
        [["install"], "install needs a client"],
        [["install", "emacs"], 'unknown client "emacs"'],
        [["install", "cursor", "--scope", "team"], "--scope takes user or project"],
        [["install", "cursor", "--env", "NOEQUALS"], "--env takes KEY=VALUE"],
        [["install", "cursor", "--name", "a b"], "--name takes letters"],
        [["install", "claude-desktop", "--scope", "project"], "Claude Desktop has no project scope"],
      ] as const
    ) {
      const r = cli([...args]);
      expect(r.stderr).toContain(says);
      expect(r.code).toBe(args[1] === "claude-desktop" ? 1 : 2);
    }
  });
});
