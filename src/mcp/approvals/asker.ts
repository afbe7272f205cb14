/**
 * Approvals and questions go to the person: for the sessions a connection follows, every request
 * Codex makes is asked through the client's form (`elicitation/create`) as soon as it is pending.
 * Polling stays open in parallel and the first answer wins: an answer through `codex_check` (or
 * the approval timeout) withdraws the form (`notifications/cancelled`); a form answered after
 * that is dropped. A form the person dismisses leaves the request waiting; one they decline
 * declines it. One asker per connection: it ends with the connection.
 *
 * @module
 */
import type { ElicitRequestFormParams, ElicitRequestURLParams, ElicitResult } from "@modelcontextprotocol/server";
import type { Logger } from "../../log.ts";
import type { PendingRequest, SessionManager } from "../../sessions/manager.ts";
import { answerOf, declined, dismissed, type FormAnswer, formFor, urlFormFor } from "./forms.ts";

/** Sends one form to the client; rejects when the client fails it or `signal` aborts. */
export type Elicit = (
  params: ElicitRequestFormParams | ElicitRequestURLParams,
  options: { signal: AbortSignal; timeout: number },
) => Promise<ElicitResult>;

export class FormApprovals {
  readonly #sessions: SessionManager;
  readonly #elicit: Elicit;
  readonly #log: Logger;
  /** Followed sessions → their change subscription. */
  readonly #followed = new Map<string, () => void>();
  /** Forms with the client now, by `sessionId:requestId`. */
  readonly #open = new Map<string, AbortController>();
  /** Requests asked once already, by `sessionId:requestId` (a dismissed form is not asked again). */
  readonly #asked = new Set<string>();
  /** Called when a form of the session is done with: answered (and applied), dismissed or withdrawn. */
  readonly #formDone = new Set<(sessionId: string) => void>();
  #closed = false;

  readonly #opensUrls: () => boolean;

  /** `opensUrls`: whether the client declared URL-mode elicitation (an MCP server's page to open). */
  constructor(sessions: SessionManager, elicit: Elicit, log: Logger, opensUrls: () => boolean = () => false) {
    this.#sessions = sessions;
    this.#elicit = elicit;
    this.#log = log;
    this.#opensUrls = opensUrls;
  }

  /** From now on the session's requests are asked by form (until the connection ends). */
  follow(sessionId: string): void {
    if (this.#closed || this.#followed.has(sessionId)) return;
    this.#followed.set(sessionId, this.#sessions.onChange(sessionId, () => this.#check(sessionId)));
    this.#check(sessionId);
  }

  /** Whether a form for this request is with the client now. */
  asking(sessionId: string, requestId: string): boolean {
    return this.#open.has(`${sessionId}:${requestId}`);
  }

  /** Whether the session's requests are asked by form on this connection. */
  following(sessionId: string): boolean {
    return this.#followed.has(sessionId);
  }

  /**
   * Resolves once a form of the session is done with (its answer applied, or dismissed, withdrawn
   * or failed), after `timeoutMs`, or when `signal` aborts: a call waiting on the person wakes up.
   */
  formDone(sessionId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#formDone.delete(listener);
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const listener = (id: string) => id === sessionId && finish();
      const timer = setTimeout(finish, timeoutMs);
      this.#formDone.add(listener);
      if (signal.aborted) finish();
      else signal.addEventListener("abort", finish);
    });
  }

  /** The connection ended: stop following, withdraw what is open. */
  close(): void {
    this.#closed = true;
    for (const stop of this.#followed.values()) stop();
    this.#followed.clear();
    for (const controller of this.#open.values()) controller.abort();
    this.#open.clear();
  }

  /** Asks what is newly pending; withdraws forms whose request was answered or is gone. */
  #check(sessionId: string): void {
    let pending: PendingRequest[];
    try {
      pending = this.#sessions.pending(sessionId);
    } catch {
      return; // the session is gone
    }
    const ids = new Set(pending.map((p) => p.request.requestId));
    for (const [requestId, controller] of this.#open) {
      if (requestId.startsWith(`${sessionId}:`) && !ids.has(requestId.slice(sessionId.length + 1))) {
        controller.abort();
        this.#open.delete(requestId);
      }
    }
    for (const p of pending) {
      const key = `${sessionId}:${p.request.requestId}`;
      if (!this.#open.has(key) && !this.#asked.has(key)) void this.#ask(sessionId, key, p);
    }
  }

  async #ask(sessionId: string, key: string, pending: PendingRequest): Promise<void> {
    try {
      await this.#askOnce(sessionId, key, pending);
    } finally {
      for (const listener of [...this.#formDone]) listener(sessionId);
    }
  }

  async #askOnce(sessionId: string, key: string, pending: PendingRequest): Promise<void> {
    this.#asked.add(key);
    const controller = new AbortController();
    this.#open.set(key, controller);
    const requestId = pending.request.requestId;
    let result: ElicitResult;
    try {
      const session = this.#sessions.get(sessionId);
      const page = this.#opensUrls() ? urlFormFor(pending, session) : undefined;
      const form = page ? { ...page, elicitationId: `codex-mcp-${sessionId}-${requestId}` } : formFor(pending, session);
      result = await this.#elicit(form, {
        signal: controller.signal,
        // It is declined at its expiry anyway; the form need not outlive that.
        timeout: Math.max(1_000, pending.expiresAt - Date.now()),
      });
    } catch (error) {
      if (!controller.signal.aborted) {
        this.#log.warn(`session ${sessionId}: the form for ${requestId} failed; it waits for an answer by poll`, error);
      }
      return;
    } finally {
      if (this.#open.get(key) === controller) this.#open.delete(key);
    }
    let answer: FormAnswer | null;
    if (result.action === "accept") answer = answerOf(pending, result.content);
    else if (result.action === "decline") answer = declined(pending);
    else answer = dismissed(pending);
    if (result.action === "cancel" && !answer) return; // dismissed: the request keeps waiting
    if (!answer) {
      this.#log.warn(`session ${sessionId}: the form for ${requestId} came back with an answer it does not offer`);
      return;
    }
    try {
      if (answer.kind === "approval") {
        await this.#sessions.respondPermission(sessionId, requestId, answer.decision, "person", answer.content);
      } else await this.#sessions.respondUserInput(sessionId, requestId, answer.answers, "person");
    } catch (error) {
      // Answered by poll (or timed out) meanwhile: the first answer won.
      this.#log.debug(`session ${sessionId}: the form's answer to ${requestId} came too late`, error);
    }
  }
}
