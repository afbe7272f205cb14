/**
 * Builds codex-mcp into standalone executables with `bun build --compile`.
 *
 *   bun build.ts                          host build → dist/codex-mcp(.exe)
 *   bun build.ts --target linux-arm64,…   cross builds → dist/codex-mcp-<target>(.exe)
 *   bun build.ts --all                    every supported target
 *   bun build.ts --entry F --outfile P    host build of another entry (the bench's hello server)
 *
 * Cross builds never rely on Bun's own downloader (its CDN is unreachable from some machines):
 * the target runtime comes from the npm package `@oven/bun-<os>-<cpu>` at exactly the host
 * Bun's version, fetched with `npm pack` into `.cache/bun-targets/` and passed via
 * `--compile-executable-path`. Every artifact's header is checked against its target before it
 * lands in place, and `dist/SHA256SUMS` is rewritten from what is on disk.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { detectExecutable, HEADER_BYTES, verifyExecutable } from "./scripts/executable-format.ts";
import type { ExecutableArch, ExecutableOs } from "./scripts/executable-format.ts";

// `bun build --compile` is the whole point; under Node or Deno fail with a hint, not a ReferenceError.
if (typeof Bun === "undefined") {
  console.error("build.ts must run under Bun: node_modules/.bin/bun build.ts [options]");
  process.exit(1);
}

const ROOT = import.meta.dir;
const DIST = path.join(ROOT, "dist");
const CACHE = path.join(ROOT, ".cache", "bun-targets");
// The compiled binary's own entry: main.ts (from source) would bundle every runtime's adapter.
const DEFAULT_ENTRY = path.join(ROOT, "src", "compiled.ts");
const PRODUCT = "codex-mcp";

/**
 * Flags shared by every build. `--format=esm` because `--bytecode` otherwise means CJS, which
 * rejects top-level await. The two `--no-compile-autoload-*` flags because a compiled binary
 * otherwise reads `.env` and `bunfig.toml` from its working directory, and MCP clients start us
 * inside the user's project: its `.env` would leak into our environment, and a `bunfig.toml`
 * `preload` would run that project's code inside the server (and could write to stdout).
 */
const COMPILE_FLAGS = [
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

interface TargetSpec {
  os: ExecutableOs;
  arch: ExecutableArch;
  /** Value for `bun build --target`. */
  bunTarget: string;
  /** npm package holding that runtime; npm spells arm64 as "aarch64". */
  npmPackage: string;
}

const TARGETS = {
  "linux-x64": { os: "linux", arch: "x64", bunTarget: "bun-linux-x64", npmPackage: "@oven/bun-linux-x64" },
  "linux-arm64": { os: "linux", arch: "arm64", bunTarget: "bun-linux-arm64", npmPackage: "@oven/bun-linux-aarch64" },
  "darwin-x64": { os: "darwin", arch: "x64", bunTarget: "bun-darwin-x64", npmPackage: "@oven/bun-darwin-x64" },
  "darwin-arm64": {
    os: "darwin",
    arch: "arm64",
    bunTarget: "bun-darwin-arm64",
    npmPackage: "@oven/bun-darwin-aarch64",
  },
  "windows-x64": { os: "windows", arch: "x64", bunTarget: "bun-windows-x64", npmPackage: "@oven/bun-windows-x64" },
} as const satisfies Record<string, TargetSpec>;

type TargetName = keyof typeof TARGETS;
const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

const USAGE = `Usage: bun build.ts [options]

Compiles ${path.relative(process.cwd(), DEFAULT_ENTRY) || "src/compiled.ts"} with
  bun build ${COMPILE_FLAGS.join(" ")}
and writes dist/SHA256SUMS over every executable directly in dist/ (this run's and earlier ones).

Options:
  (none)                 build for this machine → dist/${PRODUCT} (.exe on Windows)
  --target <list>        cross-compile, comma-separated, repeatable:
                         ${TARGET_NAMES.join(", ")}
                         → dist/${PRODUCT}-<target> (.exe for windows)
  --all                  cross-compile every target above
  --entry <file>         compile this entry instead of src/compiled.ts; cross builds are then
                         named after the entry (dist/<entry-name>-<target>)
  --outfile <path>       output path of a host build (not with --target/--all)
  -h, --help             show this help

Cross-compiling needs no network except the npm registry: the runtime for each target is
\`npm pack\`ed from @oven/bun-<os>-<x64|aarch64>@${Bun.version} into .cache/bun-targets/ once.`;

class UsageError extends Error {}

interface Options {
  entry: string;
  customEntry: boolean;
  outfile: string | null;
  targets: TargetName[];
}

function parseArgs(argv: string[]): Options | "help" {
  let entry: string | null = null;
  let outfile: string | null = null;
  const targets = new Set<TargetName>();
  let all = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "-h":
      case "--help":
        return "help";
      case "--all":
        all = true;
        break;
      case "--target":
        for (const t of value().split(",").map((s) => s.trim()).filter(Boolean)) {
          if (!(t in TARGETS)) {
            throw new UsageError(`unknown target "${t}"; expected one of ${TARGET_NAMES.join(", ")}`);
          }
          targets.add(t as TargetName);
        }
        break;
      case "--entry":
        entry = path.resolve(value());
        break;
      case "--outfile":
        outfile = path.resolve(value());
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (all) { for (const t of TARGET_NAMES) targets.add(t); }
  if (outfile !== null && targets.size > 0) {
    throw new UsageError("--outfile applies to a host build only; drop --target/--all or --outfile");
  }
  return {
    entry: entry ?? DEFAULT_ENTRY,
    customEntry: entry !== null,
    outfile,
    targets: TARGET_NAMES.filter((t) => targets.has(t)),
  };
}

/** What `--version` of a built binary reports besides the version: see src/version.ts. */
interface Provenance {
  commit: string;
  date: string;
}

/**
 * The commit being built and its date — not the clock's, so two builds of one commit are stamped
 * alike. Outside a git checkout both are "unknown".
 */
async function provenance(): Promise<Provenance> {
  const head = await run(["git", "log", "-1", "--format=%h %cI"], ROOT).catch(() => null);
  const [commit, date] = head?.code === 0 ? head.stdout.trim().split(" ") : [];
  if (!commit || !date) return { commit: "unknown", date: "unknown" };
  const dirty = await run(["git", "status", "--porcelain", "--", "src", "build.ts", "package.json"], ROOT);
  return { commit: dirty.stdout.trim() ? `${commit}-dirty` : commit, date };
}

/** One artifact to produce. `target` null means "this machine, with the running Bun". */
interface Job {
  label: string;
  target: TargetName | null;
  outfile: string;
}

interface JobResult {
  job: Job;
  ok: boolean;
  bytes: number;
  seconds: number;
  runtimeNote: string;
  error?: string;
}

function hostTarget(): TargetName | null {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const name = `${os}-${process.arch}`;
  return name in TARGETS ? (name as TargetName) : null;
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === "" ? "." : r.startsWith("..") ? p : r;
}

async function run(cmd: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

async function readHeader(file: string): Promise<Uint8Array> {
  return new Uint8Array(await Bun.file(file).slice(0, HEADER_BYTES).arrayBuffer());
}

/** Throws a message naming the file when its header does not match the target; returns the header description. */
async function checkFormat(file: string, spec: TargetSpec, what: string): Promise<string> {
  const result = verifyExecutable(await readHeader(file), spec.os, spec.arch);
  if (!result.ok) {
    throw new Error(`${what} ${rel(file)} is not a ${spec.os}-${spec.arch} executable: ${result.message}`);
  }
  return result.info.description;
}

/**
 * Returns a Bun runtime binary for `target` at the host's exact version, so the bytecode and
 * bundle the host Bun produces meet the runtime that produced them. A copy left in node_modules/@oven/ saves a download
 * (the `bun` package's postinstall usually moves it away, so this mostly helps after
 * `--ignore-scripts` installs); otherwise the package is `npm pack`ed once and kept unpacked in
 * the cache. The tarball is deleted after unpacking; npm has already checked its integrity.
 */
async function targetRuntime(target: TargetName): Promise<{ file: string; note: string }> {
  const spec = TARGETS[target];
  const binName = spec.os === "windows" ? "bun.exe" : "bun";

  const installed = path.join(ROOT, "node_modules", spec.npmPackage);
  const installedBin = path.join(installed, "bin", binName);
  if (existsSync(installedBin)) {
    const pkg = (await Bun.file(path.join(installed, "package.json")).json()) as { version?: string };
    if (pkg.version === Bun.version) {
      await checkFormat(installedBin, spec, "installed runtime");
      return { file: installedBin, note: "node_modules" };
    }
  }

  const dir = path.join(CACHE, `${spec.npmPackage.replace("@oven/", "")}-${Bun.version}`);
  const cachedBin = path.join(dir, "package", "bin", binName);
  if (existsSync(cachedBin)) {
    await checkFormat(cachedBin, spec, `cached runtime (delete ${rel(dir)} to refetch)`);
    return { file: cachedBin, note: "cache" };
  }

  const started = performance.now();
  const pkgSpec = `${spec.npmPackage}@${Bun.version}`;
  console.log(`fetching ${pkgSpec} from the npm registry …`);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const packed = await run([npm, "pack", pkgSpec, "--json", "--pack-destination", staging], ROOT);
    if (packed.code !== 0) {
      throw new Error(
        `npm pack ${pkgSpec} failed (exit ${packed.code}); does that version exist? ` +
          `Try: npm view ${pkgSpec}\n${packed.stderr.trim()}`,
      );
    }
    const info = JSON.parse(packed.stdout) as Array<{ filename?: string; size?: number }>;
    const tarball = info[0]?.filename;
    if (!tarball) throw new Error(`npm pack ${pkgSpec} printed no tarball name:\n${packed.stdout}`);
    const tgz = path.join(staging, tarball);
    const untar = await run(["tar", "-xzf", tgz, "-C", staging], ROOT);
    if (untar.code !== 0) throw new Error(`tar could not unpack ${rel(tgz)}:\n${untar.stderr.trim()}`);
    await rm(tgz);
    const bin = path.join(staging, "package", "bin", binName);
    if (!existsSync(bin)) throw new Error(`${pkgSpec} has no package/bin/${binName}`);
    await chmod(bin, 0o755);
    await checkFormat(bin, spec, `runtime from ${pkgSpec}`);
    await rename(staging, dir);
    const mib = ((info[0]?.size ?? 0) / 2 ** 20).toFixed(0);
    return { file: cachedBin, note: `npm ${mib} MiB ${((performance.now() - started) / 1000).toFixed(1)} s` };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Compiles into a hidden folder next to the destination, verifies the file, then renames it into
 * place, so a failed or wrong-format build never replaces (or sits beside) a good artifact. The
 * file keeps its final name while it is built: Bun embeds that name in the binary, and a name
 * with our pid in it would make two builds of the same sources differ.
 */
async function buildOne(job: Job, entry: string, provenance: Provenance): Promise<JobResult> {
  const started = performance.now();
  const partialDir = path.join(path.dirname(job.outfile), `.partial-${process.pid}`);
  const partial = path.join(partialDir, path.basename(job.outfile));
  let runtimeNote = job.target ? "-" : "host bun";
  try {
    const checkAs = job.target ?? hostTarget();
    const stamp = {
      COMMIT: provenance.commit,
      DATE: provenance.date,
      TARGET: checkAs ?? `${process.platform}-${process.arch}`,
    };
    const defines = Object.entries(stamp).map(([key, value]) => `--define=__BUILD_${key}__=${JSON.stringify(value)}`);
    const args = [process.execPath, "build", entry, ...COMPILE_FLAGS, ...defines, `--outfile=${partial}`];
    const spec: TargetSpec | null = checkAs ? TARGETS[checkAs] : null;
    if (job.target) {
      const runtime = await targetRuntime(job.target);
      runtimeNote = runtime.note;
      args.push(`--target=${TARGETS[job.target].bunTarget}`, `--compile-executable-path=${runtime.file}`);
    }
    await mkdir(partialDir, { recursive: true });
    const buildStarted = performance.now();
    const result = await run(args, ROOT);
    if (result.code !== 0 || !existsSync(partial)) {
      const output = `${result.stdout}\n${result.stderr}`.trim();
      throw new Error(`bun build exited with ${result.code}${output ? `:\n${output}` : ""}`);
    }
    if (spec) {
      await checkFormat(partial, spec, "built artifact");
    } else {
      console.warn(`warning: host ${process.platform}-${process.arch} is not a known target; format not checked`);
    }
    await rename(partial, job.outfile);
    await rm(partialDir, { recursive: true, force: true });
    const { size } = await stat(job.outfile);
    return {
      job,
      ok: true,
      bytes: size,
      seconds: (performance.now() - buildStarted) / 1000,
      runtimeNote,
    };
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true });
    return {
      job,
      ok: false,
      bytes: 0,
      seconds: (performance.now() - started) / 1000,
      runtimeNote,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Executables directly in dist/ (the release artifacts), found by header rather than by name so
 * artifacts from earlier runs are covered too. Subfolders such as dist/bench/ are left out: a
 * checksum line for a file that is not shipped would make \`sha256sum -c\` fail for downloaders.
 */
async function executablesIn(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (detectExecutable(await readHeader(full)).ok) found.push(entry.name);
  }
  return found.sort();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Rewrites dist/SHA256SUMS in `sha256sum` format from the files actually present. */
async function writeChecksums(): Promise<number> {
  const files = await executablesIn(DIST);
  if (files.length === 0) return 0;
  const lines: string[] = [];
  for (const file of files) lines.push(`${await sha256(path.join(DIST, file))}  ${file}`);
  const tmp = path.join(DIST, `.SHA256SUMS.${process.pid}`);
  await writeFile(tmp, `${lines.join("\n")}\n`);
  await rename(tmp, path.join(DIST, "SHA256SUMS"));
  return files.length;
}

function printTable(results: JobResult[]): void {
  const rows = [
    ["file", "target", "size MiB", "build s", "runtime"],
    ...results.map((r) => [
      rel(r.job.outfile),
      r.job.label,
      r.ok ? (r.bytes / 2 ** 20).toFixed(1) : "FAILED",
      r.seconds.toFixed(1),
      r.runtimeNote,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`build.ts: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(options.entry)) {
    console.error(`build.ts: entry ${rel(options.entry)} does not exist`);
    return 1;
  }

  const base = options.customEntry ? path.basename(options.entry).replace(/\.[cm]?[jt]sx?$/, "") : PRODUCT;
  const jobs: Job[] = [];
  if (options.targets.length === 0) {
    const exe = process.platform === "win32" ? ".exe" : "";
    let outfile = options.outfile ?? path.join(DIST, `${base}${exe}`);
    if (exe && !outfile.toLowerCase().endsWith(".exe")) outfile += exe;
    jobs.push({ label: `host (${hostTarget() ?? `${process.platform}-${process.arch}`})`, target: null, outfile });
  } else {
    for (const target of options.targets) {
      const exe = TARGETS[target].os === "windows" ? ".exe" : "";
      jobs.push({ label: target, target, outfile: path.join(DIST, `${base}-${target}${exe}`) });
    }
  }

  console.log(`bun ${Bun.version}: compiling ${rel(options.entry)} for ${jobs.map((j) => j.label).join(", ")}`);
  const results: JobResult[] = [];
  const stamp = await provenance();
  for (const job of jobs) {
    const result = await buildOne(job, options.entry, stamp);
    if (!result.ok) console.error(`✗ ${job.label}: ${result.error}`);
    results.push(result);
  }

  let sums = 0;
  try {
    sums = await writeChecksums();
  } catch (error) {
    console.error(`✗ writing dist/SHA256SUMS: ${error instanceof Error ? error.message : String(error)}`);
    const job: Job = { label: "SHA256SUMS", target: null, outfile: path.join(DIST, "SHA256SUMS") };
    results.push({ job, ok: false, bytes: 0, seconds: 0, runtimeNote: "", error: "see above" });
  }

  console.log("");
  printTable(results);
  if (sums > 0) console.log(`\n${rel(path.join(DIST, "SHA256SUMS"))}: ${sums} executable(s)`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    console.error(`\nbuild failed for: ${failed.map((r) => r.job.label).join(", ")}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
