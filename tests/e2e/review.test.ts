/**
 * `codex_review`: Codex's own reviewer as a session, through the compiled binary with the real
 * Codex and the fake model (which answers the review prompt with findings in Codex's review
 * format). The result's text is the review as Codex renders it; the model got the instructions;
 * the session continues with codex_reply; exec says NOT_SUPPORTED.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { withCodexServer } from "./launch.ts";

const FINDINGS = JSON.stringify({
  findings: [{
    title: "[P1] Off by one",
    body: "The loop skips the last item.",
    confidence_score: 0.9,
    priority: 1,
    code_location: { absolute_file_path: "/repo/loop.ts", line_range: { start: 3, end: 4 } },
  }],
  overall_correctness: "patch is incorrect",
  overall_explanation: "One bug in the loop.",
  overall_confidence_score: 0.8,
});

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel();
});
afterAll(async () => {
  await model.close();
});

test("a review by instructions: the result is Codex's review, with its finding; the session carries on", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.enqueue(reply.message(FINDINGS), reply.message("Fix it by iterating to the end."));
  await withCodexServer(home, {}, async ({ tool }) => {
    const view = await tool("codex_review", {
      target: { instructions: "Review the loop in loop.ts." },
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    expect(view.status).toBe("idle");
    expect(view.result.status).toBe("completed");
    expect(view.result.text).toContain("One bug in the loop.");
    expect(view.result.text).toContain("[P1] Off by one — /repo/loop.ts:3-4");
    expect(view.result.text).toContain("The loop skips the last item.");
    expect(model.responsesRequests()[0]!.userTexts().join("\n")).toContain("Review the loop in loop.ts.");
    const followUp = await tool("codex_reply", {
      sessionId: view.sessionId,
      prompt: "How to fix?",
      waitForResult: 30_000,
    });
    expect(followUp.result.text).toBe("Fix it by iterating to the end.");
  });
}, 60_000);

test("exec: codex_review is NOT_SUPPORTED, and no session is left behind", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  await withCodexServer(home, { CODEX_MCP_MODE: "exec" }, async ({ tool }) => {
    const refused = await tool("codex_review", { target: "uncommitted", cwd: home.workspace });
    expect(refused.error?.code).toBe("NOT_SUPPORTED");
    expect((await tool("codex_session", { action: "list" })).sessions).toEqual([]);
  });
}, 30_000);
