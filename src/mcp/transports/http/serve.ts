/**
 * Serving the application over streamable HTTP at `/mcp` (`codex-mcp serve --http`): both
 * protocol eras from the one server factory — the 2026-07-28 era per request and stateless
 * through the SDK's `createMcpHandler`, the 2025 era with its session protocol
 * (legacy-sessions.ts) — behind the guard (path, Host/Origin, body size, bearer token). The
 * listener is the runtime adapter's (`Runtime.serveHttp`); this module only hands it a fetch-style
 * handler. Signals stop it as on stdio: the first stops taking requests and lets running turns
 * finish within the grace, a second cuts that short, a third exits.
 *
 * Each token's principal sees its own sessions only (sessions/principals.ts). A listen for tasks
 * or session resources is served beside the SDK's handler (listens.ts).
 *
 * @module
 */
import {
  createMcpHandler,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  isLegacyRequest,
  type McpServer,
} from "@modelcontextprotocol/server";
import type { Logger } from "../../../log.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { createMcpServer } from "../../server.ts";
import { type ServedApp, stopOnSignals } from "../serving.ts";
import { guard } from "./guard.ts";
import { LegacySessions } from "./legacy-sessions.ts";
import { sessionsOf } from "../../../sessions/principals.ts";
import { NAME, VERSION } from "../../../version.ts";
import { Tasks } from "../../tasks/tasks.ts";
import { HttpListens } from "./listens.ts";

export interface HttpServeSettings {
  hostname: string;
  port: number;
  /** Token → principal; `null` without authentication. */
  tokens: ReadonlyMap<string, string> | null;
  /** Host names allowed in `Host` and `Origin` besides the one listened on. */
  allowedHosts: readonly string[];
}

/** Whether `hostname` is a loopback address (the only place `--no-auth` is allowed). */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export async function serveHttp(
  runtime: Runtime,
  app: ServedApp,
  settings: HttpServeSettings,
  options: { log: Logger; shutdownGraceMs: number },
): Promise<void> {
  const { log } = options;
  /** What `principal` may see of the sessions: its own only (sessions/principals.ts). */
  const sessionsFor = (principal: string | null) =>
    sessionsOf(app.context.sessions, principal, {
      maxSessions: app.context.config.principalMaxSessions,
      maxRunningTurns: app.context.config.principalMaxRunningTurns,
    });
  /** A server instance for `principal`. */
  const serverFor = (era: "legacy" | "modern", principal: string | null) => {
    const sessions = sessionsFor(principal);
    const server: McpServer = createMcpServer({ ...app.context, sessions }, {
      era,
      protocolVersion: () => (era === "modern" ? "2026-07-28" : server.server.getNegotiatedProtocolVersion()),
    });
    server.server.onerror = (error) => log.debug(`protocol error (${era} era, HTTP)`, error);
    return server;
  };
  // 2026-07-28: per request, stateless. 2025-era clients get the session protocol (legacy-sessions.ts).
  const handler = createMcpHandler(({ authInfo }) => serverFor("modern", authInfo?.clientId ?? null), {
    legacy: "reject",
  });
  const legacy = new LegacySessions((principal) => serverFor("legacy", principal), log);
  const listens = new HttpListens(
    (principal) => {
      const sessions = sessionsFor(principal);
      return { sessions, tasks: (notifyTask) => new Tasks({ sessions, config: app.context.config, notifyTask }) };
    },
    { name: NAME, version: VERSION },
    log,
  );
  const allowedHosts = [
    ...new Set([
      settings.hostname.replace(/^\[|\]$/g, ""),
      ...settings.allowedHosts,
      ...(isLoopback(settings.hostname) ? ["localhost", "127.0.0.1", "[::1]"] : []),
    ]),
  ];
  let stopping = false;
  const listener = await runtime.serveHttp({
    hostname: settings.hostname,
    port: settings.port,
    fetch: async (request) => {
      if (stopping) {
        return Response.json({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32000, message: "codex-mcp is shutting down" },
        }, {
          status: 503,
        });
      }
      const passed = guard(request, {
        tokens: settings.tokens,
        allowedHosts,
        maxBodyBytes: DEFAULT_MAX_REQUEST_BODY_SIZE,
      });
      if ("refusal" in passed) return passed.refusal;
      const authInfo = passed.principal === null
        ? undefined
        : { token: "(checked)", clientId: passed.principal, scopes: [] as string[] };
      if (await isLegacyRequest(request)) return await legacy.handle(request, passed.principal, authInfo);
      const listen = await listens.match(request);
      if (listen) return listens.serve(listen, passed.principal, request.signal);
      return await handler.fetch(request, authInfo ? { authInfo } : {});
    },
  });
  const url = `http://${
    settings.hostname.includes(":") && !settings.hostname.startsWith("[") ? `[${settings.hostname}]` : settings.hostname
  }:${listener.port}/mcp`;
  log.print(`codex-mcp: serving MCP over HTTP at ${url}${settings.tokens ? "" : " (no authentication)"}\n`);
  log.info(`serving MCP over HTTP (${runtime.name} ${runtime.version}, pid ${runtime.pid}, ${app.description})`);

  let hurry!: AbortSignal;
  await new Promise<void>((resolve) => {
    hurry = stopOnSignals(runtime, log, () => {
      stopping = true;
      resolve();
    });
  });
  await app.shutdown(options.shutdownGraceMs, hurry);
  // A client that leaves a response unread must not hold the exit: closing is bounded.
  const bounded = (closing: Promise<unknown>) =>
    Promise.race([closing.catch(() => {}), new Promise((resolve) => setTimeout(resolve, CLOSE_BOUND_MS))]);
  listens.close();
  await bounded(handler.close());
  await bounded(legacy.close());
  await bounded(listener.close());
}

/** How long closing the handler and the listener may take at shutdown. */
const CLOSE_BOUND_MS = 2_000;
