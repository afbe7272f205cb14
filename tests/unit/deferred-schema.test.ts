import { describe, expect, test } from "bun:test";
import * as z from "zod";
import { McpServer } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deferred, once, perConfig } from "../../src/mcp/tools/deferred-schema.ts";
import { SchemaCache } from "../../src/mcp/tools/schema-cache.ts";
import { createLogger } from "../../src/log.ts";
import { createBunRuntime } from "../../src/runtime/bun.ts";

const target = { target: "draft-2020-12" } as const;

describe("deferred tool schemas", () => {
  test("nothing is built until the schema is used; then it is built once", () => {
    let builds = 0;
    const schema = once(() => {
      builds += 1;
      return z.object({ name: z.string().max(3) });
    });
    const a = deferred("a.input", schema);
    const b = deferred("b.input", schema);
    expect(builds).toBe(0);
    expect(a["~standard"].validate({ name: "abc" })).toEqual({ value: { name: "abc" } });
    const refused = b["~standard"].validate({ name: "abcd" }) as { issues?: unknown[] };
    expect(refused.issues?.length).toBe(1);
    expect(builds).toBe(1);
  });

  test("the JSON Schema is zod's own, converted once per direction and target", () => {
    const zod = z.object({ n: z.number().int().default(1) });
    const schema = deferred("t.input", () => zod);
    const input = schema["~standard"].jsonSchema.input(target);
    expect(input).toEqual(zod["~standard"].jsonSchema.input(target));
    expect(schema["~standard"].jsonSchema.input(target)).toBe(input);
    const output = schema["~standard"].jsonSchema.output(target);
    expect(output).toEqual(zod["~standard"].jsonSchema.output(target));
    expect(output).not.toBe(input);
    expect(schema["~standard"].jsonSchema.input({ target: "draft-07" })).not.toBe(input);
  });

  test("perConfig builds once for each configuration", () => {
    const built: number[] = [];
    const schemas = perConfig((config) => {
      built.push(config.maxWaitMs);
      return z.number().max(config.maxWaitMs);
    });
    const first = loadConfig({});
    const second = loadConfig({ CODEX_MCP_MAX_WAIT_MS: "1000" });
    expect(schemas(first)).toBe(schemas(first));
    expect(schemas(second)).not.toBe(schemas(first));
    expect(built).toEqual([first.maxWaitMs, 1000]);
  });

  test("the SDK lists and validates a tool registered with one", async () => {
    const server = new McpServer({ name: "t", version: "0" });
    const input = once(() => z.object({ word: z.string().min(2) }));
    server.registerTool("echo", { inputSchema: deferred("echo.input", input) }, ({ word }) => ({
      content: [{ type: "text", text: word }],
    }));
    const tools = (server as unknown as { _registeredTools: Record<string, { inputSchema: unknown }> })
      ._registeredTools;
    expect(Object.keys(tools)).toEqual(["echo"]);
    const std = (tools.echo!.inputSchema as ReturnType<typeof deferred>)["~standard"];
    expect(await std.validate({ word: "ok" })).toEqual({ value: { word: "ok" } });
    expect(std.jsonSchema.input(target)).toMatchObject({ properties: { word: { type: "string", minLength: 2 } } });
  });

  test("with a cache: a schema the last start converted is not built to be listed; one it did not is kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codex-mcp-schema-cache-"));
    const path = join(dir, "tool-schemas.json");
    const { fs } = createBunRuntime();
    const log = createLogger(new WritableStream(), "error");
    try {
      let builds = 0;
      const zod = () => {
        builds += 1;
        return z.object({ n: z.number().int() });
      };
      // First start: converted, and written.
      const first = SchemaCache.open(fs, path, "binary 1 + config A", log);
      await new Promise((r) => setTimeout(r, 20)); // the (missing) file has been looked at
      const converted = deferred("t.input", zod, first)["~standard"].jsonSchema.input(target);
      await first.flush();
      expect(builds).toBe(1);
      const file = JSON.parse(readFileSync(path, "utf8")) as { key: string; schemas: Record<string, unknown> };
      expect(file.schemas["t.input input draft-2020-12"]).toEqual(converted);

      // Same binary and configuration: from the file, nothing built.
      const second = SchemaCache.open(fs, path, "binary 1 + config A", log);
      await new Promise((r) => setTimeout(r, 20));
      expect(deferred("t.input", zod, second)["~standard"].jsonSchema.input(target)).toEqual(converted);
      expect(builds).toBe(1);

      // Another configuration: the file is not used, and is replaced.
      const third = SchemaCache.open(fs, path, "binary 1 + config B", log);
      await new Promise((r) => setTimeout(r, 20));
      deferred("t.input", zod, third)["~standard"].jsonSchema.input(target);
      expect(builds).toBe(2);
      await third.flush();
      expect((JSON.parse(readFileSync(path, "utf8")) as { key: string }).key).not.toBe(file.key);

      // A damaged file costs only the conversion.
      writeFileSync(path, "{not json");
      const fourth = SchemaCache.open(fs, path, "binary 1 + config A", log);
      await new Promise((r) => setTimeout(r, 20));
      expect(deferred("t.input", zod, fourth)["~standard"].jsonSchema.input(target)).toEqual(converted);
      expect(builds).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
