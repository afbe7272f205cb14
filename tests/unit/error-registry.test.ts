/**
 * The one error-code registry (src/errors/registry.ts) against the code and the docs: every code
 * is raised somewhere, nothing raises a code outside it, and the README's table is the registry's.
 * Producing the named codes for real is tested where they arise (CONFIG_INVALID and SESSION_BUSY
 * end to end, STATE_* in the store tests, SESSION_OWNED_ELSEWHERE in the manager tests).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { CodedError, ERROR_CODES, ERROR_REGISTRY, isErrorCode } from "../../src/errors/registry.ts";
import { errorResult } from "../../src/mcp/errors.ts";
import { withGeneratedTables } from "../../scripts/docs.ts";

const ROOT = join(import.meta.dir, "..", "..");
const SRC = join(ROOT, "src");
const REGISTRY = join(SRC, "errors", "registry.ts");

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}
const files = sources(SRC).filter((f) => f !== REGISTRY);
// runtime/ and process/ raise the operating system's and SQLite's own reasons (EINVAL,
// SQLITE_BUSY …); the layers above map them onto the registry, so they are not scanned.
const reporting = files.filter((f) => !f.startsWith(join(SRC, "runtime")) && !f.startsWith(join(SRC, "process")));
const text = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));

/** Codes given where an error is raised: `new …Error("CODE"`, `failure("CODE"`, `toolError("CODE"`, `? "A" : "B"` after them. */
function raisedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const raising =
    /(?:new\s+\w*Error|failure|toolError)\(\s*((?:[^"()]*\?\s*)?"[A-Z][A-Z_]+"(?:\s*:\s*"[A-Z][A-Z_]+")?)/g;
  for (const file of reporting) {
    for (const m of text.get(file)!.matchAll(raising)) {
      for (const code of m[1]!.matchAll(/"([A-Z][A-Z_]+)"/g)) {
        found.set(code[1]!, [...(found.get(code[1]!) ?? []), relative(ROOT, file)]);
      }
    }
  }
  return found;
}

describe("the error-code registry", () => {
  test("every code is raised somewhere in src/ (a documented code nothing produces is a lie)", () => {
    const raised = raisedCodes();
    // Codes that flow as values rather than literals at the raise site: where they come from.
    const byValue: Record<string, RegExp> = {
      // locate.ts reports them as DiscoveryError objects; backend-factory raises `located.error.code`.
      CODEX_NOT_FOUND: /code: "CODEX_NOT_FOUND"/,
      CODEX_NOT_RUNNABLE: /code: "CODEX_NOT_RUNNABLE"/,
      CONFIG_INVALID: /code: "CONFIG_INVALID"/,
      INTERNAL: /new CodedError\("INTERNAL"/,
    };
    const missing = ERROR_CODES.filter((code) => {
      if (raised.has(code)) return false;
      const pattern = byValue[code];
      return !pattern || ![...text.values()].some((source) => pattern.test(source));
    });
    expect(missing).toEqual([]);
  });

  test("nothing in src/ raises a code outside the registry", () => {
    const outside = [...raisedCodes()].filter(([code]) => !isErrorCode(code)).map(([code, where]) =>
      `${code} in ${where}`
    );
    expect(outside).toEqual([]);
  });

  test("default hints never name an MCP tool: only src/mcp/ knows the tools", () => {
    for (const code of ERROR_CODES) expect(ERROR_REGISTRY[code].hint).not.toMatch(/\bcodex_[a-z]+\b/);
    const toolNames = /\bcodex_(setup|check|reply|session)\b|the codex tool/;
    const below = files.filter((f) => !f.startsWith(join(SRC, "mcp")) && !/src\/(main|app|cli)\.ts$/.test(f));
    const naming = below.filter((f) => {
      const code = text.get(f)!.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line)).join("\n");
      return toolNames.test(code);
    });
    expect(naming.map((f) => relative(ROOT, f))).toEqual([]);
  });

  test("the README's error table is generated from the registry and up to date", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(withGeneratedTables(readme)).toBe(readme);
    for (const code of ERROR_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });

  test("a failure becomes text and structured content that agree; the default hint is said in tools' terms", () => {
    const result = errorResult(new CodedError("SESSION_BUSY", "session s_1 is running: its turn has not finished"));
    expect(result.isError).toBe(true);
    const error = (result.structuredContent as { error: { code: string; message: string; hint: string } }).error;
    expect(error.code).toBe("SESSION_BUSY");
    expect(error.hint).toContain("codex_check");
    expect((result.content[0] as { text: string }).text).toBe(
      `Error [SESSION_BUSY]: ${error.message}\nHint: ${error.hint}`,
    );
    const bug = errorResult(new TypeError("x is undefined"));
    expect((bug.structuredContent as { error: { code: string } }).error.code).toBe("INTERNAL");
  });
});
