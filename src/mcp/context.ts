/** What every tool and resource may use: the runtime, the configuration, the logger, the supervisor. */
import type { BackendStatus } from "../diagnostics/backend-factory.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Supervisor } from "../process/supervisor.ts";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { SessionManager } from "../sessions/manager.ts";
import type { Runtime } from "../runtime/types.ts";
import type { PreflightFinding } from "./transports/stdio/preflight.ts";

export interface ServerContext {
  runtime: Runtime;
  config: Config;
  log: Logger;
  /** Every child process goes through it; shutdown tears its children down. */
  supervisor: Supervisor;
  sessions: SessionManager;
  /** Which backend sessions run on (app-server or exec) and why; cheap, never starts Codex. */
  backendStatus?: () => BackendStatus;
  /**
   * Answers a request the client has cancelled. The SDK drops such answers, but clients and
   * peers have been seen waiting forever for one, so the session tools answer anyway.
   */
  answerCancelledCall(requestId: string | number, result: CallToolResult): Promise<void>;
  startedAt: Date;
  /** What the stdio preflight found at start-up (empty when it was off). */
  preflight: readonly PreflightFinding[];
  /** The protocol version agreed with the client, once `initialize` has been answered. */
  protocolVersion(): string | undefined;
}
