/**
 * A release as users get it: `scripts/release.ts` builds every target and packs dist/release/;
 * the archives are read with the system's own tools (tar, Python's zipfile, sha256sum); the
 * Homebrew formula is parsed by Ruby (CRuby in WebAssembly, and `ruby -c` where Ruby is
 * installed) and the Scoop manifest is validated against Scoop's published schema (vendored);
 * every URL and hash they carry must name a built archive. Then install.sh runs end to end
 * against a local HTTP server serving the release — and a tampered copy — and the binary it
 * installs puts itself into Claude Code, which reports it connected.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import formats from "ajv-formats";
import pkg from "../../package.json" with { type: "json" };
import { archiveName, homebrewFormula, parseSums, RELEASE_TARGETS, scoopManifest } from "../../scripts/packaging.ts";
import { releaseInfo } from "../../scripts/release.ts";
import { BIN, ROOT } from "../e2e/launch.ts";

const RELEASE = join(ROOT, "dist", "release");
const VERSION = pkg.version;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const run = (command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
  spawnSync(command, args, { encoding: "utf8", timeout: 120_000, ...options });

beforeAll(() => {
  const built = run(process.execPath, [join(ROOT, "scripts", "release.ts")], { cwd: ROOT });
  if (built.status !== 0) throw new Error(`release.ts failed:\n${built.stdout}\n${built.stderr}`);
}, 600_000);

describe("release archives", () => {
  test("one per target, each with the binary, LICENSE and README, fixed modes, owner 0:0 and the commit's time", () => {
    const commitTime = Number(run("git", ["log", "-1", "--format=%ct"], { cwd: ROOT }).stdout.trim());
    const stamp = new Date(commitTime * 1000).toISOString().slice(0, 16).replace("T", " ");
    for (const target of RELEASE_TARGETS.filter((t) => !t.startsWith("windows"))) {
      const listing = run("tar", ["-tvzf", join(RELEASE, archiveName(VERSION, target))], { env: { TZ: "UTC" } });
      const rows = listing.stdout.trim().split("\n").map((l) => l.split(/\s+/));
      expect(rows.map((r) => [r[0], r[1], r.at(-1)])).toEqual([
        ["-rw-r--r--", "0/0", "LICENSE"],
        ["-rw-r--r--", "0/0", "README.md"],
        ["-rwxr-xr-x", "0/0", "codex-mcp"],
      ]);
      for (const r of rows) expect(`${r[3]} ${r[4]}`).toBe(stamp);
    }
    const zip = run("python3", [
      "-c",
      "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, oct(i.external_attr>>16))",
      join(RELEASE, archiveName(VERSION, "windows-x64")),
    ]);
    expect(zip.stdout.trim().split("\n")).toEqual(["LICENSE 0o100644", "README.md 0o100644", "codex-mcp.exe 0o100755"]);
  });

  test("SHA256SUMS covers exactly the archives, and sha256sum -c agrees; VERSION names the version", () => {
    const names = readdirSync(RELEASE).filter((n) => /\.(tar\.gz|zip)$/.test(n)).sort();
    expect(names).toEqual(RELEASE_TARGETS.map((t) => archiveName(VERSION, t)).sort());
    expect([...parseSums(readFileSync(join(RELEASE, "SHA256SUMS"), "utf8")).keys()].sort()).toEqual(names);
    const check = run("sha256sum", ["-c", "SHA256SUMS"], { cwd: RELEASE });
    expect(check.status).toBe(0);
    expect(check.stdout.trim().split("\n").every((l) => l.endsWith(": OK"))).toBe(true);
    expect(readFileSync(join(RELEASE, "VERSION"), "utf8")).toBe(`${VERSION}\n`);
  });

  test("the linux-x64 binary from its archive runs and names its target", () => {
    const dir = mkdtempSync(join(tmpdir(), "codex-mcp-unpacked-"));
    try {
      run("tar", ["-xzf", join(RELEASE, archiveName(VERSION, "linux-x64")), "-C", dir]);
      const version = run(join(dir, "codex-mcp"), ["--version"]);
      expect(version.stdout).toMatch(new RegExp(`^codex-mcp ${VERSION} \\(commit \\w+.*, linux-x64; bun `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Homebrew and Scoop", () => {
  const info = () => releaseInfo();
  const sums = () => parseSums(readFileSync(join(RELEASE, "SHA256SUMS"), "utf8"));

  test("the formula: Ruby parses it, and every url/sha256 pair is a built archive and its hash", () => {
    const formula = join(RELEASE, "codex-mcp.rb");
    const text = readFileSync(formula, "utf8");
    expect(text).toBe(homebrewFormula(info(), sums()));
    const wasm = run(join(BIN, "node"), [join(ROOT, "tests", "harness", "ruby-syntax.mjs"), formula]);
    expect(wasm.stdout.trim()).toBe("Syntax OK");
    if (run("ruby", ["--version"]).status === 0) expect(run("ruby", ["-c", formula]).stdout.trim()).toBe("Syntax OK");
    const pairs = [...text.matchAll(/url "([^"]+)"\n\s+sha256 "([0-9a-f]{64})"/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(pairs).toHaveLength(4);
    for (const [url, hash] of pairs) {
      const name = url.split("/").at(-1)!;
      expect(url).toBe(`https://github.com/${info().repo}/releases/download/v${VERSION}/${name}`);
      expect(sha256(join(RELEASE, name))).toBe(hash);
    }
    expect(text).toContain("codex-mcp --version");
    expect(text).toContain("codex-mcp doctor --json");
  });

  test("the Scoop manifest validates against Scoop's schema, and its hash is the zip's", () => {
    const manifest = JSON.parse(readFileSync(join(RELEASE, "codex-mcp.json"), "utf8"));
    expect(JSON.stringify(manifest, null, 2) + "\n").toBe(scoopManifest(info(), sums()));
    const schema = JSON.parse(readFileSync(join(ROOT, "tests", "fixtures", "scoop", "schema.json"), "utf8"));
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS with `exports.default`: the same function whichever way it is imported.
    (formats as unknown as { default: (a: Ajv) => Ajv }).default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(manifest) ? [] : validate.errors).toEqual([]);
    // The schema must be able to say no: a manifest without its url is refused.
    expect(validate({ ...manifest, architecture: { "64bit": { hash: "x" } }, url: undefined })).toBe(false);
    const zip = archiveName(VERSION, "windows-x64");
    expect(manifest.architecture["64bit"].url).toEndWith(`/v${VERSION}/${zip}`);
    expect(manifest.architecture["64bit"].hash).toBe(sha256(join(RELEASE, zip)));
    expect(manifest).toMatchObject({ bin: "codex-mcp.exe", checkver: { github: expect.any(String) } });
    expect(manifest.autoupdate.architecture["64bit"].url).toContain("$version");
  });

  test("the copies in packaging/ are what the generator makes, but for the hashes", () => {
    const hashless = (s: string) => s.replace(/[0-9a-f]{64}/g, "<sha256>");
    expect(hashless(readFileSync(join(ROOT, "packaging", "homebrew", "Formula", "codex-mcp.rb"), "utf8"))).toBe(
      hashless(readFileSync(join(RELEASE, "codex-mcp.rb"), "utf8")),
    );
    expect(hashless(readFileSync(join(ROOT, "packaging", "scoop", "codex-mcp.json"), "utf8"))).toBe(
      hashless(readFileSync(join(RELEASE, "codex-mcp.json"), "utf8")),
    );
  });
});

describe("install.sh against a local mirror", () => {
  let server: ReturnType<typeof Bun.serve>;
  let tamper = false;
  const requests: string[] = [];
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const path = new URL(request.url).pathname;
        requests.push(path);
        const file = path === "/latest/VERSION"
          ? join(RELEASE, "VERSION")
          : path.startsWith(`/v${VERSION}/`)
          ? join(RELEASE, path.slice(`/v${VERSION}/`.length))
          : null;
        if (!file || !existsSync(file) || file.includes("..")) return new Response("not found", { status: 404 });
        const bytes = readFileSync(file);
        if (tamper && file.endsWith(".tar.gz")) bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
        return new Response(bytes);
      },
    });
  });
  afterAll(() => server.stop(true));
  const base = () => `http://127.0.0.1:${server.port}`;

  /** Runs install.sh (asynchronously: the mirror answers from this process). */
  async function install(args: string[], env: Record<string, string> = {}) {
    const child = Bun.spawn(["sh", join(ROOT, "install.sh"), ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { stdout, stderr, code };
  }

  test(
    "the latest version, checked and installed to PREFIX/bin, with the next step; then into Claude Code, connected",
    async () => {
      const root = mkdtempSync(join(tmpdir(), "codex-mcp-install-"));
      try {
        const prefix = join(root, "prefix");
        const done = await install(["--prefix", prefix], { CODEX_MCP_INSTALL_BASE_URL: base() });
        expect(done.stderr).toBe("");
        expect(done.code).toBe(0);
        expect(requests).toContain("/latest/VERSION");
        expect(done.stdout).toContain(`installed codex-mcp ${VERSION} (commit`);
        expect(done.stdout).toContain(`${prefix}/bin/codex-mcp install claude-code`);
        const binary = join(prefix, "bin", "codex-mcp");
        // What a newcomer types next, under a throwaway HOME.
        const home = join(root, "home");
        const env = { HOME: home, PATH: process.env.PATH!, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };
        const added = run(binary, ["install", "claude-code"], { env });
        expect(added.stdout).toContain(`codex-mcp added to claude-code (user): ${home}/.claude.json`);
        const listed = run(join(BIN, "claude"), ["mcp", "list"], { env });
        expect(listed.stdout).toContain(`codex-mcp: ${binary}  - ✔ Connected`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    120_000,
  );

  test("a named version with --base-url; a version that is not there changes nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "codex-mcp-install-"));
    try {
      const ok = await install(["--version", `v${VERSION}`, "--base-url", base(), "--prefix", root]);
      expect(ok.code).toBe(0);
      expect(run(join(root, "bin", "codex-mcp"), ["--version"]).stdout).toStartWith(`codex-mcp ${VERSION} `);
      const missing = await install(["--version", "9.9.9", "--base-url", base(), "--prefix", join(root, "other")]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("could not download");
      expect(existsSync(join(root, "other"))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  test("a tampered archive is refused on its checksum, and the installed binary stays as it was", async () => {
    const root = mkdtempSync(join(tmpdir(), "codex-mcp-install-"));
    try {
      const bin = join(root, "bin");
      await install(["--base-url", base(), "--prefix", root]);
      const before = sha256(join(bin, "codex-mcp"));
      tamper = true;
      const refused = await install(["--base-url", base(), "--prefix", root]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("checksum mismatch");
      expect(refused.stderr).toContain("nothing was installed");
      expect(sha256(join(bin, "codex-mcp"))).toBe(before);
      expect(readdirSync(bin)).toEqual(["codex-mcp"]); // no partial file left behind
    } finally {
      tamper = false;
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  test("an unknown system or processor is refused before anything is downloaded", async () => {
    const root = mkdtempSync(join(tmpdir(), "codex-mcp-install-"));
    try {
      for (
        const [flag, answer, says] of [["-s", "SunOS", "no release for this system"], [
          "-m",
          "riscv64",
          "no release for this processor",
        ]] as const
      ) {
        // A `uname` that answers `flag` with `answer`, and the real one otherwise.
        const fake = join(root, "fakebin");
        rmSync(fake, { recursive: true, force: true });
        spawnSync("mkdir", ["-p", fake]);
        const real = run("sh", ["-c", "command -v uname"]).stdout.trim();
        writeFileSync(
          join(fake, "uname"),
          `#!/bin/sh\n[ "$1" = "${flag}" ] && echo ${answer} && exit 0\nexec ${real} "$@"\n`,
        );
        chmodSync(join(fake, "uname"), 0o755);
        const before = requests.length;
        const refused = await install(["--base-url", base(), "--prefix", join(root, "p")], {
          PATH: `${fake}:${process.env.PATH}`,
        });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(says);
        expect(requests.length).toBe(before);
        expect(existsSync(join(root, "p"))).toBe(false);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
