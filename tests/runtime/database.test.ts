/**
 * The SQLite handle of the runtime adapters (`Runtime.openDatabase`, node:sqlite underneath) and
 * the file additions (`chmod`, `writeTextFile` with `createNew`) behave the same on all three
 * runtimes and in a compiled binary: database-check.ts runs under Bun, Node 22 (on the sources),
 * Deno, and as a `bun build --compile` executable built with the release flags, and each run must
 * print the same single JSON line. Node's ExperimentalWarning for SQLite may appear on stderr,
 * never on stdout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const SCRIPT = join(import.meta.dirname, "database-check.ts");
const BUILD_DIR = mkdtempSync(join(tmpdir(), "codex-mcp-db-binary-"));
const BINARY = join(BUILD_DIR, "database-check");
/** build.ts's COMPILE_FLAGS (not importable: build.ts runs when imported). */
const COMPILE_FLAGS = [
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

const COMMANDS: Record<string, string[]> = {
  bun: [process.execPath, SCRIPT],
  node: [join(BIN, "node"), SCRIPT],
  deno: [join(BIN, "deno"), "run", "-A", SCRIPT],
  "compiled binary": [BINARY],
};

type Run = { code: number | null; stdout: string; stderr: string };
const runs = new Map<string, Promise<Run>>();

function run([command, ...args]: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command!,
      args,
      { cwd: ROOT, timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: unknown }).code as number | null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

beforeAll(() => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    if (name === "compiled binary") continue;
    runs.set(name, run(command));
  }
  runs.set(
    "compiled binary",
    new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ["build", SCRIPT, ...COMPILE_FLAGS, `--outfile=${BINARY}`], {
        cwd: ROOT,
        timeout: 60_000,
      }, (error, _out, stderr) => error ? reject(new Error(`bun build --compile failed: ${stderr}`)) : resolve())
    ).then(() => run(COMMANDS["compiled binary"]!)),
  );
});

afterAll(() => rmSync(BUILD_DIR, { recursive: true, force: true }));

const EXPECTED = {
  journal: { journal_mode: "wal" },
  first: { changes: 1, lastInsertRowid: 1 },
  second: { changes: 1, lastInsertRowid: 2 },
  row: { id: 1, name: "ünï 😀", score: 1.5, blob: [1, 2, 3], big: "1099511627776" },
  rows: [{ id: 1 }, { id: 2 }],
  none: "undefined",
  constraint: { class: "DatabaseError", code: "SQLITE_CONSTRAINT", errcode: 1555 },
  syntax: { class: "DatabaseError", code: "SQLITE_ERROR", errcode: 1 },
  updated: { changes: 2, lastInsertRowid: 1 },
  notADatabase: { class: "DatabaseError", code: "SQLITE_NOTADB", errcode: 26 },
  cannotOpen: { class: "DatabaseError", code: "SQLITE_CANTOPEN", errcode: 14 },
  exists: "EEXIST",
  kept: "one",
  chmodded: "640",
  store: {
    sessions: [["s", "Hello"]],
    events: [[1, "agent_message_delta"], [2, "command_finished"], [3, "command_finished_continued"], [
      4,
      "command_finished_continued",
    ], [5, "command_finished_continued"]],
    next: [6],
    modes: ["700", "600"],
  },
};

describe.each(Object.keys(COMMANDS))("the adapter's SQLite on %s", (name) => {
  test("statements, values, WAL, DatabaseError codes, file additions, the store across a reopen", async () => {
    const result = await runs.get(name)!;
    if (result.code !== 0) throw new Error(`${name} exited ${result.code}: ${result.stderr}`);
    // Exactly one line on stdout: the protocol channel stays clean.
    const lines = result.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.runtime).toBe(name === "compiled binary" ? "bun" : name);
    delete parsed.runtime;
    expect(parsed).toEqual(EXPECTED);
    if (name !== "node") expect(result.stderr).toBe("");
    else {expect(
        result.stderr.replace(
          /\(node:\d+\) ExperimentalWarning: SQLite is an experimental feature[^\n]*\n|\(Use `node --trace-warnings[^\n]*\n/g,
          "",
        ),
      ).toBe("");}
  }, 90_000);
});

test("node:sqlite loads lazily: a Node runtime that never opens a database prints no SQLite warning", () => {
  const script = `import { loadRuntime } from ${
    JSON.stringify(join(ROOT, "src/runtime/detect.ts"))
  }; const r = await loadRuntime(); await new Promise((t) => setTimeout(t, 100)); await r.exit(0);`;
  const quiet = spawnSync(join(BIN, "node"), ["--input-type=module", "-e", script], {
    cwd: ROOT,
    input: "",
    encoding: "utf8",
  });
  expect({ status: quiet.status, stdout: quiet.stdout, stderr: quiet.stderr }).toEqual({
    status: 0,
    stdout: "",
    stderr: "",
  });
  // The control: opening one does warn, on stderr only.
  const opening = script.replace(
    "const r = await loadRuntime();",
    "const r = await loadRuntime(); r.openDatabase(':memory:').close();",
  );
  const loud = spawnSync(join(BIN, "node"), ["--input-type=module", "-e", opening], {
    cwd: ROOT,
    input: "",
    encoding: "utf8",
  });
  expect({ status: loud.status, stdout: loud.stdout }).toEqual({ status: 0, stdout: "" });
  expect(loud.stderr).toContain("ExperimentalWarning: SQLite");
});
