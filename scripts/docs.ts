/**
 * Tables in the README that are generated from the code, so they cannot drift from it:
 * the error codes (from src/errors/registry.ts) and the environment variables (from
 * `SETTINGS` in src/config.ts, which also makes the configuration's schema and `--help`). Each lives between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
 *
 *   bun scripts/docs.ts           rewrites the README's generated tables
 *   bun scripts/docs.ts --check   exits 1 when the README differs (the suite runs this check)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeValues, SETTINGS } from "../src/config.ts";
import { ERROR_CODES, ERROR_REGISTRY } from "../src/errors/registry.ts";

const README = join(import.meta.dir, "..", "README.md");

const FIXED_BY = { caller: "the caller", user: "the user", retry: "retrying", maintainers: "a fix in codex-mcp" };

/** The error-code table. */
export function errorTable(): string {
  const rows = ERROR_CODES.map((code) => {
    const spec = ERROR_REGISTRY[code];
    return `| \`${code}\` | ${spec.surface.join(", ")} | ${FIXED_BY[spec.fixedBy]} | ${spec.meaning} |`;
  });
  return ["| code | where | fixed by | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** The environment-variable table (settings marked hidden are for codex-mcp's own tests). */
export function environmentTable(): string {
  const rows = SETTINGS.filter((s) => !("hidden" in s)).map((s) => {
    const values = s.kind === "choice"
      ? s.values.map((v) => `\`${v}\`${v === s.default ? " (default)" : ""}`).join(", ")
      : describeValues(s);
    return `| \`${s.variable}\` | ${values} | ${s.meaning.replaceAll("|", "\\|")} |`;
  });
  return ["| variable | values | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

const TABLES: Record<string, () => string> = { "error-codes": errorTable, environment: environmentTable };

/** `text` with every generated table replaced by its current content. */
export function withGeneratedTables(text: string): string {
  let out = text;
  for (const [name, make] of Object.entries(TABLES)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} section`);
    out = `${out.slice(0, start + open.length)}\n${make()}\n${out.slice(end)}`;
  }
  return out;
}

if (import.meta.main) {
  const current = readFileSync(README, "utf8");
  const wanted = withGeneratedTables(current);
  if (process.argv.includes("--check")) {
    if (current !== wanted) {
      process.stderr.write("README.md's generated tables are stale: run `bun scripts/docs.ts`\n");
      process.exit(1);
    }
  } else if (current !== wanted) {
    writeFileSync(README, wanted);
  }
}
