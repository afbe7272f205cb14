/**
 * `codex-mcp:///server-info`: what is running, where, and how it talks. The first thing to read
 * when a client's integration misbehaves.
 *
 * @module
 */
import { LATEST_PROTOCOL_VERSION, type McpServer, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { NAME, VERSION } from "../../version.ts";
import { policyOf, type ServerContext } from "../context.ts";

const SERVER_INFO_URI = "codex-mcp:///server-info";

/** The resource's JSON body. */
function serverInfo(ctx: ServerContext) {
  const { runtime } = ctx;
  return {
    name: NAME,
    version: VERSION,
    runtime: runtime.name,
    runtimeVersion: runtime.version,
    platform: runtime.platform,
    arch: runtime.arch,
    pid: runtime.pid,
    execPath: runtime.execPath,
    protocolVersion: ctx.protocolVersion() ?? LATEST_PROTOCOL_VERSION,
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    /** What this connection's client declared it can do (whether it can show forms, for one). */
    clientCapabilities: ctx.clientCapabilities() ?? null,
    stdioMode: ctx.config.stdioMode,
    /** The longest any call waits (CODEX_MCP_MAX_WAIT_MS). */
    maxWaitMs: ctx.config.maxWaitMs,
    /** The policy no call may exceed (CODEX_MCP_ALLOWED_ROOTS, _MAX_SANDBOX, _MIN_APPROVAL, _MAX_SESSIONS, _MAX_RUNNING_TURNS). */
    policy: policyOf(ctx.config),
    preflight: ctx.preflight,
    startedAt: ctx.startedAt.toISOString(),
    uptimeMs: Date.now() - ctx.startedAt.getTime(),
    rssBytes: runtime.memoryRss(),
    backend: ctx.backendStatus?.() ??
      { setting: ctx.config.backendMode, mode: null, started: false, reason: "not started", capabilities: null },
    sessions: ctx.sessions.list().length,
    children: ctx.supervisor.registry.list().map((c) => ({
      pid: c.pid,
      pgid: c.pgid,
      label: c.label,
      startedAt: new Date(c.startedAt).toISOString(),
    })),
  };
}

export function registerServerInfo(server: McpServer, ctx: ServerContext): void {
  server.registerResource(
    "server-info",
    SERVER_INFO_URI,
    {
      title: "codex-mcp server info",
      description:
        "Name, version, runtime, platform, protocol version, stdio mode and pid of this codex-mcp process, the backend its sessions run on (app-server or exec, and why), its sessions count and the child processes it supervises.",
      mimeType: "application/json",
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(serverInfo(ctx)) }],
    }),
  );
}
