/**
 * Approvals and questions by form in the 2026-07-28 era, which has no server→client requests.
 * A call that waits (`codex`, `codex_reply` or `codex_review` with `waitForResult`; `codex_check`
 * poll with `waitMs`) and finds Codex asking answers `input_required`: one form per pending
 * request. The client shows them and retries the same call with the person's answers and the
 * state it was given; the retry starts nothing again — it applies the answers and goes on waiting
 * until the turn ends, Codex asks again, or the call's wait runs out.
 *
 * The state is sealed (HMAC-SHA256 with a key made per process, bound to the tool): the SDK refuses
 * a tampered or expired one (-32602) before the tool runs. Polling stays open in parallel and the
 * first answer wins: a form answer for a request a poll already answered changes nothing.
 *
 * @module
 */
import {
  createRequestStateCodec,
  inputRequired,
  type InputRequiredResult,
  inputResponse,
  type ServerContext as RequestContext,
} from "@modelcontextprotocol/server";
import { CodedError } from "../../errors/registry.ts";
import type { PendingRequest, SessionManager } from "../../sessions/manager.ts";
import { answerOf, declined, dismissed, type FormAnswer, formFor, urlFormFor } from "./forms.ts";

/** What a waiting call hands the client with its forms, and gets back on the retry. */
export interface WaitState {
  /** The tool that asked: the state is good for a retry of that tool only. */
  tool: string;
  sessionId: string;
  /** Input-request key → the Codex request it asks. */
  asked: Record<string, string>;
  /** When the call's wait ends (epoch ms): a retry waits only for what is left. */
  until: number;
  /** The call's warnings, shown again on the result. */
  warnings: string[];
}

/** Longer than any wait (CODEX_MCP_MAX_WAIT_MS is at most an hour) plus the person's reading. */
const STATE_TTL_SECONDS = 2 * 3600;

const codec = createRequestStateCodec<WaitState>({
  key: crypto.getRandomValues(new Uint8Array(32)),
  ttlSeconds: STATE_TTL_SECONDS,
});

/** For the server's `requestState.verify`: refuses state this process did not mint. */
export const verifyWaitState: (state: string, ctx: RequestContext) => Promise<WaitState> = codec.verify;

/** The parts of the SDK's request context this needs. */
export interface RoundTripRequest {
  inputResponses?: Record<string, unknown>;
  requestState: <T = unknown>() => T | undefined;
}

/** The state of a retried call of `tool`, or `undefined` for a first call. */
export function resumedWait(request: RoundTripRequest, tool: string): WaitState | undefined {
  const state = request.requestState<WaitState>();
  if (state === undefined) return undefined;
  if (typeof state !== "object" || state === null || state.tool !== tool || typeof state.sessionId !== "string") {
    throw new CodedError(
      "INVALID_ARGUMENT",
      `this requestState belongs to another call than ${tool}`,
      "Retry the call that returned it, with its arguments, its requestState and the answers.",
    );
  }
  return state;
}

/** A key per Codex request that is safe in any client (the request ids are Codex's own). */
function keyOf(index: number): string {
  return `codex_request_${index + 1}`;
}

/**
 * The embedded request that asks the person about `pending`: an MCP server's page to open as a
 * URL-mode elicitation (when the client opens pages), everything else as a form.
 */
export function inputRequestFor(
  pending: PendingRequest,
  session: { id: string; preview: string },
  opensUrls: boolean,
): ReturnType<typeof inputRequired.elicit> {
  const page = opensUrls ? urlFormFor(pending, session) : undefined;
  if (page) return inputRequired.elicitUrl({ message: page.message, url: page.url });
  const { message, requestedSchema } = formFor(pending, session);
  return inputRequired.elicit({ message, requestedSchema } as never);
}

/** The `input_required` result that asks the person for every request now pending. */
export async function askInRoundTrip(
  sessions: SessionManager,
  state: Omit<WaitState, "asked">,
  pending: readonly PendingRequest[],
  opensUrls: boolean,
): Promise<InputRequiredResult> {
  const session = sessions.get(state.sessionId);
  const inputRequests: Record<string, ReturnType<typeof inputRequired.elicit>> = {};
  const asked: Record<string, string> = {};
  pending.forEach((p, i) => {
    inputRequests[keyOf(i)] = inputRequestFor(p, session, opensUrls);
    asked[keyOf(i)] = p.request.requestId;
  });
  return inputRequired({ inputRequests, requestState: await codec.mint({ ...state, asked }) });
}

/**
 * Applies the person's answers to forms sent inside a result (`input_required`, or a task's
 * `inputRequests`): `asked` maps each input-request key to the Codex request it asked. An answer
 * that does not fit its form (a choice it did not offer, a question left out) is refused with
 * INVALID_ARGUMENT and nothing is applied: the requests stay pending. A request answered
 * meanwhile (by a poll, or declined at its timeout) keeps the first answer.
 */
export async function applyFormAnswers(
  sessions: SessionManager,
  sessionId: string,
  asked: Record<string, string>,
  responses: Record<string, unknown> | undefined,
): Promise<void> {
  const stillPending = new Map(sessions.pending(sessionId).map((p) => [p.request.requestId, p]));
  const answers: { requestId: string; answer: FormAnswer }[] = [];
  for (const [key, requestId] of Object.entries(asked)) {
    const pending = stillPending.get(requestId);
    if (!pending) continue; // answered already: the first answer won
    const view = inputResponse(responses, key);
    if (view.kind !== "elicit") continue; // not answered in this round: asked again below
    let answer: FormAnswer | null;
    if (view.action === "accept") answer = answerOf(pending, view.content);
    else if (view.action === "decline") answer = declined(pending);
    else answer = dismissed(pending);
    if (view.action === "accept" && !answer) {
      throw new CodedError(
        "INVALID_ARGUMENT",
        `the answer to ${key} (Codex request ${requestId}) does not fit its form: ${
          JSON.stringify(view.content ?? {}).slice(0, 200)
        }`,
        "Answer with one of the choices the form offers (and every question it asks); the request is still pending, so a poll can answer it too.",
      );
    }
    if (answer) answers.push({ requestId, answer });
  }
  for (const { requestId, answer } of answers) {
    try {
      if (answer.kind === "approval") {
        await sessions.respondPermission(sessionId, requestId, answer.decision, "person", answer.content);
      } else await sessions.respondUserInput(sessionId, requestId, answer.answers, "person");
    } catch (error) {
      // Answered by a poll (or declined at its timeout) between the check above and now.
      if (!(error instanceof CodedError && error.code === "REQUEST_NOT_FOUND")) throw error;
    }
  }
}
