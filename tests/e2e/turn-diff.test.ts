/**
 * What a turn changed, without opening files: the result carries the start of the turn's unified
 * diff (Codex's `turn/diff/updated`), and the whole diff is one `turn_diff` event, read by cursor
 * (long ones in pieces). Through the compiled binary with the real Codex.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

type Diff = { cursor: number; chars: number; preview: string; truncated: boolean };
type Event = { cursor: number; type: string; data: Record<string, unknown> };

test("a turn's result shows its diff; the whole diff, even a long one, is read from its event", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  const lines = Array.from({ length: 3_000 }, (_, i) => `+line ${i + 1} of the long file`);
  model.enqueue(
    reply.applyPatch("*** Begin Patch\n*** Add File: hello.txt\n+hello diff\n*** End Patch"),
    reply.message("Wrote one."),
    reply.applyPatch(`*** Begin Patch\n*** Add File: long.txt\n${lines.join("\n")}\n*** End Patch`),
    reply.message("Wrote a long one."),
  );
  const server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex") },
    inheritEnv: false,
  });
  try {
    const call = async (name: string, args: Record<string, unknown>) =>
      (await server.client.callTool({ name, arguments: args })).structuredContent as {
        sessionId: string;
        result?: { text: string | null; diff?: Diff };
        events?: Event[];
        nextCursor?: number;
        hasMore?: boolean;
      };
    const first = await call("codex", {
      prompt: "Write hello.txt.",
      approvalPolicy: "never",
      sandbox: "workspace-write",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    expect(first.result?.text).toBe("Wrote one.");
    expect(first.result?.diff).toMatchObject({ truncated: false });
    expect(first.result?.diff?.preview).toContain("hello.txt");
    expect(first.result?.diff?.preview).toContain("+hello diff");

    const second = await call("codex_reply", {
      sessionId: first.sessionId,
      prompt: "Write long.txt.",
      waitForResult: 30_000,
    });
    const diff = second.result!.diff!;
    expect(diff.truncated).toBe(true);
    expect(diff.preview.length).toBeLessThan(diff.chars);
    // Read the whole diff from its event on: the head, then its continuations.
    const events: Event[] = [];
    let cursor = diff.cursor;
    for (let i = 0; i < 50; i++) {
      const page = await call("codex_check", {
        action: "poll",
        sessionId: first.sessionId,
        cursor,
        responseMode: "full",
      });
      events.push(...(page.events ?? []));
      cursor = page.nextCursor ?? cursor;
      if (!page.hasMore) break;
    }
    const head = events.find((e) => e.cursor === diff.cursor)!;
    expect(head.type).toBe("turn_diff");
    const pieces = events.filter((e) => e.type === "turn_diff_continued" && e.data.of === diff.cursor);
    const whole = (head.data.diff as string) + pieces.map((p) => p.data.text as string).join("");
    expect(whole.length).toBe(diff.chars);
    expect(whole).toContain("+line 1 of the long file");
    expect(whole).toContain("+line 3000 of the long file");
  } finally {
    await server.closeStdin().catch(() => {});
    await server.dispose();
    home.cleanup();
  }
}, 60_000);
