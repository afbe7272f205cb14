/**
 * The program on a given runtime: reads the command line and configuration, and serves MCP over
 * stdio (or HTTP) until the client goes away, or runs one of the CLI commands (`doctor`,
 * `install`). Serving is the stdout guard and the preflight first, then the application (app.ts),
 * then the transport (mcp/transports/).
 *
 * The entries are thin: main.ts picks the runtime when running from source; compiled.ts is the
 * compiled binary's, whose runtime is fixed when it is built.
 *
 * @module
 */
import { type Command, parseCommandLine, usageText, versionText } from "./cli.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { formatFinding, runPreflight } from "./mcp/transports/stdio/preflight.ts";
import { serveStdio } from "./mcp/transports/stdio/serve.ts";
import type { HttpCommand } from "./mcp/transports/http/settings.ts";
import { guardStdout } from "./mcp/transports/stdio/stdout-guard.ts";
import { createApp, supervisorFor } from "./app.ts";
import { StoreError } from "./platform/state-error.ts";
import type { Runtime } from "./runtime/types.ts";
import { BUILD } from "./version.ts";

const encoder = new TextEncoder();

/** Writes to stdout outside the protocol (help, version, doctor). Stderr belongs to the logger. */
async function writeStdout(runtime: Runtime, text: string): Promise<void> {
  const writer = runtime.stdio.stdout.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}

/**
 * Runs the command; resolves to the process's exit code. `log`'s level is set once the
 * configuration is read.
 */
async function main(runtime: Runtime, log: Logger, sourceEntry: string | null): Promise<number> {
  const command = parseCommandLine(runtime.args);
  switch (command.kind) {
    case "help":
      await writeStdout(runtime, usageText());
      return 0;
    case "version":
      await writeStdout(runtime, versionText(runtime));
      return 0;
    case "usage-error":
      log.print(`codex-mcp: ${command.message}\n\n${usageText()}`);
      return 2;
    case "doctor": {
      const config = configOrExplain(runtime, log);
      if (!config) return 2;
      const supervisor = supervisorFor(runtime, config, log);
      try {
        const { runDoctor } = await import("./diagnostics/doctor.ts");
        // The terminal doctor runs in says nothing about how an MCP client will start the server:
        // check only what the environment would carry into that launch.
        const findings = runPreflight({
          runtime: runtime.name,
          platform: runtime.platform,
          env: runtime.env,
          stdinIsTerminal: false,
          stdoutIsTerminal: false,
        });
        const result = await runDoctor(runtime, config, supervisor, log, command, findings);
        if (result.code === 2) log.print(result.text);
        else await writeStdout(runtime, result.text);
        return result.code;
      } finally {
        await supervisor.teardownAll();
      }
    }
    case "install":
      return await install(runtime, log, command, sourceEntry);
    case "serve":
      return await serve(runtime, log, command.http);
  }
}

/**
 * How a client is to start this codex-mcp: the compiled binary by its absolute path, or, from
 * source, the runtime with the entry point it was started with.
 */
function thisServer(runtime: Runtime, env: Record<string, string>, sourceEntry: string | null) {
  if (BUILD || !sourceEntry) return { command: runtime.execPath, args: [], env };
  const main = new URL(sourceEntry).pathname;
  const entry = runtime.platform === "win32" ? decodeURIComponent(main.replace(/^\//, "")) : decodeURIComponent(main);
  const args = runtime.name === "deno" ? ["run", "--allow-all", entry] : [entry];
  return { command: runtime.execPath, args, env };
}

async function install(
  runtime: Runtime,
  log: Logger,
  command: Command & { kind: "install" },
  sourceEntry: string | null,
): Promise<number> {
  const { applyToClient, describeReport, InstallError } = await import("./clients/install.ts");
  const { clientTarget, TargetError } = await import("./clients/targets.ts");
  try {
    const target = clientTarget(command.client, command.scope, { ...runtime, cwd: runtime.cwd() });
    const report = await applyToClient(
      runtime.fs,
      runtime.platform,
      target,
      command,
      thisServer(runtime, command.env, sourceEntry),
      runtime.pid,
    );
    await writeStdout(runtime, describeReport(report, command.name));
    return 0;
  } catch (error) {
    if (error instanceof InstallError) {
      log.print(`codex-mcp ${command.action}: ${error.message}\n  hint: ${error.hint}\n`);
    } else if (error instanceof TargetError) log.print(`codex-mcp ${command.action}: ${error.message}\n`);
    else throw error;
    return 1;
  }
}

/** Reads the configuration and sets the log level; explains an invalid one on stderr. */
function configOrExplain(runtime: Runtime, log: Logger): Config | null {
  try {
    const config = loadConfig(runtime.env);
    log.setLevel(config.logLevel);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.print(`codex-mcp: configuration error:\n  ${error.message.replaceAll("\n", "\n  ")}\n`);
    return null;
  }
}

async function serve(runtime: Runtime, log: Logger, http?: HttpCommand): Promise<number> {
  // Before anything else can print: from here on only the transport writes to stdout.
  guardStdout(runtime.stdio);

  const config = configOrExplain(runtime, log);
  if (!config) return 2;
  runtime.onUnhandledError((error) => log.error("unhandled error (the server keeps running)", error));

  // Over HTTP nobody gets in by accident: without tokens (or --no-auth on loopback) it does not start.
  // Loaded only to serve over HTTP: a stdio server answers its handshake without them.
  const httpServe = http && await (await import("./mcp/transports/http/settings.ts")).httpSettings(runtime, http);
  if (httpServe && "problem" in httpServe) {
    log.print(`codex-mcp: cannot serve over HTTP: ${httpServe.problem}\n`);
    return 2;
  }

  const preflight = http || config.stdioMode === "off" ? [] : runPreflight({
    runtime: runtime.name,
    platform: runtime.platform,
    env: runtime.env,
    stdinIsTerminal: runtime.stdio.isTerminal("stdin"),
    stdoutIsTerminal: runtime.stdio.isTerminal("stdout"),
  });
  if (preflight.length > 0) log.print(preflight.map(formatFinding).join("\n") + "\n");
  if (config.stdioMode === "strict" && preflight.some((f) => f.severity === "blocking")) {
    log.print(
      "codex-mcp: refusing to start: CODEX_MCP_STDIO_MODE=strict and the preflight found a blocking risk (above).\n",
    );
    return 2;
  }

  // Sessions survive restarts: the state opens first, so a broken one stops us with a clear reason.
  let app;
  try {
    app = await createApp(runtime, config, log, { preflight });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    log.print(`codex-mcp: cannot start: ${error.code}: ${error.message}\n  hint: ${error.hint}\n`);
    return 2;
  }
  await app.start();

  if (httpServe) {
    try {
      const { serveHttp } = await import("./mcp/transports/http/serve.ts");
      await serveHttp(runtime, app, httpServe, { log, shutdownGraceMs: config.shutdownGraceMs });
    } catch (error) {
      // The listener could not start (the address in use, no permission): nothing is served.
      log.print(`codex-mcp: cannot listen on ${http!.hostname}:${http!.port}: ${(error as Error).message}\n`);
      await app.shutdown(0);
      return 2;
    }
  } else await serveStdio(runtime, app, { log, shutdownGraceMs: config.shutdownGraceMs });
  return 0;
}

/**
 * Runs codex-mcp and exits with its code. `sourceEntry` is the URL of the entry module when running
 * from source (what `install` tells a client to start), `null` in the compiled binary. The logger
 * made here is the one writer of stderr for the life of the process.
 */
export async function runCodexMcp(runtime: Runtime, sourceEntry: string | null): Promise<never> {
  const log = createLogger(runtime.stdio.stderr, "warn");
  let code: number;
  try {
    code = await main(runtime, log, sourceEntry);
  } catch (error) {
    // Serving never gets here (its errors are caught and logged); this is for the CLI paths.
    log.print(`codex-mcp: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    code = 70;
  }
  return await runtime.exit(code);
}
