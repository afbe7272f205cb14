/**
 * Sessions name their Codex thread (`thread/name/set`), so that a person finds them in
 * `codex resume` or the Codex app: read back by a second, direct `codex app-server` on the same
 * CODEX_HOME.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startAppServer } from "../harness/app-server.ts";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel({ handler: () => reply.message("ok") });
});
afterAll(async () => {
  await model.close();
});

test("a session's thread is named after its first prompt, marked as codex-mcp's", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  const server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex") },
    inheritEnv: false,
  });
  try {
    const prompt = "Fix the flaky login test in the auth module, then explain what was wrong\nand more lines";
    const view = (await server.client.callTool({
      name: "codex",
      arguments: {
        prompt,
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      },
    })).structuredContent as { threadId: string; status: string };
    expect(view.status).toBe("idle");
    const direct = startAppServer({ env: home.env, cwd: home.workspace });
    try {
      await direct.initialize("thread-names-test");
      const read = await direct.request<{ thread: { name: string | null } }>("thread/read", {
        threadId: view.threadId,
      }, 20_000);
      // The first line, cut to 60 characters with the ellipsis.
      expect(read.thread.name).toBe("codex-mcp: Fix the flaky login test in the auth module, then explain w…");
    } finally {
      await direct.close();
    }
  } finally {
    await server.closeStdin().catch(() => {});
    await server.dispose();
    home.cleanup();
  }
}, 60_000);
