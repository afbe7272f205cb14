/**
 * MCP clients nobody here wrote, driving the compiled binary:
 *
 * - **The Codex CLI as a client** (`codex exec` with codex-mcp in its `[mcp_servers]`): the outer
 *   Codex, against the fake model, finds codex-mcp's tools with `tool_search` and calls `codex`;
 *   codex-mcp starts an inner session on the real Codex against the same fake model; the inner
 *   answer comes back to the outer model as the tool's output.
 * - **Claude Code**: `claude mcp add`, then `claude mcp list`, whose live handshake reports
 *   "Connected" — in its default era and with `MCP_PROTOCOL_NEGOTIATION=auto`, which probes
 *   `server/discover` and then speaks the 2026-07-28 era; and headless (`claude -p`, against a
 *   fake Anthropic API) calling `codex` in both eras, the wire recorded to show which it spoke.
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
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { startFakeAnthropic, toolResults } from "../harness/fake-anthropic.ts";
import { BIN, COMPILED } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

/** One output item as a whole response of the fake model. */
describe("the Codex CLI as a client", () => {
  for (const feature of ["default", "mcp_2026_07_28"] as const) {
    test(
      `codex exec finds codex-mcp's tools, calls codex, and gets the inner session's answer (${feature})`,
      async () => {
        // The inner session's Codex has a home of its own; codex-mcp gets only the entry's env (and HOME, PATH).
        const inner = makeCodexHome({ modelUrl: model.url });
        const state = mkdtempSync(join(tmpdir(), "codex-mcp-client-state-"));
        const toml = (value: string) => JSON.stringify(value);
        const outer = makeCodexHome({
          modelUrl: model.url,
          extraToml: [
            "[mcp_servers.codex-mcp]",
            // A recording shell in front of the server: what Codex sent, line by line.
            `command = "/bin/sh"`,
            `args = ["-c", ${toml('tee -a "$WIRE_LOG" | exec "$0"')}, ${toml(COMPILED)}]`,
            'default_tools_approval_mode = "approve"',
            "tool_timeout_sec = 60",
            "[mcp_servers.codex-mcp.env]",
            `CODEX_MCP_PATH = ${toml(join(BIN, "codex"))}`,
            `CODEX_HOME = ${toml(inner.codexHome)}`,
            `CODEX_MCP_STATE_DIR = ${toml(state)}`,
            `WIRE_LOG = ${toml(join(state, "wire.jsonl"))}`,
          ].join("\n"),
        });
        try {
          model.reset();
          model.setHandler((request) => {
            const said = request.userTexts().join("\n");
            if (said.includes("Inner task")) return reply.message("inner answer: 42");
            const outputs = request.toolOutputs();
            if (outputs.some((o) => o.callId === "call_codex")) return reply.message("The inner agent said 42.");
            return reply.viaToolSearch(request, {
              query: "start a codex session",
              namespace: "mcp__codex_mcp",
              tool: "codex",
              args: {
                prompt: "Inner task: what is six times seven?",
                approvalPolicy: "never",
                sandbox: "read-only",
                cwd: inner.workspace,
                advanced: { waitForResult: 30_000 },
              },
              callId: "call_codex",
            });
          });
          // Asynchronously: the fake model answers from this process.
          const enable = feature === "default" ? [] : ["--enable", feature];
          const run = Bun.spawn([
            codexBinary(),
            "exec",
            ...enable,
            "--json",
            "--skip-git-repo-check",
            "Ask a Codex agent.",
          ], {
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
          // Codex 0.169 opens with initialize (2025-06-18) with its mcp_2026_07_28 feature on, too,
          // declaring form and URL elicitation; a later one may speak the 2026 era: then consistently.
          const sent = (await Bun.file(join(state, "wire.jsonl")).text()).split("\n").filter(Boolean).map((l) =>
            JSON.parse(l)
          );
          const initialize = sent.find((m) => m.method === "initialize");
          const claimed = sent.find((m) => m.method === "tools/call")?.params?._meta?.[
            "io.modelcontextprotocol/protocolVersion"
          ];
          if (claimed === undefined) {
            expect(initialize?.params?.capabilities?.elicitation).toEqual({ form: {}, url: {} });
          } else {
            expect(feature).toBe("mcp_2026_07_28");
            expect(initialize).toBeUndefined();
          }
        } finally {
          inner.cleanup();
          outer.cleanup();
          rmSync(state, { recursive: true, force: true });
        }
      },
      120_000,
    );
  }
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

describe("Claude Code headless, calling codex", () => {
  for (const negotiation of ["default", "auto"] as const) {
    test(
      `claude -p calls codex through codex-mcp and reads the inner answer (${negotiation} negotiation)`,
      async () => {
        const home = mkdtempSync(join(tmpdir(), "codex-mcp-claude-home-"));
        const inner = makeCodexHome({ modelUrl: model.url });
        const state = mkdtempSync(join(tmpdir(), "codex-mcp-claude-state-"));
        const wire = join(home, "wire.jsonl");
        const codexArgs = {
          prompt: "Inner task: what is six times seven?",
          approvalPolicy: "never",
          sandbox: "read-only",
          cwd: inner.workspace,
          advanced: { waitForResult: 30_000 },
        };
        const anthropic = startFakeAnthropic((request) => {
          const results = toolResults(request);
          if (results.length > 0) return { text: `Claude read: ${results.join(" ").slice(0, 2000)}` };
          const offered = (request.tools ?? []).some((t: { name?: string }) => t.name === "mcp__codex-mcp__codex");
          return offered ? { toolUse: { name: "mcp__codex-mcp__codex", input: codexArgs } } : { text: "ok" };
        });
        try {
          model.reset();
          model.setHandler(() => reply.message("inner answer: 42"));
          const env: Record<string, string> = {
            HOME: home,
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            ANTHROPIC_BASE_URL: anthropic.url,
            ANTHROPIC_API_KEY: "sk-ant-fake",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            ...(negotiation === "auto" && { MCP_PROTOCOL_NEGOTIATION: "auto" }),
          };
          const claude = join(BIN, "claude");
          // A recording shell in front of the server: what Claude Code sent, line by line.
          const added = spawnSync(claude, [
            "mcp",
            "add",
            "--scope",
            "user",
            "codex-mcp",
            ...["-e", `CODEX_MCP_PATH=${join(BIN, "codex")}`, "-e", `CODEX_HOME=${inner.codexHome}`],
            ...["-e", `CODEX_MCP_STATE_DIR=${state}`, "-e", `WIRE_LOG=${wire}`],
            "--",
            "/bin/sh",
            "-c",
            'tee -a "$WIRE_LOG" | exec "$0"',
            COMPILED,
          ], { env, encoding: "utf8", timeout: 60_000 });
          expect(added.status).toBe(0);
          const run = Bun.spawn([
            claude,
            "-p",
            "Ask a Codex agent what six times seven is.",
            "--output-format",
            "stream-json",
            "--verbose",
            "--allowedTools",
            "mcp__codex-mcp__codex",
          ], { env, cwd: home, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 90_000 });
          const [stdout, code] = await Promise.all([new Response(run.stdout).text(), run.exited]);
          const events = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
          const used = events.flatMap((e) => e.message?.content ?? []).find((c: { type: string }) =>
            c.type === "tool_use"
          );
          expect(used?.name).toBe("mcp__codex-mcp__codex");
          const result = events.flatMap((e) => e.message?.content ?? []).find((c: { type: string }) =>
            c.type === "tool_result"
          );
          expect(JSON.stringify(result)).toContain("inner answer: 42");
          expect(result?.is_error ?? false).toBe(false);
          expect(code).toBe(0);
          // Which era Claude Code spoke: the 2026-07-28 envelope on its tools/call, or initialize.
          // Claude Code 2.1.197 opened with initialize in both settings here (no server/discover probe,
          // even with MCP_PROTOCOL_NEGOTIATION=auto); should a later one speak the 2026 era, its calls
          // must carry the envelope and it must not have initialized.
          const sent = (await Bun.file(wire).text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
          const call = sent.find((m) => m.method === "tools/call");
          const claimed = call?.params?._meta?.["io.modelcontextprotocol/protocolVersion"];
          const initialize = sent.find((m) => m.method === "initialize");
          if (negotiation === "default" || claimed === undefined) {
            expect(claimed).toBeUndefined();
            expect(initialize).toBeDefined();
            // It declares forms the 2025 way (elicitation: {}), so its approvals go to the person.
            expect(initialize.params.capabilities.elicitation).toEqual({});
          } else {
            expect(claimed).toBe("2026-07-28");
            expect(initialize).toBeUndefined();
          }
        } finally {
          await anthropic.close();
          inner.cleanup();
          rmSync(home, { recursive: true, force: true });
          rmSync(state, { recursive: true, force: true });
        }
      },
      120_000,
    );
  }
});
