/**
 * Codex itself as codex-mcp's client, running as `codex app-server` (the way the Codex IDE
 * extensions and apps run it): an outer Codex thread calls codex-mcp's `codex`; the inner session
 * (the real Codex again) asks to run a command; codex-mcp asks the person by form, the outer
 * Codex passes the form on to *its* client as `mcpServer/elicitation/request`, and this test
 * answers it there, as the person in a Codex app would. Against the fake model.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codexBinary } from "../harness/codex-bin.ts";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED } from "./launch.ts";

// deno-lint-ignore no-explicit-any -- the test reads whatever fields it checks
type Json = Record<string, any>;

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

/** A JSON-RPC client of `codex app-server` over its stdio: requests, notifications, its requests. */
function appServer(env: Record<string, string>, cwd: string, answer: (method: string, params: Json) => Json) {
  const child = Bun.spawn([codexBinary(), "app-server"], { env, cwd, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const waiting = new Map<number, (m: Json) => void>();
  const notifications: Json[] = [];
  const notified: (() => void)[] = [];
  let next = 0;
  const write = (message: Json) => child.stdin.write(JSON.stringify(message) + "\n");
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const message = JSON.parse(buffer.slice(0, newline)) as Json;
        buffer = buffer.slice(newline + 1);
        if (message.method && message.id !== undefined) {
          write({ id: message.id, result: answer(message.method, message.params) });
        } else if (message.method) {
          notifications.push(message);
          for (const wake of notified.splice(0)) wake();
        } else waiting.get(message.id)?.(message);
      }
    }
  })();
  return {
    request: (method: string, params: Json) =>
      new Promise<Json>((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        write({ id, method, params });
      }),
    notify: (method: string, params?: Json) => write({ method, ...(params && { params }) }),
    async until(method: string, timeoutMs: number): Promise<Json> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = notifications.find((n) => n.method === method);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${method} in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          notified.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async close() {
      child.stdin.end();
      await child.exited;
    },
  };
}

describe("codex app-server as codex-mcp's client", () => {
  test("an approval asked by codex-mcp reaches the app-server's client as mcpServer/elicitation/request", async () => {
    const inner = makeCodexHome({ modelUrl: model.url });
    const state = mkdtempSync(join(tmpdir(), "codex-mcp-appserver-client-"));
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
    const forms: Json[] = [];
    const server = appServer(outer.env, outer.workspace, (method, params) => {
      if (method === "mcpServer/elicitation/request") {
        forms.push(params);
        return { action: "accept", content: { decision: "accept" }, _meta: null };
      }
      // Nothing else should ask; a well-formed refusal keeps the turn going if it does.
      return { decision: "decline" };
    });
    try {
      model.reset();
      model.setHandler((request) => {
        if (request.userTexts().join("\n").includes("Inner task")) {
          const ran = request.toolOutput("call_inner");
          return ran === undefined
            ? reply.execCommand("echo via-app-server", { callId: "call_inner" })
            : reply.message(`Inner done: ${ran.includes("via-app-server") ? "it ran" : "it did not run"}`);
        }
        if (request.toolOutputs().some((o) => o.callId === "call_codex")) return reply.message("Outer done.");
        return reply.viaToolSearch(request, {
          query: "start a codex session",
          namespace: "mcp__codex_mcp",
          tool: "codex",
          args: {
            prompt: "Inner task: run echo.",
            approvalPolicy: "untrusted",
            sandbox: "read-only",
            cwd: inner.workspace,
            advanced: { waitForResult: 30_000 },
          },
          callId: "call_codex",
        });
      });
      await server.request("initialize", {
        clientInfo: { name: "codex-mcp-e2e", title: "e2e", version: "0" },
        capabilities: { experimentalApi: true },
      });
      server.notify("initialized");
      const started = await server.request("thread/start", {
        cwd: outer.workspace,
        approvalPolicy: "on-request",
        sandbox: "read-only",
      });
      const threadId = started.result.thread.id;
      await server.request("turn/start", {
        threadId,
        input: [{ type: "text", text: "Ask a Codex agent to run echo.", text_elements: [] }],
      });
      const completed = await server.until("turn/completed", 60_000);
      expect(completed.params.turn.status).toBe("completed");
      // The person saw codex-mcp's form in the app: the command, in the app's own request.
      expect(forms).toHaveLength(1);
      expect(forms[0]!.serverName).toBe("codex-mcp");
      expect(forms[0]!.mode).toBe("form");
      expect(forms[0]!.message).toContain("echo via-app-server");
      expect(forms[0]!.requestedSchema.properties.decision.oneOf.map((o: Json) => o.const)).toContain("accept");
      // Their accept ran the command in the inner session, and the outer model read the result.
      const seen = model.responsesRequests().flatMap((r) => r.toolOutputs()).find((o) => o.callId === "call_codex");
      expect(seen?.output).toContain("Inner done: it ran");
    } finally {
      await server.close();
      inner.cleanup();
      outer.cleanup();
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);
});
