/**
 * Codex's requests waiting on the client (approvals, questions), per session, each with the timer
 * that answers it automatically when nobody does. Only this server's live requests are here:
 * they die with the process, and restart recovery closes what the record still names.
 *
 * @module
 */
import type { ApprovalDecision, ApprovalRequest, UserInputRequest } from "../codex/backend.ts";
import { SessionError } from "./errors.ts";

/** A request of Codex's waiting on the client. */
export interface PendingRequest {
  request: ApprovalRequest | UserInputRequest;
  createdAt: number;
  expiresAt: number;
}

interface Entry extends PendingRequest {
  timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  readonly #bySession = new Map<string, Map<string, Entry>>();

  /** Holds `request` until it is taken or dropped; after `timeoutMs` calls `onExpire` (still held). */
  add(
    sessionId: string,
    request: ApprovalRequest | UserInputRequest,
    timeoutMs: number,
    onExpire: (pending: PendingRequest) => void,
    now = Date.now(),
  ): void {
    let requests = this.#bySession.get(sessionId);
    if (!requests) this.#bySession.set(sessionId, requests = new Map());
    const entry: Entry = {
      request,
      createdAt: now,
      expiresAt: now + timeoutMs,
      timer: setTimeout(() => onExpire(publicOf(entry)), timeoutMs),
    };
    requests.set(request.requestId, entry);
  }

  get(sessionId: string, requestId: string): PendingRequest | undefined {
    const entry = this.#bySession.get(sessionId)?.get(requestId);
    return entry && publicOf(entry);
  }

  /** Removes one request (its timer stops) and returns it, for the caller to answer. */
  take(sessionId: string, requestId: string): PendingRequest | undefined {
    const entry = this.#bySession.get(sessionId)?.get(requestId);
    if (!entry) return undefined;
    this.#remove(sessionId, requestId, entry);
    return publicOf(entry);
  }

  /** Removes one request, or without `requestId` all of the session's. True when any was there. */
  drop(sessionId: string, requestId?: string): boolean {
    const requests = this.#bySession.get(sessionId);
    if (!requests || requests.size === 0) return false;
    let dropped = false;
    for (const [id, entry] of requests) {
      if (requestId !== undefined && id !== requestId) continue;
      this.#remove(sessionId, id, entry);
      dropped = true;
    }
    return dropped;
  }

  /** The session's requests, oldest first. */
  list(sessionId: string): PendingRequest[] {
    return [...(this.#bySession.get(sessionId)?.values() ?? [])].map(publicOf);
  }

  /** The session's request ids, as the record keeps them. */
  ids(sessionId: string): string[] {
    return [...(this.#bySession.get(sessionId)?.keys() ?? [])];
  }

  /** Drops everything (server shutdown). */
  clear(): void {
    for (const sessionId of [...this.#bySession.keys()]) this.drop(sessionId);
  }

  #remove(sessionId: string, requestId: string, entry: Entry): void {
    clearTimeout(entry.timer);
    const requests = this.#bySession.get(sessionId)!;
    requests.delete(requestId);
    if (requests.size === 0) this.#bySession.delete(sessionId);
  }
}

function publicOf(entry: Entry): PendingRequest {
  return { request: entry.request, createdAt: entry.createdAt, expiresAt: entry.expiresAt };
}

/** Refuses a decision that does not fit the request: questions, or an amendment nobody offered. */
export function checkDecision(
  pending: PendingRequest,
  decision: ApprovalDecision,
  content?: Record<string, unknown>,
): void {
  const { request } = pending;
  if (content !== undefined && (request.type !== "approval_request" || request.kind !== "mcp_elicitation")) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `request ${request.requestId} is not an MCP server's form: it takes no content`,
      "Send content only for an mcp_elicitation action, with the fields its requestedSchema asks for.",
    );
  }
  if (request.type !== "approval_request") {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `request ${request.requestId} asks questions, not for a permission`,
      "It asks questions: answer it with answers, not a decision.",
    );
  }
  if (typeof decision === "object" && !request.proposedExecpolicyAmendment) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `request ${request.requestId} offers no exec-policy amendment`,
      "Use accept, acceptForSession, decline or cancel.",
    );
  }
}

/** Refuses answers that do not fit the request: a permission, or questions it does not ask. */
export function checkAnswers(pending: PendingRequest, answers: Record<string, string[]>): void {
  const { request } = pending;
  if (request.type !== "user_input_request") {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `request ${request.requestId} asks for a permission, not for answers`,
      "It asks for a permission: answer it with a decision.",
    );
  }
  const known = new Set(request.questions.map((q) => q.id));
  const unknown = Object.keys(answers).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `no question ${unknown.map((id) => JSON.stringify(id)).join(", ")} in request ${request.requestId}`,
      `The questions are: ${[...known].join(", ")}.`,
    );
  }
}
