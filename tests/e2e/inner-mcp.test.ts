/**
 * The user's own MCP servers inside a session's Codex: `advanced.mcpServers` ("inherit", "none",
 * or names to keep) and CODEX_MCP_INNER_MCP, through the compiled binary and the real Codex. Two
 * MCP servers in the test CODEX_HOME write a line to a file of their own when Codex starts them,
 * so the test sees which ones Codex ran.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";

const SERVER = join(import.meta.dir, "..", "fixtures", "mcp-servers", "slow.ts");
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
  home = makeCodexHome({ modelUrl: model.url });
  // Two servers the user configured, each recording its starts in a file of its own.
  const tables = ["kept", "dropped"].map((name) =>
    [
      `[mcp_servers.${name}]`,
      `command = ${JSON.stringify(process.execPath)}`,
      `args = [${JSON.stringify(SERVER)}]`,
      `[mcp_servers.${name}.env]`,
      'CODEX_TEST_MCP_DELAY_MS = "0"',
      `CODEX_TEST_MCP_STARTS = ${JSON.stringify(join(home.root, `${name}.starts`))}`,
    ].join("\n")
  );
  appendFileSync(join(home.codexHome, "config.toml"), `\n${tables.join("\n\n")}\n`);
});
afterEach(async () => {
  await server?.closeStdin().catch(() => {});
  await server?.dispose();
  server = undefined;
  home.cleanup();
});

/** How many times Codex started the server `name`. */
const starts = (name: string) => {
  const file = join(home.root, `${name}.starts`);
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).length : 0;
};

async function serve(env: Record<string, string> = {}) {
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), ...env },
    inheritEnv: false,
  });
  return async (name: string, args: Record<string, unknown>) =>
    (await server!.client.callTool({ name, arguments: args })).structuredContent as {
      sessionId: string;
      status: string;
      error?: { code: string; message: string };
    };
}

/** Runs one session to its answer with `mcpServers` (or the server's default), then lets servers start. */
async function session(call: Awaited<ReturnType<typeof serve>>, mcpServers?: unknown) {
  const view = await call("codex", {
    prompt: "hi",
    approvalPolicy: "never",
    sandbox: "read-only",
    cwd: home.workspace,
    advanced: { waitForResult: 30_000, ...(mcpServers !== undefined && { mcpServers }) },
  });
  return view;
}

/**
 * The start counts of both servers once they are `expected` (Codex starts MCP servers beside the
 * turn, not before it), or after 10 s; then 1 s more, so that a start that was not expected shows.
 */
async function counts(expected: number[]): Promise<number[]> {
  const now = () => [starts("kept"), starts("dropped")];
  for (let i = 0; i < 100 && JSON.stringify(now()) !== JSON.stringify(expected); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1_000));
  return now();
}

describe("the user's MCP servers inside sessions", () => {
  test("inherit runs them all; none runs none, for its later turns too; a list keeps only those named", async () => {
    const call = await serve();
    const inherited = await session(call);
    expect(inherited.status).toBe("idle");
    expect(await counts([1, 1])).toEqual([1, 1]);

    const none = await session(call, "none");
    expect(none.status).toBe("idle");
    const reply = await call("codex_reply", { sessionId: none.sessionId, prompt: "again", waitForResult: 30_000 });
    expect(reply.status).toBe("idle");
    expect(await counts([1, 1])).toEqual([1, 1]); // only the first session's

    await server!.closeStdin();
    await server!.dispose();
    const fresh = await serve();
    const kept = await session(fresh, ["kept"]);
    expect(kept.status).toBe("idle");
    expect(await counts([2, 1])).toEqual([2, 1]);
  }, 60_000);

  test("CODEX_MCP_INNER_MCP=none is the default for every session, in both backends", async () => {
    for (const mode of ["app-server", "exec"]) {
      const call = await serve({ CODEX_MCP_INNER_MCP: "none", CODEX_MCP_MODE: mode });
      expect((await session(call)).status).toBe("idle");
      expect(await counts([0, 0])).toEqual([0, 0]);
      await server!.closeStdin();
      await server!.dispose();
    }
    server = undefined;
  }, 60_000);

  test("a name the config files do not define is INVALID_ARGUMENT, listing those they do", async () => {
    const call = await serve();
    const refused = await session(call, ["nope"]);
    expect(refused.error?.code).toBe("INVALID_ARGUMENT");
    expect(refused.error?.message).toContain('no MCP server "nope"');
    expect(refused.error?.message).toContain("configured: dropped, kept");
  }, 30_000);
});
