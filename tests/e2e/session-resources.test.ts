/**
 * Live session resources through the compiled binary with the real Codex: the SDK `Client` reads
 * `codex-mcp:///sessions` and `codex-mcp:///sessions/{id}`, subscribes to them, and is told when
 * a session changes (`notifications/resources/updated`) — with no tool call polling — until it
 * unsubscribes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel({ handler: () => reply.message("done") });
});
afterAll(async () => {
  await model.close();
});

test("subscribed sessions tell the client when they change; reading them gives the news", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  const updates: string[] = [];
  const server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex") },
    inheritEnv: false,
    prepare: (client) =>
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)),
  });
  try {
    const c = server.client;
    const read = async (uri: string) =>
      JSON.parse(((await c.readResource({ uri })).contents[0] as { text: string }).text);
    expect(c.getServerCapabilities()?.resources).toMatchObject({ subscribe: true });
    expect((await read("codex-mcp:///sessions")).sessions).toEqual([]);
    await c.subscribeResource({ uri: "codex-mcp:///sessions" });

    const started = (await c.callTool({
      name: "codex",
      arguments: { prompt: "Hi.", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace },
    })).structuredContent as { sessionId: string };
    const one = `codex-mcp:///sessions/${started.sessionId}`;
    await c.subscribeResource({ uri: one });
    // No polling: wait for the session's own resource to say the turn is over.
    let session: { status: string; turns: unknown[] } = { status: "", turns: [] };
    for (let i = 0; i < 100 && session.status !== "idle"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (updates.includes(one)) session = await read(one);
    }
    expect(session.status).toBe("idle");
    expect(session.turns).toHaveLength(1);
    expect(updates).toContain("codex-mcp:///sessions");
    const listed = await read("codex-mcp:///sessions");
    expect(listed.sessions).toMatchObject([{ sessionId: started.sessionId, uri: one, status: "idle", turns: 1 }]);
    const templates = await c.listResources();
    expect(templates.resources.map((r) => r.uri)).toContain(one);

    // Unsubscribed: a later turn says nothing about that session.
    await c.unsubscribeResource({ uri: one });
    await new Promise((r) => setTimeout(r, 400));
    updates.length = 0;
    await c.callTool({
      name: "codex_reply",
      arguments: { sessionId: started.sessionId, prompt: "Again.", waitForResult: 20_000 },
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(updates).not.toContain(one);
    expect(updates).toContain("codex-mcp:///sessions");
    // A session that does not exist cannot be subscribed to.
    const refused = await c.subscribeResource({ uri: "codex-mcp:///sessions/s_nope" }).then(() => null, (e) => e);
    expect(String(refused)).toContain("s_nope");
  } finally {
    await server.closeStdin().catch(() => {});
    await server.dispose();
    home.cleanup();
  }
}, 60_000);
