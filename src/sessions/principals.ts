/**
 * The sessions as one HTTP principal (a bearer token's name) sees them: only its own. Another
 * principal's session is `SESSION_NOT_FOUND` to it — not "forbidden", which would say that the
 * id exists — in every operation that names a session, in lists, in change notifications, and
 * in what `clean` removes; a session it starts (or imports) is stamped with it, and a fork keeps
 * its source's. Without a principal (stdio, or HTTP with `--no-auth`) every session is visible.
 *
 * @module
 */
import { SessionError } from "./errors.ts";
import type { SessionManager } from "./manager.ts";
import type { SessionRecord } from "./store.ts";

/** The operations whose first argument is a session id: each checks the session is the principal's. */
const BY_SESSION_ID = new Set<PropertyKey>([
  "get",
  "reply",
  "compact",
  "steer",
  "queue",
  "turns",
  "rollback",
  "fork",
  "codexTurns",
  "pending",
  "read",
  "latestCursor",
  "waitForEvents",
  "onChange",
  "waitForTurn",
  "respondPermission",
  "respondUserInput",
  "interrupt",
  "cancel",
  "cleanBackgroundTerminals",
]);

/** `manager` as `principal` sees it; `manager` itself when there is no principal. */
export function sessionsOf(manager: SessionManager, principal: string | null): SessionManager {
  if (principal === null) return manager;
  const own = (record: SessionRecord) => record.principal === principal;
  const check = (sessionId: string) => {
    if (!own(manager.get(sessionId))) {
      throw new SessionError("SESSION_NOT_FOUND", `no session ${JSON.stringify(sessionId)}`);
    }
  };
  const scoped: Partial<Record<keyof SessionManager, unknown>> = {
    list: () => manager.list().filter(own),
    start: (options: Parameters<SessionManager["start"]>[0]) => manager.start({ ...options, principal }),
    importThread: (threadId: string, settings: Parameters<SessionManager["importThread"]>[1]) =>
      manager.importThread(threadId, settings, principal),
    clean: (filter: Parameters<SessionManager["clean"]>[0]) => manager.clean({ ...filter, principal }),
    onAnyChange: (listener: (sessionId: string) => void) =>
      manager.onAnyChange((sessionId) => {
        let record: SessionRecord;
        try {
          record = manager.get(sessionId);
        } catch {
          return; // forgotten meanwhile
        }
        if (own(record)) listener(sessionId);
      }),
  };
  return new Proxy(manager, {
    get(target, prop) {
      if (prop in scoped) return scoped[prop as keyof SessionManager];
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (!BY_SESSION_ID.has(prop)) return value.bind(target);
      return (sessionId: string, ...rest: unknown[]) => {
        check(sessionId);
        return value.call(target, sessionId, ...rest);
      };
    },
  });
}
