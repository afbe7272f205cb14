/**
 * The tools' JSON Schemas kept in the state directory between starts (src/mcp/tools/
 * schema-cache.ts), seen by the SDK v2 `Client` against the compiled binary: a start writes them;
 * the next start with the same binary and configuration lists them from the file (shown by a
 * marker planted in it); a start with another configuration ignores the file and replaces it; and
 * a damaged file costs nothing but the conversion. Without the marker, every listing is the same.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { COMPILED } from "./launch.ts";

const MARKER = "planted in the kept file by the test";
const KEY = "codex.input input draft-2020-12";
let state: string;

beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), "codex-mcp-schema-cache-"));
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

/** One start: the tools as listed, after which the server is closed (and has written its file). */
async function listTools(env: Record<string, string> = {}) {
  const client = new Client({ name: "schema-cache-e2e", version: "0" });
  await client.connect(
    new StdioClientTransport({
      command: COMPILED,
      env: { PATH: process.env.PATH ?? "", CODEX_MCP_STATE_DIR: state, ...env },
      stderr: "pipe",
    }),
  );
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

type KeptFile = { key: string; schemas: Record<string, { properties: Record<string, { description?: string }> }> };
const kept = () => JSON.parse(readFileSync(join(state, "tool-schemas.json"), "utf8")) as KeptFile;
const promptDescription = (tools: Awaited<ReturnType<typeof listTools>>) =>
  (tools.find((t) => t.name === "codex")!.inputSchema.properties as Record<string, { description?: string }>).prompt!
    .description;

describe("the tools' schemas kept between starts", () => {
  test("written by one start, listed from the file by the next, ignored for another configuration", async () => {
    const first = await listTools();
    const file = kept();
    expect(Object.keys(file.schemas)).toContain(KEY);
    expect(file.key).toMatch(/^[0-9a-f]{64}$/);
    // The same binary and configuration list the same tools, byte for byte.
    expect(JSON.stringify(await listTools())).toBe(JSON.stringify(first));

    file.schemas[KEY]!.properties.prompt!.description = MARKER;
    writeFileSync(join(state, "tool-schemas.json"), JSON.stringify(file));
    expect(promptDescription(await listTools())).toBe(MARKER);

    // Another configuration: the file is not used, and is rewritten for it.
    const other = await listTools({ CODEX_MCP_MAX_WAIT_MS: "12345" });
    expect(promptDescription(other)).not.toBe(MARKER);
    expect(kept().key).not.toBe(file.key);
  }, 60_000);

  test("a damaged file costs only the conversion", async () => {
    const first = await listTools();
    writeFileSync(join(state, "tool-schemas.json"), "{ not json");
    expect(JSON.stringify(await listTools())).toBe(JSON.stringify(first));
    expect(Object.keys(kept().schemas)).toContain(KEY);
  }, 60_000);
});
