/**
 * The GitHub workflows cannot run here, so the suite holds them to what a release depends on:
 * valid YAML (Bun's parser), the suite on three systems, and a release that builds, tests, smoke
 * runs every target on its own kind of runner and only then publishes everything the installers,
 * the formula and the manifest point at.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { RELEASE_TARGETS } from "../../scripts/packaging.ts";

const ROOT = join(import.meta.dir, "..", "..");
type Step = { name?: string; run?: string; uses?: string; with?: Record<string, unknown> };
type Job = {
  needs?: string | string[];
  "runs-on": string;
  steps: Step[];
  strategy?: { matrix: Record<string, unknown> };
};
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const load = (name: string) =>
  Bun.YAML.parse(readFileSync(join(ROOT, ".github", "workflows", name), "utf8")) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

describe("workflows", () => {
  test("ci.yml runs .ci/run on Linux, macOS and Windows", () => {
    const ci = load("ci.yml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    const job = ci.jobs.test!;
    expect(job.strategy?.matrix.os).toEqual(["ubuntu-latest", "macos-latest", "windows-latest"]);
    expect(job["runs-on"]).toBe("${{ matrix.os }}");
    expect(runs(job)).toContain("bash .ci/run");
  });

  test("release.yml: on a v* tag, build → test and smoke → publish", () => {
    const release = load("release.yml");
    expect(release.on).toEqual({ push: { tags: ["v*"] } });
    const { build, test: suite, smoke, publish } = release.jobs;
    expect(runs(build!)).toContain("npm run release");
    expect(pkg.scripts.release).toBe("bun scripts/release.ts");
    expect(build!.steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))?.with?.path).toBe("dist/release/");
    expect(runs(suite!)).toContain("bash .ci/run");
    expect(smoke!.needs).toBe("build");
    expect([publish!.needs].flat().sort()).toEqual(["build", "smoke", "test"]);
  });

  test("every target is smoke-run on a runner of its own kind, with --version and doctor --json", () => {
    const smoke = load("release.yml").jobs.smoke!;
    const include = smoke.strategy!.matrix.include as { target: string; runner: string }[];
    expect(include.map((i) => i.target).sort()).toEqual([...RELEASE_TARGETS].sort());
    const kind = { linux: /^ubuntu/, darwin: /^macos/, windows: /^windows/ };
    for (const { target, runner } of include) expect(runner).toMatch(kind[target.split("-")[0] as keyof typeof kind]);
    expect(include.find((i) => i.target === "linux-arm64")!.runner).toContain("arm");
    expect(include.find((i) => i.target === "darwin-x64")!.runner).toBe("macos-13"); // the last Intel macOS runner
    expect(runs(smoke)).toContain('"$bin" --version');
    expect(runs(smoke)).toContain('"$bin" doctor --json');
  });

  test("publish uploads the release directory and both installers", () => {
    const publish = load("release.yml").jobs.publish!;
    expect(runs(publish)).toContain("cp install.sh install.ps1 dist/release/");
    expect(runs(publish)).toMatch(/gh release create .* dist\/release\/\*/);
  });
});

describe("installers", () => {
  test("install.sh and install.ps1 download from the repository package.json names", () => {
    const repo = pkg.repository.replace(/^github:/, "");
    expect(readFileSync(join(ROOT, "install.sh"), "utf8")).toContain(`REPO="${repo}"`);
    expect(readFileSync(join(ROOT, "install.ps1"), "utf8")).toContain(`$Repo = "${repo}"`);
  });
});
