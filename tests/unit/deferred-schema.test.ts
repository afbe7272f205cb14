import { describe, expect, test } from "bun:test";
import * as z from "zod";
import { McpServer } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config.ts";
import { deferred, once, perConfig } from "../../src/mcp/tools/deferred-schema.ts";

const target = { target: "draft-2020-12" } as const;

describe("deferred tool schemas", () => {
  test("nothing is built until the schema is used; then it is built once", () => {
    let builds = 0;
    const schema = once(() => {
      builds += 1;
      return z.object({ name: z.string().max(3) });
    });
    const a = deferred(schema);
    const b = deferred(schema);
    expect(builds).toBe(0);
    expect(a["~standard"].validate({ name: "abc" })).toEqual({ value: { name: "abc" } });
    const refused = b["~standard"].validate({ name: "abcd" }) as { issues?: unknown[] };
    expect(refused.issues?.length).toBe(1);
    expect(builds).toBe(1);
  });

  test("the JSON Schema is zod's own, converted once per direction and target", () => {
    const zod = z.object({ n: z.number().int().default(1) });
    const schema = deferred(() => zod);
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
    server.registerTool("echo", { inputSchema: deferred(input) }, ({ word }) => ({
      content: [{ type: "text", text: word }],
    }));
    const tools = (server as unknown as { _registeredTools: Record<string, { inputSchema: unknown }> })
      ._registeredTools;
    expect(Object.keys(tools)).toEqual(["echo"]);
    const std = (tools.echo!.inputSchema as ReturnType<typeof deferred>)["~standard"];
    expect(await std.validate({ word: "ok" })).toEqual({ value: { word: "ok" } });
    expect(std.jsonSchema.input(target)).toMatchObject({ properties: { word: { type: "string", minLength: 2 } } });
  });
});
