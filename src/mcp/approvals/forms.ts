/**
 * What Codex asks, as a form the client shows the person (`elicitation/create`, form mode), and
 * the person's answer back in the sessions' words. Pure: no I/O.
 *
 * - An approval: a message naming what Codex wants (the command, its directory and reason; or the
 *   files an edit touches) and one field, `decision`, offering exactly the decisions Codex allows,
 *   each with a title a person reads (MCP's titled single-select: `oneOf` of `const` + `title`).
 * - Questions (plan mode): one field per question, a titled choice when Codex gives options, text
 *   otherwise.
 *
 * @module
 */
import type { ElicitRequestFormParams, ElicitRequestURLParams } from "@modelcontextprotocol/server";
import type { ApprovalDecision } from "../../codex/backend.ts";
import type { PendingRequest } from "../../sessions/manager.ts";

/** The person's answer, ready for the session manager. */
export type FormAnswer =
  | { kind: "approval"; decision: ApprovalDecision; content?: Record<string, unknown> }
  | { kind: "user_input"; answers: Record<string, string[]> };

const AMEND = "acceptWithAmendment";

/** What each plain decision means, in a person's words. */
const TITLES: Record<string, string> = {
  accept: "Allow it once",
  acceptForSession: "Allow it for the rest of this session",
  decline: "Don't allow it (Codex carries on without it)",
  cancel: "Don't allow it, and stop this turn",
};

/** Quotes Codex's own text for a form, bounded: a form is read by a person, not paged through. */
function bounded(text: string, max = 2_000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * An MCP server's request that the person open a page, as a URL-mode elicitation; `undefined`
 * for every other request. Only for clients that declared URL mode (others get the decision form).
 */
export function urlFormFor(
  pending: PendingRequest,
  session: { id: string; preview: string },
): Omit<ElicitRequestURLParams, "elicitationId"> | undefined {
  const r = pending.request;
  if (r.type !== "approval_request" || r.kind !== "mcp_elicitation" || r.url === undefined) return undefined;
  return {
    mode: "url",
    message: `Codex (codex-mcp session ${session.id}: "${bounded(session.preview, 80)}") passes on a request. ${
      bounded(r.message ?? "")
    }`.trim(),
    url: r.url,
  };
}

/** The form for a pending request of a session. */
export function formFor(pending: PendingRequest, session: { id: string; preview: string }): ElicitRequestFormParams {
  const r = pending.request;
  const about = `Codex (codex-mcp session ${session.id}: "${bounded(session.preview, 80)}")`;
  if (r.type === "user_input_request") {
    const properties: Record<string, unknown> = {};
    for (const q of r.questions) {
      const title = bounded(q.header || q.question, 200);
      properties[q.id] = q.options && q.options.length > 0
        ? {
          type: "string",
          title,
          description: bounded(q.question, 500),
          oneOf: q.options.map((o) => ({
            const: o.label,
            title: o.description ? `${o.label} — ${o.description}` : o.label,
          })),
        }
        : { type: "string", title, description: bounded(q.question, 500) };
    }
    return {
      mode: "form",
      message: `${about} asks ${r.questions.length === 1 ? "a question" : `${r.questions.length} questions`}.`,
      requestedSchema: { type: "object", properties, required: r.questions.map((q) => q.id) } as never,
    };
  }
  if (r.kind === "mcp_elicitation" && r.requestedSchema) {
    // An MCP server inside Codex asks for fields: its own form, passed on as it asked for it.
    return {
      mode: "form",
      message: `${about} passes on a question. ${bounded(r.message ?? "")}`.trim(),
      requestedSchema: r.requestedSchema as never,
    };
  }
  const lines = [`${about} asks for your approval.`];
  if (r.command !== undefined) lines.push(`Command: ${bounded(r.command)}`);
  if (r.cwd !== undefined) lines.push(`In: ${r.cwd}`);
  if (r.files?.length) {
    const shown = r.files.slice(0, 20).map((f) => `  ${f.kind} ${f.path}`);
    lines.push(`Files:\n${shown.join("\n")}${r.files.length > 20 ? `\n  … and ${r.files.length - 20} more` : ""}`);
  }
  if (r.message !== undefined) lines.push(bounded(r.message));
  if (r.reason !== undefined) lines.push(`Reason: ${bounded(r.reason, 500)}`);
  const choices = decisionsOf(pending).map((d) => ({ const: d, title: titleOf(d, pending) }));
  return {
    mode: "form",
    message: lines.join("\n"),
    requestedSchema: {
      type: "object",
      properties: { decision: { type: "string", title: "Decision", oneOf: choices } },
      required: ["decision"],
    } as never,
  };
}

/** The plain decisions Codex allows here, then the amendment when it offers one. */
function decisionsOf(pending: PendingRequest): string[] {
  const r = pending.request;
  if (r.type !== "approval_request") return [];
  const offered = new Set<string>(
    r.availableDecisions.filter((d) => typeof d === "string" && d in TITLES) as string[],
  );
  if (offered.size === 0) offered.add("accept").add("decline");
  if (r.proposedExecpolicyAmendment) offered.add(AMEND);
  // Most to least permissive between the two ends a person looks for: allow once, stop the turn.
  return ["accept", "acceptForSession", AMEND, "decline", "cancel"].filter((d) => offered.has(d));
}

function titleOf(decision: string, pending: PendingRequest): string {
  const r = pending.request;
  if (decision === AMEND && r.type === "approval_request") {
    return `Allow it, and from now on every command starting with: ${r.proposedExecpolicyAmendment!.join(" ")}`;
  }
  return TITLES[decision] ?? decision;
}

/**
 * The person's accepted form as an answer; `null` when it does not fit the request (a choice it
 * did not offer, a question left out), which leaves the request waiting.
 */
export function answerOf(pending: PendingRequest, content: Record<string, unknown> | undefined): FormAnswer | null {
  const r = pending.request;
  if (r.type === "approval_request" && r.kind === "mcp_elicitation" && r.requestedSchema) {
    return { kind: "approval", decision: "accept", content: content ?? {} };
  }
  // A URL-mode request accepted as such (the person agreed to open the page): no fields.
  if (r.type === "approval_request" && r.kind === "mcp_elicitation" && r.url && content?.decision === undefined) {
    return { kind: "approval", decision: "accept" };
  }
  if (r.type === "user_input_request") {
    const answers: Record<string, string[]> = {};
    for (const q of r.questions) {
      const value = content?.[q.id];
      if (typeof value !== "string") return null;
      if (q.options?.length && !q.options.some((o) => o.label === value)) return null;
      answers[q.id] = [value];
    }
    return { kind: "user_input", answers };
  }
  const decision = content?.decision;
  if (typeof decision !== "string" || !decisionsOf(pending).includes(decision)) return null;
  if (decision === AMEND) {
    return { kind: "approval", decision: { acceptWithAmendment: { command: r.proposedExecpolicyAmendment! } } };
  }
  return { kind: "approval", decision: decision as ApprovalDecision };
}

/**
 * What a dismissed form means: an MCP server's question is cancelled, as the person did; anything
 * else keeps waiting (a poll answers it, or its timeout declines it).
 */
export function dismissed(pending: PendingRequest): FormAnswer | null {
  const r = pending.request;
  return r.type === "approval_request" && r.kind === "mcp_elicitation"
    ? { kind: "approval", decision: "cancel" }
    : null;
}

/** What a declined form (the person said no, without choosing) means for the request. */
export function declined(pending: PendingRequest): FormAnswer {
  return pending.request.type === "user_input_request"
    ? { kind: "user_input", answers: {} }
    : { kind: "approval", decision: "decline" };
}
