/**
 * Log messages of a waiting call (`notifications/message`, src/mcp/request-log.ts), seen by the
 * SDK v2 `Client` (a client nobody here wrote) against the compiled binary on the real Codex: in
 * the 2025 era after `logging/setLevel`, in the 2026-07-28 era by the request's own log level in
 * `_meta`; none for a client that asked for none; and the level filters.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientOptions, type LoggingMessageNotification } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED } from "./launch.ts";

const LOG_LEVEL_META_KEY = "io.modelcontextprotocol/logLevel";
const MODERN: ClientOptions = { versionNegotiation: { mode: { pin: "2026-07-28" } } };

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => model.reset());

type Logged = LoggingMessageNotification["params"];

/** A v2 `Client` on a fresh server, with every log message it receives collected. */
async function withClient(
  options: ClientOptions,
  body: (client: Client, workspace: string, logged: Logged[]) => Promise<void>,
) {
  const home = makeCodexHome({ modelUrl: model.url });
  const state = mkdtempSync(join(tmpdir(), "codex-mcp-logging-"));
  const transport = new StdioClientTransport({
    command: COMPILED,
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_STATE_DIR: state },
    stderr: "pipe",
  });
  const client = new Client({ name: "logging-e2e", version: "0" }, options);
  const logged: Logged[] = [];
  client.setNotificationHandler("notifications/message", (n) => void logged.push(n.params));
  try {
    await client.connect(transport);
    await body(client, home.workspace, logged);
  } finally {
    await client.close().catch(() => {});
    rmSync(state, { recursive: true, force: true });
    home.cleanup();
  }
}

/** A turn that runs one command and says something, waited for in the call. */
async function runTurn(client: Client, workspace: string, meta?: Record<string, unknown>) {
  model.enqueue(reply.execCommand("echo logged-command", { callId: "call_log" }), reply.message("All done."));
  const result = await client.callTool({
    name: "codex",
    arguments: {
      prompt: "Run echo.",
      cwd: workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
      advanced: { waitForResult: 30_000 },
    },
    ...(meta && { _meta: meta }),
  });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const view = result.structuredContent as { sessionId: string; status: string };
  expect(view.status).toBe("idle");
  return view.sessionId;
}

const messages = (logged: Logged[]) => logged.map((l) => (l.data as { message: string }).message);

describe("log messages of a waiting call", () => {
  test("2025 era: none until logging/setLevel; then the turn's command and message, as the codex logger", async () => {
    await withClient({}, async (client, workspace, logged) => {
      expect(client.getServerCapabilities()?.logging).toEqual({});
      await runTurn(client, workspace);
      expect(logged).toEqual([]);

      await client.setLoggingLevel("info");
      const sessionId = await runTurn(client, workspace);
      const lines = messages(logged);
      expect(lines).toContainEqual(expect.stringContaining("running "));
      expect(lines).toContainEqual(expect.stringContaining("logged-command"));
      expect(lines).toContain("Codex says: All done.");
      expect(lines).toContain("turn completed");
      for (const l of logged) {
        expect(l.logger).toBe("codex");
        expect(l.data).toMatchObject({ sessionId });
        expect(["info", "notice", "warning", "error"]).toContain(l.level);
      }
    });
  }, 90_000);

  test("2025 era: the level filters, and a level that is not one of the eight is refused", async () => {
    await withClient({}, async (client, workspace, logged) => {
      await client.setLoggingLevel("error");
      await runTurn(client, workspace);
      expect(logged).toEqual([]);
      await client.setLoggingLevel("debug");
      await runTurn(client, workspace);
      expect(logged.some((l) => l.level === "debug")).toBe(true);
      expect(messages(logged)).toContain("turn completed");
      await expect(client.request({ method: "logging/setLevel", params: { level: "loud" } } as never)).rejects
        .toThrow();
    });
  }, 90_000);

  test("2026-07-28 era: by the request's own log level in _meta, and only for that request", async () => {
    await withClient(MODERN, async (client, workspace, logged) => {
      expect(client.getProtocolEra()).toBe("modern");
      await runTurn(client, workspace);
      expect(logged).toEqual([]);
      await runTurn(client, workspace, { [LOG_LEVEL_META_KEY]: "info" });
      const lines = messages(logged);
      expect(lines).toContainEqual(expect.stringContaining("logged-command"));
      expect(lines).toContain("turn completed");
      expect(logged.every((l) => l.level !== "debug")).toBe(true);
    });
  }, 90_000);
});
