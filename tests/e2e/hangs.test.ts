/**
 * Codex children that hang without dying, and turns that run too long, through the compiled
 * binary with the real Codex CLI and the fake model: a stopped app-server is found (by the
 * liveness check, or at once when a request goes unanswered), a silent `codex exec` is found,
 * cancel answers within its bound either way, and a call's own turn limit cancels its turn.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";
import { type PolledView, pollSession } from "./paging.ts";

type View = {
  sessionId: string;
  status: string;
  result?: { text: string | null; status: string };
  error?: { code: string; message: string; hint: string };
  events?: { cursor: number; type: string; data: Record<string, unknown> }[];
};

let model: FakeModel;
let home: CodexHome;
const servers: Launched[] = [];

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.closeStdin().catch(() => {});
    await server.dispose();
  }
  home.cleanup();
});

/** A server with short timeouts (1 s requests, 300 ms kill grace) and `env` on top. */
async function serve(env: Record<string, string>) {
  const server = await launch("compiled", {
    env: {
      ...home.env,
      CODEX_MCP_PATH: join(BIN, "codex"),
      CODEX_MCP_REQUEST_TIMEOUT_MS: "1000",
      CODEX_MCP_KILL_GRACE_MS: "300",
      ...env,
    },
    inheritEnv: false,
  });
  servers.push(server);
  const tool = async (name: string, args: Record<string, unknown>) => {
    const result = await server.client.callTool({ name, arguments: args });
    return { ...(result.structuredContent as View), isError: result.isError === true };
  };
  const start = (prompt: string, extra: Record<string, unknown> = {}) =>
    tool("codex", { prompt, approvalPolicy: "never", sandbox: "read-only", cwd: home.workspace, ...extra });
  const child = async (label: string) => {
    const info = JSON.parse(
      ((await server.client.readResource({ uri: "codex-mcp:///server-info" })).contents[0] as { text: string }).text,
    ) as { children: { pid: number; label: string }[] };
    const found = info.children.find((c) => c.label.includes(label));
    if (!found) throw new Error(`no ${label} child in ${JSON.stringify(info.children)}`);
    return found.pid;
  };
  /**
   * Long-polls until the session is in `status` and, if given, an event of type `event` has come
   * (at most ~20 s); the last view, with every event seen.
   */
  const until = async (sessionId: string, status: string, event?: string) => {
    const { view, events } = await pollSession<View & PolledView>(
      server.client,
      sessionId,
      (v, seen) => v.status === status && !v.hasMore && (!event || seen.some((e) => e.type === event)),
      500,
    );
    expect(view.status).toBe(status);
    return { ...view, events };
  };
  return { server, tool, start, child, until };
}

/** Whether `pid` is a process that has not exited (zombies count as gone). */
function alive(pid: number): boolean {
  const ps = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" });
  return ps.status === 0 && !ps.stdout.trim().startsWith("Z");
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/**
 * Starts a turn, stops (SIGSTOP) the Codex child labelled `label` mid-turn and cancels the
 * session: the cancel answers cancelled within its bound. Returns the child's pid.
 */
async function cancelStopped(s: Awaited<ReturnType<typeof serve>>, label: string): Promise<number> {
  const started = await s.start("Hang.");
  await model.waitForRequests(1);
  const pid = await s.child(label);
  process.kill(pid, "SIGSTOP");
  const asked = Date.now();
  const cancelled = (await s.tool("codex_session", { action: "cancel", sessionId: started.sessionId })) as unknown as {
    session: View;
  };
  // The bound: the request timeout (1 s) plus the kill grace (0.3 s), and a margin for the call itself.
  expect(Date.now() - asked).toBeLessThan(3_000);
  expect(cancelled.session.status).toBe("cancelled");
  return pid;
}

describe("hung app-server", () => {
  test(
    "stopped (SIGSTOP) mid-turn: the liveness check finds it, stops it, its session is CODEX_HUNG; a reply resumes on a new one",
    async () => {
      const s = await serve({ CODEX_MCP_LIVENESS_MS: "200" });
      model.enqueue(reply.hang(), reply.message("Back on a new process."));
      const started = await s.start("Hang.");
      await model.waitForRequests(1);
      const appServer = await s.child("app-server");
      process.kill(appServer, "SIGSTOP");
      const view = await s.until(started.sessionId, "error");
      expect(view.error?.code).toBe("CODEX_HUNG");
      expect(view.error?.hint).toContain("codex_reply");
      expect(alive(appServer)).toBe(false); // torn down, stopped as it was
      const resumed = await s.tool("codex_reply", {
        sessionId: started.sessionId,
        prompt: "Still there?",
        waitForResult: 20_000,
      });
      expect(resumed.result?.text).toBe("Back on a new process.");
    },
    40_000,
  );

  test(
    "stopped mid-turn, long before the next liveness check: cancel answers within its bound, the unanswered interrupt gets the process stopped, and the next session runs on a new one",
    async () => {
      const s = await serve({ CODEX_MCP_LIVENESS_MS: "600000" });
      model.enqueue(reply.hang(), reply.message("A new process answers."));
      const appServer = await cancelStopped(s, "app-server");
      expect(await goneWithin(appServer, 5_000)).toBe(true);
      const fresh = await s.start("Are you there?", { advanced: { waitForResult: 20_000 } });
      expect(fresh.result?.text).toBe("A new process answers.");
    },
    40_000,
  );
});

describe("hung codex exec", () => {
  test(
    "a turn whose codex exec writes nothing for CODEX_MCP_EXEC_SILENCE_MS is stopped, CODEX_HUNG; a reply resumes the thread",
    async () => {
      const s = await serve({ CODEX_MCP_MODE: "exec", CODEX_MCP_EXEC_SILENCE_MS: "1500" });
      model.enqueue(reply.hang(), reply.message("Resumed after the hang."));
      const started = await s.start("Hang.");
      await model.waitForRequests(1);
      const exec = await s.child("codex exec");
      const view = await s.until(started.sessionId, "error");
      expect(view.error?.code).toBe("CODEX_HUNG");
      expect(view.error?.message).toContain("wrote nothing for 1500 ms");
      expect(alive(exec)).toBe(false);
      const resumed = await s.tool("codex_reply", {
        sessionId: started.sessionId,
        prompt: "Go on.",
        waitForResult: 20_000,
      });
      expect(resumed.result?.text).toBe("Resumed after the hang.");
      // The resumed turn carried the conversation: the first prompt went to the model again.
      expect(model.responsesRequests()[1]!.userTexts().join("\n")).toContain("Hang.");
    },
    40_000,
  );

  test("a stopped (SIGSTOP) codex exec: cancel answers within its bound and the process is gone", async () => {
    const s = await serve({ CODEX_MCP_MODE: "exec" });
    model.enqueue(reply.hang());
    const exec = await cancelStopped(s, "codex exec");
    expect(await goneWithin(exec, 3_000)).toBe(true);
  }, 30_000);
});

describe("a call's limit on its turn", () => {
  test("advanced.turnTimeoutMs cancels a turn that runs longer, saying why; a reply continues", async () => {
    const s = await serve({});
    model.enqueue(reply.hang(), reply.message("Quick this time."));
    const started = await s.start("Take forever.", { advanced: { turnTimeoutMs: 1_500 } });
    // The turn ends cancelled; the cancel's own event, with its reason, follows.
    const view = await s.until(started.sessionId, "cancelled", "cancelled");
    const reasons = (view.events ?? []).filter((e) => e.type === "cancelled").map((e) => e.data.reason);
    expect(reasons).toEqual(["turn ran for its limit of 1500 ms (turnTimeoutMs)"]);
    const again = await s.tool("codex_reply", {
      sessionId: started.sessionId,
      prompt: "Now quickly.",
      turnTimeoutMs: 20_000,
      waitForResult: 20_000,
    });
    expect(again.result?.text).toBe("Quick this time.");
  }, 40_000);

  test(
    "a turnTimeoutMs above CODEX_MCP_RUNNING_TTL_MS is FORBIDDEN, naming the variable; codex_setup shows the limit",
    async () => {
      const s = await serve({ CODEX_MCP_RUNNING_TTL_MS: "60000" });
      const refused = await s.start("x", { advanced: { turnTimeoutMs: 120_000 } });
      expect(refused.isError).toBe(true);
      expect(refused.error?.code).toBe("FORBIDDEN");
      expect(refused.error?.message).toContain("CODEX_MCP_RUNNING_TTL_MS=60000");
      expect(model.responsesRequests()).toHaveLength(0);
      const setup = (await s.tool("codex_setup", {})) as unknown as { limits: { maxTurnMs: number } };
      expect(setup.limits.maxTurnMs).toBe(60_000);
    },
    30_000,
  );
});
