/**
 * The 2025-11-25 streamable HTTP session protocol, for clients that speak it: an `initialize`
 * POST opens a session (`Mcp-Session-Id`), later POSTs name it, a `GET` opens the stream the
 * server pushes on (forms for approvals, resource updates), and a `DELETE` ends it. Each session
 * is one server instance from the factory — what a stdio connection is — over the SDK's
 * Web-standard transport. A session belongs to the principal that opened it: another token
 * naming its id gets 404, as for an id that never existed.
 *
 * @module
 */
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Logger } from "../../../log.ts";

interface Open {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  principal: string | null;
}

/** What a refused session request gets: 404 (unknown or foreign id) or 400. */
function refusal(status: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code: -32001, message } }, { status });
}

export class LegacySessions {
  readonly #open = new Map<string, Open>();
  readonly #serverFor: (principal: string | null) => McpServer;
  readonly #log: Logger;

  /** `serverFor` builds the instance a new session is served by (2025 era). */
  constructor(serverFor: (principal: string | null) => McpServer, log: Logger) {
    this.#serverFor = serverFor;
    this.#log = log;
  }

  async handle(
    request: Request,
    principal: string | null,
    authInfo: { token: string; clientId: string; scopes: string[] } | undefined,
  ): Promise<Response> {
    const options = authInfo ? { authInfo } : {};
    const id = request.headers.get("mcp-session-id");
    if (id !== null) {
      const open = this.#open.get(id);
      if (!open || open.principal !== principal) return refusal(404, `Session not found: ${id.slice(0, 100)}`);
      return await open.transport.handleRequest(request, options);
    }
    if (request.method !== "POST") {
      return refusal(400, "Bad Request: no Mcp-Session-Id; open a session with an initialize POST first");
    }
    // A new session, if this is an initialize: its instance lives until the session ends.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sessionId) => void this.#open.set(sessionId, { transport, server, principal }),
      onsessionclosed: (sessionId) => void this.#end(sessionId),
    });
    const server = this.#serverFor(principal);
    await server.connect(transport);
    const response = await transport.handleRequest(request, options);
    if (transport.sessionId === undefined) {
      // Not an initialize (the transport said why): nothing was opened, nothing is kept.
      await server.close().catch(() => {});
    }
    return response;
  }

  async #end(sessionId: string): Promise<void> {
    const open = this.#open.get(sessionId);
    this.#open.delete(sessionId);
    await open?.server.close().catch((error) => this.#log.debug(`closing HTTP session ${sessionId}`, error));
  }

  /** Ends every session (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((id) => this.#end(id)));
  }
}
