/**
 * The config editors behind `codex-mcp install`, checked with parsers nobody here wrote:
 * TypeScript's JSON-with-comments reader (the one tsconfig files go through) for the JSON edits,
 * and Bun's TOML parser for Codex's config.toml. Every edit must leave the rest of the file as it
 * was, byte for byte where it can.
 */
import { describe, expect, test } from "bun:test";
import ts from "typescript";
import { readMember, removeMember, setMember } from "../../src/clients/jsonc.ts";
import { removeServer, setServer, TomlEditError } from "../../src/clients/toml-servers.ts";

/** Parses JSON with comments and trailing commas the way TypeScript reads tsconfig.json. */
function jsonc(text: string): unknown {
  const parsed = ts.parseConfigFileTextToJson("config.json", text);
  if (parsed.error) throw new Error(ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n"));
  return parsed.config;
}

const entry = { command: "/opt/codex-mcp", args: [], env: { A: "1" } };

describe("JSON with comments", () => {
  test("an empty or missing file gets an object with the one entry", () => {
    for (const before of ["", "  \n"]) {
      const after = setMember(before, ["mcpServers", "codex-mcp"], entry);
      expect(JSON.parse(after)).toEqual({ mcpServers: { "codex-mcp": entry } });
    }
  });

  test("comments, trailing commas, tabs and CRLF survive; other servers are untouched", () => {
    const before = [
      "// Cursor's MCP servers",
      "{",
      '\t"mcpServers": {',
      '\t\t/* the old one */ "other": { "command": "other", "args": ["--x"], },',
      "\t},",
      '\t"theme": "dark", // trailing comment',
      "}",
      "",
    ].join("\r\n");
    const after = setMember(before, ["mcpServers", "codex-mcp"], entry);
    expect(jsonc(after)).toEqual({
      mcpServers: { other: { command: "other", args: ["--x"] }, "codex-mcp": entry },
      theme: "dark",
    });
    expect(after).toStartWith("// Cursor's MCP servers\r\n{\r\n");
    expect(after).toContain('/* the old one */ "other": { "command": "other", "args": ["--x"], },');
    expect(after).toContain('"theme": "dark", // trailing comment\r\n}');
    expect(after).toContain('\t\t"codex-mcp": {\r\n\t\t\t"command": "/opt/codex-mcp"');
    expect(after.replace(/\r\n/g, "")).not.toContain("\n"); // no bare LF slipped in
  });

  test("a comment closing the last member's line stays with that member", () => {
    const withComma = '{\n  "mcpServers": {\n    "git": { "command": "git-mcp" }, // keep\n  },\n}\n';
    const without = '{\n  "mcpServers": {\n    "git": { "command": "git-mcp" } /* keep */\n  }\n}\n';
    for (const before of [withComma, without]) {
      const after = setMember(before, ["mcpServers", "codex-mcp"], { command: "c" });
      expect(after).toMatch(/"git": \{ "command": "git-mcp" \},? (\/\/ keep|\/\* keep \*\/)\n {4}"codex-mcp": \{/);
      expect(jsonc(after)).toEqual({ mcpServers: { git: { command: "git-mcp" }, "codex-mcp": { command: "c" } } });
    }
  });

  test("a missing container is created; an existing entry is replaced where it stands", () => {
    const before =
      '{\n  "servers": {\n    "a": {"command": "a"},\n    "codex-mcp": {"command": "old"},\n    "z": {}\n  }\n}\n';
    const added = setMember('{ "inputs": [] }', ["servers", "codex-mcp"], { type: "stdio", ...entry });
    expect(jsonc(added)).toEqual({ inputs: [], servers: { "codex-mcp": { type: "stdio", ...entry } } });
    const replaced = setMember(before, ["servers", "codex-mcp"], entry);
    expect(Object.keys((jsonc(replaced) as { servers: object }).servers)).toEqual(["a", "codex-mcp", "z"]);
    expect(readMember(replaced, ["servers", "codex-mcp"])).toEqual(entry);
    expect(replaced.startsWith('{\n  "servers": {\n    "a": {"command": "a"},\n')).toBe(true);
  });

  test("removing the first, a middle, the last and the only member keeps valid JSON and the rest", () => {
    const three = '{"mcpServers": {\n  "a": {"x": 1},\n  "b": {"x": 2},\n  "c": {"x": 3}\n}}';
    for (const name of ["a", "b", "c"]) {
      const after = removeMember(three, ["mcpServers", name])!;
      const left = ["a", "b", "c"].filter((n) => n !== name);
      expect(Object.keys((jsonc(after) as { mcpServers: object }).mcpServers)).toEqual(left);
    }
    expect(jsonc(removeMember('{"mcpServers": {"a": {}}}', ["mcpServers", "a"])!)).toEqual({ mcpServers: {} });
    const trailing = '{"mcpServers": {\n  "a": 1,\n  "b": 2,\n}}';
    expect(jsonc(removeMember(trailing, ["mcpServers", "b"])!)).toEqual({ mcpServers: { a: 1 } });
    expect(removeMember(three, ["mcpServers", "nope"])).toBeNull();
    expect(removeMember("", ["mcpServers", "a"])).toBeNull();
  });

  test("what is not an object is refused with where it went wrong, never rewritten", () => {
    expect(() => setMember("[1, 2]", ["mcpServers", "x"], entry)).toThrow(/expected the file to hold an object/);
    expect(() => setMember('{"mcpServers": {"a": }', ["mcpServers", "x"], entry)).toThrow(/line 1, column 22/);
    expect(() => setMember('{"mcpServers": []}', ["mcpServers", "x"], entry)).toThrow(/mcpServers is not an object/);
    expect(() => setMember('{"a": 1} {"b": 2}', ["mcpServers", "x"], entry)).toThrow(/unexpected text/);
  });
});

describe("Codex's config.toml", () => {
  const before = [
    "# my settings",
    'model = "gpt-5"',
    "",
    "[mcp_servers.codex-mcp]",
    'command = "/old/path"',
    "",
    "[mcp_servers.codex-mcp.env]",
    'OLD = "1"',
    "",
    "# the other server",
    "[mcp_servers.other]",
    'command = "other"',
    'notes = """',
    "[mcp_servers.codex-mcp]",
    '"""',
    "",
  ].join("\n");

  test("the entry's tables are replaced by new ones at the end; the rest (and its comments) stays", () => {
    const after = setServer(before, "codex-mcp", { command: '/new/"path"', args: ["--x"], env: { "A.B": "é\n" } });
    const parsed = Bun.TOML.parse(after) as { model: string; mcp_servers: Record<string, unknown> };
    expect(parsed.model).toBe("gpt-5");
    expect(parsed.mcp_servers).toEqual({
      other: { command: "other", notes: "[mcp_servers.codex-mcp]\n" },
      "codex-mcp": { command: '/new/"path"', args: ["--x"], env: { "A.B": "é\n" } },
    });
    expect(after).toStartWith('# my settings\nmodel = "gpt-5"\n\n# the other server\n[mcp_servers.other]\n');
    expect(after.match(/^\[mcp_servers\.codex-mcp\]$/gm)).toHaveLength(2); // the new table, and the text in `notes`
  });

  test("removal takes every table of the entry and nothing else; absent is null", () => {
    const after = removeServer(before, "codex-mcp")!;
    expect(Bun.TOML.parse(after)).toEqual({
      model: "gpt-5",
      mcp_servers: { other: { command: "other", notes: "[mcp_servers.codex-mcp]\n" } },
    });
    expect(removeServer(after, "codex-mcp")).toBeNull();
    expect(removeServer("", "codex-mcp")).toBeNull();
  });

  test("a quoted header is the same entry; CRLF files stay CRLF; an empty file gets just the entry", () => {
    const quoted = '[mcp_servers."codex-mcp"]\r\ncommand = "x"\r\n';
    const after = setServer(quoted, "codex-mcp", { command: "y", args: [], env: {} });
    expect(Bun.TOML.parse(after)).toEqual({ mcp_servers: { "codex-mcp": { command: "y", args: [] } } });
    expect(after.replace(/\r\n/g, "")).not.toContain("\n");
    expect(setServer("", "n", { command: "c", args: [], env: {} })).toBe('[mcp_servers.n]\ncommand = "c"\nargs = []\n');
  });

  test("an entry written as an inline table or dotted keys is refused, not guessed at", () => {
    for (const text of ['[mcp_servers]\ncodex-mcp = { command = "x" }\n', 'mcp_servers.codex-mcp.command = "x"\n']) {
      expect(() => setServer(text, "codex-mcp", entry)).toThrow(TomlEditError);
      expect(() => removeServer(text, "codex-mcp")).toThrow(/edit that entry by hand/);
    }
  });
});
