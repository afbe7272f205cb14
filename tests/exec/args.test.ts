/** The argument vectors of `codex exec`, `exec resume`, `exec fork` and `exec review`, and what exec refuses. */
import { describe, expect, test } from "bun:test";
import type { ThreadSettings } from "../../src/codex/backend.ts";
import {
  execArgs,
  execSettingsFor,
  forkArgs,
  resumeArgs,
  reviewArgs,
  settingsForTurn,
  tomlValue,
} from "../../src/codex/drivers/exec/args.ts";

const base: ThreadSettings = { cwd: "/work/project", approvalPolicy: "never", sandbox: "workspace-write" };

describe("argument vectors", () => {
  test("first turn: exec --json with --cd and --sandbox; the prompt is `-` after `--`", () => {
    const settings = execSettingsFor({
      ...base,
      model: "gpt-5.5",
      profile: "fast",
      config: { "shell_environment_policy.inherit": "all", features: { x: true } },
      ephemeral: true,
    });
    expect(execArgs(settings, ["/img/a.png"], { outputSchema: "/tmp/d/schema.json" })).toEqual([
      "--profile=fast",
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--model=gpt-5.5",
      '--config=shell_environment_policy.inherit="all"',
      "--config=features={ x = true }",
      "--image=/img/a.png",
      "--output-schema=/tmp/d/schema.json",
      "--cd=/work/project",
      "--sandbox=workspace-write",
      "--ephemeral",
      "--",
      "-",
    ]);
  });

  test("resume: the sandbox as config (resume has no --sandbox), the thread id and `-` after `--`", () => {
    const settings = settingsForTurn(execSettingsFor(base), {
      prompt: "x",
      effort: "high",
      summary: "concise",
      sandbox: "danger-full-access",
    });
    expect(resumeArgs("0199-abc", settings, [], {})).toEqual([
      "exec",
      "resume",
      "--json",
      "--skip-git-repo-check",
      '--config=model_reasoning_effort="high"',
      '--config=model_reasoning_summary="concise"',
      '--config=sandbox_mode="danger-full-access"',
      "--",
      "0199-abc",
      "-",
    ]);
  });

  test("instructions and personality are config values; base instructions a file", () => {
    const settings = execSettingsFor({ ...base, developerInstructions: 'say "hi"\nthen stop', personality: "none" });
    expect(execArgs(settings, [], { baseInstructions: "/tmp/d/base.md" })).toEqual(
      expect.arrayContaining([
        '--config=developer_instructions="say \\"hi\\"\\nthen stop"',
        '--config=personality="none"',
        '--config=model_instructions_file="/tmp/d/base.md"',
      ]),
    );
  });

  test("fork: no prompt, the source id after `--`", () => {
    expect(forkArgs("0199-abc", execSettingsFor({ ...base, profile: "p" }))).toEqual([
      "--profile=p",
      "exec",
      "fork",
      "--json",
      "--skip-git-repo-check",
      "--",
      "0199-abc",
    ]);
  });

  test("a value that looks like a flag stays a value", () => {
    const settings = settingsForTurn(execSettingsFor(base), { prompt: "--version", model: "--help" });
    expect(resumeArgs("t", settings, [], {})).toContain("--model=--help");
  });
});

describe("exec review", () => {
  const settings = execSettingsFor({ ...base, sandbox: "read-only", model: "gpt-5.5" });
  const head = [
    "exec",
    "review",
    "--json",
    "--skip-git-repo-check",
    "--model=gpt-5.5",
    '--config=sandbox_mode="read-only"',
  ];

  test("each target: a flag; custom instructions on stdin after `--`", () => {
    expect(reviewArgs(settings, { kind: "uncommitted" })).toEqual([...head, "--uncommitted"]);
    expect(reviewArgs(settings, { kind: "baseBranch", branch: "-main" })).toEqual([...head, "--base=-main"]);
    expect(reviewArgs(settings, { kind: "commit", sha: "abc123", title: "Fix" })).toEqual([
      ...head,
      "--commit=abc123",
      "--title=Fix",
    ]);
    expect(reviewArgs(settings, { kind: "custom", instructions: "look" })).toEqual([...head, "--", "-"]);
  });

  test("a branch with a newline is refused", () => {
    expect(() => reviewArgs(settings, { kind: "baseBranch", branch: "main\n--oops" })).toThrow("not a valid name");
  });
});

describe("turn settings", () => {
  test("overrides stick: cwd, sandbox, model, effort, summary", () => {
    const first = execSettingsFor(base);
    const second = settingsForTurn(first, { prompt: "x", cwd: "/other", model: "m2", effort: "low" });
    expect(second).toMatchObject({ cwd: "/other", sandbox: "workspace-write", model: "m2", effort: "low" });
    expect(settingsForTurn(second, { prompt: "y" })).toEqual(second);
    expect(first.cwd).toBe("/work/project"); // not mutated
  });

  test("refused: approvals, plan mode, relative paths, empty prompts, the profile config key", () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
        return "ok";
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(code(() => execSettingsFor({ ...base, approvalPolicy: "on-request" }))).toBe("NOT_SUPPORTED");
    expect(code(() => execSettingsFor({ ...base, approvalPolicy: "untrusted" }))).toBe("NOT_SUPPORTED");
    expect(code(() => execSettingsFor({ ...base, config: { profile: "x" } }))).toBe("NOT_SUPPORTED");
    expect(code(() => execSettingsFor({ ...base, cwd: "relative" }))).toBe("INVALID_ARGUMENT");
    expect(code(() => execSettingsFor({ ...base, profile: "--evil" }))).toBe("INVALID_ARGUMENT");
    expect(code(() => execSettingsFor({ ...base, config: { "a=b": 1 } }))).toBe("INVALID_ARGUMENT");
    expect(code(() => execSettingsFor({ ...base, config: { a: null } }))).toBe("INVALID_ARGUMENT");
    const s = execSettingsFor(base);
    expect(code(() => settingsForTurn(s, { prompt: "x", approvalPolicy: "on-failure" }))).toBe("NOT_SUPPORTED");
    expect(code(() => settingsForTurn(s, { prompt: "x", approvalPolicy: "never" }))).toBe("ok");
    expect(code(() => settingsForTurn(s, { prompt: "x", collaborationMode: "plan" }))).toBe("NOT_SUPPORTED");
    expect(code(() => settingsForTurn(s, { prompt: "x", collaborationMode: "default" }))).toBe("ok");
    expect(code(() => settingsForTurn(s, { prompt: "x", images: ["rel.png"] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => settingsForTurn(s, { prompt: "" }))).toBe("INVALID_ARGUMENT");
  });

  test("the approvals refusal names the sandbox the turn would run under", () => {
    try {
      execSettingsFor({ ...base, approvalPolicy: "on-request", sandbox: "read-only" });
      throw new Error("not refused");
    } catch (error) {
      expect((error as { hint: string }).hint).toContain('the "read-only" sandbox');
    }
  });
});

describe("TOML values", () => {
  test("scalars, arrays, tables, escapes", () => {
    expect(tomlValue('a"b\\c\n\u007f', "k")).toBe('"a\\"b\\\\c\\n\\u007F"');
    expect(tomlValue(3, "k")).toBe("3");
    expect(tomlValue(0.5, "k")).toBe("0.5");
    expect(tomlValue(false, "k")).toBe("false");
    expect(tomlValue(["x", 1, [true]], "k")).toBe('["x", 1, [true]]');
    expect(tomlValue({ a: 1, "b c": "d", nested: {} }, "k")).toBe('{ a = 1, "b c" = "d", nested = {} }');
    expect(tomlValue("😀", "k")).toBe('"😀"');
  });

  test("what TOML cannot hold is refused", () => {
    for (const bad of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, "\ud800", () => 1, [null]]) {
      expect(() => tomlValue(bad, "k")).toThrow();
    }
  });
});
