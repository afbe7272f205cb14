/**
 * Live session resources, so a client's UI can show sessions without a model polling:
 * `codex-mcp:///sessions` (every session: status, turns, what it waits for) and
 * `codex-mcp:///sessions/{sessionId}` (one session as the tools show it, and its turns). A client
 * that subscribes (`resources/subscribe`) gets `notifications/resources/updated` when they change
 * — at most one per resource every {@link UPDATE_EVERY_MS}, so streaming text does not flood it.
 * Subscriptions end with the connection. A 2026-07-28 client asks with `subscriptions/listen`
 * (`resourceSubscriptions`), which the SDK's stdio entry keeps (over HTTP: transports/http/
 * listens.ts); it gets the same notifications.
 *
 * @module
 */
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import type { SessionManager } from "../../sessions/manager.ts";
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
  const stop = followSessionResources(
    ctx.sessions,
    (uri) => ctx.era === "modern" || subscribed.has(uri),
    (uri) => {
      server.server.sendResourceUpdated({ uri }).catch((error) => ctx.log.debug(`resource update ${uri}`, error));
    },
  );
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
    subscribed.delete(request.params.uri);
    return {};
  });
  return () => {
    stop();
    subscribed.clear();
  };
}

/** Whether `uri` names one of the session resources (the listing, or one session). */
export function isSessionResource(uri: string): boolean {
  return uri === LIST_URI || uri.startsWith(ONE_PREFIX);
}

/** The session `uri` names, or `undefined` for the listing. */
export function sessionOfResource(uri: string): string | undefined {
  return uri.startsWith(ONE_PREFIX) ? uri.slice(ONE_PREFIX.length) : undefined;
}

/**
 * Calls `send(uri)` when a session resource that is `wanted` changes: the listing on every
 * change, a session on its own; at most once per resource every {@link UPDATE_EVERY_MS}, so
 * streaming text does not flood the client. Returns what stops it.
 */
export function followSessionResources(
  sessions: Pick<SessionManager, "onAnyChange">,
  wanted: (uri: string) => boolean,
  send: (uri: string) => void,
): () => void {
  const due = new Map<string, ReturnType<typeof setTimeout>>();
  const changed = (uri: string) => {
    if (!wanted(uri) || due.has(uri)) return;
    due.set(
      uri,
      setTimeout(() => {
        due.delete(uri);
        if (wanted(uri)) send(uri);
      }, UPDATE_EVERY_MS),
    );
  };
  const stop = sessions.onAnyChange((sessionId) => {
    changed(LIST_URI);
    changed(ONE_PREFIX + sessionId);
  });
  return () => {
    stop();
    for (const timer of due.values()) clearTimeout(timer);
    due.clear();
  };
}
