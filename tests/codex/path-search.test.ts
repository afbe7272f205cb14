import { describe, expect, test } from "bun:test";
import { getEnv } from "../../src/platform/env.ts";
import { candidateNames, pathDirectories, pathExtensions, searchPath } from "../../src/codex/install/path-search.ts";
import { FakeFs } from "./fake-fs.ts";

describe("environment names", () => {
  test("case-insensitive on Windows, exact spelling preferred", () => {
    expect(getEnv({ Path: "a" }, "PATH", "win32")).toBe("a");
    expect(getEnv({ Path: "a", PATH: "b" }, "PATH", "win32")).toBe("b");
    expect(getEnv({ Path: "a" }, "PATH", "linux")).toBeUndefined();
  });
});

describe("PATH parsing", () => {
  test("POSIX: ':'-separated, empty entries skipped, relative resolved against cwd, duplicates dropped", () => {
    const dirs = pathDirectories({
      platform: "linux",
      env: { PATH: "/usr/bin::node_modules/.bin:/usr/bin/:/bin" },
      fs: new FakeFs("linux"),
      cwd: "/work",
    });
    expect(dirs).toEqual(["/usr/bin", "/work/node_modules/.bin", "/bin"]);
  });
  test("POSIX: relative entries skipped without a cwd", () => {
    expect(pathDirectories({ platform: "linux", env: { PATH: "rel:/bin" }, fs: new FakeFs("linux") })).toEqual([
      "/bin",
    ]);
  });
  test("Windows: ';'-separated, quoted entries, case-insensitive duplicates", () => {
    const dirs = pathDirectories({
      platform: "win32",
      env: { Path: 'C:\\Windows\\system32;"C:\\Program Files\\nodejs";;c:\\windows\\System32\\' },
      fs: new FakeFs("win32"),
    });
    expect(dirs).toEqual(["C:\\Windows\\system32", "C:\\Program Files\\nodejs"]);
  });
});

describe("PATHEXT", () => {
  test("default order when unset or blank", () => {
    expect(pathExtensions({}, "win32")).toEqual([".COM", ".EXE", ".BAT", ".CMD"]);
    expect(pathExtensions({ PATHEXT: " " }, "win32")).toEqual([".COM", ".EXE", ".BAT", ".CMD"]);
  });
  test("custom order, dots added, duplicates (any case) dropped, lower-case variable name", () => {
    expect(pathExtensions({ pathext: ".cmd;EXE;.CMD;;.Ps1" }, "win32")).toEqual([".cmd", ".EXE", ".Ps1"]);
  });
  test("candidate names: exact name first only when it has an extension", () => {
    expect(candidateNames("codex", {}, "win32")).toEqual(["codex.COM", "codex.EXE", "codex.BAT", "codex.CMD"]);
    expect(candidateNames("codex.exe", { PATHEXT: ".EXE" }, "win32")).toEqual(["codex.exe", "codex.exe.EXE"]);
    expect(candidateNames("codex", {}, "linux")).toEqual(["codex"]);
  });
});

describe("searchPath", () => {
  test("POSIX: first directory wins; files without an execute bit and directories are skipped", async () => {
    const fs = new FakeFs("linux").file("/a/codex", "x", { mode: 0o644 }).dir("/b/codex").exe("/c/codex").exe(
      "/d/codex",
    );
    const result = await searchPath("codex", { platform: "linux", env: { PATH: "/a:/b:/c:/d" }, fs });
    expect(result.found).toBe("/c/codex");
    expect(result.skipped).toEqual([
      { path: "/a/codex", reason: "not executable (no execute permission bit)" },
      { path: "/b/codex", reason: "a directory" },
    ]);
  });
  test("POSIX: names are case-sensitive", async () => {
    const fs = new FakeFs("linux").exe("/a/Codex");
    expect((await searchPath("codex", { platform: "linux", env: { PATH: "/a" }, fs })).found).toBeNull();
  });
  test("POSIX: a PATH entry that is a file (ENOTDIR) is passed over", async () => {
    const fs = new FakeFs("linux").exe("/usr/bin/ls").exe("/bin/codex");
    expect((await searchPath("codex", { platform: "linux", env: { PATH: "/usr/bin/ls:/bin" }, fs })).found).toBe(
      "/bin/codex",
    );
  });
  test("Windows: PATHEXT order within a directory (.EXE before .CMD by default)", async () => {
    const fs = new FakeFs("win32").file("C:\\tools\\codex.CMD", "@echo off").exe("C:\\tools\\codex.exe");
    const result = await searchPath("codex", { platform: "win32", env: { PATH: "C:\\tools" }, fs });
    expect(result.found).toBe("C:\\tools\\codex.exe");
  });
  test("Windows: custom PATHEXT order, and the on-disk spelling is reported", async () => {
    const fs = new FakeFs("win32").file("C:\\tools\\codex.CMD", "@echo off").exe("C:\\tools\\codex.exe");
    const result = await searchPath("codex", {
      platform: "win32",
      env: { PATH: "C:\\tools", PATHEXT: ".cmd;.exe" },
      fs,
    });
    expect(result.found).toBe("C:\\tools\\codex.CMD");
  });
  test("Windows: PATH order beats PATHEXT order", async () => {
    const fs = new FakeFs("win32").file("C:\\first\\codex.cmd", "@echo off").exe("C:\\second\\codex.exe");
    const result = await searchPath("codex", { platform: "win32", env: { Path: "C:\\first;C:\\second" }, fs });
    expect(result.found).toBe("C:\\first\\codex.cmd");
  });
  test("Windows: an extensionless file is not a candidate; no execute bit is needed", async () => {
    const fs = new FakeFs("win32").file("C:\\a\\codex", "#!/bin/sh").file("C:\\b\\codex.exe", "MZ");
    const result = await searchPath("codex", { platform: "win32", env: { PATH: "C:\\a;C:\\b" }, fs });
    expect(result.found).toBe("C:\\b\\codex.exe");
  });
  test("Windows: a name with an extension is tried exactly first", async () => {
    const fs = new FakeFs("win32").file("C:\\a\\codex.exe", "MZ").file("C:\\a\\codex.exe.cmd", "@echo off");
    const result = await searchPath("codex.exe", { platform: "win32", env: { PATH: "C:\\a", PATHEXT: ".CMD" }, fs });
    expect(result.found).toBe("C:\\a\\codex.exe");
  });
  test("not found: every directory is reported", async () => {
    const result = await searchPath("codex", { platform: "linux", env: { PATH: "/x:/y" }, fs: new FakeFs("linux") });
    expect(result).toEqual({ found: null, searched: ["/x", "/y"], skipped: [] });
  });
});
