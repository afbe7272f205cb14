/**
 * The public vocabulary of session events, version 1: what the event log stores (one row each,
 * stamped with {@link SESSION_EVENT_VERSION}) and what polls return. Codex's events reach it only
 * through {@link fromBackendEvent}, the one place that says which of a driver's fields are
 * public, so a field a driver adds never leaks into the store or the tools' output by accident.
 * The events the sessions layer writes itself are typed here too ({@link OwnEventData}).
 *
 * @module
 */
import type { ApprovalDecision, BackendEvent } from "../codex/backend.ts";
import type { AppendOptions, SessionResult, SessionStore } from "./store.ts";

/** The version of this vocabulary; stored with every event row. */
export const SESSION_EVENT_VERSION = 1;

/** For each of Codex's event types, the fields that are public (in this order). */
const PUBLIC_FIELDS: { readonly [T in BackendEvent["type"]]: readonly (keyof Extract<BackendEvent, { type: T }>)[] } = {
  turn_started: ["turnId", "threadId"],
  agent_message_delta: ["itemId", "delta"],
  agent_message: ["itemId", "text"],
  reasoning_delta: ["itemId", "delta"],
  reasoning: ["itemId", "text"],
  command_started: ["itemId", "command", "cwd"],
  command_output_delta: ["itemId", "delta"],
  command_completed: ["itemId", "command", "exitCode", "output", "status", "durationMs"],
  file_change: ["itemId", "changes", "status"],
  plan_updated: ["plan", "explanation"],
  approval_request: [
    "requestId",
    "kind",
    "turnId",
    "itemId",
    "command",
    "cwd",
    "reason",
    "files",
    "availableDecisions",
    "proposedExecpolicyAmendment",
    "message",
  ],
  user_input_request: ["requestId", "turnId", "itemId", "questions"],
  request_resolved: ["requestId"],
  token_usage: ["usage"],
  model_rerouted: ["fromModel", "toModel", "reason"],
  context_compacted: ["itemId"],
  warning: ["message"],
  error: ["message", "willRetry", "codexErrorInfo"],
  turn_completed: ["turnId", "status", "error", "finalMessage", "durationMs"],
  backend_crashed: ["message", "stderrTail", "hung"],
};

/**
 * Who answered one of Codex's requests: the calling client (a tool call, often a model), or the
 * person, through a form the client showed them.
 */
export type AnsweredBy = "client" | "person";

/** What the sessions layer itself records, by event type. */
export interface OwnEventData {
  /** A turn was asked for: the prompt (its first 2000 characters) and its full length. */
  turn_requested: { prompt: string; promptChars: number };
  /** The turn's outcome (pinned). */
  result: SessionResult;
  /** The client (or the approval timeout) answered one of Codex's requests (pinned). */
  request_answered:
    & { requestId: string }
    & ({ decision: ApprovalDecision; by: AnsweredBy; fields?: string[] } | {
      answers: Record<string, string[]>;
      by: AnsweredBy;
    } | {
      automatic: true;
    });
  /** Nobody answered in time: what codex-mcp answered instead (pinned). */
  approval_timeout: { requestId: string; kind: string; answer: "decline" | "no answers" };
  /** A request lost when its server stopped (pinned). */
  request_expired: { requestId: string; reason: string };
  interrupt_requested: { turnId: string };
  interrupted_by_restart: { turnId: string | null };
  interrupted_by_shutdown: Record<string, never>;
  cancelled: { reason: string };
  forked: { from: string; fromThreadId: string };
  background_terminals_cleaned: Record<string, never>;
  /** Input added to the running turn (its first 2000 characters, and its full length). */
  turn_steered: { turnId: string; prompt: string; promptChars: number };
  /** Input to run as the next turn once this one ends. */
  turn_queued: { prompt: string; promptChars: number };
  /** The queued turn was not started: why (the session failed or was cancelled, or starting it failed). */
  queued_turn_dropped: { reason: string };
  /** The session was made over an existing Codex thread (`codex_session import`). */
  imported: { threadId: string };
  /** Codex was asked to compact the conversation (a turn of its own follows). */
  compaction_requested: Record<string, never>;
  /** The conversation was rolled back to before `turnId`: it and the turns after it are gone from it. */
  rolled_back: { turnId: string; turnsDropped: number };
  /** A turn's unified diff of the files it changed, whole (pinned; long ones continue in pieces). */
  turn_diff: { turnId: string; diff: string };
}

/** The types of {@link OwnEventData}, listed so that a missing or extra one does not compile. */
const OWN_EVENT_TYPES: { readonly [T in keyof OwnEventData]: true } = {
  turn_requested: true,
  result: true,
  request_answered: true,
  approval_timeout: true,
  request_expired: true,
  interrupt_requested: true,
  interrupted_by_restart: true,
  interrupted_by_shutdown: true,
  cancelled: true,
  forked: true,
  background_terminals_cleaned: true,
  turn_steered: true,
  turn_queued: true,
  queued_turn_dropped: true,
  imported: true,
  compaction_requested: true,
  rolled_back: true,
  turn_diff: true,
};

export type SessionEventType = BackendEvent["type"] | keyof OwnEventData;

/** Every event type a session's log can hold (long fields also come as `<type>_continued`). */
export const SESSION_EVENT_TYPES: readonly SessionEventType[] = [
  ...(Object.keys(PUBLIC_FIELDS) as BackendEvent["type"][]),
  ...(Object.keys(OWN_EVENT_TYPES) as (keyof OwnEventData)[]),
];

/** A Codex event in the public vocabulary: its type, and its public fields that are set. */
export function fromBackendEvent(event: BackendEvent): { type: BackendEvent["type"]; data: Record<string, unknown> } {
  const data: Record<string, unknown> = {};
  const source = event as unknown as Record<string, unknown>;
  for (const field of PUBLIC_FIELDS[event.type] as readonly string[]) {
    if (source[field] !== undefined) data[field] = source[field];
  }
  return { type: event.type, data };
}

/** Appends one of the sessions layer's own events, typed by {@link OwnEventData}. */
export function recordOwn<T extends keyof OwnEventData>(
  store: Pick<SessionStore, "appendEvent">,
  sessionId: string,
  type: T,
  data: OwnEventData[T],
  options?: AppendOptions,
): void {
  store.appendEvent(sessionId, type, data as Record<string, unknown>, options);
}
