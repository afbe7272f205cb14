import { describe, expect, test } from "bun:test";
import {
  ancestorsOf,
  basenamePath,
  dirnamePath,
  extnamePath,
  isAbsolutePath,
  joinPath,
  normalizePath,
  pathFlavor,
  resolvePath,
  rootOf,
  samePath,
} from "../../src/platform/paths.ts";

const win = pathFlavor("win32");
const posix = pathFlavor("linux");

describe("POSIX paths", () => {
  test("join collapses separators and keeps ..", () => {
    expect(joinPath(posix, "/usr//local/", "bin", "codex")).toBe("/usr/local/bin/codex");
    expect(joinPath(posix, "/a/b", "../c")).toBe("/a/b/../c");
    expect(joinPath(posix, "rel", "x")).toBe("rel/x");
  });
  test("normalize resolves . and .. lexically, never above the root", () => {
    expect(normalizePath("/a/b/../c/./d/", posix)).toBe("/a/c/d");
    expect(normalizePath("/../..", posix)).toBe("/");
    expect(normalizePath("../x/../../y", posix)).toBe("../../y");
  });
  test("dirname, basename, extname", () => {
    expect(dirnamePath("/usr/bin/codex", posix)).toBe("/usr/bin");
    expect(dirnamePath("/codex", posix)).toBe("/");
    expect(dirnamePath("/", posix)).toBe("/");
    expect(dirnamePath("codex", posix)).toBe(".");
    expect(basenamePath("/usr/bin/codex.js", posix)).toBe("codex.js");
    expect(extnamePath("/usr/bin/codex.js", posix)).toBe(".js");
    expect(extnamePath("/home/u/.codex", posix)).toBe("");
  });
  test("absolute, resolve, compare (case-sensitive), ancestors", () => {
    expect(isAbsolutePath("/x", posix)).toBe(true);
    expect(isAbsolutePath("x/y", posix)).toBe(false);
    expect(isAbsolutePath("C:\\x", posix)).toBe(false);
    expect(resolvePath(posix, "/work/main", "node_modules/.bin")).toBe("/work/main/node_modules/.bin");
    expect(resolvePath(posix, "/work/main", "/abs/../x")).toBe("/x");
    expect(samePath("/A/b", "/a/b", posix)).toBe(false);
    expect(ancestorsOf("/a/b/c", posix)).toEqual(["/a/b/c", "/a/b", "/a", "/"]);
  });
  test("a backslash is an ordinary character", () => {
    expect(basenamePath("/tmp/a\\b", posix)).toBe("a\\b");
  });
});

describe("Windows paths", () => {
  test("roots: drive, UNC, device, rooted, drive-relative", () => {
    expect(rootOf("C:\\Users\\me", win)).toBe("C:\\");
    expect(rootOf("c:/Users/me", win)).toBe("c:\\");
    expect(rootOf("\\\\server\\share\\dir", win)).toBe("\\\\server\\share\\");
    expect(rootOf("//server/share/dir", win)).toBe("\\\\server\\share\\");
    expect(rootOf("\\\\?\\C:\\x", win)).toBe("\\\\?\\C:\\");
    expect(rootOf("\\Windows", win)).toBe("\\");
    expect(rootOf("C:foo", win)).toBe("C:");
    expect(isAbsolutePath("C:foo", win)).toBe(false);
    expect(isAbsolutePath("C:\\foo", win)).toBe(true);
    expect(isAbsolutePath("\\\\server\\share\\x", win)).toBe(true);
  });
  test("join uses \\ for either separator", () => {
    expect(joinPath(win, "C:/Users/me/", "AppData\\Roaming", "npm/codex.cmd")).toBe(
      "C:\\Users\\me\\AppData\\Roaming\\npm\\codex.cmd",
    );
    expect(joinPath(win, "\\\\srv\\share", "tools")).toBe("\\\\srv\\share\\tools");
  });
  test("dirname, basename, extname, normalize", () => {
    expect(dirnamePath("C:\\npm\\codex.cmd", win)).toBe("C:\\npm");
    expect(dirnamePath("C:\\codex.cmd", win)).toBe("C:\\");
    expect(basenamePath("C:/npm/codex.CMD", win)).toBe("codex.CMD");
    expect(extnamePath("C:\\npm\\codex.CMD", win)).toBe(".CMD");
    expect(normalizePath("C:\\a\\..\\..\\b", win)).toBe("C:\\b");
  });
  test("comparison is case-insensitive and separator-agnostic", () => {
    expect(samePath("C:\\Program Files\\nodejs", "c:/program files/NODEJS/", win)).toBe(true);
  });
  test("resolve: relative against cwd, rooted on the cwd's drive", () => {
    expect(resolvePath(win, "D:\\work", "tools\\codex.exe")).toBe("D:\\work\\tools\\codex.exe");
    expect(resolvePath(win, "D:\\work", "\\tools\\codex.exe")).toBe("D:\\tools\\codex.exe");
  });
  test("ancestors end at the drive root", () => {
    expect(ancestorsOf("C:\\a\\b", win)).toEqual(["C:\\a\\b", "C:\\a", "C:\\"]);
  });
});
