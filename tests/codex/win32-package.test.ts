/**
 * Finding Codex on Windows, against what npm really installs there — not a layout written by hand:
 *
 * - the real platform package, `npm pack @openai/codex@<pinned>-win32-x64` (fetched once into
 *   .cache/), every file of it placed under the wrapper's node_modules as `npm i -g` nests it;
 * - the real wrapper package (`@openai/codex`, installed here);
 * - the real shims: npm's own `cmd-shim` writes `codex`, `codex.cmd` and `codex.ps1`.
 *
 * Then the simulated Windows tree (case-insensitive, `\`) must resolve `codex` through PATH and
 * PATHEXT, shim by shim, to the `codex.exe` the package's own codex-package.json names.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { locateCodex } from "../../src/codex/install/locate.ts";
import { FakeFs } from "./fake-fs.ts";

const ROOT = join(import.meta.dir, "..", "..");
const WRAPPER = join(ROOT, "node_modules", "@openai", "codex");
const VERSION = JSON.parse(readFileSync(join(WRAPPER, "package.json"), "utf8")).version as string;
const TARBALL = join(ROOT, ".cache", "win32-codex", `openai-codex-${VERSION}-win32-x64.tgz`);

const PREFIX = "C:\\Users\\me\\AppData\\Roaming\\npm";
const WRAPPER_DIR = `${PREFIX}\\node_modules\\@openai\\codex`;
const PACKAGE_DIR = `${WRAPPER_DIR}\\node_modules\\@openai\\codex-win32-x64`;

/** Files of the real package: path inside it → size, and the text of the small ones codex-mcp reads. */
let entries: { path: string; size: number; text?: string }[] = [];
/** The shims npm writes for `codex` → the wrapper's bin/codex.js. */
let shims: Record<"sh" | "cmd" | "ps1", string>;

beforeAll(async () => {
  if (!existsSync(TARBALL)) {
    mkdirSync(dirname(TARBALL), { recursive: true });
    const npm = spawnSync(
      "npm",
      ["pack", `@openai/codex@${VERSION}-win32-x64`, "--pack-destination", dirname(TARBALL)],
      {
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    if (npm.status !== 0) throw new Error(`npm pack of the win32 package failed: ${npm.stderr}`);
  }
  // One pass over the tarball: unpacked into a temporary directory, walked, then removed.
  const unpacked = mkdtempSync(join(tmpdir(), "codex-mcp-win32-package-"));
  try {
    const tar = spawnSync("tar", ["-xzf", TARBALL, "-C", unpacked], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`tar could not unpack ${TARBALL}: ${tar.stderr}`);
    const base = join(unpacked, "package");
    entries = (readdirSync(base, { recursive: true }) as string[])
      .map((path) => path.replaceAll("\\", "/"))
      .filter((path) => statSync(join(base, path)).isFile())
      .map((path) => ({
        path,
        size: statSync(join(base, path)).size,
        ...(path.endsWith(".json") && { text: readFileSync(join(base, path), "utf8") }),
      }));
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }

  // npm's own cmd-shim, from the npm that runs here.
  const npmRoot = join(
    dirname(realpathSync(spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim())),
    "..",
  );
  const cmdShim = createRequire(join(npmRoot, "package.json"))("cmd-shim") as (
    from: string,
    to: string,
  ) => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), "codex-mcp-shims-"));
  try {
    const target = join(dir, "node_modules", "@openai", "codex", "bin", "codex.js");
    mkdirSync(dirname(target), { recursive: true });
    await Bun.write(target, readFileSync(join(WRAPPER, "bin", "codex.js")));
    await cmdShim(target, join(dir, "codex"));
    shims = {
      sh: readFileSync(join(dir, "codex"), "utf8"),
      cmd: readFileSync(join(dir, "codex.cmd"), "utf8"),
      ps1: readFileSync(join(dir, "codex.ps1"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

/** The Windows machine: npm's global prefix with the wrapper, the real package and the real shims. */
function machine(): FakeFs {
  const fs = new FakeFs("win32");
  fs.file(`${WRAPPER_DIR}\\package.json`, readFileSync(join(WRAPPER, "package.json"), "utf8"));
  fs.file(`${WRAPPER_DIR}\\bin\\codex.js`, readFileSync(join(WRAPPER, "bin", "codex.js"), "utf8"));
  for (const entry of entries) {
    fs.file(`${PACKAGE_DIR}\\${entry.path.replaceAll("/", "\\")}`, entry.text ?? "MZ", { size: entry.size });
  }
  fs.file(`${PREFIX}\\codex`, shims.sh);
  fs.file(`${PREFIX}\\codex.cmd`, shims.cmd);
  fs.file(`${PREFIX}\\codex.ps1`, shims.ps1);
  return fs;
}

describe("Codex on Windows, as npm installs it", () => {
  test("the real package has the layout codex-mcp expects: codex-package.json names bin/codex.exe", () => {
    const manifest = JSON.parse(entries.find((e) => e.path.endsWith("codex-package.json"))!.text!);
    expect(manifest).toMatchObject({ target: "x86_64-pc-windows-msvc", entrypoint: "bin/codex.exe" });
    expect(entries.map((e) => e.path)).toContain("vendor/x86_64-pc-windows-msvc/bin/codex.exe");
    expect(shims.cmd).toContain("node_modules\\@openai\\codex\\bin\\codex.js");
  });

  const native = `${PACKAGE_DIR}\\vendor\\x86_64-pc-windows-msvc\\bin\\codex.exe`;

  test("PATH and the default PATHEXT find codex.cmd, and the shim leads to the package's codex.exe", async () => {
    const found = await locateCodex({
      platform: "win32",
      arch: "x64",
      env: { Path: `C:\\Windows\\system32;${PREFIX}`, PATHEXT: ".COM;.EXE;.BAT;.CMD;.VBS;.JS" },
      fs: machine(),
    });
    if (!found.ok) throw new Error(found.error.message);
    expect(found.value).toMatchObject({ kind: "npm-native", command: native, file: `${PREFIX}\\codex.cmd` });
    expect(found.value.shim).toMatchObject({ via: "cmd", platformPackage: "@openai/codex-win32-x64" });
  });

  test("with .PS1 first in PATHEXT the PowerShell shim leads to the same codex.exe; without PATHEXT, Windows' default", async () => {
    const ps1 = await locateCodex({
      platform: "win32",
      arch: "x64",
      env: { PATH: PREFIX, PATHEXT: ".PS1;.COM;.EXE;.BAT;.CMD" },
      fs: machine(),
    });
    if (!ps1.ok) throw new Error(ps1.error.message);
    expect(ps1.value).toMatchObject({ command: native, file: `${PREFIX}\\codex.ps1` });
    const bare = await locateCodex({ platform: "win32", arch: "x64", env: { PATH: PREFIX }, fs: machine() });
    if (!bare.ok) throw new Error(bare.error.message);
    expect(bare.value.command).toBe(native);
  });
});
