/**
 * What the benchmarks share: one definition of their statistics (so every table's median and p90
 * mean the same thing), argument parsing, and building what they measure exactly as it ships.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dir, "..");

/** Nearest-rank quantile of sorted values, so a p90 is a value that was actually observed. */
export function quantile(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** The median (mean of the middle two for an even count); `null` for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median, p90 and minimum of a non-empty sample. */
export function summary(samples: readonly number[]): { median: number; p90: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: median(sorted) as number, p90: quantile(sorted, 0.9), min: sorted[0] as number };
}

/** `--runs N` (at least `minRuns`), `--rebuild`, `--help`. */
export function parseBenchArgs(
  argv: readonly string[],
  defaults: { runs: number; minRuns: number },
): { runs: number; rebuild: boolean } | "help" {
  let runs = defaults.runs;
  let rebuild = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--rebuild") {
      rebuild = true;
    } else if (arg === "--runs" || arg.startsWith("--runs=")) {
      const raw = arg.includes("=") ? arg.slice("--runs=".length) : argv[++i];
      const n = Number(raw);
      if (!Number.isInteger(n) || n < defaults.minRuns) {
        throw new Error(`--runs needs an integer ≥ ${defaults.minRuns}, got ${raw}`);
      }
      runs = n;
    } else {
      throw new Error(`unknown option "${arg}"`);
    }
  }
  return { runs, rebuild };
}

/** A command's trimmed stdout, or `null` when it fails. */
export async function capture(cmd: string[]): Promise<string | null> {
  try {
    const proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const out = await new Response(proc.stdout).text();
    return (await proc.exited) === 0 ? out.trim() : null;
  } catch {
    return null;
  }
}

/** Newest modification time among files and directory trees, to spot a stale binary. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const info = statSync(p);
    if (!info.isDirectory()) {
      newest = Math.max(newest, info.mtimeMs);
      continue;
    }
    for (const entry of readdirSync(p, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds `binary` through build.ts (so a bench measures exactly what ships) when it is missing,
 * older than `sources`, build.ts or the lockfile, or `force`. Returns an error message, or null.
 */
export async function ensureBuilt(
  binary: string,
  sources: readonly string[],
  buildArgs: readonly string[],
  force: boolean,
): Promise<string | null> {
  const sourcesMtime = newestMtime([...sources, path.join(ROOT, "build.ts"), path.join(ROOT, "package-lock.json")]);
  if (!force && existsSync(binary) && statSync(binary).mtimeMs >= sourcesMtime) return null;
  console.log(`building ${path.relative(ROOT, binary)} …`);
  const proc = Bun.spawn([process.execPath, path.join(ROOT, "build.ts"), ...buildArgs], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  return code !== 0 || !existsSync(binary) ? `build.ts ${buildArgs.join(" ")} failed (exit ${code})` : null;
}

/** A `kB` field of a /proc file (VmRSS in /proc/<pid>/status, Pss in smaps_rollup) in MiB; null when gone or not Linux. */
export function procMiB(file: string, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(readFileSync(file, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export const rssMiB = (pid: number): number | null => procMiB(`/proc/${pid}/status`, "VmRSS");

/**
 * The arguments of the `codex_check {…}` call a `recommendedNextAction` names (its JSON object,
 * braces balanced), or `null` when it names none or the object does not parse.
 */
export function recommendedCheck(text: string): Record<string, unknown> | null {
  const at = text.indexOf("codex_check {");
  if (at < 0) return null;
  const start = text.indexOf("{", at);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, i + 1));
      } catch {
        return null;
      }
    }
  }
  return null;
}
