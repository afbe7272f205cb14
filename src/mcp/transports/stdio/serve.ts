/**
 * Serving the application over stdio: one connection, the process's own stdin and stdout. The
 * first signal stops taking calls and lets running turns finish (the application's shutdown
 * grace); a second cuts that wait short; a third exits at once. Resolves once everything is down
 * and stdout is flushed. A second transport is a sibling of this folder with its own `serve`.
 *
 * The SDK's `serveStdio` owns the protocol era: a connection that opens with `initialize` is
 * pinned to a 2025-era server, one whose first request carries the 2026-07-28 `_meta` envelope
 * to a modern one, both built by the same factory. It is handed our own transport (see
 * transport.ts for why); its module imports `node:stream` only for the default transport, which
 * is never built here.
 *
 * @module
 */
import { serveStdio as serveEras } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../../../log.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { createMcpServer } from "../../server.ts";
import { StdioTransport } from "./transport.ts";
import { type ServedApp, stopOnSignals } from "../serving.ts";

export async function serveStdio(
  runtime: Runtime,
  app: ServedApp,
  options: { log: Logger; shutdownGraceMs: number },
): Promise<void> {
  const { log } = options;
  const transport = new StdioTransport(runtime.stdio.stdin, runtime.stdio.stdout);

  const hurry = stopOnSignals(runtime, log, () => void transport.close());

  // One server per era the connection opens in (a 2026-era `server/discover` probe followed by a
  // 2025-era `initialize` builds two, the first discarded); each logs its own protocol errors.
  serveEras(({ era }) => {
    const server = createMcpServer(app.context, {
      era,
      protocolVersion: () => transport.protocolVersion,
      notifyTask: (task) => transport.notifyTask(task),
    });
    server.server.onerror = (error) => log.warn(`protocol error (${era} era)`, error);
    return server;
  }, { transport, onerror: (error) => log.warn("protocol error", error) });
  log.info(`serving MCP over stdio (${runtime.name} ${runtime.version}, pid ${runtime.pid}, ${app.description})`);
  await transport.closed;
  await app.shutdown(options.shutdownGraceMs, hurry);
  await transport.flushed();
}
