import { describe, expect, test } from "bun:test";
import { parseKeyPath, scanCodexToml } from "../../src/diagnostics/toml-scan.ts";

describe("parseKeyPath", () => {
  test("bare, basic and literal keys, dotted with spaces", () => {
    expect(parseKeyPath('projects . "/a b" . trust_level = 1', 0)?.keys).toEqual(["projects", "/a b", "trust_level"]);
    expect(parseKeyPath("projects.'C:\\x'", 0)?.keys).toEqual(["projects", "C:\\x"]);
    expect(parseKeyPath('"C:\\\\Users\\\\me\\u0041"', 0)?.keys).toEqual(["C:\\Users\\meA"]);
    expect(parseKeyPath("= x", 0)).toBeNull();
  });
});

describe("scanCodexToml", () => {
  test("the selected model provider and each provider's requires_openai_auth", () => {
    const facts = scanCodexToml(
      [
        'model_provider = "mock"',
        "[model_providers.mock]",
        'base_url = "http://127.0.0.1:1/v1"',
        "requires_openai_auth = false",
        "[model_providers.azure]",
        "requires_openai_auth = true",
      ].join("\n"),
    );
    expect(facts.modelProvider).toBe("mock");
    expect([...facts.providerRequiresOpenaiAuth]).toEqual([["mock", false], ["azure", true]]);
  });

  test("trust from table headers, dotted keys and inline tables", () => {
    const facts = scanCodexToml(
      [
        'model = "gpt-5"',
        '[projects."/home/u/a"]',
        'trust_level = "trusted"',
        "[projects.'C:\\Users\\me\\b']",
        "trust_level = 'untrusted' # comment",
        "[projects]",
        '"/home/u/c" = { trust_level = "trusted" }',
        "[other]",
        'projects."/ignored".trust_level = "trusted"',
        "[tui]",
        "",
      ].join("\n"),
    );
    expect([...facts.projectTrust]).toEqual([
      ["/home/u/a", "trusted"],
      ["C:\\Users\\me\\b", "untrusted"],
      ["/home/u/c", "trusted"],
    ]);
    expect(facts.projectRootMarkers).toBeUndefined();
  });

  test("top-level dotted trust keys and CRLF", () => {
    const facts = scanCodexToml('projects."/x".trust_level = "trusted"\r\n[features]\r\nfoo = true\r\n');
    expect(facts.projectTrust.get("/x")).toBe("trusted");
  });

  test("project_root_markers: top level only, single or multi-line, empty", () => {
    expect(scanCodexToml('project_root_markers = [".git", ".hg"]\n').projectRootMarkers).toEqual([".git", ".hg"]);
    expect(
      scanCodexToml("project_root_markers = [\n  '.git', # vcs\n  \"BUILD\",\n]\nmodel = 'x'\n").projectRootMarkers,
    ).toEqual([".git", "BUILD"]);
    expect(scanCodexToml("project_root_markers = []").projectRootMarkers).toEqual([]);
    expect(scanCodexToml('[profiles.x]\nproject_root_markers = [".hg"]').projectRootMarkers).toBeUndefined();
  });

  test("multi-line strings and array-of-tables do not confuse it", () => {
    const facts = scanCodexToml(
      [
        'instructions = """',
        '[projects."/fake"]',
        'trust_level = "trusted"',
        '"""',
        "[[mcp_servers.x.tools]]",
        'trust_level = "trusted"',
      ].join("\n"),
    );
    expect(facts.projectTrust.size).toBe(0);
  });

  test("MCP server names: tables, quoted names, dotted keys and sub-tables; not inside multi-line strings", () => {
    const facts = scanCodexToml([
      "[mcp_servers.alpha]",
      'command = "a"',
      "[mcp_servers.alpha.env]",
      'X = "1"',
      '[mcp_servers."my server"]',
      'command = "b"',
      "[mcp_servers]",
      'gamma.command = "c"',
      'notes = """',
      "[mcp_servers.not_a_server]",
      '"""',
      "[[mcp_servers.arrays]]",
    ].join("\n"));
    expect([...facts.mcpServers].sort()).toEqual(["alpha", "gamma", "my server"]);
  });

  test("garbage is ignored, never thrown", () => {
    expect(() => scanCodexToml('[[[\n= = =\n"unterminated\n[projects."x\n')).not.toThrow();
  });
});
