/**
 * Serving the application over stdio: one connection, the process's own stdin and stdout. The
 * first signal stops taking calls and lets running turns finish (the application's shutdown
 * grace); a second cuts that wait short; a third exits at once. Resolves once everything is down
 * and stdout is flushed. A second transport is a sibling of this folder with its own `serve`.
 *
 * @module
 */
import type { Logger } from "../../../log.ts";
import type { Runtime } from "../../../runtime/types.ts";
import type { AppContext } from "../../context.ts";
import { createMcpServer } from "../../server.ts";
import { StdioTransport } from "./transport.ts";

/** What a transport needs of the application (src/app.ts builds it). */
export interface ServedApp {
  readonly context: AppContext;
  /** A line for the log: where the sessions are kept. */
  readonly description: string;
  shutdown(graceMs: number, hurry?: AbortSignal): Promise<void>;
}

export async function serveStdio(
  runtime: Runtime,
  app: ServedApp,
  options: { log: Logger; shutdownGraceMs: number },
): Promise<void> {
  const { log } = options;
  const transport = new StdioTransport(runtime.stdio.stdin, runtime.stdio.stdout);
  const server = createMcpServer(app.context, { protocolVersion: () => transport.protocolVersion });
  const closed = new Promise<void>((resolve) => {
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
  });
  server.server.onerror = (error) => log.warn("protocol error", error);

  const hurry = new AbortController();
  let signals = 0;
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK"] as const) {
    runtime.onSignal(signal, () => {
      signals += 1;
      log.info(`${signal}: shutting down${signals > 1 ? " now" : ""}`);
      if (signals === 2) hurry.abort();
      if (signals > 2) void runtime.exit(130);
      void transport.close();
    });
  }

  await server.connect(transport);
  log.info(`serving MCP over stdio (${runtime.name} ${runtime.version}, pid ${runtime.pid}, ${app.description})`);
  await closed;
  await app.shutdown(options.shutdownGraceMs, hurry.signal);
  await transport.flushed();
}
