/**
 * The sessions as one HTTP principal (a bearer token's name) sees them: only its own. Another
 * principal's session is `SESSION_NOT_FOUND` to it — not "forbidden", which would say that the
 * id exists — in every operation that names a session, in lists, in change notifications, and
 * in what `clean` removes; a session it starts (or imports) is stamped with it, and a fork keeps
 * its source's. Without a principal (stdio, or HTTP with `--no-auth`) every session is visible.
 * Each principal may have limits of its own (sessions open, turns running), besides the server's:
 * one principal cannot take the whole server.
 *
 * @module
 */
import { SessionError } from "./errors.ts";
import type { SessionManager } from "./manager.ts";
import { isActive } from "./reducer.ts";
import type { SessionRecord } from "./store.ts";

/** A principal's own limits; 0: none. */
export interface PrincipalLimits {
  maxSessions: number;
  maxRunningTurns: number;
}

/** The operations that start a turn (the running-turns limit), and those that make a session. */
const STARTS_TURN = new Set<PropertyKey>(["start", "reply", "compact", "queue"]);
const MAKES_SESSION = new Set<PropertyKey>(["start", "importThread", "fork"]);

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

/**
 * The operations that name no session (or take a record already seen): passed through as they
 * are. An operation in none of these sets is refused when looked up, so a new one of the manager
 * cannot reach another principal's sessions before it is placed here.
 */
const SESSION_FREE = new Set<PropertyKey>([
  "threads",
  "models",
  "rateLimits",
  "ownedElsewhere",
  "startLifecycle",
  "sweep",
  "recover",
  "drain",
  "close",
]);

/** `manager` as `principal` sees it; `manager` itself when there is no principal. */
export function sessionsOf(
  manager: SessionManager,
  principal: string | null,
  limits: PrincipalLimits = { maxSessions: 0, maxRunningTurns: 0 },
): SessionManager {
  if (principal === null) return manager;
  const own = (record: SessionRecord) => record.principal === principal;
  const admit = (operation: PropertyKey) => {
    if (!MAKES_SESSION.has(operation) && !STARTS_TURN.has(operation)) return;
    const mine = manager.list().filter(own);
    const over = (what: string, count: number, limit: number, variable: string, hint: string) => {
      if (limit > 0 && count >= limit) {
        throw new SessionError(
          "LIMIT_REACHED",
          `${principal} already has ${count} ${what}, its limit (${variable}=${limit})`,
          hint,
        );
      }
    };
    if (MAKES_SESSION.has(operation)) {
      over(
        "sessions",
        mine.filter((r) => r.status !== "cancelled").length,
        limits.maxSessions,
        "CODEX_MCP_PRINCIPAL_MAX_SESSIONS",
        "Clean or cancel sessions you no longer need, then try again.",
      );
    }
    if (STARTS_TURN.has(operation)) {
      over(
        "running turns",
        mine.filter((r) => isActive(r.status)).length,
        limits.maxRunningTurns,
        "CODEX_MCP_PRINCIPAL_MAX_RUNNING_TURNS",
        "Wait for a running turn to finish, or interrupt one, then try again.",
      );
    }
  };
  const check = (sessionId: string) => {
    if (!own(manager.get(sessionId))) {
      throw new SessionError("SESSION_NOT_FOUND", `no session ${JSON.stringify(sessionId)}`);
    }
  };
  const scoped: Partial<Record<keyof SessionManager, unknown>> = {
    list: () => manager.list().filter(own),
    start: async (options: Parameters<SessionManager["start"]>[0]) => {
      admit("start");
      return await manager.start({ ...options, principal });
    },
    importThread: async (threadId: string, settings: Parameters<SessionManager["importThread"]>[1]) => {
      admit("importThread");
      return await manager.importThread(threadId, settings, principal);
    },
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
      if (SESSION_FREE.has(prop)) return value.bind(target);
      if (!BY_SESSION_ID.has(prop)) {
        throw new Error(`sessionsOf: SessionManager.${String(prop)} is not placed in principals.ts`);
      }
      return (sessionId: string, ...rest: unknown[]) => {
        check(sessionId);
        admit(prop);
        return value.call(target, sessionId, ...rest);
      };
    },
  });
}
