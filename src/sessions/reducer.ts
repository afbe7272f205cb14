/**
 * What one event from Codex does to a session, as a pure function: the record's patch and the
 * effects the manager carries out (pending requests, the turn record, the result event). No
 * timers, no store: tests drive it with plain values.
 *
 * @module
 */
import type { ApprovalRequest, BackendEvent, UserInputRequest } from "../codex/backend.ts";
import { failure } from "../errors/registry.ts";
import type { SessionRecord, SessionResult, SessionStatus, TurnRecord, TurnUsage } from "./store.ts";

/** What the reducer needs to know beyond the event: facts of the turn running here. */
export interface TurnFacts {
  /** The turn asked for structured output: its final message is parsed as JSON. */
  hasOutputSchema: boolean;
  /** The client cancelled the session: an interrupted turn ends it as cancelled. */
  cancelRequested: boolean;
}

/** A change outside the record that an event calls for. */
export type Effect =
  | { type: "pending_add"; request: ApprovalRequest | UserInputRequest }
  /** Without `requestId`: every pending request of the session. */
  | { type: "pending_drop"; requestId?: string }
  | { type: "turn_active"; active: boolean }
  | { type: "turn_usage"; usage: TurnUsage }
  | { type: "turn_end"; end: Pick<TurnRecord, "status" | "result" | "error"> }
  /** The turn's outcome as a pinned `result` event. */
  | { type: "result"; result: SessionResult }
  /** Codex is gone: stop listening to the thread (a reply resumes it on a new process). */
  | { type: "unsubscribe" };

export interface Reduction {
  patch: Partial<SessionRecord>;
  effects: Effect[];
}

/** The patch and effects of `event`; `now` stamps the activity. */
export function reduce(event: BackendEvent, facts: TurnFacts, now: number): Reduction {
  const patch: Partial<SessionRecord> = { lastActivityAt: now };
  const effects: Effect[] = [];
  switch (event.type) {
    case "token_usage":
      effects.push({ type: "turn_usage", usage: { ...event.usage } });
      break;
    case "turn_started":
      effects.push({ type: "turn_active", active: true });
      patch.currentTurnId = event.turnId;
      // The exec backend learns Codex's own thread id only when the first turn starts.
      if (event.threadId) patch.threadId = event.threadId;
      patch.phase = "thinking";
      break;
    case "agent_message_delta":
    case "agent_message":
      patch.phase = "writing";
      break;
    case "reasoning_delta":
    case "reasoning":
      patch.phase = "reasoning";
      break;
    case "command_started":
      patch.phase = "running a command";
      patch.lastItem = `$ ${event.command.slice(0, 120)}`;
      break;
    case "command_completed":
      patch.lastItem = `$ ${event.command.slice(0, 120)} → exit ${event.exitCode ?? "?"}`;
      break;
    case "file_change":
      patch.phase = "editing files";
      patch.lastItem = event.changes.map((c) => c.path).join(", ").slice(0, 160);
      break;
    case "approval_request":
      // Codex reports a command as started before it asks whether it may run it: until the
      // answer, the command is pending, not running.
      patch.phase = "waiting for approval";
      if (event.command) patch.lastItem = `$ ${event.command.slice(0, 120)} (waiting for approval)`;
      effects.push({ type: "pending_add", request: event });
      break;
    case "user_input_request":
      patch.phase = "waiting for answers";
      effects.push({ type: "pending_add", request: event });
      break;
    case "request_resolved":
      effects.push({ type: "pending_drop", requestId: event.requestId });
      break;
    case "turn_completed":
      turnCompleted(event, facts, patch, effects);
      break;
    case "backend_crashed":
      patch.status = "error";
      patch.phase = event.hung ? "Codex stopped answering" : "Codex crashed";
      patch.error = failure(event.hung ? "CODEX_HUNG" : "CODEX_CRASHED", event.message);
      effects.push(
        { type: "turn_active", active: false },
        { type: "unsubscribe" },
        { type: "pending_drop" },
        { type: "turn_end", end: { status: "failed", error: patch.error } },
      );
      break;
    default:
      break;
  }
  return { patch, effects };
}

function turnCompleted(
  event: Extract<BackendEvent, { type: "turn_completed" }>,
  facts: TurnFacts,
  patch: Partial<SessionRecord>,
  effects: Effect[],
): void {
  const result: SessionResult = { turnId: event.turnId, status: event.status, text: event.finalMessage ?? null };
  if (facts.hasOutputSchema && event.status === "completed") {
    try {
      result.structuredOutput = JSON.parse(event.finalMessage ?? "");
    } catch (error) {
      result.structuredOutputError = `the final message is not JSON: ${(error as Error).message}`;
    }
  }
  patch.result = result;
  patch.currentTurnId = null;
  patch.turnStartedAt = undefined;
  if (event.status === "failed") {
    patch.status = "error";
    patch.phase = "turn failed";
    patch.error = failure("TURN_FAILED", event.error?.message ?? "the turn failed");
  } else if (event.status === "interrupted" && facts.cancelRequested) {
    patch.status = "cancelled";
    patch.phase = "cancelled";
  } else {
    patch.status = "idle";
    patch.phase = event.status === "interrupted" ? "interrupted" : "done";
  }
  const { turnId: _turnId, status: _status, ...turnResult } = result;
  effects.push(
    { type: "turn_active", active: false },
    { type: "pending_drop" },
    { type: "result", result },
    { type: "turn_end", end: { status: event.status, result: turnResult, error: patch.error } },
  );
}

/** Whether a session's turn is still going (running, or waiting on the client). */
export function isActive(status: SessionStatus): boolean {
  return status === "running" || status === "waiting_approval" || status === "waiting_input";
}

/** While a turn runs, the status follows what is pending: approvals first, then questions. */
export function activeStatus(pending: readonly { type: "approval_request" | "user_input_request" }[]): SessionStatus {
  if (pending.some((p) => p.type === "approval_request")) return "waiting_approval";
  return pending.length > 0 ? "waiting_input" : "running";
}
