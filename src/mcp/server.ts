/**
 * The MCP face of codex-mcp: a server factory, one `McpServer` per client connection, with every
 * tool and resource registered over the application and that connection.
 *
 * @module
 */
import { McpServer } from "@modelcontextprotocol/server";
import { NAME, VERSION } from "../version.ts";
import { type Elicit, FormApprovals } from "./approvals/asker.ts";
import { verifyWaitState } from "./approvals/round-trip.ts";
import type { AppContext, ConnectionContext, ServerContext } from "./context.ts";
import { installCallChecks, installToolErrorFormat } from "./errors.ts";
import { installPortableSchemas } from "./portable-schemas.ts";
import { wrapRequestHandler } from "./sdk-handlers.ts";
import { registerModels } from "./resources/models.ts";
import { registerRateLimits } from "./resources/rate-limits.ts";
import { registerSessionResources } from "./resources/sessions.ts";
import { registerServerInfo } from "./resources/server-info.ts";
import { registerCodex } from "./tools/codex.ts";
import { registerCodexCheck } from "./tools/codex-check.ts";
import { registerCodexReply } from "./tools/codex-reply.ts";
import { registerCodexReview } from "./tools/codex-review.ts";
import { registerCodexSession } from "./tools/codex-session.ts";
import { registerCodexSetup } from "./tools/codex-setup.ts";
import { registerDebugEcho } from "./tools/debug-echo.ts";
import { registerTasks, Tasks } from "./tasks/tasks.ts";

const INSTRUCTIONS = `codex-mcp runs OpenAI Codex agents.
- codex starts a session (a task); it answers at once with a sessionId, or waits with advanced.waitForResult.
- codex_check polls a session (pass the previous nextCursor; pollOptions.waitMs long-polls) and answers what Codex asks: respond_permission for approvals, respond_user_input for questions. Follow recommendedNextAction.
- codex_reply continues a finished turn; codex_session lists, cancels, interrupts, forks and cleans sessions.
- codex_review runs Codex's own reviewer (uncommitted changes, a base branch, a commit, or instructions) as a session.
- codex_setup checks that Codex is installed and ready, with a hint for every problem.`;

/** A server for one connection. */
export function createMcpServer(app: AppContext, connection: ConnectionContext): McpServer {
  const server = new McpServer(
    { name: NAME, title: "Codex MCP", version: VERSION },
    // Declaring tools up front installs tools/list even before the first tool is registered.
    {
      capabilities: { tools: {}, resources: {}, logging: {} },
      instructions: INSTRUCTIONS,
      // The state of a call that asked the person in its result comes back sealed, or is refused.
      requestState: { verify: verifyWaitState },
    },
  );
  // Clients on the TypeScript SDK ignore notifications/cancelled for request id 0 (a falsy check),
  // so a first form could never be withdrawn: a ping spends id 0 before the first form goes out.
  let spent: Promise<unknown> | null = null;
  const elicit: Elicit = async (params, options) => {
    spent ??= server.server.ping().catch(() => {});
    await spent;
    return await server.server.elicitInput(params, options);
  };
  const approvals = new FormApprovals(
    app.sessions,
    elicit,
    app.log,
    () => server.server.getClientCapabilities()?.elicitation?.url !== undefined,
  );
  const ctx: ServerContext = {
    ...app,
    ...connection,
    clientCapabilities: () => server.server.getClientCapabilities(),
    approvals,
  };
  // The connection's level for the log messages of its waiting calls (request-log.ts); the SDK
  // refuses a level that is not one of the eight before this runs.
  server.server.setRequestHandler("logging/setLevel", (request) => {
    ctx.logLevel = request.params.level;
    return {};
  });
  const endSubscriptions = registerSessionResources(server, ctx);
  if (connection.era === "modern") ctx.tasks = new Tasks(ctx);
  // All end with the connection (a transport that also listens for the close chains its handler).
  server.server.onclose = () => {
    approvals.close();
    endSubscriptions();
    ctx.tasks?.close();
  };
  installToolErrorFormat(server);
  registerServerInfo(server, ctx);
  registerModels(server, ctx);
  registerRateLimits(server, ctx);
  registerCodex(server, ctx);
  registerCodexReply(server, ctx);
  registerCodexReview(server, ctx);
  registerCodexCheck(server, ctx);
  registerCodexSession(server, ctx);
  registerCodexSetup(server, ctx);
  if (ctx.config.testHooks) registerDebugEcho(server);
  if (ctx.tasks) registerTasks(server, ctx.tasks);
  installPortableSchemas(server);
  // Listing waits (briefly) for the schemas the last start kept, so that it need not convert them.
  const kept = ctx.toolSchemas;
  if (kept) {
    wrapRequestHandler(server, "tools/list", (list) => async (...args) => {
      await kept.ready();
      return await list(...args);
    });
  }
  installCallChecks(server);
  return server;
}
