/**
 * The one place codex-mcp reaches into the SDK's (2.4) request handlers: a map that is private in
 * its types but ordinary at run time. Wrapping a handler here fails start-up loudly should a later
 * SDK keep its handlers elsewhere, and end-to-end tests pin what each wrapper does.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";

type Handler = (request: unknown, ...rest: unknown[]) => unknown;

/** Replaces the handler of `method` by `wrap(original)`. */
export function wrapRequestHandler(server: McpServer, method: string, wrap: (original: Handler) => Handler): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const original = handlers?.get(method);
  if (!handlers || !original) {
    throw new Error(
      `@modelcontextprotocol/server keeps its ${method} handler elsewhere now: update src/mcp/sdk-handlers.ts`,
    );
  }
  handlers.set(method, wrap(original));
}
