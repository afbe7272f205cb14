/**
 * Codex's own history: a thread started outside codex-mcp (here by a direct `codex app-server`, as
 * the Codex TUI or app would) is listed by `codex_session threads`, imported as a session, and
 * continued by `codex_reply` with its whole history. Through the compiled binary, real Codex.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startAppServer, textInput } from "../harness/app-server.ts";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { withCodexServer } from "./launch.ts";

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

test("a thread started elsewhere is listed, imported and continued with its history", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.enqueue(reply.message("Noted: the secret is 42."), reply.message("You told me 42."));
  // A thread of the user's own, made without codex-mcp.
  const direct = startAppServer({ env: home.env, cwd: home.workspace });
  let threadId: string;
  try {
    await direct.initialize("elsewhere");
    ({ thread: { id: threadId } } = await direct.request<{ thread: { id: string } }>("thread/start", {
      cwd: home.workspace,
      approvalPolicy: "never",
      sandbox: "read-only",
    }, 20_000));
    const from = direct.notifications.length;
    await direct.request("turn/start", { threadId, input: [textInput("Remember: the secret is 42.")] }, 20_000);
    await direct.waitForNotification("turn/completed", (p) => p?.threadId === threadId, { timeoutMs: 20_000, from });
  } finally {
    await direct.close();
  }

  await withCodexServer(home, {}, async ({ tool }) => {
    const listed = await tool("codex_session", { action: "threads", cwd: home.workspace });
    const found = listed.threads.find((t: { threadId: string }) => t.threadId === threadId);
    expect(found).toMatchObject({ cwd: home.workspace, preview: expect.stringContaining("the secret is 42") });
    const searched = await tool("codex_session", { action: "threads", search: "nothing like this" });
    expect(searched.threads.map((t: { threadId: string }) => t.threadId)).not.toContain(threadId);

    const imported = await tool("codex_session", { action: "import", threadId, approvalPolicy: "never" });
    expect(imported.session).toMatchObject({ status: "idle", threadId });
    // codex-mcp has no turns of its own for it yet; Codex has the one from before the import.
    const got = await tool("codex_session", {
      action: "get",
      sessionId: imported.session.sessionId,
      includeTurns: true,
    });
    expect(got.turns).toEqual([]);
    expect(got.codexTurns).toHaveLength(1);
    expect(got.codexTurns[0]).toMatchObject({
      status: "completed",
      prompt: "Remember: the secret is 42.",
      answer: "Noted: the secret is 42.",
    });
    const answer = await tool("codex_reply", {
      sessionId: imported.session.sessionId,
      prompt: "What was the secret?",
      waitForResult: 30_000,
    });
    expect(answer.result?.text).toBe("You told me 42.");
    // The model got the thread's history, from before codex-mcp knew it.
    expect(model.responsesRequests().at(-1)!.userTexts().join("\n")).toContain("Remember: the secret is 42.");
    const after = await tool("codex_session", {
      action: "get",
      sessionId: imported.session.sessionId,
      includeTurns: true,
      limit: 1,
    });
    expect(after.codexTurns.map((t: { prompt: string }) => t.prompt)).toEqual(["What was the secret?"]);
  });
}, 60_000);

test("fork from an earlier turn: the new session has the conversation up to that turn, and no later", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.reset();
  model.enqueue(reply.message("Noted 7."), reply.message("Noted 8."), reply.message("It was 7."));
  await withCodexServer(home, {}, async ({ tool }) => {
    const first = await tool("codex", {
      prompt: "The secret is 7.",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    await tool("codex_reply", { sessionId: first.sessionId, prompt: "No, the secret is 8.", waitForResult: 30_000 });
    const { turns } = await tool("codex_session", { action: "get", sessionId: first.sessionId });
    expect(turns).toHaveLength(2);
    const forked = await tool("codex_session", { action: "fork", sessionId: first.sessionId, turnId: turns[0].turnId });
    expect(forked.session.status).toBe("idle");
    const answer = await tool("codex_reply", {
      sessionId: forked.session.sessionId,
      prompt: "What is the secret?",
      waitForResult: 30_000,
    });
    expect(answer.result?.text).toBe("It was 7.");
    const said = model.responsesRequests().at(-1)!.userTexts().join("\n");
    expect(said).toContain("The secret is 7.");
    expect(said).not.toContain("the secret is 8");
    const unknown = await tool("codex_session", { action: "fork", sessionId: first.sessionId, turnId: "no-such-turn" });
    expect(unknown.error?.code).toBe("INVALID_ARGUMENT");
  });
}, 60_000);

test("compact: Codex summarises the conversation in a turn of its own; the session carries on", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.reset();
  model.setHandler(() => reply.message("a summary, or an answer"));
  await withCodexServer(home, {}, async ({ tool }) => {
    const first = await tool("codex", {
      prompt: "Hello.",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    const before = model.responsesRequests().length;
    const compacting = await tool("codex_session", { action: "compact", sessionId: first.sessionId });
    expect(compacting.session.status).toBe("running");
    let view = compacting.session;
    for (let i = 0; i < 40 && view.status !== "idle"; i++) {
      view = await tool("codex_check", {
        action: "poll",
        sessionId: first.sessionId,
        cursor: 1_000_000,
        pollOptions: { waitMs: 1_000 },
      });
    }
    expect(view.status).toBe("idle");
    expect(model.responsesRequests().length).toBe(before + 1); // the summary was asked of the model
    // The compaction itself is an event of the log.
    const all = await tool("codex_check", {
      action: "poll",
      sessionId: first.sessionId,
      cursor: 1,
      responseMode: "full",
    });
    expect(all.events.map((e: { type: string }) => e.type)).toContain("context_compacted");
    const { turns } = await tool("codex_session", { action: "get", sessionId: first.sessionId });
    expect(turns.map((t: { promptPreview: string; status: string }) => [t.promptPreview, t.status])).toEqual([
      ["Hello.", "completed"],
      ["(compact the conversation)", "completed"],
    ]);
    const after = await tool("codex_reply", {
      sessionId: first.sessionId,
      prompt: "Still there?",
      waitForResult: 30_000,
    });
    expect(after.status).toBe("idle");
  });
}, 60_000);

test("rollback: a turn and the ones after it leave the conversation; the next reply goes on without them", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.reset();
  model.setHandler(() => reply.message("ok"));
  await withCodexServer(home, {}, async ({ tool }) => {
    const wait = { waitForResult: 30_000 };
    const first = await tool("codex", {
      prompt: "KEEP-one.",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: wait,
    });
    const sessionId = first.sessionId;
    await tool("codex_reply", { sessionId, prompt: "DROP-two.", ...wait });
    await tool("codex_reply", { sessionId, prompt: "DROP-three.", ...wait });
    const { turns } = await tool("codex_session", { action: "get", sessionId });
    const second = turns[1].turnId;
    // A turn that is not in the session: refused, nothing changes.
    const wrong = await tool("codex_session", { action: "rollback", sessionId, turnId: "no-such-turn" });
    expect(wrong.error.code).toBe("INVALID_ARGUMENT");
    const rolled = await tool("codex_session", { action: "rollback", sessionId, turnId: second });
    expect(rolled.turns.map((t: { status: string }) => t.status)).toEqual(["completed", "rolled_back", "rolled_back"]);
    await tool("codex_reply", { sessionId, prompt: "AFTER-four.", ...wait });
    const last = model.responsesRequests().at(-1)!.userTexts().join("\n");
    expect(last).toContain("KEEP-one.");
    expect(last).toContain("AFTER-four.");
    expect(last).not.toContain("DROP-two.");
    expect(last).not.toContain("DROP-three.");
    const { events } = await tool("codex_check", { action: "poll", sessionId, cursor: 1, responseMode: "full" });
    expect(events.find((e: { type: string }) => e.type === "rolled_back")?.data).toEqual({
      turnId: second,
      turnsDropped: 2,
    });
  });
}, 90_000);

test("rollback on the exec backend is NOT_SUPPORTED, with fork as the way", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.reset();
  model.setHandler(() => reply.message("ok"));
  await withCodexServer(home, { CODEX_MCP_MODE: "exec" }, async ({ tool }) => {
    const first = await tool("codex", {
      prompt: "One.",
      approvalPolicy: "never",
      sandbox: "read-only",
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    const { turns } = await tool("codex_session", { action: "get", sessionId: first.sessionId });
    const refused = await tool("codex_session", {
      action: "rollback",
      sessionId: first.sessionId,
      turnId: turns[0].turnId,
    });
    expect(refused.error.code).toBe("NOT_SUPPORTED");
    expect(refused.error.hint.toLowerCase()).toContain("fork");
  });
}, 60_000);
