/**
 * `debug_echo`: returns its input. Registered only with CODEX_MCP_TEST_HOOKS=1, for codex-mcp's own
 * end-to-end tests (large messages both ways through the real transport).
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import { withErrorBranch } from "./schemas.ts";
import { deferred, once } from "./deferred-schema.ts";

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = once(() => {
  return {
    input: z.object({ text: z.string() }),
    output: z.object(withErrorBranch({ length: z.number().int() })),
  };
});

export function registerDebugEcho(server: McpServer): void {
  server.registerTool(
    "debug_echo",
    {
      title: "Echo (test hook)",
      description: "Returns `text` unchanged. A test hook of codex-mcp; not for normal use.",
      inputSchema: deferred("debug_echo.input", () => schemas().input),
      outputSchema: deferred("debug_echo.output", () => schemas().output),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { length: text.length } }),
  );
}
