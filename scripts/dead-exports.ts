/**
 * Dead-export check: every value (function, const, class, enum) a module in src/ exports must be
 * imported by some other file of the project (src/, tests/, bench/, scripts/, build.ts), or be
 * listed in KEPT with the reason. A value export nobody imports is dead code or should not be
 * exported. Exported types are left alone: the options and results named in an exported
 * function's signature are part of its contract even when callers never spell them.
 *
 * Usage: bun scripts/dead-exports.ts   (exit 1 and a list when there are dead exports)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..");

/** Exports kept on purpose although no file imports them, with why. */
const KEPT: Record<string, string> = {};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "fixtures" || name.startsWith(".")) continue;
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Values a module exports (declarations and `export { … }` lists; types are left out). */
function exportedValues(source: string): string[] {
  const names = new Set<string>();
  const declaration =
    /^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|class|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const m of source.matchAll(declaration)) names.add(m[1]!);
  for (const m of source.matchAll(/^export\s+\{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(",")) {
      if (/^\s*type\s/.test(part)) continue;
      const name = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  return [...names];
}

/** For each module path, the names other files take from it (`*` for a namespace import). */
function importsByTarget(files: string[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const statement =
    /(?:import|export)\s+(type\s+)?(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+[\w$]+|\*)?\s*from\s+"([^"]+)"/g;
  const dynamic = /import\(\s*"([^"]+)"\s*\)/g;
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const note = (specifier: string, names: string[]) => {
      if (!specifier.startsWith(".")) return;
      const target = resolve(dirname(file), specifier);
      const set = used.get(target) ?? new Set<string>();
      for (const n of names) set.add(n);
      used.set(target, set);
    };
    for (const m of source.matchAll(statement)) {
      const [whole, , defaultName, list, specifier] = m;
      const names = list
        ? list.split(",").map((p) => p.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]!.trim()).filter(Boolean)
        : [];
      if (defaultName) names.push("default");
      if (/\*/.test(whole!.replace(/\{[^}]*\}/, ""))) names.push("*");
      note(specifier!, names);
    }
    for (const m of source.matchAll(dynamic)) note(m[1]!, ["*"]);
  }
  return used;
}

if (import.meta.main) {
  const files = [
    ...walk(join(ROOT, "src")),
    ...walk(join(ROOT, "tests")),
    ...walk(join(ROOT, "bench")),
    ...walk(join(ROOT, "scripts")),
    join(ROOT, "build.ts"),
  ];
  const used = importsByTarget(files);
  const dead: string[] = [];
  for (const file of files.filter((f) => f.startsWith(join(ROOT, "src")))) {
    const taken = used.get(file) ?? new Set();
    if (taken.has("*")) continue;
    for (const name of exportedValues(readFileSync(file, "utf8"))) {
      const key = `${relative(ROOT, file)}:${name}`;
      if (!taken.has(name) && !(key in KEPT)) dead.push(key);
    }
  }
  if (dead.length > 0) {
    process.stderr.write(
      `${dead.length} export(s) no other file imports (remove the export, or list it in KEPT with why):\n`,
    );
    for (const d of dead) process.stderr.write(`  ${d}\n`);
    process.exit(1);
  }
  process.stdout.write("no dead exports\n");
}
