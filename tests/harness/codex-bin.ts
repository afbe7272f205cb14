/**
 * Locates the real Codex native executable installed from npm.
 *
 * `@openai/codex` is a Node wrapper; the binary ships in an optional per-platform package
 * installed under an alias: `node_modules/@openai/codex-<platform>-<arch>/vendor/<target triple>/bin/codex[.exe]`
 * (on linux-x64: `@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex`).
 * The vendor directory also holds `codex-package.json`, whose `entrypoint` names the binary
 * relative to it; it is honoured when present.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the project root (the directory holding package.json). */
export const PROJECT_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const TARGET_TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

export interface CodexPlatformPackage {
  /** npm package directory name, e.g. "@openai/codex-linux-x64". */
  packageName: string;
  /** Rust target triple used as the vendor sub-directory, e.g. "x86_64-unknown-linux-musl". */
  targetTriple: string;
  /** File name of the executable: "codex" or "codex.exe". */
  exeName: string;
}

/** The npm platform package for a platform/arch (defaults: this process); throws if unsupported. */
export function codexPlatformPackage(
  platform: string = process.platform,
  arch: string = process.arch,
): CodexPlatformPackage {
  const key = `${platform === "android" ? "linux" : platform}-${arch}`;
  const targetTriple = TARGET_TRIPLES[key];
  if (!targetTriple) {
    throw new Error(
      `codex-bin: no Codex npm binary for ${platform}/${arch} (supported: ${Object.keys(TARGET_TRIPLES).join(", ")})`,
    );
  }
  return {
    packageName: `@openai/codex-${key}`,
    targetTriple,
    exeName: platform === "win32" ? "codex.exe" : "codex",
  };
}

/** Candidate paths of the native executable under `root`, most likely first. */
export function codexBinaryCandidates(
  root: string = PROJECT_ROOT,
  platform: string = process.platform,
  arch: string = process.arch,
): string[] {
  const pkg = codexPlatformPackage(platform, arch);
  const vendorDirs = [
    path.join(root, "node_modules", ...pkg.packageName.split("/"), "vendor", pkg.targetTriple),
    // Older layout: binaries vendored inside @openai/codex itself.
    path.join(root, "node_modules", "@openai", "codex", "vendor", pkg.targetTriple),
  ];
  const candidates: string[] = [];
  for (const dir of vendorDirs) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "codex-package.json"), "utf8")) as {
        entrypoint?: unknown;
      };
      if (typeof manifest.entrypoint === "string") {
        let entry = path.join(dir, manifest.entrypoint);
        if (platform === "win32" && !entry.endsWith(".exe")) entry += ".exe";
        candidates.push(entry);
      }
    } catch {
      // no manifest: fall back to the conventional location
    }
    candidates.push(path.join(dir, "bin", pkg.exeName));
  }
  return [...new Set(candidates)];
}

const cache = new Map<string, string>();

/**
 * Absolute path of the Codex native executable under `root` (default {@link PROJECT_ROOT}).
 * Throws a clear error naming the paths tried if it is not installed.
 */
export function codexBinary(root: string = PROJECT_ROOT): string {
  const hit = cache.get(root);
  if (hit) return hit;
  const candidates = codexBinaryCandidates(root);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    const { packageName } = codexPlatformPackage();
    throw new Error(
      `codex-bin: the Codex native executable is not installed (${packageName}, an optional dependency of @openai/codex).\n` +
        `Tried:\n${candidates.map((c) => `  ${c}`).join("\n")}\n` +
        `Run \`npm install\` in ${root} (without --omit=optional).`,
    );
  }
  cache.set(root, found);
  return found;
}
