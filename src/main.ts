/**
 * The entry point: picks the runtime, reads the command line and configuration, and serves MCP
 * over stdio until the client goes away.
 *
 * @module
 */
import { parseCommandLine, usageText, versionText } from "./cli.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import type { ServerContext } from "./mcp/context.ts";
import { createMcpServer } from "./mcp/server.ts";
import { formatFinding, runPreflight } from "./mcp/stdio-preflight.ts";
import { StdioTransport } from "./mcp/stdio-transport.ts";
import { guardStdout } from "./mcp/stdout-guard.ts";
import { loadRuntime } from "./runtime/detect.ts";
import type { Runtime } from "./runtime/types.ts";

const encoder = new TextEncoder();

async function write(stream: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}

/** Runs codex-mcp; resolves to the process's exit code. */
export async function main(runtime: Runtime): Promise<number> {
  const command = parseCommandLine(runtime.args);
  switch (command.kind) {
    case "help":
      await write(runtime.stdio.stdout, usageText());
      return 0;
    case "version":
      await write(runtime.stdio.stdout, versionText(runtime));
      return 0;
    case "usage-error":
      await write(runtime.stdio.stderr, `codex-mcp: ${command.message}\n\n${usageText()}`);
      return 2;
    case "serve":
      return await serveStdio(runtime);
  }
}

async function serveStdio(runtime: Runtime): Promise<number> {
  // Before anything else can print: from here on only the transport writes to stdout.
  guardStdout(runtime.stdio);

  let config;
  try {
    config = loadConfig(runtime.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await write(runtime.stdio.stderr, `codex-mcp: configuration error:\n  ${error.message.replaceAll("\n", "\n  ")}\n`);
    return 2;
  }
  const log = createLogger(runtime.stdio.stderr, config.logLevel);
  runtime.onUnhandledError((error) => log.error("unhandled error (the server keeps running)", error));

  const preflight =
    config.stdioMode === "off"
      ? []
      : runPreflight({
          runtime: runtime.name,
          platform: runtime.platform,
          env: runtime.env,
          stdinIsTerminal: runtime.stdio.isTerminal("stdin"),
          stdoutIsTerminal: runtime.stdio.isTerminal("stdout"),
        });
  if (preflight.length > 0) log.print(preflight.map(formatFinding).join("\n") + "\n");
  if (config.stdioMode === "strict" && preflight.some((f) => f.severity === "blocking")) {
    log.print("codex-mcp: refusing to start: CODEX_MCP_STDIO_MODE=strict and the preflight found a blocking risk (above).\n");
    return 2;
  }

  const transport = new StdioTransport(runtime.stdio.stdin, runtime.stdio.stdout);
  const ctx: ServerContext = {
    runtime,
    config,
    log,
    startedAt: new Date(),
    preflight,
    protocolVersion: () => transport.protocolVersion,
  };
  const server = createMcpServer(ctx);
  const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
  server.server.onerror = (error) => log.warn("protocol error", error);

  let signals = 0;
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    runtime.onSignal(signal, () => {
      signals += 1;
      log.info(`${signal}: shutting down`);
      if (signals > 1) void runtime.exit(130);
      void transport.close();
    });
  }

  await server.connect(transport);
  log.info(`serving MCP over stdio (${runtime.name} ${runtime.version}, pid ${runtime.pid})`);
  await closed;
  await transport.flushed();
  return 0;
}

if (import.meta.main) {
  const runtime = await loadRuntime();
  await runtime.exit(await main(runtime));
}
