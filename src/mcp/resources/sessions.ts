/**
 * Live session resources, so a client's UI can show sessions without a model polling:
 * `codex-mcp:///sessions` (every session: status, turns, what it waits for) and
 * `codex-mcp:///sessions/{sessionId}` (one session as the tools show it, and its turns). A client
 * that subscribes (`resources/subscribe`) gets `notifications/resources/updated` when they change
 * — at most one per resource every {@link UPDATE_EVERY_MS}, so streaming text does not flood it.
 * Subscriptions end with the connection. A 2026-07-28 client asks with `subscriptions/listen`
 * (`resourceSubscriptions`), which the SDK's server entry keeps; it gets the same notifications.
 *
 * @module
 */
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import type { ServerContext } from "../context.ts";
import { sessionView } from "../tools/session-view.ts";

const LIST_URI = "codex-mcp:///sessions";
const ONE_PREFIX = "codex-mcp:///sessions/";
/** The most often a subscribed resource is said to have changed. */
const UPDATE_EVERY_MS = 250;

const json = (uri: string, value: unknown) => ({
  contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value) }],
});

function listing(ctx: ServerContext) {
  return {
    sessions: ctx.sessions.list().map((r) => ({
      sessionId: r.id,
      uri: ONE_PREFIX + r.id,
      status: r.status,
      phase: r.phase,
      turns: r.turns,
      preview: r.preview,
      waitingOn: ctx.sessions.pending(r.id).length,
      lastActivityAt: new Date(r.lastActivityAt).toISOString(),
    })),
  };
}

/** Registers both resources and the subscriptions; returns what ends the subscriptions. */
export function registerSessionResources(server: McpServer, ctx: ServerContext): () => void {
  server.registerResource(
    "sessions",
    LIST_URI,
    {
      title: "Codex sessions",
      description:
        "Every session: status, phase, turns, how many of Codex's requests it waits on. Subscribe for updates.",
      mimeType: "application/json",
    },
    (uri) => json(uri.href, listing(ctx)),
  );
  server.registerResource(
    "session",
    new ResourceTemplate(`${ONE_PREFIX}{sessionId}`, {
      list: () => ({
        resources: ctx.sessions.list().map((r) => ({
          uri: ONE_PREFIX + r.id,
          name: `session ${r.id}`,
          mimeType: "application/json",
        })),
      }),
    }),
    {
      title: "A Codex session",
      description: "One session as the tools show it (status, actions, result), and its turns. Subscribe for updates.",
      mimeType: "application/json",
    },
    (uri, { sessionId }) => {
      const id = String(sessionId);
      const record = ctx.sessions.get(id);
      return json(uri.href, { ...sessionView(ctx.sessions, record), turns: ctx.sessions.turns(id) });
    },
  );

  // 2025 era: the URIs the client subscribed to. 2026-07-28 era: every change goes out, and the
  // server entry (serveStdio) delivers it to the subscriptions/listen streams that asked for it.
  const subscribed = new Set<string>();
  const wanted = (uri: string) => ctx.era === "modern" || subscribed.has(uri);
  // URIs with a notification due (one per resource every UPDATE_EVERY_MS at most).
  const due = new Map<string, ReturnType<typeof setTimeout>>();
  const changed = (uri: string) => {
    if (!wanted(uri) || due.has(uri)) return;
    due.set(
      uri,
      setTimeout(() => {
        due.delete(uri);
        if (!wanted(uri)) return;
        server.server.sendResourceUpdated({ uri }).catch((error) => ctx.log.debug(`resource update ${uri}`, error));
      }, UPDATE_EVERY_MS),
    );
  };
  const stop = ctx.sessions.onAnyChange((sessionId) => {
    changed(LIST_URI);
    changed(ONE_PREFIX + sessionId);
  });
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler("resources/subscribe", (request) => {
    const uri = request.params.uri;
    if (uri !== LIST_URI) {
      // Only our session resources change: anything else, or a session that is not there, is unknown.
      const known = uri.startsWith(ONE_PREFIX) && ctx.sessions.list().some((r) => ONE_PREFIX + r.id === uri);
      if (!known) throw new ResourceNotFoundError(uri);
    }
    subscribed.add(uri);
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", (request) => {
    const timer = due.get(request.params.uri);
    if (timer) clearTimeout(timer);
    due.delete(request.params.uri);
    subscribed.delete(request.params.uri);
    return {};
  });
  return () => {
    stop();
    for (const timer of due.values()) clearTimeout(timer);
    due.clear();
    subscribed.clear();
  };
}
