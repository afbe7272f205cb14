/** The forms Codex's requests become, and the answers they come back as (src/mcp/approvals/forms.ts). */
import { describe, expect, test } from "bun:test";
import { answerOf, declined, formFor } from "../../src/mcp/approvals/forms.ts";
import type { PendingRequest } from "../../src/sessions/manager.ts";

const approval = (extra: Record<string, unknown> = {}): PendingRequest => ({
  request: {
    type: "approval_request",
    requestId: "r1",
    kind: "command",
    turnId: "t",
    itemId: "i",
    command: "npm test",
    cwd: "/work",
    reason: "run the tests",
    availableDecisions: ["decline", "accept", "cancel", "acceptForSession"],
    ...extra,
  } as PendingRequest["request"],
  createdAt: 0,
  expiresAt: 60_000,
});
const session = { id: "s_1", preview: "Fix the build" };
const choicesOf = (p: PendingRequest) =>
  (formFor(p, session).requestedSchema.properties as unknown as {
    decision: { oneOf: { const: string; title: string }[] };
  })
    .decision.oneOf;

describe("approval forms", () => {
  test("the message names the command, its directory and reason; the choices are Codex's, most permissive first", () => {
    const form = formFor(approval(), session);
    expect(form.message).toBe(
      'Codex (codex-mcp session s_1: "Fix the build") asks for your approval.\nCommand: npm test\nIn: /work\nReason: run the tests',
    );
    expect(choicesOf(approval()).map((c) => c.const)).toEqual(["accept", "acceptForSession", "decline", "cancel"]);
    expect(choicesOf(approval()).every((c) => c.title.length > 10)).toBe(true);
  });

  test("an offered amendment is a choice naming its prefix, answered as acceptWithAmendment", () => {
    const p = approval({ proposedExecpolicyAmendment: ["npm", "test"] });
    const amend = choicesOf(p).find((c) => c.const === "acceptWithAmendment")!;
    expect(amend.title).toContain("npm test");
    expect(answerOf(p, { decision: "acceptWithAmendment" })).toEqual({
      kind: "approval",
      decision: { acceptWithAmendment: { command: ["npm", "test"] } },
    });
    expect(answerOf(approval(), { decision: "acceptWithAmendment" })).toBeNull(); // not offered there
  });

  test("answers it did not offer are null; a declined form declines", () => {
    expect(answerOf(approval(), { decision: "sure" })).toBeNull();
    expect(answerOf(approval(), {})).toBeNull();
    expect(answerOf(approval(), { decision: "acceptForSession" })).toEqual({
      kind: "approval",
      decision: "acceptForSession",
    });
    expect(declined(approval())).toEqual({ kind: "approval", decision: "decline" });
  });

  test("questions: a titled choice per question with options, text otherwise; every one required", () => {
    const p: PendingRequest = {
      request: {
        type: "user_input_request",
        requestId: "q",
        turnId: null,
        itemId: null,
        questions: [
          {
            id: "color",
            header: "Color",
            question: "Which?",
            options: [{ label: "Blue" }],
            isOther: false,
            isSecret: false,
          },
          { id: "name", header: "", question: "Your name?", options: null, isOther: false, isSecret: false },
        ],
      },
      createdAt: 0,
      expiresAt: 1,
    };
    const form = formFor(p, session);
    expect(form.requestedSchema).toEqual({
      type: "object",
      properties: {
        color: { type: "string", title: "Color", description: "Which?", oneOf: [{ const: "Blue", title: "Blue" }] },
        name: { type: "string", title: "Your name?", description: "Your name?" },
      },
      required: ["color", "name"],
    });
    expect(answerOf(p, { color: "Blue", name: "Ada" })).toEqual({
      kind: "user_input",
      answers: { color: ["Blue"], name: ["Ada"] },
    });
    expect(answerOf(p, { color: "Green", name: "Ada" })).toBeNull();
    expect(answerOf(p, { color: "Blue" })).toBeNull();
    expect(declined(p)).toEqual({ kind: "user_input", answers: {} });
  });
});
