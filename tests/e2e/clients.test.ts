/**
 * MCP clients nobody here wrote, driving the compiled binary:
 *
 * - **The Codex CLI as a client** (`codex exec` with codex-mcp in its `[mcp_servers]`): the outer
 *   Codex, against the fake model, finds codex-mcp's tools with `tool_search` and calls `codex`;
 *   codex-mcp starts an inner session on the real Codex against the same fake model; the inner
 *   answer comes back to the outer model as the tool's output.
 * - **Claude Code**: `claude mcp add`, then `claude mcp list`, whose live handshake reports
 *   "Connected" — in its default era and with `MCP_PROTOCOL_NEGOTIATION=auto`, which probes
 *   `server/discover` before `initialize` (we answer only `ping` before `initialize`).
 *
 * Each runs under throwaway HOME / CODEX_HOME directories.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codexBinary } from "../harness/codex-bin.ts";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, type SseEvent, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

/** One output item as a whole response of the fake model. */
function oneItem(item: Record<string, unknown>): ReturnType<typeof reply.events> {
  const id = `resp_${item.call_id}`;
  const events: SseEvent[] = [
    { type: "response.created", response: { id } },
    { type: "response.output_item.done", output_index: 0, item },
    { type: "response.completed", response: { id, usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } } },
  ];
  return reply.events(events);
}

describe("the Codex CLI as a client", () => {
  test("codex exec finds codex-mcp's tools, calls codex, and gets the inner session's answer", async () => {
    // The inner session's Codex has a home of its own; codex-mcp gets only the entry's env (and HOME, PATH).
    const inner = makeCodexHome({ modelUrl: model.url });
    const state = mkdtempSync(join(tmpdir(), "codex-mcp-client-state-"));
    const toml = (value: string) => JSON.stringify(value);
    const outer = makeCodexHome({
      modelUrl: model.url,
      extraToml: [
        "[mcp_servers.codex-mcp]",
        `command = ${toml(COMPILED)}`,
        'default_tools_approval_mode = "approve"',
        "tool_timeout_sec = 60",
        "[mcp_servers.codex-mcp.env]",
        `CODEX_MCP_PATH = ${toml(join(BIN, "codex"))}`,
        `CODEX_HOME = ${toml(inner.codexHome)}`,
        `CODEX_MCP_STATE_DIR = ${toml(state)}`,
      ].join("\n"),
    });
    try {
      model.reset();
      model.setHandler((request) => {
        const said = request.userTexts().join("\n");
        if (said.includes("Inner task")) return reply.message("inner answer: 42");
        const outputs = request.toolOutputs();
        if (outputs.some((o) => o.callId === "call_codex")) return reply.message("The inner agent said 42.");
        if (request.input.some((i) => i.type === "tool_search_output")) {
          return oneItem({
            type: "function_call",
            id: "fc_codex",
            call_id: "call_codex",
            namespace: "mcp__codex_mcp",
            name: "codex",
            arguments: JSON.stringify({
              prompt: "Inner task: what is six times seven?",
              approvalPolicy: "never",
              sandbox: "read-only",
              cwd: inner.workspace,
              advanced: { waitForResult: 30_000 },
            }),
          });
        }
        return oneItem({
          type: "tool_search_call",
          id: "tsc_1",
          call_id: "ts_1",
          execution: "client",
          status: "completed",
          arguments: { query: "start a codex session" },
        });
      });
      // Asynchronously: the fake model answers from this process.
      const run = Bun.spawn([codexBinary(), "exec", "--json", "--skip-git-repo-check", "Ask a Codex agent."], {
        env: outer.env,
        cwd: outer.workspace,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        timeout: 90_000,
      });
      const [stdout, code] = await Promise.all([new Response(run.stdout).text(), run.exited]);
      const events = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      const call = events.find((e) => e.type === "item.completed" && e.item?.type === "mcp_tool_call")?.item;
      expect(call).toMatchObject({ server: "codex-mcp", tool: "codex", status: "completed", error: null });
      expect(call.result.structured_content).toMatchObject({
        status: "idle",
        result: { status: "completed", text: "inner answer: 42" },
      });
      // The outer model saw the tool's answer, and finished with it.
      const seen = model.responsesRequests().flatMap((r) => r.toolOutputs()).find((o) => o.callId === "call_codex");
      expect(seen?.output).toContain("inner answer: 42");
      expect(events.find((e) => e.item?.type === "agent_message")?.item.text).toBe("The inner agent said 42.");
      expect(code).toBe(0);
    } finally {
      inner.cleanup();
      outer.cleanup();
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("Claude Code", () => {
  for (const negotiation of ["default", "auto"] as const) {
    test(`claude mcp list reports codex-mcp connected (${negotiation} protocol negotiation)`, () => {
      const home = mkdtempSync(join(tmpdir(), "codex-mcp-claude-home-"));
      try {
        const env: Record<string, string> = {
          HOME: home,
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          ...(negotiation === "auto" && { MCP_PROTOCOL_NEGOTIATION: "auto" }),
        };
        const claude = join(BIN, "claude");
        const added = spawnSync(
          claude,
          ["mcp", "add", "--scope", "user", "codex-mcp", "-e", "CODEX_MCP_STORE=memory", "--", COMPILED],
          { env, encoding: "utf8", timeout: 60_000 },
        );
        expect(added.status).toBe(0);
        const listed = spawnSync(claude, ["mcp", "list"], { env, encoding: "utf8", timeout: 90_000 });
        expect(listed.stdout).toMatch(/codex-mcp: .*codex-mcp.* - ✔ Connected/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
