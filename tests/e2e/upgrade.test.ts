/**
 * Upgrading loses nothing: the state directory (and its CODEX_HOME) that the schema-v1 build wrote
 * (tests/fixtures/state-v1, see make.ts there) opened by today's binary. Every session is listed,
 * every event reads back from cursor 1 exactly as stored, the approval keeps its outcome, turns are
 * rebuilt from the old rows, a reply resumes the thread with its history, the file as it was is
 * kept as state.db.bak-v1, and a migration that fails leaves the file byte-identical and stops
 * start-up with exit code 2.
 *
 * The fixture's paths (settings' cwd, the rollouts' cwd) name the temporary root it was made in,
 * so the test recreates it at that very path: the database is used byte for byte as committed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, COMPILED, launch, type Launched } from "./launch.ts";

const FIXTURE = join(import.meta.dir, "..", "fixtures", "state-v1");
const manifest = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8")) as {
  root: string;
  sessions: { twoTurns: string; approved: string };
};
const ROOT = manifest.root;
const STATE = join(ROOT, "state");
const DB = join(STATE, "state.db");

type Event = { cursor: number; type: string; data: Record<string, unknown> };
type Turn = {
  index: number;
  promptPreview: string;
  status: string;
  turnId: string | null;
  result?: { text: string | null };
};

let model: FakeModel;
let home: CodexHome;
let server: Launched | undefined;

beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});
afterEach(async () => {
  await server?.closeStdin().catch(() => {});
  await server?.dispose();
  server = undefined;
  home?.cleanup();
  rmSync(ROOT, { recursive: true, force: true });
});

/** The fixture at its own root, with a config.toml for this run's fake model. */
function recreate(): Record<string, string> {
  if (existsSync(ROOT)) throw new Error(`${ROOT} exists: remove it (a run that was killed left it)`);
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
  for (const dir of ["state", "codex-home", "workspace"]) {
    cpSync(join(FIXTURE, dir), join(ROOT, dir), { recursive: true });
  }
  mkdirSync(join(ROOT, "home"));
  writeFileSync(join(ROOT, "codex-home", "config.toml"), home.configToml);
  return {
    ...home.env,
    HOME: join(ROOT, "home"),
    CODEX_HOME: join(ROOT, "codex-home"),
    CODEX_MCP_PATH: join(BIN, "codex"),
    CODEX_MCP_STATE_DIR: STATE,
    CODEX_MCP_KILL_GRACE_MS: "500",
  };
}

async function call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await server!.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error((result.content as { text: string }[])[0]!.text);
  return result.structuredContent as Record<string, unknown>;
}

/** The events the old build stored, read straight from the fixture. */
function storedEvents(sessionId: string): Event[] {
  const db = new DatabaseSync(join(FIXTURE, "state", "state.db"), { readOnly: true });
  try {
    return (db.prepare("SELECT cursor, type, data FROM events WHERE session_id = ? ORDER BY cursor").all(sessionId) as {
      cursor: number;
      type: string;
      data: string;
    }[]).map((r) => ({ cursor: Number(r.cursor), type: r.type, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

async function allEvents(sessionId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor = 1;
  for (;;) {
    const view = await call("codex_check", { action: "poll", sessionId, cursor, responseMode: "full" });
    events.push(...(view.events as Event[]));
    cursor = view.nextCursor as number;
    if (!view.hasMore) return events;
  }
}

describe("upgrading a schema-v1 state directory", () => {
  test("every session, event, approval and turn is there; a reply resumes the thread with its history", async () => {
    const env = recreate();
    server = await launch("compiled", { env, inheritEnv: false });
    const { twoTurns, approved } = manifest.sessions;

    const list = (await call("codex_session", { action: "list" })).sessions as { sessionId: string; status: string }[];
    expect(list.map((s) => s.sessionId).sort()).toEqual([twoTurns, approved].sort());
    expect(list.every((s) => s.status === "idle")).toBe(true);

    for (const id of [twoTurns, approved]) {
      const events = await allEvents(id);
      expect(events.map(({ cursor, type, data }) => ({ cursor, type, data }))).toEqual(storedEvents(id));
    }
    const answered = (await allEvents(approved)).find((e) => e.type === "request_answered");
    expect(answered?.data).toMatchObject({ decision: "accept", by: "client" });

    const got = await call("codex_session", { action: "get", sessionId: twoTurns });
    const turns = got.turns as Turn[];
    expect(turns.map((t) => [t.index, t.promptPreview, t.status, t.result?.text])).toEqual([
      [1, "Say hello.", "completed", "Hello!"],
      [2, "And goodbye?", "completed", "Goodbye!"],
    ]);
    expect(turns.every((t) => typeof t.turnId === "string")).toBe(true);
    const approvedTurns = (await call("codex_session", { action: "get", sessionId: approved })).turns as Turn[];
    expect(approvedTurns.map((t) => [t.promptPreview, t.status])).toEqual([["Write approved.txt.", "completed"]]);

    model.enqueue(reply.message("Still here."));
    const replied = await call("codex_reply", { sessionId: twoTurns, prompt: "Remember me?", waitForResult: 30_000 });
    expect(replied.status).toBe("idle");
    expect((replied.result as { text: string }).text).toBe("Still here.");
    const sent = JSON.stringify(model.responsesRequests().at(-1)?.body);
    for (const earlier of ["Say hello.", "Hello!", "And goodbye?", "Goodbye!"]) expect(sent).toContain(earlier);
    const after = (await call("codex_session", { action: "get", sessionId: twoTurns })).turns as Turn[];
    expect(after.map((t) => [t.index, t.status])).toEqual([[1, "completed"], [2, "completed"], [3, "completed"]]);

    // The file as the old build left it is kept beside the upgraded one, readable by that build.
    expect(existsSync(`${DB}.bak-v1`)).toBe(true);
    const backup = new DatabaseSync(`${DB}.bak-v1`, { readOnly: true });
    expect(backup.prepare("PRAGMA user_version").get()).toEqual({ user_version: 1 });
    expect(backup.prepare("SELECT count(*) AS n FROM events").get()).toEqual(
      { n: storedEvents(twoTurns).length + storedEvents(approved).length },
    );
    backup.close();
  }, 60_000);

  test("a migration that fails leaves the file byte-identical and stops start-up with exit code 2", () => {
    const env = recreate();
    // A table in the way of version 2's CREATE TABLE makes that step fail.
    const db = new DatabaseSync(DB);
    db.exec("CREATE TABLE turns (x TEXT)");
    db.close();
    const before = readFileSync(DB);
    const r = spawnSync(COMPILED, [], { env, input: "", encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("STATE_MIGRATION_FAILED");
    expect(r.stderr).toContain(DB);
    expect(readFileSync(DB).equals(before)).toBe(true);
  }, 30_000);
});
