/**
 * The core is runtime-agnostic: only src/runtime/ may touch Node, Bun or Deno. And stdout belongs
 * to the protocol, so src/ never calls console.log/info/debug.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  );
}

/** Lines of code with comments removed, so doc comments may mention what code must not do. */
function codeLines(file: string): { line: number; text: string }[] {
  let inBlock = false;
  return readFileSync(file, "utf8")
    .split("\n")
    .map((raw, i) => {
      let text = raw;
      if (inBlock) {
        const end = text.indexOf("*/");
        if (end === -1) return { line: i + 1, text: "" };
        text = text.slice(end + 2);
        inBlock = false;
      }
      text = text.replace(/\/\*.*?\*\//g, "");
      const start = text.indexOf("/*");
      if (start !== -1) {
        text = text.slice(0, start);
        inBlock = true;
      }
      return { line: i + 1, text: text.replace(/(^|[^:])\/\/.*$/, "$1") };
    });
}

const RUNTIME_SPECIFIC = [
  [/from\s+["'](node|bun):/, "imports node:/bun: modules"],
  [/import\(\s*["'](node|bun):/, "imports node:/bun: modules"],
  [/\bBun\./, "uses the Bun global"],
  [/\bDeno\./, "uses the Deno global"],
  [/(?<![.\w])process\.[A-Za-z_$]/, "uses the process global"],
] as const;

describe("the runtime boundary", () => {
  const files = sourceFiles(SRC);

  test("outside src/runtime/ nothing touches Node, Bun or Deno directly", () => {
    const violations: string[] = [];
    for (const file of files) {
      const rel = relative(SRC, file);
      if (rel.startsWith("runtime/")) continue;
      for (const { line, text } of codeLines(file)) {
        for (const [pattern, what] of RUNTIME_SPECIFIC) {
          if (pattern.test(text)) violations.push(`src/${rel}:${line} ${what}: ${text.trim()}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("no console.log/info/debug in src/", () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const { line, text } of codeLines(file)) {
        if (/console\.(log|info|debug)\(/.test(text)) {
          violations.push(`src/${relative(SRC, file)}:${line}: ${text.trim()}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("the scanner itself catches what it is meant to catch", () => {
    const probe = (text: string) => RUNTIME_SPECIFIC.some(([p]) => p.test(text));
    expect(probe('import { x } from "node:fs";')).toBe(true);
    expect(probe("const b = Bun.spawn([]);")).toBe(true);
    expect(probe("Deno.exit(1)")).toBe(true);
    expect(probe("process.exit(1)")).toBe(true);
    expect(probe("const home = process.env.HOME;")).toBe(true);
    expect(probe("const v = ctx.process.state;")).toBe(false);
    expect(probe('"the pid of this process."')).toBe(false);
    expect(probe('import { y } from "./node.ts";')).toBe(false);
  });
});
