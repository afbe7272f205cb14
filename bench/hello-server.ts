/**
 * The floor for startup measurements: the smallest useful MCP server on the same SDK line as the
 * product (v2, `serveStdio` with its own default stdio transport), so the bench can tell
 * SDK/runtime cost from our own.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

serveStdio(() => {
  const server = new McpServer({ name: "hello", version: "0.0.0" });
  server.registerTool(
    "hello",
    {
      description: "Greets someone.",
      inputSchema: z.object({ name: z.string().optional() }),
      annotations: { readOnlyHint: true },
    },
    async ({ name }) => ({ content: [{ type: "text", text: `hello, ${name ?? "world"}` }] }),
  );
  return server;
});
