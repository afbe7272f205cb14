/**
 * The state directory: where it is on each platform (pure, injected environment), and getting it
 * ready on the real file system (modes, existing directories and files left alone, unwritable
 * places refused at start-up).
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRuntime } from "../../src/runtime/detect.ts";
import type { FileSystem } from "../../src/runtime/types.ts";
import { StoreError } from "../../src/sessions/sqlite-store.ts";
import { prepareStateDir, resolveStateDir, type StateDirDeps } from "../../src/platform/state-dir.ts";

const runtime = await loadRuntime();
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) {
    try {
      chmodSync(dir, 0o700);
    } catch {
      // gone already
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "codex-mcp-state-"));
  scratch.push(dir);
  return dir;
}

const resolve = (platform: string, env: Record<string, string>, cwd = platform === "win32" ? "C:\\work" : "/work") =>
  resolveStateDir({ platform, env, cwd });

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw new Error(`expected a StoreError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected a StoreError, it resolved");
}

describe("resolveStateDir", () => {
  test("CODEX_MCP_STATE_DIR wins everywhere; relative is resolved with a warning; empty is unset", () => {
    for (const platform of ["linux", "darwin", "win32", "freebsd"]) {
      const abs = platform === "win32" ? "D:\\state" : "/srv/state";
      expect(
        resolve(platform, { CODEX_MCP_STATE_DIR: abs, HOME: "/home/u", XDG_STATE_HOME: "/x", LOCALAPPDATA: "C:\\L" }),
      ).toEqual({
        path: abs,
        source: "CODEX_MCP_STATE_DIR",
        how: `CODEX_MCP_STATE_DIR=${abs}`,
        warnings: [],
      });
    }
    const relative = resolve("linux", { CODEX_MCP_STATE_DIR: "state/../mine", HOME: "/home/u" });
    expect(relative.path).toBe("/work/mine");
    expect(relative.warnings.join()).toMatch(/relative.*absolute path/);
    expect(resolve("linux", { CODEX_MCP_STATE_DIR: "", HOME: "/home/u" }).path).toBe("/home/u/.local/state/codex-mcp");
    // Windows variable names are case-insensitive.
    expect(resolve("win32", { codex_mcp_state_dir: "E:\\s", USERPROFILE: "C:\\Users\\u" }).path).toBe("E:\\s");
  });

  test("Linux and other Unix: $XDG_STATE_HOME/codex-mcp, else ~/.local/state/codex-mcp; a relative XDG_STATE_HOME is ignored", () => {
    expect(resolve("linux", { HOME: "/home/u", XDG_STATE_HOME: "/home/u/state" })).toMatchObject({
      path: "/home/u/state/codex-mcp",
      source: "default",
      warnings: [],
    });
    expect(resolve("linux", { HOME: "/home/u" })).toMatchObject({
      path: "/home/u/.local/state/codex-mcp",
      source: "default",
    });
    expect(resolve("freebsd", { HOME: "/usr/home/u" }).path).toBe("/usr/home/u/.local/state/codex-mcp");
    const relativeXdg = resolve("linux", { HOME: "/home/u", XDG_STATE_HOME: "state" });
    expect(relativeXdg.path).toBe("/home/u/.local/state/codex-mcp");
    expect(relativeXdg.warnings.join()).toContain("XDG_STATE_HOME");
    expect(resolve("linux", { HOME: "/home/u/", XDG_STATE_HOME: "" }).path).toBe("/home/u/.local/state/codex-mcp");
  });

  test("macOS: ~/Library/Application Support/codex-mcp (XDG_STATE_HOME is not a macOS convention)", () => {
    expect(resolve("darwin", { HOME: "/Users/u", XDG_STATE_HOME: "/Users/u/.state" })).toMatchObject({
      path: "/Users/u/Library/Application Support/codex-mcp",
      source: "default",
    });
  });

  test("Windows: %LOCALAPPDATA%\\codex-mcp, else %USERPROFILE%\\AppData\\Local\\codex-mcp", () => {
    expect(resolve("win32", { LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local", USERPROFILE: "C:\\Users\\u" }).path).toBe(
      "C:\\Users\\u\\AppData\\Local\\codex-mcp",
    );
    expect(resolve("win32", { LocalAppData: "C:/Users/u/AppData/Local" }).path).toBe(
      "C:\\Users\\u\\AppData\\Local\\codex-mcp",
    );
    expect(resolve("win32", { USERPROFILE: "C:\\Users\\u" }).path).toBe("C:\\Users\\u\\AppData\\Local\\codex-mcp");
    expect(resolve("win32", { HOMEDRIVE: "C:", HOMEPATH: "\\Users\\v" }).path).toBe(
      "C:\\Users\\v\\AppData\\Local\\codex-mcp",
    );
  });

  test("no home and no variable: STATE_DIR_UNRESOLVED, saying what to set", () => {
    for (
      const [platform, env] of [["linux", {}], ["darwin", { HOME: "" }], ["win32", {}], ["linux", {
        HOME: "relative/home",
      }]] as const
    ) {
      let error: unknown;
      try {
        resolve(platform, env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: "STATE_DIR_UNRESOLVED" });
      expect((error as StoreError).hint).toContain("CODEX_MCP_STATE_DIR");
    }
  });
});

describe("prepareStateDir on the real file system", () => {
  const deps = (dir: string, extra: Partial<StateDirDeps> = {}) => ({
    env: { CODEX_MCP_STATE_DIR: dir },
    platform: runtime.platform,
    cwd: "/",
    fs: runtime.fs,
    ...extra,
  });
  const mode = (path: string) => statSync(path).mode & 0o777;

  test("creates the directory 0700 (parents too) and an empty database file 0600, whatever the umask", async () => {
    const root = tempDir();
    const dir = join(root, "a", "b", "codex-mcp");
    const previous = process.umask(0o000); // the loosest umask: mkdir's 0700 must still hold
    try {
      const prepared = await prepareStateDir(deps(dir));
      expect(prepared).toMatchObject({
        path: dir,
        databasePath: join(dir, "state.db"),
        createdDir: true,
        createdDatabase: true,
        warnings: [],
      });
    } finally {
      process.umask(previous);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "state.db"))).toBe(0o600);
    expect(statSync(join(dir, "state.db")).size).toBe(0);
    const strict = process.umask(0o277); // a umask that would take the owner's write bit
    try {
      const other = join(root, "strict");
      await prepareStateDir(deps(other));
      expect(mode(other)).toBe(0o700);
    } finally {
      process.umask(strict);
    }
  });

  test("an existing directory and database are used as they are: modes kept (with a warning), content never truncated", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const db = join(dir, "state.db");
    writeFileSync(db, "SQLite format 3\0 pretend content");
    chmodSync(db, 0o644);
    const prepared = await prepareStateDir(deps(dir));
    expect(prepared).toMatchObject({ createdDir: false, createdDatabase: false });
    expect(prepared.warnings).toHaveLength(2);
    expect(prepared.warnings[0]).toContain("mode 0755");
    expect(prepared.warnings[0]).toContain(`chmod 700 '${dir}'`);
    expect(prepared.warnings[1]).toContain("mode 0644");
    expect(mode(dir)).toBe(0o755);
    expect(mode(db)).toBe(0o644);
    expect(readFileSync(db, "utf8")).toBe("SQLite format 3\0 pretend content");

    chmodSync(dir, 0o700);
    chmodSync(db, 0o600);
    expect((await prepareStateDir(deps(dir))).warnings).toEqual([]);
  });

  test("leaves no probe file behind", async () => {
    const dir = tempDir();
    await prepareStateDir(deps(dir));
    expect((await runtime.fs.readDir(dir)).sort()).toEqual(["state.db"]);
  });

  test("a path that is a file, or whose database name is a directory: STATE_DIR_UNWRITABLE", async () => {
    const root = tempDir();
    const file = join(root, "file");
    writeFileSync(file, "x");
    const error = await rejection(prepareStateDir(deps(file)));
    expect(error).toMatchObject({ code: "STATE_DIR_UNWRITABLE", path: file });
    expect(error.message).toContain("not a directory");
    expect(error.message).toContain("CODEX_MCP_STATE_DIR");

    const dir = join(root, "dir");
    mkdirSync(join(dir, "state.db"), { recursive: true });
    expect(await rejection(prepareStateDir(deps(dir)))).toMatchObject({ code: "STATE_DIR_UNWRITABLE" });
  });

  /**
   * A read-only directory must fail at start-up. The plain way is `chmod 0500`; but as root (these
   * tests run as root in CI containers) permission bits are not enforced, so the chmod case would
   * prove nothing. Then the test uses places no permission check can open: a path below a regular
   * file (mkdir fails with ENOTDIR for root too), and an existing directory of a read-only kernel
   * file system (/proc: root cannot create files there). Both run always; the chmod case runs when
   * it can mean something.
   */
  test("a directory that cannot be created or written: STATE_DIR_UNWRITABLE, naming the path and the variable", async () => {
    const root = tempDir();
    const isRoot = process.getuid?.() === 0;

    const file = join(root, "regular-file");
    writeFileSync(file, "");
    const below = join(file, "state");
    const notCreatable = await rejection(prepareStateDir(deps(below)));
    expect(notCreatable).toMatchObject({ code: "STATE_DIR_UNWRITABLE", path: below });
    expect(notCreatable.message).toContain(below);
    expect(notCreatable.message).toContain("CODEX_MCP_STATE_DIR=");
    expect(notCreatable.message).toMatch(/ENOTDIR|not a directory/);
    expect(notCreatable.hint).toContain("CODEX_MCP_STATE_DIR");

    if (runtime.platform === "linux") {
      const proc = await rejection(prepareStateDir(deps("/proc/self")));
      expect(proc).toMatchObject({ code: "STATE_DIR_UNWRITABLE", path: "/proc/self" });
      expect(proc.message).toContain("is not writable");
    }

    const readOnly = join(root, "read-only");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const result = await prepareStateDir(deps(readOnly)).then(
      () => "prepared" as const,
      (error: unknown) => error,
    );
    if (isRoot) {
      // Not enforced for root: the directory is writable after all, which is what we found.
      expect(result).toBe("prepared");
    } else {
      expect(result).toBeInstanceOf(StoreError);
      expect(result).toMatchObject({ code: "STATE_DIR_UNWRITABLE", path: readOnly });
      expect((result as StoreError).message).toContain("is not writable");
    }
    // The default location reports where it came from, and that the variable can move it.
    const home = join(file, "home");
    const viaHome = await rejection(
      prepareStateDir({ env: { HOME: home }, platform: "linux", cwd: "/", fs: runtime.fs }),
    );
    expect(viaHome.message).toContain(`${home}/.local/state/codex-mcp`);
    expect(viaHome.message).toContain("HOME=");
    expect(viaHome.hint).toContain("set CODEX_MCP_STATE_DIR");
  });

  test("Windows: no chmod calls, no mode warnings (a fake file system)", async () => {
    const calls: string[] = [];
    const fs: Pick<FileSystem, "stat" | "mkdir" | "chmod" | "writeTextFile" | "remove" | "realPath" | "readDir"> = {
      stat: async () => null,
      realPath: async (path) => path,
      readDir: async () => [],
      mkdir: async (path, options) => void calls.push(`mkdir ${path} ${options?.mode?.toString(8)}`),
      chmod: async (path) => void calls.push(`chmod ${path}`),
      writeTextFile: async (path, _data, options) => void calls.push(`write ${path} createNew=${options?.createNew}`),
      remove: async (path) => void calls.push(`remove ${path}`),
    };
    const prepared = await prepareStateDir({
      env: { LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" },
      platform: "win32",
      cwd: "C:\\",
      fs,
      probeSuffix: "p",
    });
    expect(prepared).toMatchObject({
      path: "C:\\Users\\u\\AppData\\Local\\codex-mcp",
      databasePath: "C:\\Users\\u\\AppData\\Local\\codex-mcp\\state.db",
      warnings: [],
    });
    expect(calls).toEqual([
      "mkdir C:\\Users\\u\\AppData\\Local\\codex-mcp 700",
      "write C:\\Users\\u\\AppData\\Local\\codex-mcp\\.write-probe-p createNew=true",
      "remove C:\\Users\\u\\AppData\\Local\\codex-mcp\\.write-probe-p",
      "write C:\\Users\\u\\AppData\\Local\\codex-mcp\\state.db createNew=true",
    ]);
  });

  for (
    const [what, make] of [
      ["the database, linked to an empty file", (dir: string, outside: string) => {
        writeFileSync(outside, "");
        symlinkSync(outside, join(dir, "state.db"));
      }],
      ["the database, a dangling link", (dir: string, outside: string) => symlinkSync(outside, join(dir, "state.db"))],
      ["its -wal file", (dir: string, outside: string) => {
        writeFileSync(outside, "");
        symlinkSync(outside, join(dir, "state.db-wal"));
      }],
      ["the children directory", (dir: string, outside: string) => {
        mkdirSync(outside);
        symlinkSync(outside, join(dir, "children"));
      }],
    ] as const
  ) {
    test(`a state file that is a symbolic link is refused (STATE_LINKED): ${what}`, async () => {
      const root = mkdtempSync(join(tmpdir(), "codex-mcp-test-links-"));
      try {
        const dir = join(root, "state");
        mkdirSync(dir, { mode: 0o700 });
        const outside = join(root, "elsewhere");
        make(dir, outside);
        const error = await prepareStateDir({
          env: { CODEX_MCP_STATE_DIR: dir },
          platform: process.platform,
          cwd: root,
          fs: runtime.fs,
        })
          .then(() => null, (e: StoreError) => e);
        expect(error?.code).toBe("STATE_LINKED");
        expect(error?.message).toContain("symbolic link");
        // Nothing was written through the link.
        if (existsSync(outside) && statSync(outside).isFile()) expect(readFileSync(outside, "utf8")).toBe("");
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
