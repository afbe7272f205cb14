import { describe, expect, test } from "bun:test";
import type { Outcome } from "../../src/codex/install/discovery.ts";
import { buildInvocation, type CodexLocation, locateCodex, type LocateDeps } from "../../src/codex/install/locate.ts";
import {
  codexPackageJson,
  FakeFs,
  npmCmdShim,
  npmPs1Shim,
  npmShShim,
  platformPackageJson,
  WRAPPER_JS,
  WRAPPER_PACKAGE_JSON,
} from "./fake-fs.ts";

function deps(fs: FakeFs, env: Record<string, string>, extra: Partial<LocateDeps> = {}): LocateDeps {
  return { platform: fs.platform, arch: "x64", env, fs, ...extra };
}

function okValue(outcome: Outcome<CodexLocation>): CodexLocation {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

function errorOf(outcome: Outcome<CodexLocation>) {
  if (outcome.ok) throw new Error(`expected an error, got ${outcome.value.how}`);
  return outcome.error;
}

/** `@openai/codex` at `root` (the wrapper package). */
function installWrapper(fs: FakeFs, root: string): void {
  const sep = fs.f.sep;
  fs.file(`${root}${sep}package.json`, WRAPPER_PACKAGE_JSON);
  fs.file(`${root}${sep}bin${sep}codex.js`, WRAPPER_JS, { mode: 0o755 });
}

/** A platform package at `dir`; returns the native binary's path. */
function installPlatformPackage(
  fs: FakeFs,
  dir: string,
  key: string,
  triple: string,
  options: { entrypoint?: string | null; manifestTarget?: string; exeMode?: number } = {},
): string {
  const sep = fs.f.sep;
  const exe = key.startsWith("win32") ? "codex.exe" : "codex";
  fs.file(`${dir}${sep}package.json`, platformPackageJson(key));
  const vendor = `${dir}${sep}vendor${sep}${triple}`;
  const entry = options.entrypoint === undefined ? `bin/${exe}` : options.entrypoint;
  if (entry !== null) {
    fs.file(`${vendor}${sep}codex-package.json`, codexPackageJson(options.manifestTarget ?? triple, entry));
  }
  const binary = `${vendor}${sep}bin${sep}${exe}`;
  fs.file(binary, "\u007fELF", { mode: options.exeMode ?? 0o755, size: 294_277_432 });
  return binary;
}

describe("configuration variables", () => {
  test("CODEX_MCP_PATH and CODEX_MCP_COMMAND together are a configuration error naming both", async () => {
    const fs = new FakeFs("linux").exe("/opt/codex");
    const error = errorOf(
      await locateCodex(deps(fs, { CODEX_MCP_PATH: "/opt/codex", CODEX_MCP_COMMAND: "codex", PATH: "/usr/bin" })),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("CODEX_MCP_PATH");
    expect(error.message).toContain("CODEX_MCP_COMMAND");
    expect(error.hint).toContain("Unset one of them");
  });

  test("an empty variable counts as unset", async () => {
    const fs = new FakeFs("linux").exe("/usr/bin/codex");
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_PATH: "", CODEX_MCP_COMMAND: "", PATH: "/usr/bin" })));
    expect(loc.source).toBe("PATH");
  });

  test("CODEX_MCP_PATH: a native executable runs directly", async () => {
    const fs = new FakeFs("linux").exe("/opt/codex/codex");
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_PATH: "/opt/codex/codex", PATH: "" })));
    expect(loc).toMatchObject({
      command: "/opt/codex/codex",
      argsPrefix: [],
      source: "CODEX_MCP_PATH",
      kind: "native",
      launch: "direct",
    });
    expect(loc.how).toBe("CODEX_MCP_PATH points at /opt/codex/codex → runs it directly");
    expect(loc.env).toEqual({ set: {}, unset: [] });
  });

  test("CODEX_MCP_PATH: relative to cwd", async () => {
    const fs = new FakeFs("linux").exe("/work/bin/codex");
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_PATH: "bin/codex" }, { cwd: "/work" })));
    expect(loc.command).toBe("/work/bin/codex");
  });

  test("CODEX_MCP_PATH: relative without a cwd is refused", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("linux"), { CODEX_MCP_PATH: "bin/codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH" });
    expect(error.hint).toContain("absolute");
  });

  test("CODEX_MCP_PATH: missing", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("linux"), { CODEX_MCP_PATH: "/nope/codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH", path: "/nope/codex" });
    expect(error.message).toContain("does not exist");
    expect(error.hint).toContain("command -v codex");
  });

  test("CODEX_MCP_PATH: a directory, with the executable inside suggested", async () => {
    const fs = new FakeFs("linux").exe("/opt/codex/bin/codex");
    const error = errorOf(await locateCodex(deps(fs, { CODEX_MCP_PATH: "/opt/codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH" });
    expect(error.message).toContain("is a directory");
    expect(error.hint).toContain("/opt/codex/bin/codex");
  });

  test("CODEX_MCP_PATH: not executable", async () => {
    const fs = new FakeFs("linux").file("/opt/codex", "\u007fELF", { mode: 0o644 });
    const error = errorOf(await locateCodex(deps(fs, { CODEX_MCP_PATH: "/opt/codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH", path: "/opt/codex" });
    expect(error.message).toContain("not executable");
    expect(error.hint).toContain("chmod +x /opt/codex");
  });

  test("CODEX_MCP_COMMAND: looked up on PATH", async () => {
    const fs = new FakeFs("linux").exe("/usr/bin/codex").exe("/opt/bin/my-codex");
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_COMMAND: "my-codex", PATH: "/usr/bin:/opt/bin" })));
    expect(loc).toMatchObject({ command: "/opt/bin/my-codex", source: "CODEX_MCP_COMMAND", name: "my-codex" });
    expect(loc.how).toStartWith("found CODEX_MCP_COMMAND=my-codex on PATH at /opt/bin/my-codex");
  });

  test("CODEX_MCP_COMMAND: a path is refused", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("linux"), { CODEX_MCP_COMMAND: "/usr/bin/codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_COMMAND" });
    expect(error.hint).toContain("CODEX_MCP_PATH");
  });

  test("CODEX_MCP_COMMAND: not on PATH", async () => {
    const error = errorOf(
      await locateCodex(deps(new FakeFs("linux"), { CODEX_MCP_COMMAND: "codex-nightly", PATH: "/usr/bin:/bin" })),
    );
    expect(error).toMatchObject({
      code: "CODEX_NOT_FOUND",
      variable: "CODEX_MCP_COMMAND",
      searched: ["/usr/bin", "/bin"],
    });
    expect(error.hint).toContain("npm install -g @openai/codex");
  });
});

describe("PATH lookup (Linux)", () => {
  test("PATH order: the first directory with an executable codex wins", async () => {
    const fs = new FakeFs("linux").exe("/usr/local/bin/codex").exe("/usr/bin/codex");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin:/usr/bin" })));
    expect(loc.command).toBe("/usr/local/bin/codex");
    expect(loc.how).toBe("found codex on PATH at /usr/local/bin/codex → runs it directly");
  });

  test("a non-executable codex is skipped, and noted", async () => {
    const fs = new FakeFs("linux").file("/usr/local/bin/codex", "x", { mode: 0o644 }).exe("/usr/bin/codex");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin:/usr/bin" })));
    expect(loc.command).toBe("/usr/bin/codex");
    expect(loc.notes).toEqual(["skipped /usr/local/bin/codex: not executable (no execute permission bit)"]);
  });

  test("codex-internal when there is no codex", async () => {
    const fs = new FakeFs("linux").exe("/opt/oai/bin/codex-internal");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin:/opt/oai/bin" })));
    expect(loc).toMatchObject({ command: "/opt/oai/bin/codex-internal", name: "codex-internal", source: "PATH" });
    expect(loc.how).toContain("(no codex on PATH)");
  });

  test("codex is preferred to codex-internal even later on PATH", async () => {
    const fs = new FakeFs("linux").exe("/a/codex-internal").exe("/b/codex");
    expect(okValue(await locateCodex(deps(fs, { PATH: "/a:/b" }))).command).toBe("/b/codex");
  });

  test("neither: CODEX_NOT_FOUND with the install command", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("linux"), { PATH: "/usr/bin:/bin" })));
    expect(error.code).toBe("CODEX_NOT_FOUND");
    expect(error.message).toContain("neither codex nor codex-internal is on PATH");
    expect(error.searched).toEqual(["/usr/bin", "/bin"]);
    expect(error.hint).toContain("npm install -g @openai/codex");
    expect(error.hint).toContain("CODEX_MCP_PATH");
  });

  test("PATH unset", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("linux"), {})));
    expect(error.message).toContain("PATH is empty or unset");
  });

  test("a symlink to a native binary runs the link, and says where it leads", async () => {
    const fs = new FakeFs("linux").exe("/opt/codex-0.169/codex").symlink(
      "/usr/local/bin/codex",
      "/opt/codex-0.169/codex",
    );
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin" })));
    expect(loc.command).toBe("/usr/local/bin/codex");
    expect(loc.how).toBe("found codex on PATH at /usr/local/bin/codex (→ /opt/codex-0.169/codex) → runs it directly");
  });
});

describe("npm wrapper → native binary", () => {
  test("Linux: global npm symlink, platform package nested in the wrapper's node_modules", async () => {
    const fs = new FakeFs("linux");
    const root = "/usr/local/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-linux-x64`,
      "linux-x64",
      "x86_64-unknown-linux-musl",
    );
    fs.symlink("/usr/local/bin/codex", "../lib/node_modules/@openai/codex/bin/codex.js");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin:/usr/bin" })));
    expect(loc).toMatchObject({
      command: native,
      argsPrefix: [],
      launch: "direct",
      kind: "npm-native",
      file: "/usr/local/bin/codex",
      executable: native,
    });
    expect(loc.shim).toMatchObject({
      via: "symlink",
      wrapper: `${root}/bin/codex.js`,
      packageRoot: root,
      wrapperVersion: "0.169.0",
      platformPackage: "@openai/codex-linux-x64",
      packageManager: "npm",
    });
    expect(loc.shim?.native).toMatchObject({
      packageName: "@openai/codex-linux-x64",
      targetTriple: "x86_64-unknown-linux-musl",
      manifest: true,
      version: "0.169.0",
    });
    expect(loc.env).toEqual({
      set: { CODEX_MANAGED_PACKAGE_ROOT: root, CODEX_MANAGED_BY_NPM: "1" },
      unset: ["CODEX_MANAGED_BY_BUN", "CODEX_MANAGED_BY_PNPM", "CODEX_MANAGED_BY_VITE_PLUS"],
    });
    expect(loc.how).toBe(
      `found codex on PATH at /usr/local/bin/codex (npm symlink to the wrapper ${root}/bin/codex.js) → native binary ${native} from @openai/codex-linux-x64 0.169.0; Node is not needed`,
    );
    expect(loc.warning).toBeUndefined();
    expect(buildInvocation(loc, ["app-server"])).toEqual({
      command: native,
      args: ["app-server"],
      windowsVerbatimArguments: false,
    });
  });

  test("Linux: project-local node_modules/.bin with a hoisted platform package (arm64)", async () => {
    const fs = new FakeFs("linux");
    installWrapper(fs, "/work/app/node_modules/@openai/codex");
    const native = installPlatformPackage(
      fs,
      "/work/app/node_modules/@openai/codex-linux-arm64",
      "linux-arm64",
      "aarch64-unknown-linux-musl",
    );
    installPlatformPackage(
      fs,
      "/work/app/node_modules/@openai/codex-linux-x64",
      "linux-x64",
      "x86_64-unknown-linux-musl",
    );
    fs.symlink("/work/app/node_modules/.bin/codex", "../@openai/codex/bin/codex.js");
    const loc = okValue(
      await locateCodex(deps(fs, { PATH: "node_modules/.bin:/usr/bin" }, { arch: "arm64", cwd: "/work/app" })),
    );
    expect(loc.command).toBe(native);
    expect(loc.shim?.native?.targetTriple).toBe("aarch64-unknown-linux-musl");
  });

  test("CODEX_MCP_PATH pointing at bin/codex.js itself", async () => {
    const fs = new FakeFs("linux");
    const root = "/home/u/.nvm/versions/node/v22.0.0/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-linux-x64`,
      "linux-x64",
      "x86_64-unknown-linux-musl",
    );
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_PATH: `${root}/bin/codex.js` })));
    expect(loc.command).toBe(native);
    expect(loc.shim?.via).toBe("direct");
    expect(loc.how).toContain("(the npm wrapper script)");
  });

  test("codex-package.json's entrypoint is honoured", async () => {
    const fs = new FakeFs("linux");
    const root = "/usr/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const pkg = `${root}/node_modules/@openai/codex-linux-x64`;
    installPlatformPackage(fs, pkg, "linux-x64", "x86_64-unknown-linux-musl", { entrypoint: "libexec/codex-cli" });
    fs.exe(`${pkg}/vendor/x86_64-unknown-linux-musl/libexec/codex-cli`);
    fs.symlink("/usr/bin/codex", `${root}/bin/codex.js`);
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin" })));
    expect(loc.command).toBe(`${pkg}/vendor/x86_64-unknown-linux-musl/libexec/codex-cli`);
  });

  test("an escaping entrypoint is ignored; a manifest for another target skips the directory", async () => {
    const fs = new FakeFs("linux");
    const root = "/usr/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-linux-x64`,
      "linux-x64",
      "x86_64-unknown-linux-musl",
      {
        manifestTarget: "aarch64-unknown-linux-musl",
      },
    );
    // Legacy layout: vendor/ inside the wrapper package, with an entrypoint that tries to escape.
    fs.file(
      `${root}/vendor/x86_64-unknown-linux-musl/codex-package.json`,
      codexPackageJson("x86_64-unknown-linux-musl", "../../../../evil"),
    );
    fs.exe(`${root}/vendor/x86_64-unknown-linux-musl/bin/codex`);
    fs.symlink("/usr/bin/codex", `${root}/bin/codex.js`);
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin" })));
    expect(loc.command).toBe(`${root}/vendor/x86_64-unknown-linux-musl/bin/codex`);
    expect(loc.shim?.native?.packageName).toBe("@openai/codex");
    expect(loc.notes.some((n) => n.includes("is for aarch64-unknown-linux-musl"))).toBe(true);
    expect(loc.notes.some((n) => n.includes("unusable entrypoint"))).toBe(true);
  });

  test("a platform package of another version is used, with a note", async () => {
    const fs = new FakeFs("linux");
    const root = "/usr/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const pkg = `${root}/node_modules/@openai/codex-linux-x64`;
    installPlatformPackage(fs, pkg, "linux-x64", "x86_64-unknown-linux-musl", { entrypoint: null });
    fs.file(`${pkg}/package.json`, JSON.stringify({ name: "@openai/codex", version: "0.168.0-linux-x64" }));
    fs.symlink("/usr/bin/codex", `${root}/bin/codex.js`);
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin" })));
    expect(loc.shim?.native).toMatchObject({ manifest: false, version: "0.168.0" });
    expect(loc.notes).toContain(
      "@openai/codex-linux-x64 is version 0.168.0 but the wrapper is 0.169.0; reinstall Codex so they match",
    );
  });

  test("Linux: pnpm's sh shim, detected as pnpm", async () => {
    const fs = new FakeFs("linux");
    const store = "/home/u/.local/share/pnpm/global/5/node_modules/.pnpm/@openai+codex@0.169.0/node_modules";
    installWrapper(fs, `${store}/@openai/codex`);
    const native = installPlatformPackage(
      fs,
      `${store}/@openai/codex-linux-x64`,
      "linux-x64",
      "x86_64-unknown-linux-musl",
    );
    fs.file("/home/u/.local/share/pnpm/global/5/node_modules/.modules.yaml", "layoutVersion: 5\n");
    fs.symlink("/home/u/.local/share/pnpm/global/5/node_modules/@openai/codex", `${store}/@openai/codex`);
    fs.file("/home/u/.local/share/pnpm/codex", npmShShim("global/5/node_modules/@openai/codex/bin/codex.js"), {
      mode: 0o755,
    });
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/home/u/.local/share/pnpm:/usr/bin" })));
    expect(loc.command).toBe(native);
    expect(loc.shim).toMatchObject({ via: "sh", packageManager: "pnpm", packageRoot: `${store}/@openai/codex` });
    expect(loc.env.set).toEqual({ CODEX_MANAGED_PACKAGE_ROOT: `${store}/@openai/codex`, CODEX_MANAGED_BY_PNPM: "1" });
    expect(loc.how).toContain("npm shell shim for the wrapper");
  });

  test("Bun's global install is detected as bun", async () => {
    const fs = new FakeFs("linux");
    const root = "/home/u/.bun/install/global/node_modules/@openai/codex";
    installWrapper(fs, root);
    installPlatformPackage(
      fs,
      "/home/u/.bun/install/global/node_modules/@openai/codex-linux-x64",
      "linux-x64",
      "x86_64-unknown-linux-musl",
    );
    fs.symlink("/home/u/.bun/bin/codex", `${root}/bin/codex.js`);
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/home/u/.bun/bin" })));
    expect(loc.env.set["CODEX_MANAGED_BY_BUN"]).toBe("1");
  });

  test("macOS arm64: Homebrew's npm prefix", async () => {
    const fs = new FakeFs("darwin");
    const root = "/opt/homebrew/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-darwin-arm64`,
      "darwin-arm64",
      "aarch64-apple-darwin",
    );
    installPlatformPackage(fs, `${root}/node_modules/@openai/codex-darwin-x64`, "darwin-x64", "x86_64-apple-darwin");
    fs.symlink("/opt/homebrew/bin/codex", "../lib/node_modules/@openai/codex/bin/codex.js");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/opt/homebrew/bin:/usr/bin:/bin" }, { arch: "arm64" })));
    expect(loc.command).toBe(native);
    expect(loc.shim?.native?.targetTriple).toBe("aarch64-apple-darwin");
  });

  test("macOS x64", async () => {
    const fs = new FakeFs("darwin");
    const root = "/usr/local/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-darwin-x64`,
      "darwin-x64",
      "x86_64-apple-darwin",
    );
    fs.symlink("/usr/local/bin/codex", "../lib/node_modules/@openai/codex/bin/codex.js");
    expect(okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin" }))).command).toBe(native);
  });

  test("macOS: a native binary (Homebrew cask) runs as it is", async () => {
    const fs = new FakeFs("darwin").exe("/opt/homebrew/Caskroom/codex/0.169.0/codex-aarch64-apple-darwin");
    fs.symlink("/opt/homebrew/bin/codex", "/opt/homebrew/Caskroom/codex/0.169.0/codex-aarch64-apple-darwin");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/opt/homebrew/bin" }, { arch: "arm64" })));
    expect(loc).toMatchObject({ kind: "native", command: "/opt/homebrew/bin/codex" });
    expect(loc.shim).toBeUndefined();
  });

  test("Windows x64: npm's .cmd shim in the npm prefix → codex.exe", async () => {
    const fs = new FakeFs("win32");
    const prefix = "C:\\Users\\me\\AppData\\Roaming\\npm";
    const root = `${prefix}\\node_modules\\@openai\\codex`;
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}\\node_modules\\@openai\\codex-win32-x64`,
      "win32-x64",
      "x86_64-pc-windows-msvc",
    );
    fs.file(`${prefix}\\codex`, npmShShim("node_modules/@openai/codex/bin/codex.js"));
    fs.file(`${prefix}\\codex.cmd`, npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    fs.file(`${prefix}\\codex.ps1`, npmPs1Shim("node_modules/@openai/codex/bin/codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { Path: `C:\\Windows\\system32;${prefix}` })));
    expect(loc).toMatchObject({ command: native, launch: "direct", kind: "npm-native", file: `${prefix}\\codex.cmd` });
    expect(loc.shim).toMatchObject({
      via: "cmd",
      wrapper: `${root}\\bin\\codex.js`,
      platformPackage: "@openai/codex-win32-x64",
    });
    expect(loc.how).toBe(
      `found codex on PATH at ${prefix}\\codex.cmd (npm .cmd shim for the wrapper ${root}\\bin\\codex.js) → native binary ${native} from @openai/codex-win32-x64 0.169.0; Node is not needed`,
    );
  });

  test("Windows arm64, entrypoint without .exe gets it appended", async () => {
    const fs = new FakeFs("win32");
    const prefix = "C:\\Users\\me\\AppData\\Roaming\\npm";
    const root = `${prefix}\\node_modules\\@openai\\codex`;
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}\\node_modules\\@openai\\codex-win32-arm64`,
      "win32-arm64",
      "aarch64-pc-windows-msvc",
      {
        entrypoint: "bin/codex",
      },
    );
    fs.file(`${prefix}\\codex.cmd`, npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { PATH: prefix }, { arch: "arm64" })));
    expect(loc.command).toBe(native);
    expect(loc.shim?.native?.manifest).toBe(true);
  });

  test("Windows: the .ps1 shim, when PATHEXT lists .PS1 first", async () => {
    const fs = new FakeFs("win32");
    const prefix = "D:\\node";
    installWrapper(fs, `${prefix}\\node_modules\\@openai\\codex`);
    const native = installPlatformPackage(
      fs,
      `${prefix}\\node_modules\\@openai\\codex-win32-x64`,
      "win32-x64",
      "x86_64-pc-windows-msvc",
    );
    fs.file(`${prefix}\\codex.ps1`, npmPs1Shim("node_modules/@openai/codex/bin/codex.js"));
    fs.file(`${prefix}\\codex.cmd`, npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { PATH: prefix, PATHEXT: ".PS1;.COM;.EXE;.BAT;.CMD" })));
    expect(loc.command).toBe(native);
    expect(loc.shim?.via).toBe("ps1");
    expect(loc.how).toContain("npm PowerShell shim");
  });

  test("Windows: the extensionless sh shim through CODEX_MCP_PATH", async () => {
    const fs = new FakeFs("win32");
    const prefix = "C:\\npm";
    installWrapper(fs, `${prefix}\\node_modules\\@openai\\codex`);
    const native = installPlatformPackage(
      fs,
      `${prefix}\\node_modules\\@openai\\codex-win32-x64`,
      "win32-x64",
      "x86_64-pc-windows-msvc",
    );
    fs.file(`${prefix}\\codex`, npmShShim("node_modules/@openai/codex/bin/codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { CODEX_MCP_PATH: "c:/npm/codex" })));
    expect(loc.command).toBe(native);
    expect(loc.shim?.via).toBe("sh");
  });

  test("a large file is never read as a shim", async () => {
    const fs = new FakeFs("linux").exe("/usr/bin/codex", "\u007fELF", { size: 294_277_432 });
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin" })));
    expect(loc.kind).toBe("native");
    expect(fs.calls.filter((c) => c === "/usr/bin/codex").length).toBeGreaterThan(0);
  });
});

describe("npm wrapper without a native binary", () => {
  test("Linux: runs the wrapper as found, with a warning that Node is needed", async () => {
    const fs = new FakeFs("linux").exe("/usr/bin/node");
    const root = "/usr/local/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    fs.symlink("/usr/local/bin/codex", "../lib/node_modules/@openai/codex/bin/codex.js");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin:/usr/bin" })));
    expect(loc).toMatchObject({
      command: "/usr/local/bin/codex",
      argsPrefix: [],
      launch: "direct",
      kind: "npm-wrapper",
      env: { set: {}, unset: [] },
    });
    expect(loc.shim?.native).toBeNull();
    expect(loc.shim?.tried).toContain(`${root}/vendor/x86_64-unknown-linux-musl/bin/codex`);
    expect(loc.warning).toContain("needs Node.js");
    expect(loc.warning).toContain("@openai/codex-linux-x64");
    expect(loc.warning).toContain("npm install -g @openai/codex");
    expect(loc.warning).not.toContain("node is not on PATH");
    expect(loc.how).toContain("was not found; running /usr/local/bin/codex with Node");
  });

  test("Linux: the warning says when node is not on PATH either", async () => {
    const fs = new FakeFs("linux");
    installWrapper(fs, "/usr/local/lib/node_modules/@openai/codex");
    fs.symlink("/usr/local/bin/codex", "../lib/node_modules/@openai/codex/bin/codex.js");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin" })));
    expect(loc.warning).toContain("node is not on PATH either");
  });

  test("Linux: a native binary without an execute bit is passed over, with a note", async () => {
    const fs = new FakeFs("linux");
    const root = "/usr/local/lib/node_modules/@openai/codex";
    installWrapper(fs, root);
    const native = installPlatformPackage(
      fs,
      `${root}/node_modules/@openai/codex-linux-x64`,
      "linux-x64",
      "x86_64-unknown-linux-musl",
      { exeMode: 0o644 },
    );
    fs.symlink("/usr/local/bin/codex", `${root}/bin/codex.js`);
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/local/bin" })));
    expect(loc.kind).toBe("npm-wrapper");
    expect(loc.notes).toContain(`${native} is not executable (chmod +x it, or reinstall Codex)`);
  });

  test("an unsupported architecture falls back to the wrapper", async () => {
    const fs = new FakeFs("linux");
    installWrapper(fs, "/usr/lib/node_modules/@openai/codex");
    fs.symlink("/usr/bin/codex", "/usr/lib/node_modules/@openai/codex/bin/codex.js");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "/usr/bin" }, { arch: "ia32" })));
    expect(loc.kind).toBe("npm-wrapper");
    expect(loc.shim?.platformPackage).toBeNull();
    expect(loc.notes).toContain("Codex publishes no native build for linux/ia32");
    expect(loc.warning).toContain("Codex ships no native binary for linux/ia32");
  });

  test("Windows: the .cmd shim runs through cmd.exe, quoted", async () => {
    const fs = new FakeFs("win32");
    const prefix = "C:\\Users\\John Doe\\AppData\\Roaming\\npm";
    installWrapper(fs, `${prefix}\\node_modules\\@openai\\codex`);
    fs.file(`${prefix}\\codex.cmd`, npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const env = { PATH: prefix, ComSpec: "C:\\WINDOWS\\system32\\cmd.exe" };
    const loc = okValue(await locateCodex(deps(fs, env)));
    expect(loc).toMatchObject({
      command: "C:\\WINDOWS\\system32\\cmd.exe",
      argsPrefix: ["/d", "/s", "/c"],
      launch: "cmd",
      kind: "npm-wrapper",
      executable: `${prefix}\\codex.cmd`,
    });
    expect(loc.warning).toContain("needs Node.js");
    expect(loc.warning).toContain("@openai/codex-win32-x64");
    expect(loc.how).toContain("through C:\\WINDOWS\\system32\\cmd.exe /d /s /c (Node.js required)");
    expect(buildInvocation(loc, ["app-server", "--listen", "stdio://", 'say "hi" & 100%!'])).toEqual({
      command: "C:\\WINDOWS\\system32\\cmd.exe",
      args: [
        "/d",
        "/s",
        "/c",
        '"C:\\Users\\John^ Doe\\AppData\\Roaming\\npm\\codex.cmd ^^^"app-server^^^" ^^^"--listen^^^" ^^^"stdio://^^^" ' +
        '^^^"say^^^ \\^^^"hi\\^^^"^^^ ^^^&^^^ 100^^^%^^^!^^^""',
      ],
      windowsVerbatimArguments: true,
    });
  });

  test("Windows: the warning knows about npm's node.exe beside the shim", async () => {
    const fs = new FakeFs("win32");
    installWrapper(fs, "C:\\npm\\node_modules\\@openai\\codex");
    fs.file("C:\\npm\\codex.cmd", npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const without = okValue(await locateCodex(deps(fs, { PATH: "C:\\npm" })));
    expect(without.warning).toContain("node is not on PATH either");
    fs.file("C:\\npm\\node.exe", "MZ");
    const beside = okValue(await locateCodex(deps(fs, { PATH: "C:\\npm" })));
    expect(beside.warning).not.toContain("node is not on PATH either");
  });

  test("Windows: cmd.exe from SystemRoot when ComSpec is unset", async () => {
    const fs = new FakeFs("win32");
    installWrapper(fs, "C:\\npm\\node_modules\\@openai\\codex");
    fs.file("C:\\npm\\codex.cmd", npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { PATH: "C:\\npm", SystemRoot: "C:\\Windows" })));
    expect(loc.command).toBe("C:\\Windows\\System32\\cmd.exe");
  });

  test("Windows: a .ps1 shim falls back to the codex.cmd beside it", async () => {
    const fs = new FakeFs("win32");
    installWrapper(fs, "C:\\npm\\node_modules\\@openai\\codex");
    fs.file("C:\\npm\\codex.ps1", npmPs1Shim("node_modules/@openai/codex/bin/codex.js"));
    fs.file("C:\\npm\\codex.cmd", npmCmdShim("node_modules\\@openai\\codex\\bin\\codex.js"));
    const loc = okValue(await locateCodex(deps(fs, { PATH: "C:\\npm", PATHEXT: ".PS1;.CMD", ComSpec: "cmd.exe" })));
    expect(loc).toMatchObject({ launch: "cmd", executable: "C:\\npm\\codex.cmd", file: "C:\\npm\\codex.ps1" });
  });

  test("Windows: the wrapper itself with no shim beside it runs with node from PATH", async () => {
    const fs = new FakeFs("win32").file("C:\\Program Files\\nodejs\\node.exe", "MZ");
    installWrapper(fs, "C:\\src\\node_modules\\@openai\\codex");
    const loc = okValue(
      await locateCodex(
        deps(fs, {
          CODEX_MCP_PATH: "C:\\src\\node_modules\\@openai\\codex\\bin\\codex.js",
          PATH: "C:\\Program Files\\nodejs",
        }),
      ),
    );
    expect(loc).toMatchObject({
      command: "C:\\Program Files\\nodejs\\node.exe",
      argsPrefix: ["C:\\src\\node_modules\\@openai\\codex\\bin\\codex.js"],
      launch: "direct",
      kind: "npm-wrapper",
    });
  });

  test("Windows: no native binary, no shim, no node → CODEX_NOT_RUNNABLE", async () => {
    const fs = new FakeFs("win32");
    installWrapper(fs, "C:\\src\\node_modules\\@openai\\codex");
    const error = errorOf(
      await locateCodex(deps(fs, { CODEX_MCP_PATH: "C:\\src\\node_modules\\@openai\\codex\\bin\\codex.js", PATH: "" })),
    );
    expect(error.code).toBe("CODEX_NOT_RUNNABLE");
    expect(error.hint).toContain("npm install -g @openai/codex");
  });
});

describe("Windows lookup", () => {
  function toolsDir(): FakeFs {
    return new FakeFs("win32").file("C:\\tools\\codex.CMD", "@echo off\r\nC:\\real\\codex.exe %*\r\n").file(
      "C:\\tools\\codex.exe",
      "MZ",
    );
  }

  test("default PATHEXT: codex.exe before codex.CMD in the same directory", async () => {
    const loc = okValue(await locateCodex(deps(toolsDir(), { PATH: "C:\\tools" })));
    expect(loc).toMatchObject({ command: "C:\\tools\\codex.exe", launch: "direct", kind: "native" });
  });

  test("PATHEXT .cmd first (any case): the batch file, as spelled on disk, through cmd.exe", async () => {
    const loc = okValue(
      await locateCodex(
        deps(toolsDir(), { Path: "C:\\tools", PathExt: ".cmd;.exe", COMSPEC: "C:\\Windows\\system32\\cmd.exe" }),
      ),
    );
    expect(loc).toMatchObject({
      command: "C:\\Windows\\system32\\cmd.exe",
      launch: "cmd",
      kind: "batch",
      executable: "C:\\tools\\codex.CMD",
    });
    expect(loc.warning).toBeUndefined();
    expect(buildInvocation(loc, ["--version"]).args).toEqual([
      "/d",
      "/s",
      "/c",
      '"C:\\tools\\codex.CMD ^^^"--version^^^""',
    ]);
  });

  test("PATH order before PATHEXT order", async () => {
    const fs = new FakeFs("win32").file("C:\\a\\codex.bat", "@echo off").file("C:\\b\\codex.exe", "MZ");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "C:\\a;C:\\b", ComSpec: "cmd.exe" })));
    expect(loc.executable).toBe("C:\\a\\codex.bat");
  });

  test("codex-internal.exe fallback", async () => {
    const fs = new FakeFs("win32").file("C:\\oai\\codex-internal.exe", "MZ");
    const loc = okValue(await locateCodex(deps(fs, { PATH: "C:\\oai" })));
    expect(loc).toMatchObject({ command: "C:\\oai\\codex-internal.exe", name: "codex-internal" });
  });

  test("a file type Windows cannot start (a .ps1 that is not an npm shim)", async () => {
    const fs = new FakeFs("win32").file("C:\\a\\codex.ps1", "Write-Host hi");
    const error = errorOf(await locateCodex(deps(fs, { PATH: "C:\\a", PATHEXT: ".PS1" })));
    expect(error.code).toBe("CODEX_NOT_RUNNABLE");
    expect(error.hint).toContain("PATHEXT");
  });

  test("CODEX_MCP_PATH: a directory, with codex.exe inside suggested", async () => {
    const fs = new FakeFs("win32").file("C:\\tools\\codex\\codex.exe", "MZ");
    const error = errorOf(await locateCodex(deps(fs, { codex_mcp_path: "C:\\tools\\codex" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH" });
    expect(error.hint).toContain("C:\\tools\\codex\\codex.exe");
  });

  test("CODEX_MCP_PATH: missing; the hint uses `where`", async () => {
    const error = errorOf(await locateCodex(deps(new FakeFs("win32"), { CODEX_MCP_PATH: "C:\\nope\\codex.exe" })));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.hint).toContain("where codex");
  });

  test("CODEX_MCP_PATH: not an executable type", async () => {
    const fs = new FakeFs("win32").file("C:\\a\\codex.txt", "hello");
    const error = errorOf(await locateCodex(deps(fs, { CODEX_MCP_PATH: "C:\\a\\codex.txt" })));
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_MCP_PATH" });
  });

  test("both variables set, in any case spelling", async () => {
    const error = errorOf(
      await locateCodex(deps(new FakeFs("win32"), { Codex_Mcp_Path: "C:\\x.exe", codex_mcp_command: "codex" })),
    );
    expect(error.code).toBe("CONFIG_INVALID");
  });

  test("CODEX_MCP_COMMAND with a drive or separator is refused", async () => {
    for (const value of ["C:codex", "bin\\codex", "bin/codex"]) {
      const error = errorOf(await locateCodex(deps(new FakeFs("win32"), { CODEX_MCP_COMMAND: value })));
      expect(error.code).toBe("CONFIG_INVALID");
    }
  });
});
