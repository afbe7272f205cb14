/**
 * The floor for startup measurements: the smallest useful MCP server built on the same SDK
 * and transport as the product, so the bench can tell SDK/runtime cost from our own.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "hello", version: "0.0.0" });

server.registerTool(
  "hello",
  {
    description: "Greets someone.",
    inputSchema: { name: z.string().optional() },
    annotations: { readOnlyHint: true },
  },
  async ({ name }) => ({ content: [{ type: "text", text: `hello, ${name ?? "world"}` }] }),
);

await server.connect(new StdioServerTransport());
