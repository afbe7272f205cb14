/**
 * Steering and queueing through the compiled binary with the real Codex: `codex_reply` with
 * `mode: "steer"` adds input to the running turn (the model sees it in that turn), `mode: "queue"`
 * runs it as the next turn when this one ends, and without a mode a running session is
 * SESSION_BUSY with a hint that names both. In exec mode queueing works and steering is
 * NOT_SUPPORTED.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type CodexHome, makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";
import { pollSession } from "./paging.ts";

type View = {
  sessionId: string;
  status: string;
  result?: { text: string | null };
  error?: { code: string; message: string; hint: string };
  progress: { turns: number };
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
beforeEach(() => {
  model.reset();
  home = makeCodexHome({ modelUrl: model.url });
});
afterEach(async () => {
  await server?.closeStdin().catch(() => {});
  await server?.dispose();
  server = undefined;
  home.cleanup();
});

async function serve(mode: "app-server" | "exec") {
  server = await launch("compiled", {
    env: { ...home.env, CODEX_MCP_PATH: join(BIN, "codex"), CODEX_MCP_MODE: mode },
    inheritEnv: false,
  });
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await server!.client.callTool({ name, arguments: args });
    return result.structuredContent as View;
  };
  const until = async (sessionId: string, done: (v: View) => boolean) =>
    (await pollSession<View>(server!.client, sessionId, done)).view;
  // A turn that runs a one-second command first, so there is a running turn to steer or queue behind.
  const startSlow = () =>
    call("codex", {
      prompt: "Wait a second, then answer.",
      approvalPolicy: "never",
      sandbox: "danger-full-access",
      cwd: home.workspace,
    });
  return { call, until, startSlow };
}

describe("steering a running turn", () => {
  test("steer: the model sees the added input in the same turn", async () => {
    model.enqueue(reply.execCommand("sleep 1", { callId: "call_sleep" }));
    model.setHandler((request) =>
      request.userTexts().some((t) => t.includes("Also say BANANA")) ? reply.message("BANANA") : reply.message("plain")
    );
    const s = await serve("app-server");
    const started = await s.startSlow();
    await model.waitForRequests(1);
    const steered = await s.call("codex_reply", {
      sessionId: started.sessionId,
      prompt: "Also say BANANA",
      mode: "steer",
    });
    expect(steered.error).toBeUndefined();
    const view = await s.until(started.sessionId, (v) => v.status === "idle");
    expect(view.result?.text).toBe("BANANA");
    expect(view.progress.turns).toBe(1); // the same turn
    // The steered words reached the model in a later request of the same turn. (Whether that
    // request also carries the command's output depends on when the steer lands: Codex may take it
    // in before it runs the command.)
    const later = model.responsesRequests().slice(1);
    expect(later.some((r) => r.userTexts().some((t) => t.includes("Also say BANANA")))).toBe(true);
  }, 40_000);

  test("no mode on a running session: SESSION_BUSY, and the hint names steer and queue", async () => {
    model.enqueue(reply.execCommand("sleep 1", { callId: "call_sleep" }), reply.message("done"));
    const s = await serve("app-server");
    const started = await s.startSlow();
    await model.waitForRequests(1);
    const busy = await s.call("codex_reply", { sessionId: started.sessionId, prompt: "more" });
    expect(busy.error?.code).toBe("SESSION_BUSY");
    expect(busy.error?.hint).toContain('"steer"');
    expect(busy.error?.hint).toContain('"queue"');
  }, 40_000);

  for (const backend of ["app-server", "exec"] as const) {
    test(`${backend}: queue runs the input as the next turn when this one ends`, async () => {
      model.enqueue(reply.execCommand("sleep 1", { callId: "call_sleep" }), reply.message("first answer"));
      model.setHandler((request) =>
        request.lastUserText()?.includes("Second task") ? reply.message("second answer") : undefined
      );
      const s = await serve(backend);
      const started = await s.startSlow();
      await model.waitForRequests(1);
      const queued = await s.call("codex_reply", {
        sessionId: started.sessionId,
        prompt: "Second task",
        mode: "queue",
      });
      expect(queued.error).toBeUndefined();
      const view = await s.until(started.sessionId, (v) => v.status === "idle" && v.progress.turns === 2);
      expect(view.result?.text).toBe("second answer");
      expect(model.responsesRequests().at(-1)!.userTexts().join("\n")).toContain("Wait a second, then answer.");
    }, 60_000);
  }

  test("exec: steer is NOT_SUPPORTED, with a hint to queue instead", async () => {
    model.enqueue(reply.execCommand("sleep 1", { callId: "call_sleep" }), reply.message("done"));
    const s = await serve("exec");
    const started = await s.startSlow();
    await model.waitForRequests(1);
    const refused = await s.call("codex_reply", { sessionId: started.sessionId, prompt: "x", mode: "steer" });
    expect(refused.error?.code).toBe("NOT_SUPPORTED");
    expect(refused.error?.hint).toMatch(/queue/i);
  }, 40_000);
});
