import { describe, expect, test } from "bun:test";
import {
  type CodexHome,
  type CodexHomeDeps,
  findConfigFiles,
  resolveCodexHome,
} from "../../src/diagnostics/codex-home.ts";
import { homeDirectory } from "../../src/platform/home.ts";
import type { Outcome } from "../../src/codex/install/discovery.ts";
import { FakeFs } from "./fake-fs.ts";

function deps(fs: FakeFs, env: Record<string, string>, cwd: string): CodexHomeDeps {
  return { platform: fs.platform, env, cwd, fs };
}

function okHome(outcome: Outcome<CodexHome>): CodexHome {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

describe("resolveCodexHome", () => {
  test("CODEX_HOME set to an existing directory (symlinks resolved, as Codex canonicalizes)", async () => {
    const fs = new FakeFs("linux").dir("/data/codex").symlink("/home/u/codex-home", "/data/codex");
    const home = okHome(
      await resolveCodexHome(deps(fs, { CODEX_HOME: "/home/u/codex-home", HOME: "/home/u" }, "/work")),
    );
    expect(home).toEqual({
      path: "/data/codex",
      source: "CODEX_HOME",
      configured: "/home/u/codex-home",
      exists: true,
      how: "CODEX_HOME=/home/u/codex-home (→ /data/codex): an existing directory",
      warnings: [],
    });
  });

  test("CODEX_HOME missing: an error naming the variable and the path", async () => {
    const outcome = await resolveCodexHome(deps(new FakeFs("linux"), { CODEX_HOME: "/nope/.codex" }, "/work"));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ code: "CONFIG_INVALID", variable: "CODEX_HOME", path: "/nope/.codex" });
    expect(outcome.error.message).toContain("CODEX_HOME");
    expect(outcome.error.message).toContain("/nope/.codex");
    expect(outcome.error.hint).toContain("mkdir -p '/nope/.codex'");
  });

  test("CODEX_HOME is a file", async () => {
    const fs = new FakeFs("linux").file("/home/u/codex.txt", "x");
    const outcome = await resolveCodexHome(deps(fs, { CODEX_HOME: "/home/u/codex.txt" }, "/work"));
    expect(!outcome.ok && outcome.error.message).toContain("is not a directory");
  });

  test("CODEX_HOME relative: resolved against cwd, with a warning", async () => {
    const fs = new FakeFs("linux").dir("/work/.codex-test");
    const home = okHome(await resolveCodexHome(deps(fs, { CODEX_HOME: ".codex-test" }, "/work")));
    expect(home.path).toBe("/work/.codex-test");
    expect(home.warnings[0]).toContain("is relative");
  });

  test("unset (or empty): <HOME>/.codex, reported as existing or not", async () => {
    const fs = new FakeFs("linux").dir("/home/u");
    const absent = okHome(await resolveCodexHome(deps(fs, { HOME: "/home/u", CODEX_HOME: "" }, "/work")));
    expect(absent).toMatchObject({ path: "/home/u/.codex", source: "default", exists: false });
    expect(absent.how).toBe(
      "CODEX_HOME is not set; using the default /home/u/.codex (from HOME=/home/u), which does not exist yet",
    );
    fs.dir("/home/u/.codex");
    const present = okHome(await resolveCodexHome(deps(fs, { HOME: "/home/u" }, "/work")));
    expect(present.exists).toBe(true);
    expect(present.how).toEndWith("which exists");
  });

  test("a file where ~/.codex should be is a warning", async () => {
    const fs = new FakeFs("linux").file("/home/u/.codex", "oops");
    const home = okHome(await resolveCodexHome(deps(fs, { HOME: "/home/u" }, "/work")));
    expect(home.exists).toBe(false);
    expect(home.warnings[0]).toContain("not a directory");
  });

  test("Windows: USERPROFILE (case-insensitive names), not HOME", async () => {
    const fs = new FakeFs("win32").dir("C:\\Users\\me\\.codex");
    const home = okHome(
      await resolveCodexHome(deps(fs, { UserProfile: "C:\\Users\\me", HOME: "/c/Users/me" }, "C:\\work")),
    );
    expect(home).toMatchObject({ path: "C:\\Users\\me\\.codex", exists: true });
    expect(home.how).toContain("USERPROFILE=C:\\Users\\me");
    expect(homeDirectory({ HOMEDRIVE: "D:", HOMEPATH: "\\Users\\me" }, "win32")?.value).toBe("D:\\Users\\me");
  });

  test("Windows: CODEX_HOME missing gives a Windows mkdir hint", async () => {
    const outcome = await resolveCodexHome(deps(new FakeFs("win32"), { codex_home: "D:\\codex" }, "C:\\work"));
    expect(!outcome.ok && outcome.error.hint).toContain('mkdir "D:\\codex"');
  });

  test("no home at all", async () => {
    const outcome = await resolveCodexHome(deps(new FakeFs("linux"), {}, "/work"));
    expect(!outcome.ok && outcome.error.code).toBe("HOME_NOT_FOUND");
  });
});

describe("findConfigFiles", () => {
  const HOME: CodexHome = { path: "/home/u/.codex", source: "default", exists: true, how: "", warnings: [] };

  function project(): FakeFs {
    return new FakeFs("linux")
      .file("/home/u/.codex/config.toml", '[projects."/src/app"]\ntrust_level = "trusted"\n')
      .file("/src/.codex/config.toml", "# above the project root")
      .dir("/src/app/.git")
      .file("/src/app/.codex/config.toml", "")
      .dir("/src/app/pkg/.codex") // no config.toml in it
      .file("/src/app/pkg/lib/.codex/config.toml", "")
      .dir("/src/app/pkg/lib/deep");
  }

  test("system, user, then project files from the git root down to cwd; nothing above the root", async () => {
    const result = await findConfigFiles(deps(project(), {}, "/src/app/pkg/lib/deep"), HOME);
    expect(result.projectRoot).toBe("/src/app");
    expect(result.projectRootMarkers).toEqual([".git"]);
    expect(result.markersFrom).toBe("default");
    expect(result.searchedDirs).toEqual(["/src/app", "/src/app/pkg", "/src/app/pkg/lib", "/src/app/pkg/lib/deep"]);
    expect(result.files).toEqual([
      { scope: "system", path: "/etc/codex/config.toml", exists: false },
      { scope: "user", path: "/home/u/.codex/config.toml", exists: true },
      {
        scope: "project",
        path: "/src/app/.codex/config.toml",
        exists: true,
        trust: "trusted",
        trustKey: "/src/app",
        active: true,
      },
      {
        scope: "project",
        path: "/src/app/pkg/lib/.codex/config.toml",
        exists: true,
        trust: "trusted",
        trustKey: "/src/app",
        active: true,
      },
    ]);
  });

  test("no marker: only the working directory itself", async () => {
    const noGit = new FakeFs("linux").file("/p/.codex/config.toml", "").file("/p/q/.codex/config.toml", "");
    const alone = await findConfigFiles(deps(noGit, {}, "/p/q"), HOME);
    expect(alone.projectRoot).toBe("/p/q");
    expect(alone.files.filter((f) => f.scope === "project").map((f) => f.path)).toEqual(["/p/q/.codex/config.toml"]);
  });

  test("untrusted and unset trust are reported as inactive, with notes", async () => {
    const fs = new FakeFs("linux")
      .file("/home/u/.codex/config.toml", "[projects.'/w/b']\ntrust_level = \"untrusted\"\n")
      .file("/w/a/.git", "gitdir: elsewhere")
      .file("/w/a/.codex/config.toml", "")
      .file("/w/b/.git", "gitdir: elsewhere")
      .file("/w/b/.codex/config.toml", "");
    const a = await findConfigFiles(deps(fs, {}, "/w/a"), HOME);
    expect(a.files[2]).toMatchObject({ trust: "not-set", active: false });
    expect(a.notes[0]).toContain('add [projects."/w/a"] trust_level = "trusted" to /home/u/.codex/config.toml');
    const b = await findConfigFiles(deps(fs, {}, "/w/b"), HOME);
    expect(b.files[2]).toMatchObject({ trust: "untrusted", trustKey: "/w/b", active: false });
    expect(b.notes[0]).toContain("marked untrusted");
  });

  test("a directory trusted on its own, below an untrusted root", async () => {
    const fs = new FakeFs("linux")
      .file("/home/u/.codex/config.toml", '[projects."/r/sub"]\ntrust_level = "trusted"\n')
      .dir("/r/.git")
      .file("/r/.codex/config.toml", "")
      .file("/r/sub/.codex/config.toml", "");
    const result = await findConfigFiles(deps(fs, {}, "/r/sub"), HOME);
    expect(result.files.slice(2).map((f) => [f.path, f.active])).toEqual([
      ["/r/.codex/config.toml", false],
      ["/r/sub/.codex/config.toml", true],
    ]);
  });

  test("project_root_markers from the user config; an empty list means cwd only", async () => {
    const fs = new FakeFs("linux")
      .file("/home/u/.codex/config.toml", 'project_root_markers = [".hg"]\n')
      .file("/etc/codex/config.toml", "project_root_markers = []\n")
      .dir("/m/.hg")
      .file("/m/.codex/config.toml", "")
      .dir("/m/x");
    const result = await findConfigFiles(deps(fs, {}, "/m/x"), HOME);
    expect(result).toMatchObject({ projectRoot: "/m", projectRootMarkers: [".hg"], markersFrom: "user" });
    expect(result.files[0]).toMatchObject({ scope: "system", exists: true });
    fs.file("/home/u/.codex/config.toml", "");
    const systemOnly = await findConfigFiles(deps(fs, {}, "/m/x"), HOME);
    expect(systemOnly).toMatchObject({ projectRoot: "/m/x", projectRootMarkers: [], markersFrom: "system" });
  });

  test("a .codex that is CODEX_HOME itself is not project config", async () => {
    const fs = new FakeFs("linux").file("/home/u/.codex/config.toml", "").dir("/home/u/.git");
    const result = await findConfigFiles(deps(fs, {}, "/home/u"), HOME);
    expect(result.files.map((f) => f.scope)).toEqual(["system", "user"]);
    expect(result.notes[0]).toContain("is CODEX_HOME itself");
  });

  test("Windows: ProgramData system file, case-insensitive trust keys", async () => {
    const fs = new FakeFs("win32")
      .file("C:\\Users\\me\\.codex\\config.toml", '[projects."c:\\\\src\\\\App"]\ntrust_level = "trusted"\n')
      .dir("C:\\src\\app\\.git")
      .file("C:\\src\\app\\.codex\\config.toml", "");
    const home: CodexHome = { path: "C:\\Users\\me\\.codex", source: "default", exists: true, how: "", warnings: [] };
    const result = await findConfigFiles(deps(fs, { ProgramData: "C:\\ProgramData" }, "C:\\src\\app"), home);
    expect(result.files).toEqual([
      { scope: "system", path: "C:\\ProgramData\\OpenAI\\Codex\\config.toml", exists: false },
      { scope: "user", path: "C:\\Users\\me\\.codex\\config.toml", exists: true },
      {
        scope: "project",
        path: "C:\\src\\app\\.codex\\config.toml",
        exists: true,
        trust: "trusted",
        trustKey: "c:\\src\\App",
        active: true,
      },
    ]);
  });
});
