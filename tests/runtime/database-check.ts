/**
 * The runtime adapter's SQLite handle and the file additions, on whichever runtime runs this file
 * (`bun`, `node`, `deno run -A`, or a `bun build --compile` binary of it): statements, values,
 * WAL, errors as DatabaseError with SQLite's codes, and a SqliteSessionStore on top (open, write,
 * reopen). Prints ONE JSON line on stdout, nothing else (warnings go to stderr), for
 * database.test.ts to check; exits on its own.
 */
import { loadRuntime } from "../../src/runtime/detect.ts";
import { DatabaseError } from "../../src/runtime/types.ts";
import { SqliteSessionStore } from "../../src/sessions/sqlite-store.ts";
import { prepareStateDir } from "../../src/platform/state-dir.ts";

const runtime = await loadRuntime();
const dir = await runtime.fs.makeTempDir("codex-mcp-db-check-");
const errorOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DatabaseError
      ? { class: "DatabaseError", code: error.code, errcode: error.errcode }
      : { class: String((error as Error)?.name), message: String(error) };
  }
};

try {
  const db = runtime.openDatabase(`${dir}/check.db`);
  const journal = db.prepare("PRAGMA journal_mode = WAL").get();
  db.exec(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, blob BLOB, big INTEGER); CREATE TABLE u (k TEXT PRIMARY KEY)",
  );
  const insert = db.prepare("INSERT INTO t (name, score, blob, big) VALUES (?, ?, ?, ?)");
  const first = insert.run("ünï 😀", 1.5, new Uint8Array([1, 2, 3]), 2n ** 40n);
  const second = insert.run(null, null, null, null);
  const row = db.prepare("SELECT id, name, score, blob, big FROM t WHERE id = ?").get(1)!;
  const rows = db.prepare("SELECT id FROM t ORDER BY id").all();
  const none = db.prepare("SELECT id FROM t WHERE id = ?").get(99);
  db.prepare("INSERT INTO u VALUES (?)").run("k");
  const constraint = errorOf(() => db.prepare("INSERT INTO u VALUES (?)").run("k"));
  const syntax = errorOf(() => db.prepare("SELEKT 1"));
  const updated = db.prepare("UPDATE t SET name = ? WHERE id > ?").run("n", 0);
  db.close();
  db.close(); // twice is harmless

  await runtime.fs.writeTextFile(`${dir}/garbage.db`, "this is not a database\n".repeat(100));
  const garbageDb = runtime.openDatabase(`${dir}/garbage.db`);
  const notADatabase = errorOf(() => garbageDb.prepare("PRAGMA user_version").get());
  garbageDb.close();
  const cannotOpen = errorOf(() =>
    runtime.openDatabase(`${dir}/no/such/dir/x.db`).prepare("PRAGMA user_version").get()
  );

  // The file additions.
  await runtime.fs.writeTextFile(`${dir}/f`, "one", { mode: 0o600, createNew: true });
  const exists = await runtime.fs.writeTextFile(`${dir}/f`, "two", { createNew: true }).then(
    () => "overwritten",
    (error: unknown) => (error as { code?: string }).code,
  );
  const kept = await runtime.fs.readTextFile(`${dir}/f`);
  await runtime.fs.chmod(`${dir}/f`, 0o640);
  const chmodded = (await runtime.fs.stat(`${dir}/f`))?.mode;

  // The store on top, across a reopen.
  const state = await prepareStateDir({
    env: { CODEX_MCP_STATE_DIR: `${dir}/state` },
    platform: runtime.platform,
    cwd: runtime.cwd(),
    fs: runtime.fs,
  });
  // 16 KiB pieces (the 0.1 default): the expected output counts them.
  const open = () =>
    SqliteSessionStore.open({
      path: state.databasePath,
      openDatabase: runtime.openDatabase,
      eventLog: { chunkBytes: 16 * 1024 },
    });
  const store = open();
  store.createSession({
    id: "s",
    threadId: "th",
    status: "idle",
    backend: "app-server",
    settings: { cwd: dir, approvalPolicy: "never", sandbox: "read-only" },
    approvalTimeoutMs: 1,
    createdAt: 1,
    updatedAt: 1,
    lastActivityAt: 1,
    turns: 1,
    currentTurnId: null,
    phase: "done",
    preview: "p",
  });
  store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "Hel" });
  store.appendEvent("s", "agent_message_delta", { itemId: "m", delta: "lo" });
  store.appendEvent("s", "command_finished", { itemId: "c", output: "o".repeat(50_000) });
  store.updateSession("s", { result: { turnId: "t", status: "completed", text: "Hello" } });
  store.close();
  const reopened = open();
  const storeCheck = {
    sessions: reopened.listSessions().map((r) => [r.id, r.result?.text]),
    events: reopened.readEvents("s", 1, { maxBytes: 1e9 }).events.map((e) => [e.cursor, e.type]),
    next: reopened.appendEvent("s", "warning", {}).map((e) => e.cursor),
  };
  reopened.close();
  const modes = await Promise.all(
    [state.path, state.databasePath].map(async (p) => ((await runtime.fs.stat(p))?.mode ?? -1).toString(8)),
  );

  process.stdout.write(
    JSON.stringify({
      runtime: runtime.name,
      journal,
      first,
      second,
      row: { ...row, blob: Array.from(row.blob as Uint8Array), big: String(row.big) },
      rows,
      none: none === undefined ? "undefined" : none,
      constraint,
      syntax,
      updated,
      notADatabase,
      cannotOpen,
      exists,
      kept,
      chmodded: chmodded?.toString(8),
      store: { ...storeCheck, modes },
    }) + "\n",
  );
} finally {
  await runtime.fs.remove(dir, { recursive: true });
}
await runtime.exit(0);
