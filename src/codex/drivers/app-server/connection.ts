/**
 * One `codex app-server` process and its JSON-RPC connection: spawned through the supervisor,
 * then the handshake (`initialize` with our opt-outs, `initialized`). The backend owns what
 * happens on the connection; this module owns bringing it up, and tearing it down again when the
 * handshake fails.
 *
 * @module
 */
import * as v from "valibot";
import type { Logger } from "../../../log.ts";
import type { SupervisedChild } from "../../../process/child.ts";
import type { Supervisor } from "../../../process/supervisor.ts";
import type { ExitReport } from "../../../process/types.ts";
import { BackendError } from "../../backend.ts";
import { buildInvocation, type CodexLocation } from "../../install/locate.ts";
import { answerOrExit, spawnLineChannel } from "../child-channel.ts";
import { JsonRpcConnection, type RequestId, RpcClosedError, RpcError } from "../jsonrpc.ts";
import { describeExit, stderrExcerpt } from "../stderr.ts";
import { toBackendError } from "./errors.ts";
import { describeIssues, InitializeResponse } from "./protocol.ts";

/**
 * Notifications we never read, opted out at `initialize` so Codex does not serialise them for us.
 * Each was checked to be a plain per-connection filter (a turn still runs and completes without
 * them); what we do read is mapped in `notifications.ts`.
 */
export const OPTED_OUT_NOTIFICATIONS: readonly string[] = [
  "thread/started",
  "thread/status/changed",
  "thread/readState/changed",
  "thread/settings/updated",
  "thread/name/updated",
  "thread/goal/updated",
  "thread/goal/cleared",
  "thread/prediction/updated",
  "thread/queue/changed",
  "turn/moderationMetadata",
  "item/plan/delta",
  "item/reasoning/textDelta",
  "item/reasoning/summaryPartAdded",
  "item/fileChange/outputDelta",
  "item/fileChange/patchUpdated",
  "item/commandExecution/terminalInteraction",
  "rawResponseItem/completed",
  "rawResponse/completed",
  "command/exec/outputDelta",
  "process/outputDelta",
  "process/exited",
  "account/rateLimits/updated",
  "remoteControl/status/changed",
  "app/list/updated",
  "fs/changed",
  "skills/changed",
  "model/safetyBuffering/updated",
  "fuzzyFileSearch/sessionUpdated",
  "fuzzyFileSearch/sessionCompleted",
  "thread/realtime/started",
  "thread/realtime/itemAdded",
  "thread/realtime/item/started",
  "thread/realtime/item/transcript/delta",
  "thread/realtime/item/completed",
  "thread/realtime/transcript/delta",
  "thread/realtime/transcript/done",
  "thread/realtime/outputAudio/delta",
  "thread/realtime/sdp",
  "thread/realtime/error",
  "thread/realtime/closed",
];

/** One `codex app-server` process and its JSON-RPC connection. */
export interface Connection {
  readonly generation: number;
  readonly child: SupervisedChild;
  readonly rpc: JsonRpcConnection;
  alive: boolean;
  /** Torn down on purpose: its exit is not a crash. */
  stopping: boolean;
  /** Codex's request id → ours, for `serverRequest/resolved`. */
  readonly requestIds: Map<RequestId, string>;
  /** It stopped answering a liveness check and is being torn down: its exit is reported as a hang. */
  hung: boolean;
  /** A liveness check is on its way. */
  checking: boolean;
}

/** What the backend hears from a connection. */
export interface ConnectionHandlers {
  onNotification(conn: Connection, method: string, params: unknown): void;
  onRequest(conn: Connection, method: string, params: unknown, id: RequestId): unknown;
  onInvalid(conn: Connection, line: string, reason: string): void;
  onExit(conn: Connection, report: ExitReport): void;
}

export interface ConnectionOptions {
  supervisor: Supervisor;
  location: CodexLocation;
  /** The complete environment of the process, the location's changes applied (`childEnvironment`). */
  env: Record<string, string>;
  log: Logger;
  clientInfo: { name: string; version: string; title?: string };
  /** Spawn → `initialize` answer. */
  startupTimeoutMs: number;
  /** Every other request. */
  requestTimeoutMs: number;
  /** Working directory of the process (threads name their own). Inherited when absent. */
  cwd?: string;
  /**
   * While a turn runs, how often the process is asked something cheap; no answer within the
   * request timeout means it hangs. Default 10 s.
   */
  livenessMs?: number;
}

/** Starts app-server number `generation` and completes the handshake; rejects with a {@link BackendError}. */
export async function openConnection(
  options: ConnectionOptions,
  generation: number,
  handlers: ConnectionHandlers,
): Promise<Connection> {
  const { supervisor, location, env, startupTimeoutMs, requestTimeoutMs, clientInfo, log } = options;
  const invocation = buildInvocation(location, ["app-server"]);
  let spawned;
  try {
    spawned = await spawnLineChannel(supervisor, {
      ...invocation,
      label: `codex app-server #${generation}`,
      env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
  } catch (error) {
    throw toBackendError(error, "starting codex app-server");
  }
  const { child, channel } = spawned;
  let conn: Connection | null = null;
  const rpc = new JsonRpcConnection(channel, {
    requestTimeoutMs,
    onNotification: (method, params) => conn && handlers.onNotification(conn, method, params),
    onRequest: (method, params, id) => {
      if (!conn) throw new RpcError(-32000, "codex-mcp is not ready yet");
      return handlers.onRequest(conn, method, params, id);
    },
    onInvalid: (line, reason) => conn && handlers.onInvalid(conn, line, reason),
  });
  conn = { generation, child, rpc, alive: true, stopping: false, requestIds: new Map(), hung: false, checking: false };
  const live = conn;
  void child.exit.then((report) => handlers.onExit(live, report));
  log.debug(`started codex app-server #${generation} (pid ${child.pid})`, { command: invocation.command });

  try {
    const answer = await answerOrExit(
      child,
      rpc.request(
        "initialize",
        {
          clientInfo: { name: clientInfo.name, title: clientInfo.title ?? null, version: clientInfo.version },
          capabilities: {
            experimentalApi: true,
            requestAttestation: false,
            optOutNotificationMethods: [...OPTED_OUT_NOTIFICATIONS],
          },
        },
        { timeoutMs: startupTimeoutMs },
      ),
      (report) => new RpcClosedError(`it ${describeExit(report)} before answering initialize${quoteStderr(report)}`),
    );
    const parsed = v.safeParse(InitializeResponse, answer);
    if (!parsed.success) throw new Error(`unexpected initialize answer: ${describeIssues(parsed.issues)}`);
    await rpc.notify("initialized");
    log.info(`codex app-server #${generation} ready${parsed.output.userAgent ? ` (${parsed.output.userAgent})` : ""}`);
  } catch (error) {
    live.stopping = true;
    rpc.close("codex app-server did not start");
    await child.teardown();
    const failure = toBackendError(error, "starting codex app-server");
    throw new BackendError(
      failure.code,
      failure.message,
      failure.code === "TIMEOUT"
        ? `codex app-server did not answer initialize within ${startupTimeoutMs} ms. Run \`codex app-server\` by hand, or \`codex-mcp doctor\`, to see why.`
        : "Run `codex-mcp doctor` to see why Codex does not start; check config.toml and the Codex version.",
      { cause: failure },
    );
  }
  return live;
}

/** "; stderr: …" with the child's last meaningful stderr lines, or "". */
export function quoteStderr(report: ExitReport): string {
  const excerpt = stderrExcerpt(report.stderrTail);
  return excerpt ? `; stderr: ${excerpt}` : "";
}
