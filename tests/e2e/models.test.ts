/**
 * Codex's models through the compiled binary and the real Codex: `codex-mcp:///models` lists its
 * `model/list` (each model's efforts and the default), an effort the model does not take is
 * refused before anything reaches the model, and a model the list does not name is a warning.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";

type ModelInfo = { id: string; isDefault: boolean; defaultEffort: string; efforts: string[] };
let model: FakeModel;
let home: CodexHome;
let server: Launched | undefined;

beforeAll(async () => {
  model = await startFakeModel({ handler: () => reply.message("ok") });
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
  model.setHandler(() => reply.message("ok"));
  home = makeCodexHome({ modelUrl: model.url });
});
afterEach(async () => {
  await server?.closeStdin().catch(() => {});
  await server?.dispose();
  server = undefined;
  home.cleanup();
});

async function serve(mode = "app-server") {
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_MODE: mode },
    inheritEnv: false,
  });
  const models = async () =>
    JSON.parse(
      ((await server!.client.readResource({ uri: "codex-mcp:///models" })).contents[0] as { text: string }).text,
    );
  const start = async (extra: Record<string, unknown>) =>
    (await server!.client.callTool({
      name: "codex",
      arguments: { prompt: "hi", approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace, ...extra },
    })).structuredContent as { status?: string; warnings?: string[]; error?: { code: string; message: string } };
  return { models, start };
}

describe("Codex's models", () => {
  test("the resource lists Codex's model/list, with each model's efforts and the default marked", async () => {
    const s = await serve();
    const { models } = (await s.models()) as { models: ModelInfo[] };
    expect(models.length).toBeGreaterThan(1);
    expect(models.filter((m) => m.isDefault)).toHaveLength(1);
    for (const m of models) {
      expect(m.efforts.length).toBeGreaterThan(0);
      expect(m.efforts).toContain(m.defaultEffort);
    }
  }, 30_000);

  test(
    "an effort the model does not take is INVALID_ARGUMENT before the model is asked; an unknown model warns",
    async () => {
      const s = await serve();
      const { models } = (await s.models()) as { models: ModelInfo[] };
      const narrow = models.find((m) => !m.efforts.includes("ultra"))!;
      const refused = await s.start({ model: narrow.id, effort: "ultra" });
      expect(refused.error?.code).toBe("INVALID_ARGUMENT");
      expect(refused.error?.message).toContain(`model ${narrow.id} takes effort ${narrow.efforts.join(", ")}`);
      expect(model.responsesRequests()).toHaveLength(0);
      const warned = await s.start({ model: "my-local-model", advanced: { waitForResult: 20_000 } });
      expect(warned.warnings?.join(" ")).toContain('model "my-local-model" is not in Codex\'s model list');
    },
    30_000,
  );

  test("exec has no list: the resource says so, and nothing is checked", async () => {
    const s = await serve("exec");
    expect(await s.models()).toMatchObject({ models: null, reason: expect.stringContaining("exec backend") });
    const view = await s.start({ effort: "ultra" });
    expect(view.error).toBeUndefined();
  }, 30_000);
});
