/**
 * The fitness test of the architecture: imports in src/ point one way, down the layers
 *
 *   runtime < base (errors, streams, platform, log, version) < process < config < codex
 *           < diagnostics < clients < sessions < mcp < the composition root (app.ts, run.ts, cli.ts and the
 *           entries main.ts and compiled.ts)
 *
 * A file may import its own layer and the ones below; no two top-level parts of src/ import
 * each other. Every file of src/ must belong to a layer, so a new folder has to be placed here.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "src");

/** Layers, lowest first: each is a list of src/-relative folders (ending in /) or files. */
const LAYERS: readonly (readonly [string, readonly string[]])[] = [
  ["runtime", ["runtime/"]],
  ["base", ["errors/", "streams/", "platform/", "log.ts", "version.ts"]],
  ["process", ["process/"]],
  ["config", ["config.ts"]],
  ["codex", ["codex/"]],
  ["diagnostics", ["diagnostics/"]],
  ["clients", ["clients/"]],
  ["sessions", ["sessions/"]],
  ["mcp", ["mcp/"]],
  ["root", ["app.ts", "run.ts", "cli.ts", "main.ts", "compiled.ts"]],
];

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The layer index of a src/-relative path, or -1. */
function layerOf(rel: string): number {
  return LAYERS.findIndex(([, parts]) => parts.some((p) => (p.endsWith("/") ? rel.startsWith(p) : rel === p)));
}

/** The top-level part of src/ a path belongs to: its first folder, or the file itself. */
const partOf = (rel: string) => rel.split("/")[0]!;

/** Every relative import and re-export of a file (static and dynamic), as src/-relative paths. */
function importsOf(file: string, source: string): string[] {
  const specifiers = [
    ...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g),
    ...source.matchAll(/(?:^|\n)\s*import\s+"([^"]+)"/g),
    ...source.matchAll(/import\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => relative(SRC, normalize(join(dirname(file), s))).replaceAll("\\", "/"));
}

const files = filesUnder(SRC).map((f) => ({ file: f, rel: relative(SRC, f).replaceAll("\\", "/") }));
const edges = files.flatMap(({ file, rel }) =>
  importsOf(file, readFileSync(file, "utf8")).filter((to) => to.startsWith("..") === false && to.endsWith(".ts")).map(
    (to) => ({ from: rel, to }),
  )
);

describe("layers", () => {
  test("every file of src/ belongs to a layer", () => {
    expect(files.filter(({ rel }) => rel !== "runtime/deno-globals.d.ts" && layerOf(rel) < 0).map((f) => f.rel))
      .toEqual([]);
  });

  test("no import points up the layers", () => {
    const upward = edges
      .filter(({ from, to }) => layerOf(to) > layerOf(from))
      .map(({ from, to }) => `${from} (${LAYERS[layerOf(from)]![0]}) → ${to} (${LAYERS[layerOf(to)]![0]})`);
    expect(upward).toEqual([]);
  });

  test("no two top-level parts of src/ import each other", () => {
    const pairs = new Set(edges.map(({ from, to }) => `${partOf(from)}→${partOf(to)}`));
    const mutual = [...pairs]
      .map((p) => p.split("→") as [string, string])
      .filter(([a, b]) => a !== b && a < b && pairs.has(`${b}→${a}`))
      .map(([a, b]) => `${a} ↔ ${b}`);
    expect(mutual).toEqual([]);
  });

  test("a file over 400 lines is listed, with its reason, in docs/ARCHITECTURE.md", () => {
    const whole = readFileSync(join(SRC, "..", "docs", "ARCHITECTURE.md"), "utf8");
    // Only the long-files table counts (a file named elsewhere in the document is not excused).
    const architecture = whole.slice(whole.indexOf("## Long files"));
    const long = files
      .filter(({ file }) => readFileSync(file, "utf8").split("\n").length > 400)
      .map(({ rel }) => `src/${rel}`)
      .filter((path) => !architecture.includes(`| \`${path}\` |`));
    expect(long).toEqual([]);
  });

  test("the compiled entry reaches the Bun adapter and no other runtime's", () => {
    // The bundler keeps every module an entry reaches, and hoists their `node:` imports to start-up.
    const reached = new Set(["compiled.ts"]);
    for (const from of reached) for (const edge of edges) if (edge.from === from) reached.add(edge.to);
    expect(reached.has("runtime/bun.ts")).toBe(true);
    expect([...reached].filter((rel) => ["runtime/node.ts", "runtime/deno.ts", "runtime/detect.ts"].includes(rel)))
      .toEqual([]);
  });

  test("the scanner sees static, type-only, multi-line, re-export and dynamic imports", () => {
    const file = join(SRC, "sessions", "x.ts");
    const source = [
      'import { a } from "../codex/a.ts";',
      'import type {\n  B,\n  C,\n} from "./b.ts";',
      'export { d } from "../mcp/d.ts";',
      'const e = await import("../errors/e.ts");',
      'import "../streams/f.ts";',
    ].join("\n");
    expect(importsOf(file, source).sort()).toEqual(
      ["codex/a.ts", "errors/e.ts", "mcp/d.ts", "sessions/b.ts", "streams/f.ts"].sort(),
    );
  });
});
