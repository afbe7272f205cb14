/**
 * Failures as tool results. Every failed call is `isError: true` with one text block
 * `Error [CODE]: message` followed by `Hint: …`, and the same `{ code, message, hint }` as
 * `structuredContent.error`. Codes come from the one registry (src/errors/registry.ts); this is
 * the only place that knows the tools, so the hints that name them live here.
 *
 * @module
 */
import type { CallToolResult, McpServer } from "@modelcontextprotocol/server";
import { CodedError, ERROR_REGISTRY, type ErrorCode, type ErrorInfo } from "../errors/registry.ts";
import { wrapRequestHandler } from "./sdk-handlers.ts";

/** A refusal of a tool itself (an argument combination the schema cannot express). */
export class ToolError extends CodedError {
  constructor(code: ErrorCode, message: string, hint: string) {
    super(code, message, hint);
    this.name = "ToolError";
  }
}

/**
 * The registry's default hints, said in terms of the tools. A failure that carries its code's
 * default hint gets this one instead; a more specific hint is kept as it is.
 */
const TOOL_HINTS: Partial<Record<ErrorCode, string>> = {
  SESSION_NOT_FOUND:
    'List sessions with codex_session {action: "list"}; finished sessions are forgotten after a while.',
  SESSION_BUSY:
    'Wait for it (codex_check poll with pollOptions.waitMs), answer its pending action, or interrupt it (codex_session interrupt) before replying; or pass codex_reply mode "steer" (add this to the running turn) or "queue" (run it when the turn ends).',
  REQUEST_NOT_FOUND:
    'Poll (codex_check {action: "poll"}) for the current actions: a request ends when answered, when it times out (declined), or when its turn ends.',
  CODEX_CRASHED:
    "Reply with codex_reply to continue: codex-mcp resumes the thread, with its history, on a new Codex process.",
  CODEX_HUNG:
    "Reply with codex_reply to continue: codex-mcp resumes the thread, with its history, on a new Codex process.",
  TURN_FAILED: "Check the model provider (codex_setup shows the configuration and login); then reply to try again.",
  INTERRUPTED_BY_RESTART:
    "Its events up to then are kept (codex_check poll). Reply with codex_reply to resume the thread with its history.",
  CODEX_NOT_RUNNABLE: "Call codex_setup (or run `codex-mcp doctor`) to see why Codex does not start.",
};

/** The hint to show for `failure`: the tools' wording of a default hint, else its own. */
export function toolHint(failure: { code: ErrorCode; hint: string }): string {
  const generic = failure.hint === ERROR_REGISTRY[failure.code]?.hint;
  return (generic && TOOL_HINTS[failure.code]) || failure.hint;
}

/** A session's recorded failure as the tools show it. */
export function shownFailure(failure: ErrorInfo): ErrorInfo {
  return { ...failure, hint: toolHint(failure) };
}

/** The result for a failed call. */
function toolError(code: ErrorCode, message: string, hint: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `Error [${code}]: ${message}\nHint: ${hint}` }],
    structuredContent: { error: { code, message, hint } },
  };
}

/** Turns whatever a handler threw into a result; unexpected errors become INTERNAL. */
export function errorResult(error: unknown): CallToolResult {
  if (error instanceof CodedError) return toolError(error.code, error.message, toolHint(error));
  const message = error instanceof Error ? error.message : String(error);
  return toolError("INTERNAL", message, ERROR_REGISTRY.INTERNAL.hint);
}

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
  return toolError("INTERNAL", text, ERROR_REGISTRY.INTERNAL.hint);
}

/**
 * Routes the SDK's own tool errors through {@link classifySdkToolError}. The SDK (2.4) makes
 * them in `McpServer.createToolError`, private in its types but an ordinary method at run time;
 * the check below fails start-up loudly should a later SDK drop it, and an end-to-end test pins
 * the result.
 */
export function installToolErrorFormat(server: McpServer): void {
  const internals = server as unknown as { createToolError?: (message: string) => CallToolResult };
  if (typeof internals.createToolError !== "function") {
    throw new Error("@modelcontextprotocol/server no longer has McpServer.createToolError: update src/mcp/errors.ts");
  }
  internals.createToolError = classifySdkToolError;
}

/**
 * Calls the SDK refuses as protocol errors, answered in the error model instead: `arguments` that
 * is not an object (null, an array, a number) fails the SDK's request schema with a raw zod dump
 * (-32603), and the SDK (2.x) throws -32602 for an unknown or disabled tool. Both are tool calls
 * gone wrong, which the calling model can read and fix only as a tool result.
 */
export function installCallChecks(server: McpServer): void {
  wrapRequestHandler(server, "tools/call", (call) => async (request, ...rest) => {
    const args = (request as { params?: { arguments?: unknown } })?.params?.arguments;
    if (args !== undefined && (args === null || typeof args !== "object" || Array.isArray(args))) {
      const got = args === null ? "null" : Array.isArray(args) ? "an array" : typeof args;
      return toolError(
        "INVALID_ARGUMENT",
        `arguments must be an object, got ${got}`,
        "Pass the tool's arguments as a JSON object; tools/list shows each tool's input schema.",
      );
    }
    try {
      return await call(request, ...rest);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/^(MCP error -?\d+: )?Tool \S+ (not found|disabled)/.test(message)) return classifySdkToolError(message);
      throw error;
    }
  });
}
