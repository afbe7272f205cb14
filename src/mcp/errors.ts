/**
 * The error model every tool shares: `isError: true` and one text block
 * `Error [CODE]: message` followed by `Hint: …`, from a fixed set of codes a client can branch on.
 * The README's "Errors" table lists the same codes; keep them in step.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** Every code a tool error can carry. */
const ERROR_CODES = [
  "INVALID_ARGUMENT",
  "CONFIG_INVALID",
  "SESSION_NOT_FOUND",
  "SESSION_BUSY",
  "REQUEST_NOT_FOUND",
  "CODEX_NOT_FOUND",
  "CODEX_CRASHED",
  "TIMEOUT",
  "CANCELLED",
  "NOT_SUPPORTED",
  "FORBIDDEN",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A failure a tool reports to the client; thrown inside handlers, turned into a result by {@link toolError}. */
export class ToolError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string) {
    super(message);
    this.name = "ToolError";
    this.code = code;
    this.hint = hint;
  }
}

/** The result for a failed call. */
function toolError(code: ErrorCode, message: string, hint: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: `Error [${code}]: ${message}\nHint: ${hint}` }] };
}

/** Turns whatever a handler threw into a result; unexpected errors become INTERNAL. */
export function errorResult(error: unknown): CallToolResult {
  if (error instanceof ToolError) return toolError(error.code, error.message, error.hint);
  const message = error instanceof Error ? error.message : String(error);
  return toolError("INTERNAL", message, INTERNAL_HINT);
}

const INTERNAL_HINT =
  "This is a bug in codex-mcp. Retry once; if it persists, report it with codex-mcp's stderr (CODEX_MCP_LOG_LEVEL=debug).";

/**
 * Errors the SDK produces itself (arguments that fail a tool's input schema, an unknown tool, an
 * exception escaping a handler) arrive as a bare message; this gives them a code and a hint.
 */
function classifySdkToolError(message: string): CallToolResult {
  const text = message.replace(/^MCP error -?\d+: /, "");
  if (text.startsWith("Input validation error")) {
    return toolError(
      "INVALID_ARGUMENT",
      text.replace(/^Input validation error: /, ""),
      "Fix the named argument; tools/list shows each tool's input schema.",
    );
  }
  const unknownTool = /^Tool (\S+) not found/.exec(text);
  if (unknownTool) {
    return toolError(
      "INVALID_ARGUMENT",
      `no tool named ${unknownTool[1]}`,
      "Call tools/list for the tools this server has.",
    );
  }
  if (/^Tool \S+ disabled/.test(text)) {
    return toolError("NOT_SUPPORTED", text, "This tool is turned off in this server.");
  }
  return toolError("INTERNAL", text, INTERNAL_HINT);
}

/**
 * Routes the SDK's own tool errors through {@link classifySdkToolError}. The SDK (1.32) makes
 * them in `McpServer.createToolError`, private in its types but an ordinary method at run time;
 * the check below fails start-up loudly should a later SDK drop it, and an end-to-end test pins
 * the result.
 */
export function installToolErrorFormat(server: McpServer): void {
  const internals = server as unknown as { createToolError?: (message: string) => CallToolResult };
  if (typeof internals.createToolError !== "function") {
    throw new Error("@modelcontextprotocol/sdk no longer has McpServer.createToolError: update src/mcp/errors.ts");
  }
  internals.createToolError = classifySdkToolError;
}
