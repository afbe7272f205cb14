import { describe, expect, test } from "bun:test";
import { SessionManager } from "../../src/sessions/manager.ts";
import { sessionsOf } from "../../src/sessions/principals.ts";

/** The manager's public operations, as its class declares them. */
const operations = Object.getOwnPropertyNames(SessionManager.prototype).filter((name) => {
  if (name === "constructor") return false;
  const descriptor = Object.getOwnPropertyDescriptor(SessionManager.prototype, name)!;
  return typeof descriptor.value === "function";
});

describe("a principal's view of the sessions", () => {
  test("every operation of the manager is placed: scoped, checked by session id, or session-free", () => {
    // Looking an operation up is where an unplaced one is refused; none is called here.
    const view = sessionsOf(Object.create(SessionManager.prototype) as SessionManager, "alice");
    const unplaced = operations.filter((name) => {
      try {
        return typeof (view as unknown as Record<string, unknown>)[name] !== "function";
      } catch {
        return true;
      }
    });
    expect(operations.length).toBeGreaterThan(20);
    expect(unplaced).toEqual([]);
  });

  test("an operation added to the manager and not placed is refused, not passed through", () => {
    class Grown extends SessionManager {
      peek(sessionId: string): string {
        return sessionId;
      }
    }
    const view = sessionsOf(Object.create(Grown.prototype) as Grown, "alice") as Grown;
    expect(() => view.peek).toThrow("SessionManager.peek is not placed in principals.ts");
  });

  test("without a principal the manager itself is used", () => {
    const manager = Object.create(SessionManager.prototype) as SessionManager;
    expect(sessionsOf(manager, null)).toBe(manager);
  });
});
