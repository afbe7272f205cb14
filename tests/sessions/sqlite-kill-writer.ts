/**
 * Child of the SIGKILL test in sqlite-store.test.ts: appends events through a SqliteSessionStore
 * as fast as it can, forever, and after every append (committed, since appendEvent returns only
 * after its transaction) prints what it stored as one JSON line:
 * `{"s": session, "e": [[cursor, type, data], …]}`. The parent kills it with SIGKILL mid-stream.
 *
 *   bun tests/sessions/sqlite-kill-writer.ts <database path>
 */
import { loadRuntime } from "../../src/runtime/detect.ts";
import { SqliteSessionStore } from "../../src/sessions/sqlite-store.ts";
import { record } from "./store-contract.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: sqlite-kill-writer.ts <database path>");
const runtime = await loadRuntime();
// No eviction: every reported event must still be there after the kill.
const store = SqliteSessionStore.open({
  path,
  openDatabase: runtime.openDatabase,
  eventLog: { softLimit: 1e9, hardLimit: 1e9, softMaxBytes: 1e12, hardMaxBytes: 1e12 },
});
const sessions = ["k1", "k2", "k3"];
for (const id of sessions) if (!store.getSession(id)) store.createSession(record(id));

const big = "0123456789abcdef".repeat(3 * 1024); // 48 KiB: a head and two continuations
let line = 0;
const write = (text: string): void => void process.stdout.write(text + "\n");
write("ready");
for (let i = 0;; i++) {
  const id = sessions[i % sessions.length]!;
  let stored;
  switch (i % 7) {
    case 0:
    case 1:
    case 2:
      stored = store.appendEvent(id, "agent_message_delta", { itemId: `m${Math.floor(i / 50)}`, delta: `d${i} ` });
      break;
    case 3:
      stored = store.appendEvent(id, "command_output_delta", {
        itemId: `c${Math.floor(i / 30)}`,
        delta: "x".repeat(100),
      });
      break;
    case 4:
      stored = store.appendEvent(id, "command_finished", { itemId: `c${i}`, exitCode: 0, output: big });
      break;
    case 5:
      store.updateSession(id, { lastActivityAt: Date.now(), phase: `step ${i}` });
      stored = store.appendEvent(id, "warning", { i });
      break;
    default:
      stored = store.appendEvent(id, "result", { turnId: `t${i}`, text: `answer ${i}` });
  }
  write(JSON.stringify({ s: id, e: stored.map((e) => [e.cursor, e.type, e.data]) }));
  // Let stdout drain now and then, so the parent sees the stream while it is being written.
  if (++line % 64 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
}
