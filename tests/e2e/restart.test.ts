/**
 * Durable state through the compiled binary: sessions survive a server killed with SIGKILL, the
 * events a client was given survive a kill mid-stream, a shutdown lets a running turn finish, and
 * a broken state directory or database stops start-up with a clear reason.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED, launch, type Launched } from "./launch.ts";

type Event = { cursor: number; type: string; data: Record<string, unknown> };
type View = {
  sessionId: string;
  status: string;
  result?: { text: string | null; status: string };
  error?: { code: string; message: string; hint: string };
  events?: Event[];
  nextCursor?: number;
  hasMore?: boolean;
};

let model: FakeModel;
let home: CodexHome;
let stateDir: string;
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
  stateDir = mkdtempSync(join(tmpdir(), "codex-mcp-test-restart-"));
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.closeStdin().catch(() => {});
    await s.dispose();
  }
  home.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

async function server(extra: Record<string, string> = {}): Promise<Launched> {
  const s = await launch("compiled", {
    env: {
      ...home.env,
      CODEX_MCP_PATH: join(BIN, "codex"),
      CODEX_MCP_STATE_DIR: stateDir,
      CODEX_MCP_KILL_GRACE_MS: "500",
      ...extra,
    },
    inheritEnv: false,
  });
  servers.push(s);
  return s;
}

async function call(s: Launched, name: string, args: Record<string, unknown>): Promise<View> {
  const result = await s.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error((result.content as { text: string }[])[0]!.text);
  return result.structuredContent as View;
}

/** Every event from cursor 1, paging until there is no more. */
async function allEvents(s: Launched, sessionId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor = 1;
  for (;;) {
    const view = await call(s, "codex_check", { action: "poll", sessionId, cursor, responseMode: "full" });
    events.push(...(view.events ?? []));
    cursor = view.nextCursor!;
    if (!view.hasMore) return events;
  }
}

function children(s: Launched): Promise<{ pid: number; label: string }[]> {
  return s.client.readResource({ uri: "codex-mcp:///server-info" }).then((r) =>
    JSON.parse((r.contents[0] as { text: string }).text).children
  );
}

const alive = (pid: number) => {
  const ps = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" });
  return ps.status === 0 && !ps.stdout.trim().startsWith("Z");
};

describe("restarts", () => {
  test(
    "SIGKILL mid-turn, start again: the session is listed with the restart marker, its events are readable, a reply resumes with history",
    async () => {
      model.enqueue(
        reply.message("The capital is Paris."),
        reply.hang(),
        reply.message("Resumed: we talked about Paris."),
      );
      const first = await server();
      const started = await call(first, "codex", {
        prompt: "What is the capital of France?",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      });
      expect(started.result?.text).toBe("The capital is Paris.");
      await call(first, "codex_reply", { sessionId: started.sessionId, prompt: "And of Italy?" });
      await model.waitForRequests(2);
      const before = await allEvents(first, started.sessionId);
      const appServers = (await children(first)).filter((c) => c.label.includes("app-server"));
      expect(appServers.length).toBe(1);
      expect(readdirSync(join(stateDir, "children")).length).toBe(1); // the killed server's ledger

      first.child.kill("SIGKILL");
      await first.exited;

      const second = await server();
      const list = (await call(second, "codex_session", { action: "list" })) as unknown as {
        sessions: { sessionId: string; status: string }[];
      };
      expect(list.sessions).toContainEqual(expect.objectContaining({ sessionId: started.sessionId, status: "error" }));
      const got = (await call(second, "codex_session", { action: "get", sessionId: started.sessionId })) as unknown as {
        session: View & { interactionState: string };
      };
      expect(got.session.error?.code).toBe("INTERRUPTED_BY_RESTART");
      expect(got.session.error?.hint).toContain("codex_reply");

      // Everything the first server had handed out is still there, unchanged; then the marker.
      const after = await allEvents(second, started.sessionId);
      for (const event of before) expect(after.find((e) => e.cursor === event.cursor)).toEqual(event);
      expect(after.map((e) => e.type)).toContain("interrupted_by_restart");

      // No process of the killed run is left: its app-server is gone and its ledger reaped.
      for (let i = 0; i < 40 && appServers.some((c) => alive(c.pid)); i++) await Bun.sleep(50);
      expect(appServers.filter((c) => alive(c.pid))).toEqual([]);
      for (let i = 0; i < 40 && readdirSync(join(stateDir, "children")).length > 1; i++) await Bun.sleep(50);
      expect(readdirSync(join(stateDir, "children")).length).toBeLessThanOrEqual(1); // only the live server's own

      const resumed = await call(second, "codex_reply", {
        sessionId: started.sessionId,
        prompt: "What did we talk about?",
        waitForResult: 30_000,
      });
      expect(resumed.result?.text).toBe("Resumed: we talked about Paris.");
      const history = model.responsesRequests().at(-1)!.userTexts().join("\n");
      expect(history).toContain("What is the capital of France?");
      expect(history).toContain("What did we talk about?");
    },
    60_000,
  );

  test(
    "SIGKILL while events stream heavily: the database opens cleanly and every event a client was given is still there",
    async () => {
      const chunks = Array.from({ length: 200 }, (_, i) => `chunk-${i} `);
      model.enqueue(reply.message(chunks, { delayMs: 10 }));
      const first = await server();
      const started = await call(first, "codex", {
        prompt: "Stream a lot.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
      });
      await model.waitForRequests(1);
      const seen: Event[] = [];
      let cursor = 1;
      while (seen.filter((e) => e.type === "agent_message_delta").length < 20) {
        const view = await call(first, "codex_check", {
          action: "poll",
          sessionId: started.sessionId,
          cursor,
          responseMode: "full",
          // Every event as it streams, not only the end of the turn.
          pollOptions: { waitMs: 2_000, wakeOn: "event" },
        });
        seen.push(...(view.events ?? []));
        cursor = view.nextCursor!;
      }
      first.child.kill("SIGKILL");
      await first.exited;

      const second = await server();
      const after = await allEvents(second, started.sessionId);
      for (const event of seen) expect(after.find((e) => e.cursor === event.cursor)).toEqual(event);
    },
    60_000,
  );

  test(
    "stdin EOF during a turn: the turn finishes within the grace, its result is persisted, all children are gone, exit code 0",
    async () => {
      model.enqueue(reply.message(["Finished ", "after ", "the ", "client ", "left."], { delayMs: 200 }));
      const first = await server();
      const started = await call(first, "codex", {
        prompt: "Take a second.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
      });
      await model.waitForRequests(1);
      const kids = await children(first);
      expect(await first.closeStdin()).toEqual({ code: 0, signal: null });
      expect(kids.filter((c) => alive(c.pid))).toEqual([]);

      const second = await server();
      const view =
        ((await call(second, "codex_session", { action: "get", sessionId: started.sessionId })) as unknown as {
          session: View;
        }).session;
      expect(view.status).toBe("idle");
      expect(view.result).toMatchObject({ status: "completed", text: "Finished after the client left." });
    },
    60_000,
  );
});

describe("two servers on one state directory", () => {
  test(
    "a live server's session: the other lists it (ownedBy) and reads it but not its settings; reply, cancel and fork are SESSION_OWNED_ELSEWHERE; once the owner is gone, a reply resumes it",
    async () => {
      model.enqueue(reply.message("A's answer."), reply.message("B carries on."));
      const a = await server();
      const started = await call(a, "codex", {
        prompt: "Hello from A.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
        advanced: { waitForResult: 30_000 },
      });
      expect(started.status).toBe("idle");
      const b = await server();
      const listed = (await call(b, "codex_session", { action: "list" })) as unknown as {
        sessions: { sessionId: string; ownedBy?: string }[];
      };
      expect(listed.sessions.find((s) => s.sessionId === started.sessionId)?.ownedBy).toBe(
        `another codex-mcp (pid ${a.child.pid})`,
      );
      // Its settings (cwd, instructions, config overrides) are not shown to another server.
      const got = (await call(b, "codex_session", {
        action: "get",
        sessionId: started.sessionId,
        includeSensitive: true,
      })) as unknown as { settings?: unknown };
      expect(got.settings).toBeUndefined();
      expect((await allEvents(b, started.sessionId)).some((e) => e.type === "result")).toBe(true);
      for (
        const [name, args] of [
          ["codex_reply", { sessionId: started.sessionId, prompt: "Mine now?" }],
          ["codex_session", { action: "cancel", sessionId: started.sessionId }],
          ["codex_session", { action: "fork", sessionId: started.sessionId }],
        ] as const
      ) {
        const refused = await b.client.callTool({ name, arguments: args });
        expect(refused.isError).toBe(true);
        expect((refused.structuredContent as { error: { code: string } }).error.code).toBe("SESSION_OWNED_ELSEWHERE");
      }
      const cleaned = (await call(b, "codex_session", {
        action: "clean",
        statuses: ["idle"],
        includeDisk: true,
      })) as unknown as { removed: unknown[] };
      expect(cleaned.removed).toEqual([]);
      // None of B's refused calls reached Codex.
      expect(model.responsesRequests().length).toBe(1);

      await a.closeStdin();
      await a.exited;
      const resumed = await call(b, "codex_reply", {
        sessionId: started.sessionId,
        prompt: "A is gone.",
        waitForResult: 30_000,
      });
      expect(resumed.result?.text).toBe("B carries on.");
      expect(JSON.stringify(model.responsesRequests().at(-1)?.body)).toContain("Hello from A.");
    },
    60_000,
  );
});

describe("shutdown by signal", () => {
  test(
    "SIGTERM waits for a running turn; a second SIGTERM cuts the wait short; the turn is marked interrupted by shutdown",
    async () => {
      model.enqueue(reply.hang());
      const first = await server({ CODEX_MCP_SHUTDOWN_GRACE_MS: "60000" });
      const started = await call(first, "codex", {
        prompt: "Never finish.",
        approvalPolicy: "never",
        sandbox: "read-only",
        cwd: home.workspace,
      });
      await model.waitForRequests(1);
      first.child.kill("SIGTERM");
      // Within the 60 s grace the server waits for the turn.
      const early = await Promise.race([first.exited.then(() => "exited"), Bun.sleep(1_500).then(() => "waiting")]);
      expect(early).toBe("waiting");
      const t = performance.now();
      first.child.kill("SIGTERM");
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(performance.now() - t).toBeLessThan(10_000);

      const second = await server();
      const view =
        ((await call(second, "codex_session", { action: "get", sessionId: started.sessionId })) as unknown as {
          session: View & { interruptedBy?: string };
        }).session;
      expect(view.result?.status).toBe("interrupted");
      const events = await allEvents(second, started.sessionId);
      expect(events.map((e) => e.type)).toContain("interrupted_by_shutdown");
    },
    60_000,
  );
});

describe("codex-mcp doctor and orphans", () => {
  test("reports and terminates the children a dead server left behind, and leaves a reused pid alone", async () => {
    const { spawn } = await import("node:child_process");
    const orphan = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    const bystander = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    try {
      await Bun.sleep(50);
      const startTime = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]!;
      const ledgers = join(stateDir, "children");
      spawnSync("mkdir", ["-p", ledgers]);
      const dead = { pid: 2_000_000_000, startTime: "1" };
      writeFileSync(
        join(ledgers, "2000000000-1.json"),
        JSON.stringify({
          owner: dead,
          children: [
            {
              pid: orphan.pid,
              pgid: orphan.pid,
              label: "codex app-server",
              startedAt: 0,
              startTime: startTime(orphan.pid!),
            },
            {
              pid: bystander.pid,
              pgid: bystander.pid,
              label: "codex app-server",
              startedAt: 0,
              startTime: "0 (an earlier process with this pid)",
            },
          ],
        }),
      );
      const r = spawnSync(COMPILED, ["doctor", "--json"], {
        env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_STATE_DIR: stateDir },
        encoding: "utf8",
        timeout: 30_000,
      });
      const report = JSON.parse(r.stdout) as { orphans: { children: { pid: number; outcome: string }[] } };
      expect(report.orphans.children.map((c) => [c.pid, c.outcome])).toEqual([
        [orphan.pid!, "terminated"],
        [bystander.pid!, "pid-reused"],
      ]);
      expect(alive(orphan.pid!)).toBe(false);
      expect(alive(bystander.pid!)).toBe(true);
      expect(readdirSync(ledgers)).toEqual([]);
    } finally {
      orphan.kill("SIGKILL");
      bystander.kill("SIGKILL");
    }
  }, 40_000);
});

describe("a broken state stops start-up with a clear reason", () => {
  function start(env: Record<string, string>) {
    const r = spawnSync(COMPILED, [], { env: { ...home.env, ...env }, input: "", encoding: "utf8", timeout: 20_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test("an unwritable state directory", () => {
    const file = join(stateDir, "a-file");
    writeFileSync(file, "not a directory");
    const r = start({ CODEX_MCP_STATE_DIR: join(file, "state") });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("STATE_DIR_UNWRITABLE");
    expect(r.stderr).toContain("CODEX_MCP_STATE_DIR");
    expect(r.stderr).toContain("hint:");
  });

  test("a state database that is a symbolic link is refused, and nothing is written through it", () => {
    const target = join(home.root, "elsewhere.db");
    writeFileSync(target, "");
    symlinkSync(target, join(stateDir, "state.db"));
    const r = start({ CODEX_MCP_STATE_DIR: stateDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("STATE_LINKED");
    expect(readFileSync(target, "utf8")).toBe("");
  });

  test("a corrupt database is reported and left untouched", () => {
    const db = join(stateDir, "state.db");
    const garbage = Buffer.from("this is not an SQLite database, and it must survive byte for byte\n".repeat(100));
    writeFileSync(db, garbage);
    const r = start({ CODEX_MCP_STATE_DIR: stateDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("STATE_CORRUPT");
    expect(r.stderr).toContain(db);
    expect(readFileSync(db).equals(garbage)).toBe(true);
    expect(existsSync(db)).toBe(true);
  });
});
