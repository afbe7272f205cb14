/**
 * `codex_review`: Codex's own reviewer as a session, through the compiled binary with the real
 * Codex and the fake model (which answers the review prompt with findings in Codex's review
 * format). The result's text is the review as Codex renders it; the model got the instructions;
 * the session continues with codex_reply; on the exec backend it is `codex exec review`.
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
    // The same findings, structured.
    expect(view.result.review).toEqual({
      overall: "One bug in the loop.",
      findings: [{
        title: "[P1] Off by one",
        priority: 1,
        file: "/repo/loop.ts",
        lines: { start: 3, end: 4 },
        body: "The loop skips the last item.",
      }],
    });
    expect(model.responsesRequests()[0]!.userTexts().join("\n")).toContain("Review the loop in loop.ts.");
    const followUp = await tool("codex_reply", {
      sessionId: view.sessionId,
      prompt: "How to fix?",
      waitForResult: 30_000,
    });
    expect(followUp.result.text).toBe("Fix it by iterating to the end.");
    expect(followUp.result.review).toBeUndefined(); // a follow-up is a conversation, not a review
  });
}, 60_000);

test("exec: codex_review runs `codex exec review`; the result is the same review, with its findings", async () => {
  const home = makeCodexHome({ modelUrl: model.url });
  model.reset();
  model.enqueue(reply.message(FINDINGS), reply.message("Iterate to the end."));
  await withCodexServer(home, { CODEX_MCP_MODE: "exec" }, async ({ tool }) => {
    const view = await tool("codex_review", {
      target: { instructions: "Review the loop in loop.ts." },
      cwd: home.workspace,
      advanced: { waitForResult: 30_000 },
    });
    expect(view.status).toBe("idle");
    expect(view.result.text).toContain("[P1] Off by one — /repo/loop.ts:3-4");
    expect(view.result.review.findings).toEqual([{
      title: "[P1] Off by one",
      priority: 1,
      file: "/repo/loop.ts",
      lines: { start: 3, end: 4 },
      body: "The loop skips the last item.",
    }]);
    expect(model.responsesRequests()[0]!.userTexts().join("\n")).toContain("Review the loop in loop.ts.");
    // A reply resumes the review's thread, as any exec turn.
    const followUp = await tool("codex_reply", { sessionId: view.sessionId, prompt: "Fix?", waitForResult: 30_000 });
    expect(followUp.result.text).toBe("Iterate to the end.");
  });
}, 60_000);
