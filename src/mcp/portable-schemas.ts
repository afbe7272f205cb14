/**
 * Tool schemas every client can read. The SDK (2.4) writes a nullable field as
 * `type: ["string", "null"]` and a free value as `{}`: legal JSON Schema, but clients that map
 * tool schemas onto a single-`type` dialect (the OpenAPI subset behind Gemini function
 * declarations, for one) reject or drop them, and MCP Inspector 2's `--strict` flags both. Here
 * `tools/list` answers with the same schemas in portable spelling: `anyOf` branches of one
 * `type` each, and "any JSON value" spelled out.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { wrapRequestHandler } from "./sdk-handlers.ts";

type Schema = Record<string, unknown>;

/** Keywords that constrain a value; a schema with none of them accepts anything. */
const CONSTRAINING = new Set([
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "$ref",
  "properties",
  "items",
  "additionalProperties",
]);

/** Any JSON value, with a keyword in every branch. */
const ANY_JSON: Schema = {
  anyOf: [
    { type: "object" },
    { type: "array" },
    { type: "string" },
    { type: "number" },
    { type: "boolean" },
    { type: "null" },
  ],
};

/** `schema` in portable spelling (a fresh copy; the input is not changed). */
function portableSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portableSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === "properties" && value && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, valueSchema(v)]));
    } else if (key === "items" || key === "additionalProperties") {
      out[key] = valueSchema(value);
    } else if (key === "anyOf" || key === "oneOf" || key === "allOf") {
      out[key] = (value as unknown[]).map(valueSchema);
    } else {
      out[key] = portableSchema(value);
    }
  }
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    return { ...rest, anyOf: (type as string[]).map((t) => ({ type: t })) };
  }
  return out;
}

/** A schema in a value position: one with no constraint at all becomes {@link ANY_JSON}. */
function valueSchema(schema: unknown): unknown {
  if (schema === true || schema === undefined) return ANY_JSON;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const portable = portableSchema(schema) as Schema;
  return Object.keys(portable).some((k) => CONSTRAINING.has(k)) ? portable : { ...portable, ...ANY_JSON };
}

/** Makes `tools/list` answer with portable schemas. */
export function installPortableSchemas(server: McpServer): void {
  wrapRequestHandler(server, "tools/list", (list) => async (...args: unknown[]) => {
    const result = (await list(...(args as [unknown]))) as { tools: Schema[] };
    return {
      ...result,
      tools: result.tools.map((tool) => ({
        ...tool,
        inputSchema: portableSchema(tool.inputSchema),
        ...(tool.outputSchema !== undefined && { outputSchema: portableSchema(tool.outputSchema) }),
      })),
    };
  });
}
