/**
 * `npm run release`: builds every target (build.ts) and packs what a release publishes into
 * dist/release/:
 *
 * - `codex-mcp-<version>-<target>.tar.gz` (linux, darwin) or `.zip` (windows), each holding the
 *   binary (`codex-mcp`, `codex-mcp.exe`), LICENSE and README.md;
 * - `SHA256SUMS` over the archives, `VERSION` (what the installers read for "latest");
 * - the Homebrew formula and the Scoop manifest, generated from SHA256SUMS (scripts/packaging.ts),
 *   also written to packaging/ with `--update-packaging`.
 *
 * Archives are deterministic (scripts/archive.ts): fixed order, modes and owner, and one time for
 * every entry — the commit's (or SOURCE_DATE_EPOCH). What still varies between two builds of one
 * commit is whatever `bun build --compile` itself varies; `--check-reproducible` builds twice and
 * reports it.
 *
 *   bun scripts/release.ts [--target t1,t2] [--skip-build] [--update-packaging] [--check-reproducible]
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type ArchiveEntry, tarGz, zipArchive } from "./archive.ts";
import {
  archiveName,
  homebrewFormula,
  parseSums,
  RELEASE_TARGETS,
  type ReleaseInfo,
  type ReleaseTarget,
  scoopManifest,
} from "./packaging.ts";

const ROOT = path.join(import.meta.dir, "..");
const DIST = path.join(ROOT, "dist");
const OUT = path.join(DIST, "release");

const USAGE = `Usage: bun scripts/release.ts [options]

Builds every target with build.ts and packs dist/release/: one archive per target, SHA256SUMS,
VERSION, the Homebrew formula and the Scoop manifest.

Options:
  --target <list>         only these targets (comma-separated): ${RELEASE_TARGETS.join(", ")}
  --skip-build            pack the binaries already in dist/
  --update-packaging      also write packaging/homebrew/Formula/codex-mcp.rb and packaging/scoop/codex-mcp.json
  --check-reproducible    pack twice from two builds and say which files differ
  -h, --help              show this help`;

/** The release's name, version and repository, from package.json. */
export function releaseInfo(): ReleaseInfo {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const repo = /github\.com[/:]([^/]+\/[^/.]+)|^github:(.+)$/.exec(pkg.repository?.url ?? pkg.repository ?? "");
  if (!repo) throw new Error('package.json needs "repository": "github:owner/name" (where releases are published)');
  return { version: pkg.version, repo: repo[1] ?? repo[2]!, description: pkg.description, license: pkg.license };
}

/** The time every archive entry gets: SOURCE_DATE_EPOCH, else the commit's, else 0. */
function archiveTime(): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const git = Bun.spawnSync(["git", "log", "-1", "--format=%ct"], { cwd: ROOT });
  const commitTime = Number(git.stdout.toString().trim());
  return git.exitCode === 0 && commitTime > 0 ? commitTime : 0;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function binaryOf(target: ReleaseTarget): string {
  return path.join(DIST, `codex-mcp-${target}${target.startsWith("windows") ? ".exe" : ""}`);
}

/** Packs one target's archive from dist/; returns its name and bytes. */
async function pack(info: ReleaseInfo, target: ReleaseTarget, mtime: number): Promise<[string, Uint8Array]> {
  const binary = binaryOf(target);
  if (!existsSync(binary)) {
    throw new Error(`${path.relative(ROOT, binary)} is missing: build it (bun build.ts --target ${target})`);
  }
  const windows = target.startsWith("windows");
  const entries: ArchiveEntry[] = [
    { name: "LICENSE", mode: 0o644, data: await readFile(path.join(ROOT, "LICENSE")) },
    { name: "README.md", mode: 0o644, data: await readFile(path.join(ROOT, "README.md")) },
    { name: windows ? "codex-mcp.exe" : "codex-mcp", mode: 0o755, data: await readFile(binary) },
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [archiveName(info.version, target), windows ? zipArchive(entries, mtime) : tarGz(entries, mtime)];
}

function build(targets: readonly ReleaseTarget[]): void {
  const result = Bun.spawnSync([process.execPath, path.join(ROOT, "build.ts"), "--target", targets.join(",")], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (result.exitCode !== 0) throw new Error(`build.ts failed (exit ${result.exitCode})`);
}

/** Packs dist/release/ for `targets`; returns the SHA256SUMS text. */
async function release(
  info: ReleaseInfo,
  targets: readonly ReleaseTarget[],
  updatePackaging: boolean,
): Promise<string> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const mtime = archiveTime();
  const lines: string[] = [];
  for (const target of targets) {
    const [name, bytes] = await pack(info, target, mtime);
    await writeFile(path.join(OUT, name), bytes);
    lines.push(`${sha256(bytes)}  ${name}`);
    console.log(`${name}  ${(bytes.length / 2 ** 20).toFixed(1)} MiB`);
  }
  const sumsText = `${lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join("\n")}\n`;
  await writeFile(path.join(OUT, "SHA256SUMS"), sumsText);
  await writeFile(path.join(OUT, "VERSION"), `${info.version}\n`);
  const sums = parseSums(sumsText);
  const generated: [string, () => string][] = [];
  if (["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64"].every((t) => targets.includes(t as ReleaseTarget))) {
    generated.push([path.join("homebrew", "Formula", "codex-mcp.rb"), () => homebrewFormula(info, sums)]);
  }
  if (targets.includes("windows-x64")) {
    generated.push([path.join("scoop", "codex-mcp.json"), () => scoopManifest(info, sums)]);
  }
  for (const [file, make] of generated) {
    const text = make();
    await writeFile(path.join(OUT, path.basename(file)), text);
    if (updatePackaging) {
      await mkdir(path.dirname(path.join(ROOT, "packaging", file)), { recursive: true });
      await writeFile(path.join(ROOT, "packaging", file), text);
      console.log(`wrote packaging/${file}`);
    }
  }
  if (generated.length < 2) console.log("(packaging needs every target; skipped what lacked one)");
  console.log(`wrote ${path.relative(ROOT, OUT)}/: ${targets.length} archive(s), SHA256SUMS, VERSION`);
  return sumsText;
}

async function main(argv: string[]): Promise<number> {
  let targets: ReleaseTarget[] = [...RELEASE_TARGETS];
  let skipBuild = false;
  let updatePackaging = false;
  let checkReproducible = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      return 0;
    } else if (arg === "--skip-build") skipBuild = true;
    else if (arg === "--update-packaging") updatePackaging = true;
    else if (arg === "--check-reproducible") checkReproducible = true;
    else if (arg === "--target" || arg.startsWith("--target=")) {
      const value = arg === "--target" ? argv[++i] : arg.slice("--target=".length);
      const chosen = (value ?? "").split(",").map((t) => t.trim()).filter(Boolean);
      const unknown = chosen.filter((t) => !(RELEASE_TARGETS as readonly string[]).includes(t));
      if (chosen.length === 0 || unknown.length) {
        console.error(`release.ts: unknown target ${JSON.stringify(unknown[0] ?? "")}\n\n${USAGE}`);
        return 2;
      }
      targets = chosen as ReleaseTarget[];
    } else {
      console.error(`release.ts: unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
      return 2;
    }
  }
  const info = releaseInfo();
  if (!skipBuild) build(targets);
  const first = await release(info, targets, updatePackaging);
  if (checkReproducible) {
    build(targets);
    const second = await release(info, targets, false);
    const a = parseSums(first);
    const b = parseSums(second);
    const differ = [...a].filter(([name, hash]) => b.get(name) !== hash).map(([name]) => name);
    console.log(
      differ.length ? `differ between two builds: ${differ.join(", ")}` : "two builds gave identical archives",
    );
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(Bun.argv.slice(2));
