/**
 * The MCP TypeScript SDK's v2 `Client` (`@modelcontextprotocol/client` 2.4, a client nobody here
 * wrote) against the compiled binary on the real Codex, in both protocol eras: its default
 * 2025-era `initialize` handshake, `versionNegotiation: "auto"` (a `server/discover` probe that
 * finds the 2026-07-28 era), and the modern era pinned. Each runs a session to its result.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientOptions } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => model.reset());

/** Connects a v2 `Client` with `options` to a fresh server, runs `body`, and cleans up. */
async function withV2Client<T>(options: ClientOptions, body: (client: Client, workspace: string) => Promise<T>) {
  const home = makeCodexHome({ modelUrl: model.url });
  const state = mkdtempSync(join(tmpdir(), "codex-mcp-v2-state-"));
  const transport = new StdioClientTransport({
    command: COMPILED,
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_STATE_DIR: state },
    stderr: "pipe",
  });
  const client = new Client({ name: "v2-client-e2e", version: "0" }, options);
  try {
    await client.connect(transport);
    return await body(client, home.workspace);
  } finally {
    await client.close().catch(() => {});
    rmSync(state, { recursive: true, force: true });
    home.cleanup();
  }
}

/** A session to its result: start, then wait in the call itself. */
async function runSession(client: Client, workspace: string) {
  model.enqueue(reply.message("Hello from Codex."));
  const started = await client.callTool({
    name: "codex",
    arguments: {
      prompt: "Say hello.",
      cwd: workspace,
      approvalPolicy: "untrusted",
      sandbox: "read-only",
      advanced: { waitForResult: 30_000 },
    },
  });
  expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
  return started.structuredContent as { sessionId: string; status: string; result?: { text: string | null } };
}

const ERAS: { name: string; options: ClientOptions; era: string; version: string }[] = [
  { name: "default (2025-era initialize)", options: {}, era: "legacy", version: "2025-11-25" },
  { name: "auto negotiation", options: { versionNegotiation: { mode: "auto" } }, era: "modern", version: "2026-07-28" },
  {
    name: "pinned to 2026-07-28",
    options: { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    era: "modern",
    version: "2026-07-28",
  },
];

describe("the SDK v2 Client", () => {
  for (const { name, options, era, version } of ERAS) {
    test(`${name}: era ${era} (${version}), the tools, server-info, and a session to its result`, async () => {
      await withV2Client(options, async (client, workspace) => {
        expect(client.getProtocolEra()).toBe(era as "legacy" | "modern");
        expect(client.getNegotiatedProtocolVersion()).toBe(version);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(
          ["codex", "codex_check", "codex_reply", "codex_review", "codex_session", "codex_setup"],
        );
        const info = await client.readResource({ uri: "codex-mcp:///server-info" });
        const body = JSON.parse((info.contents[0] as { text: string }).text);
        expect(body.protocolVersion).toBe(version);

        const view = await runSession(client, workspace);
        expect(view.status).toBe("idle");
        expect(view.result?.text).toBe("Hello from Codex.");
        // A failure is a tool result in the error model in both eras, not a protocol error.
        const missing = await client.callTool({
          name: "codex_check",
          arguments: { action: "poll", sessionId: "nope" },
        });
        expect(missing.isError).toBe(true);
        expect((missing.structuredContent as { error: { code: string } }).error.code).toBe("SESSION_NOT_FOUND");
        const unknown = await client.callTool({ name: "no_such_tool", arguments: {} });
        expect(unknown.isError).toBe(true);
        expect((unknown.structuredContent as { error: { code: string } }).error.code).toBe("INVALID_ARGUMENT");
      });
    }, 60_000);
  }
});

describe("live session resources, 2026-07-28 era", () => {
  test("subscriptions/listen with resourceSubscriptions gets notifications/resources/updated", async () => {
    await withV2Client({ versionNegotiation: { mode: { pin: "2026-07-28" } } }, async (client, workspace) => {
      const updated: string[] = [];
      client.setNotificationHandler("notifications/resources/updated", (n) => void updated.push(n.params.uri));
      const subscription = await client.listen({ resourceSubscriptions: ["codex-mcp:///sessions"] });
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual(["codex-mcp:///sessions"]);
      const view = await runSession(client, workspace);
      expect(view.status).toBe("idle");
      for (let i = 0; i < 40 && !updated.includes("codex-mcp:///sessions"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(updated).toContain("codex-mcp:///sessions");
      // Only what was asked for: the session's own resource was not in the filter.
      expect(updated.some((u) => u.startsWith("codex-mcp:///sessions/"))).toBe(false);
      await subscription.close();
    });
  }, 60_000);
});
