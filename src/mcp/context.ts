/**
 * What the MCP layer is given. {@link AppContext}: what the application has, one per process
 * (sessions, the supervisor, configuration), built by the composition root (src/app.ts).
 * {@link ConnectionContext}: what one client connection has (its protocol version, a way to write
 * to it), built by the transport that accepted it. Tools see both as one {@link ServerContext}.
 *
 * @module
 */
import type { ClientCapabilities, LoggingLevel } from "@modelcontextprotocol/server";
import type { Config } from "../config.ts";
import type { BackendStatus } from "../diagnostics/backend-factory.ts";
import type { StdioFinding } from "../diagnostics/readiness.ts";
import type { Logger } from "../log.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { Runtime } from "../runtime/types.ts";
import type { SessionManager } from "../sessions/manager.ts";
import type { FormApprovals } from "./approvals/asker.ts";
import type { Tasks } from "./tasks/tasks.ts";
import type { SchemaCache } from "./tools/schema-cache.ts";

/** What the application has, shared by every connection. */
export interface AppContext {
  runtime: Runtime;
  config: Config;
  log: Logger;
  /** Every child process goes through it; shutdown tears its children down. */
  supervisor: Supervisor;
  sessions: SessionManager;
  /** Which backend sessions run on (app-server or exec) and why; cheap, never starts Codex. */
  backendStatus?: () => BackendStatus;
  startedAt: Date;
  /** What the stdio preflight found at start-up (empty when it was off or for other transports). */
  preflight: readonly StdioFinding[];
  /** The tools' JSON Schemas from the last start with this binary and configuration (tools/schema-cache.ts). */
  toolSchemas?: SchemaCache;
}

/** What one client connection has. */
export interface ConnectionContext {
  /** The protocol era the connection opened in: 2025 (`initialize`) or 2026-07-28 (`_meta` per request). */
  era: "legacy" | "modern";
  /** The protocol version agreed with the client, once `initialize` has been answered. */
  protocolVersion(): string | undefined;
  /** Sends `notifications/tasks` to the client's listen streams that asked for this task (2026 era). */
  notifyTask?(task: Record<string, unknown>): void;
}

/** Everything a tool or resource may use. */
export interface ServerContext extends AppContext, ConnectionContext {
  /** What the client declared it can do (elicitation, sampling …), once it has initialized. */
  clientCapabilities(): ClientCapabilities | undefined;
  /** This connection's forms for Codex's approvals and questions (the person answers them). */
  approvals: FormApprovals;
  /** This connection's MCP Tasks (2026-07-28 era only). */
  tasks?: Tasks;
  /** The level of log messages this connection asked for with `logging/setLevel` (2025 era). */
  logLevel?: LoggingLevel;
}

/** The policy the person set, as codex_setup and server-info show it. */
export function policyOf(config: Config) {
  return {
    allowedRoots: config.allowedRoots,
    maxSandbox: config.maxSandbox,
    minApproval: config.minApproval,
    maxSessions: config.maxSessions,
    maxRunningTurns: config.maxRunningTurns,
    maxTurnMs: config.runningTtlMs,
    approvals: config.approvals,
  };
}
