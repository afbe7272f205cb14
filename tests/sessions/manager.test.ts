/**
 * The session manager's rules over a scripted fake backend: the lifecycle (idle, running and
 * terminal TTLs, retention), restart recovery, the shutdown drain, claiming a turn atomically, and
 * ownership taken from the record. The real backends are
 * covered end to end elsewhere; this is about the manager's decisions.
 */
import { describe, expect, test } from "bun:test";
import {
  type Backend,
  type BackendEvent,
  CAPABILITIES,
  type RequestAnswer,
  type StartedThread,
  type ThreadSettings,
  type TurnInput,
} from "../../src/codex/backend.ts";
import { createLogger } from "../../src/log.ts";
import { SessionManager, type SessionPolicy } from "../../src/sessions/manager.ts";
import { MemorySessionStore } from "../../src/sessions/memory-store.ts";
import type { SessionRecord } from "../../src/sessions/store.ts";
import { loadConfig } from "../../src/config.ts";

/** A backend whose turns end only when the test says so. */
class FakeBackend implements Backend {
  readonly mode = "app-server" as const;
  readonly capabilities = CAPABILITIES["app-server"];
  readonly listeners = new Map<string, (event: BackendEvent) => void>();
  readonly calls: string[] = [];
  #threads = 0;
  #turns = 0;

  async startThread(_settings: ThreadSettings): Promise<StartedThread> {
    return { threadId: `t${++this.#threads}`, model: null };
  }
  async resumeThread(threadId: string): Promise<StartedThread> {
    this.calls.push(`resume ${threadId}`);
    return { threadId, model: null };
  }
  async forkThread(): Promise<StartedThread> {
    return { threadId: `t${++this.#threads}`, model: null };
  }
  async startTurn(threadId: string, _input: TurnInput): Promise<{ turnId: string }> {
    const turnId = `turn${++this.#turns}`;
    this.calls.push(`turn ${threadId}`);
    queueMicrotask(() => this.emit(threadId, { type: "turn_started", turnId }));
    return { turnId };
  }
  async listModels() {
    return [];
  }
  async listThreads() {
    return [];
  }
  async startReview(threadId: string): Promise<{ turnId: string }> {
    return this.startTurn(threadId, { prompt: "review" });
  }
  async compactThread(threadId: string): Promise<void> {
    this.calls.push(`compact ${threadId}`);
  }
  listThreadTurns(): Promise<never> {
    return Promise.reject(new Error("no turns here"));
  }
  readRateLimits(): Promise<never> {
    return Promise.reject(new Error("no rate limits here"));
  }
  async revertThread(threadId: string, beforeTurnId: string): Promise<void> {
    this.calls.push(`revert ${threadId} ${beforeTurnId}`);
  }
  async nameThread(threadId: string, name: string): Promise<void> {
    this.calls.push(`name ${threadId} ${name}`);
  }
  async steerTurn(threadId: string, turnId: string, input: { prompt: string }): Promise<void> {
    this.calls.push(`steer ${threadId} ${turnId} ${input.prompt}`);
  }
  async interrupt(threadId: string, turnId: string): Promise<void> {
    this.calls.push(`interrupt ${threadId}`);
    queueMicrotask(() => this.emit(threadId, { type: "turn_completed", turnId, status: "interrupted" }));
  }
  async respond(requestId: string, answer: RequestAnswer): Promise<void> {
    this.calls.push(`respond ${requestId} ${JSON.stringify(answer)}`);
  }
  subscribe(threadId: string, listener: (event: BackendEvent) => void): () => void {
    this.listeners.set(threadId, listener);
    return () => this.listeners.delete(threadId);
  }
  async cleanBackgroundTerminals(): Promise<void> {}
  async releaseThread(threadId: string): Promise<void> {
    this.calls.push(`release ${threadId}`);
  }
  async close(): Promise<void> {}
  emit(threadId: string, event: BackendEvent): void {
    this.listeners.get(threadId)?.(event);
  }
}

const MINUTE = 60_000;
// The lifecycle defaults, as the configuration declares them (30 min idle, 4 h running, 5 min, 7 days).
const policy: SessionPolicy = loadConfig({});
const settings: ThreadSettings = { cwd: "/", approvalPolicy: "never", sandbox: "read-only" };
const self = { pid: 100, startTime: "me" };

function world(
  options: {
    persistent?: boolean;
    alive?: (owner: { pid: number; startTime: string | null }) => boolean;
    stopBoundMs?: number;
  } = {},
) {
  const backend = new FakeBackend();
  const store = new MemorySessionStore();
  const sessions = new SessionManager({
    store,
    backend: async () => backend,
    policy,
    log: createLogger(new WritableStream(), "error"),
    paths: {
      isDirectory: async () => true,
      resolveFile: async (path: string) => ({ realPath: path, isFile: !path.startsWith("/dev/"), size: 10 }),
    },
    persistent: options.persistent,
    owner: self,
    isOwnerAlive: async (owner) => options.alive?.(owner) ?? false,
    ...(options.stopBoundMs !== undefined && { stopBoundMs: options.stopBoundMs }),
  });
  return { backend, store, sessions };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

async function finishedSession(w: ReturnType<typeof world>): Promise<SessionRecord> {
  const started = await w.sessions.start({ settings, turn: { prompt: "hi" } });
  await tick();
  w.backend.emit(started.threadId!, {
    type: "turn_completed",
    turnId: started.currentTurnId!,
    status: "completed",
    finalMessage: "done",
  });
  return w.sessions.get(started.id);
}

describe("lifecycle", () => {
  test("an idle session is cancelled after the idle TTL, not before", async () => {
    const w = world();
    const s = await finishedSession(w);
    expect(s.status).toBe("idle");
    await w.sessions.sweep(s.lastActivityAt + policy.idleTtlMs - 1);
    expect(w.sessions.get(s.id).status).toBe("idle");
    await w.sessions.sweep(s.lastActivityAt + policy.idleTtlMs);
    expect(w.sessions.get(s.id).status).toBe("cancelled");
    expect(w.backend.calls).toContain(`release ${s.threadId}`);
  });

  test("a turn running longer than the running TTL is interrupted and its session cancelled", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "long" } });
    await tick();
    await w.sessions.sweep(s.turnStartedAt! + policy.runningTtlMs);
    expect(w.backend.calls).toContain(`interrupt ${s.threadId}`);
    expect(w.sessions.get(s.id).status).toBe("cancelled");
  });

  test("a call's turnTimeoutMs cancels its turn once it has run that long, as the running TTL does", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "long" }, turnTimeoutMs: 40 });
    await tick();
    expect(w.sessions.get(s.id).status).toBe("running");
    await new Promise((r) => setTimeout(r, 80));
    expect(w.backend.calls).toContain(`interrupt ${s.threadId}`);
    const cancelled = w.sessions.get(s.id);
    expect(cancelled.status).toBe("cancelled");
    const why = w.store.readEvents(s.id, 1, { maxEvents: 100, maxBytes: 1e6 }).events.find((e) =>
      e.type === "cancelled"
    );
    expect(why?.data.reason).toBe("turn ran for its limit of 40 ms (turnTimeoutMs)");
  });

  test("a turn that ends before its turnTimeoutMs is left alone, and the limit does not carry to the next turn", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "quick" }, turnTimeoutMs: 40 });
    await tick();
    w.backend.emit(s.threadId!, { type: "turn_completed", turnId: s.currentTurnId!, status: "completed" });
    await w.sessions.reply(s.id, { prompt: "no limit this time" });
    await new Promise((r) => setTimeout(r, 80));
    expect(w.backend.calls.filter((c) => c.startsWith("interrupt"))).toEqual([]);
    expect(w.sessions.get(s.id).status).toBe("running");
  });

  test("a turnTimeoutMs above the server's running TTL is FORBIDDEN, naming the variable; nothing starts", async () => {
    const w = world();
    const error = await w.sessions
      .start({ settings, turn: { prompt: "x" }, turnTimeoutMs: policy.runningTtlMs + 1 })
      .then(() => null, (e: { code: string; message: string; hint: string }) => e);
    expect(error?.code).toBe("FORBIDDEN");
    expect(error?.message).toContain("CODEX_MCP_RUNNING_TTL_MS");
    expect(w.sessions.list()).toEqual([]);
    const s = await finishedSession(w);
    const onReply = await w.sessions
      .reply(s.id, { prompt: "y" }, { turnTimeoutMs: policy.runningTtlMs + 1 })
      .then(() => null, (e: { code: string }) => e);
    expect(onReply?.code).toBe("FORBIDDEN");
    expect(w.sessions.get(s.id).status).toBe("idle");
  });

  test("terminal sessions are forgotten after the terminal TTL; with a persistent store they stay on disk", async () => {
    for (const persistent of [false, true]) {
      const w = world({ persistent });
      const s = await finishedSession(w);
      await w.sessions.cancel(s.id);
      const cancelled = w.sessions.get(s.id);
      await w.sessions.sweep(cancelled.lastActivityAt + policy.terminalTtlMs);
      expect(w.store.getSession(s.id) !== undefined).toBe(persistent);
    }
  });

  test("persisted sessions are deleted after the retention period", async () => {
    const w = world({ persistent: true });
    const s = await finishedSession(w);
    await w.sessions.sweep(s.lastActivityAt + policy.retentionMs - 1);
    expect(w.store.getSession(s.id)).toBeDefined();
    await w.sessions.sweep(s.lastActivityAt + policy.retentionMs);
    expect(w.store.getSession(s.id)).toBeUndefined();
  });

  test("the sweep never cancels a session this server is not running", async () => {
    const w = world({ persistent: true, alive: () => true });
    const now = Date.now();
    w.store.createSession(
      record("other", {
        status: "running",
        owner: { pid: 200, startTime: "other" },
        lastActivityAt: now - policy.idleTtlMs * 10,
        turnStartedAt: now - policy.runningTtlMs * 2,
      }),
    );
    await w.sessions.sweep(now);
    expect(w.sessions.get("other").status).toBe("running");
  });
});

function record(id: string, patch: Partial<SessionRecord>): SessionRecord {
  const now = Date.now();
  return {
    id,
    threadId: `thread-${id}`,
    status: "idle",
    backend: "app-server",
    settings,
    approvalTimeoutMs: MINUTE,
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
    turns: 1,
    currentTurnId: null,
    phase: "done",
    preview: id,
    ...patch,
  };
}

describe("restart recovery", () => {
  test("a dead server's running session is marked, its pending requests expire; a live server's is left alone", async () => {
    const deadOwner = { pid: 1, startTime: "gone" };
    const liveOwner = { pid: 2, startTime: "running" };
    const w = world({ alive: (owner) => owner.startTime === "running" });
    w.store.createSession(
      record("cut", {
        status: "waiting_approval",
        currentTurnId: "turn9",
        owner: deadOwner,
        pendingRequestIds: ["req_7"],
      }),
    );
    w.store.createSession(record("quiet", { status: "idle", owner: deadOwner }));
    w.store.createSession(record("theirs", { status: "running", currentTurnId: "turn3", owner: liveOwner }));

    const report = await w.sessions.recover();
    expect(report).toEqual({ recovered: 2, interrupted: ["cut"], expiredRequests: 1 });

    const cut = w.sessions.get("cut");
    expect(cut).toMatchObject({
      status: "error",
      interruptedBy: "restart",
      pendingRequestIds: [],
      currentTurnId: null,
    });
    expect(cut.error?.code).toBe("INTERRUPTED_BY_RESTART");
    const types = w.sessions.read("cut", 1, { maxEvents: 10, maxBytes: 64 * 1024 }).events.map((
      e,
    ) => [e.type, e.data.requestId]);
    expect(types).toEqual([["request_expired", "req_7"], ["interrupted_by_restart", undefined]]);
    expect(w.sessions.get("quiet").status).toBe("idle");
    expect(w.sessions.get("theirs").status).toBe("running");
  });

  test("a reply to a recovered session resumes its thread first", async () => {
    const w = world();
    w.store.createSession(record("old", { status: "error", owner: { pid: 1, startTime: "gone" } }));
    await w.sessions.reply("old", { prompt: "again" });
    expect(w.backend.calls).toContain("resume thread-old");
    expect(w.sessions.get("old")).toMatchObject({ status: "running", owner: self, interruptedBy: undefined });
  });
});

describe("shutdown drain", () => {
  test("turns that finish within the grace finish; the rest are interrupted and marked", async () => {
    const w = world();
    const quick = await w.sessions.start({ settings, turn: { prompt: "quick" } });
    const slow = await w.sessions.start({ settings, turn: { prompt: "slow" } });
    await tick();
    setTimeout(
      () =>
        w.backend.emit(quick.threadId!, {
          type: "turn_completed",
          turnId: quick.currentTurnId!,
          status: "completed",
          finalMessage: "ok",
        }),
      20,
    );
    const drained = await w.sessions.drain(150);
    expect(drained).toEqual({ finished: 1, interrupted: [slow.id] });
    expect(w.sessions.get(quick.id)).toMatchObject({ status: "idle", result: { text: "ok" } });
    expect(w.sessions.get(slow.id)).toMatchObject({
      status: "idle",
      interruptedBy: "shutdown",
      result: { status: "interrupted" },
    });
  });

  test("an aborted grace interrupts at once", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "slow" } });
    await tick();
    const hurry = new AbortController();
    const started = performance.now();
    setTimeout(() => hurry.abort(), 20);
    const drained = await w.sessions.drain(60_000, hurry.signal);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(drained.interrupted).toEqual([s.id]);
  });
});

describe("claiming a turn", () => {
  test("of two concurrent replies on an idle session exactly one starts a turn; the other is SESSION_BUSY", async () => {
    const w = world();
    const s = await finishedSession(w);
    const turnsBefore = w.backend.calls.filter((c) => c.startsWith("turn ")).length;
    // Both replies get past the status check before either reaches the backend (cwd check and
    // backend lookup yield), which is where a check-then-set would let both through.
    const outcomes = await Promise.allSettled([
      w.sessions.reply(s.id, { prompt: "one", cwd: "/" }),
      w.sessions.reply(s.id, { prompt: "two", cwd: "/" }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason.code).toBe("SESSION_BUSY");
    expect(w.backend.calls.filter((c) => c.startsWith("turn ")).length - turnsBefore).toBe(1);
    expect(w.sessions.get(s.id).turns).toBe(2);
  });

  test("the store's compare-and-set applies a patch only from the given statuses", () => {
    const store = new MemorySessionStore();
    store.createSession(record("cas", { status: "idle" }));
    expect(store.updateSession("cas", { status: "running" }, { ifStatus: ["idle"] })?.status).toBe("running");
    expect(store.updateSession("cas", { status: "running", phase: "again" }, { ifStatus: ["idle"] })).toBeUndefined();
    expect(store.getSession("cas")?.phase).toBe("done");
  });
});

describe("ownership comes from the record", () => {
  const other = { pid: 200, startTime: "other" };

  test("reading another live server's session does not make it this server's to sweep", async () => {
    const w = world({ persistent: true, alive: () => true });
    const now = Date.now();
    w.store.createSession(
      record("theirs", { status: "idle", owner: other, lastActivityAt: now - policy.idleTtlMs * 2 }),
    );
    // Read paths a client uses: waiting on it and listening to it.
    await w.sessions.waitForTurn("theirs", 1);
    w.sessions.onChange("theirs", () => {})();
    await w.sessions.sweep(now);
    expect(w.sessions.get("theirs").status).toBe("idle");
  });

  test("another live server's session: reply, cancel, interrupt and answers are SESSION_OWNED_ELSEWHERE; clean leaves it", async () => {
    const w = world({ persistent: true, alive: () => true });
    w.store.createSession(record("theirs", { status: "idle", owner: other, lastActivityAt: 0 }));
    for (
      const act of [
        () => w.sessions.reply("theirs", { prompt: "mine now?" }),
        () => w.sessions.cancel("theirs"),
        () => w.sessions.interrupt("theirs"),
        () => w.sessions.respondPermission("theirs", "req_1", "accept"),
        () => w.sessions.cleanBackgroundTerminals("theirs"),
      ]
    ) {
      const error = await act().then(() => null, (e: { code: string }) => e);
      expect(error?.code).toBe("SESSION_OWNED_ELSEWHERE");
    }
    const removed = await w.sessions.clean({ statuses: ["idle"], olderThanMs: 0, dryRun: false, includeDisk: true });
    expect(removed).toEqual([]);
    expect(w.sessions.get("theirs").status).toBe("idle");
    expect(w.backend.calls).toEqual([]);
  });

  test("a session whose server is gone is resumed by a reply and becomes this server's", async () => {
    const w = world({ persistent: true, alive: () => false });
    w.store.createSession(record("orphan", { status: "idle", owner: other }));
    const replied = await w.sessions.reply("orphan", { prompt: "carry on" });
    expect(replied.owner).toEqual(self);
    expect(w.backend.calls).toContain("resume thread-orphan");
  });
});

describe("stopping within a bound", () => {
  test("cancel answers within its bound even when Codex never answers the interrupt", async () => {
    const w = world({ stopBoundMs: 50 });
    const s = await w.sessions.start({ settings, turn: { prompt: "hang" } });
    await tick();
    // A Codex that hangs: the interrupt and the release never settle.
    w.backend.interrupt = () => new Promise(() => {});
    w.backend.releaseThread = () => new Promise(() => {});
    const cancelled = await w.sessions.cancel(s.id);
    expect(cancelled.status).toBe("cancelled");
  });

  test("interrupt answers within its bound too: TIMEOUT when Codex never answers", async () => {
    const w = world({ stopBoundMs: 50 });
    const s = await w.sessions.start({ settings, turn: { prompt: "hang" } });
    await tick();
    w.backend.interrupt = () => new Promise(() => {});
    const error = await w.sessions.interrupt(s.id).then(() => null, (e: { code: string }) => e);
    expect(error?.code).toBe("TIMEOUT");
    expect(w.sessions.get(s.id).status).toBe("running"); // nothing was pretended
  });
});

describe("steering and queueing", () => {
  test("steer adds the input to the running turn, by its id", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "long" } });
    await tick();
    await w.sessions.steer(s.id, { prompt: "also this" });
    expect(w.backend.calls).toContain(`steer ${s.threadId} ${s.currentTurnId} also this`);
    const kinds = w.store.readEvents(s.id, 1, { maxEvents: 100, maxBytes: 1e6 }).events.map((e) => e.type);
    expect(kinds).toContain("turn_steered");
  });

  test("a backend that cannot steer is NOT_SUPPORTED, and nothing is sent", async () => {
    const w = world();
    (w.backend as { capabilities: object }).capabilities = CAPABILITIES.exec;
    const s = await w.sessions.start({ settings, turn: { prompt: "long" } });
    await tick();
    const error = await w.sessions.steer(s.id, { prompt: "x" }).then(() => null, (e: { code: string }) => e);
    expect(error?.code).toBe("NOT_SUPPORTED");
    expect(w.backend.calls.filter((c) => c.startsWith("steer"))).toEqual([]);
  });

  test("a queued turn starts when the running one ends; one waits at a time", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "first" } });
    await tick();
    await w.sessions.queue(s.id, { prompt: "second" });
    const again = await w.sessions.queue(s.id, { prompt: "third" }).then(() => null, (e: { code: string }) => e);
    expect(again?.code).toBe("SESSION_BUSY");
    expect(w.backend.calls.filter((c) => c.startsWith("turn"))).toHaveLength(1);
    w.backend.emit(s.threadId!, { type: "turn_completed", turnId: s.currentTurnId!, status: "completed" });
    await tick();
    expect(w.backend.calls.filter((c) => c.startsWith("turn"))).toHaveLength(2);
    expect(w.sessions.get(s.id).status).toBe("running");
    expect(w.sessions.turns(s.id).map((t) => t.promptPreview)).toEqual(["first", "second"]);
  });

  test("a queued turn is dropped, and says why, when the session is cancelled first", async () => {
    const w = world();
    const s = await w.sessions.start({ settings, turn: { prompt: "first" } });
    await tick();
    await w.sessions.queue(s.id, { prompt: "second" });
    await w.sessions.cancel(s.id);
    await tick();
    expect(w.backend.calls.filter((c) => c.startsWith("turn"))).toHaveLength(1);
    const dropped = w.store.readEvents(s.id, 1, { maxEvents: 100, maxBytes: 1e6 }).events.find((e) =>
      e.type === "queued_turn_dropped"
    );
    expect(dropped?.data.reason).toBe("the session is cancelled");
  });

  test("on a session with no turn running, steer and queue start a turn, as a reply does", async () => {
    const w = world();
    const s = await finishedSession(w);
    await w.sessions.steer(s.id, { prompt: "now" });
    expect(w.sessions.get(s.id).status).toBe("running");
    expect(w.backend.calls.filter((c) => c.startsWith("steer"))).toEqual([]);
  });
});
