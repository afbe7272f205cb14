/**
 * What the sessions layer needs from Codex, whichever way Codex is driven: `codex app-server`
 * (JSON-RPC, full capability) or `codex exec --json` (the fallback). Both implementations turn
 * what Codex says into the same {@link BackendEvent}s, so sessions, the event log and the tools
 * never see a protocol.
 *
 * @module
 */
import type { CodexTurn, ModelInfo, RateLimits, ThreadFilter, ThreadSummary } from "./listings.ts";
import { CodedError, type ErrorCode } from "../errors/registry.ts";

// The vocabularies a client chooses from, declared once: the tools' zod enums come from these.
export const APPROVAL_POLICIES = ["untrusted", "on-failure", "on-request", "never"] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];
export const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
export const REASONING_SUMMARIES = ["auto", "concise", "detailed", "none"] as const;
export type ReasoningSummary = (typeof REASONING_SUMMARIES)[number];
export const COLLABORATION_MODES = ["default", "plan"] as const;
/** The plain answers to an approval (amendments come on top, when offered). */
export const PLAIN_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"] as const;
/** How a turn ended. */
export const TURN_OUTCOMES = ["completed", "interrupted", "failed"] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number];

/** How a thread is set up; fixed when it starts (per-turn overrides are in {@link TurnInput}). */
export interface ThreadSettings {
  /** Absolute. */
  cwd: string;
  approvalPolicy: ApprovalPolicy;
  sandbox: SandboxMode;
  model?: string;
  /** A profile of the user's config.toml. */
  profile?: string;
  /** Codex config overrides (dotted keys allowed), as `-c key=value` would give. */
  config?: Record<string, unknown>;
  baseInstructions?: string;
  developerInstructions?: string;
  personality?: string;
  /** A thread Codex does not persist. */
  ephemeral?: boolean;
}

/** One turn's input and overrides. Overrides apply to this turn and, in Codex, to later ones. */
export interface TurnInput {
  prompt: string;
  /** Absolute paths of local images to attach. */
  images?: string[];
  /** JSON Schema the final message must follow. */
  outputSchema?: Record<string, unknown>;
  model?: string;
  effort?: ReasoningEffort;
  summary?: ReasoningSummary;
  approvalPolicy?: ApprovalPolicy;
  sandbox?: SandboxMode;
  cwd?: string;
  /**
   * Codex's collaboration mode, sticky like the other overrides. Only in "plan" mode may the model
   * ask the user questions (`user_input_request`). The exec backend has no such mode.
   */
  collaborationMode?: (typeof COLLABORATION_MODES)[number];
}

/** The decisions an approval can get. Not every request offers all of them. */
export type ApprovalDecision =
  | (typeof PLAIN_DECISIONS)[number]
  /** Accept, and let Codex run commands starting with `command` without asking again. */
  | { acceptWithAmendment: { command: string[] } };

/** What an approval request asks about. */
export type ApprovalKind = "command" | "file_change" | "permissions" | "mcp_elicitation";

/** An answer from the MCP client to one of Codex's requests. */
export type RequestAnswer =
  /** `content`: what the person entered in an MCP server's form (`requestedSchema`), with `accept`. */
  | { kind: "approval"; decision: ApprovalDecision; content?: Record<string, unknown> }
  /** Question id → the chosen or typed answers. */
  | { kind: "user_input"; answers: Record<string, string[]> };

/** A file an edit touches. */
export interface FileChangeSummary {
  path: string;
  kind: "add" | "delete" | "update" | string;
}

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens?: number;
  outputTokens: number;
  reasoningOutputTokens?: number;
  totalTokens: number;
  /** The model's context window, in tokens, as Codex knows it: how close the thread is to full. */
  contextWindow?: number;
}

/** Codex's requests that wait on the MCP client, as sessions expose them. */
export interface ApprovalRequest {
  type: "approval_request";
  /** Ours, unique for the life of the server (Codex's own ids are per connection integers). */
  requestId: string;
  kind: ApprovalKind;
  turnId: string | null;
  itemId: string | null;
  command?: string;
  cwd?: string;
  reason?: string;
  files?: FileChangeSummary[];
  /** The decisions Codex offers (accept, acceptForSession, decline, cancel, amendments …). */
  availableDecisions: ApprovalDecision[];
  /** For `acceptWithExecpolicyAmendment`: the amendment Codex proposes. */
  proposedExecpolicyAmendment?: string[];
  /** Elicitations and permission requests: the question as Codex put it. */
  message?: string;
  /** An MCP server's form elicitation: the fields it asks for (a JSON Schema object). */
  requestedSchema?: Record<string, unknown>;
  /** An MCP server's URL-mode elicitation: the page it asks the person to open. */
  url?: string;
}

export interface UserInputRequest {
  type: "user_input_request";
  requestId: string;
  turnId: string | null;
  itemId: string | null;
  questions: {
    id: string;
    header: string;
    question: string;
    options: { label: string; description?: string }[] | null;
    isOther: boolean;
    isSecret: boolean;
  }[];
}

/** Everything a thread reports, normalised. */
export type BackendEvent =
  | {
    type: "turn_started";
    turnId: string;
    /**
     * Codex's own thread id, when the backend learns it only now. Exec: Codex creates a thread
     * when its first turn runs, so the id `startThread` returned is codex-mcp's (`exec_…`); the
     * backend answers to both from then on.
     */
    threadId?: string;
  }
  | { type: "agent_message_delta"; itemId: string; delta: string }
  | { type: "agent_message"; itemId: string; text: string }
  | { type: "reasoning_delta"; itemId: string; delta: string }
  | { type: "reasoning"; itemId: string; text: string }
  | { type: "command_started"; itemId: string; command: string; cwd?: string }
  | { type: "command_output_delta"; itemId: string; delta: string }
  | {
    type: "command_completed";
    itemId: string;
    command: string;
    exitCode: number | null;
    output: string;
    status: string;
    durationMs?: number;
  }
  | { type: "file_change"; itemId: string; changes: FileChangeSummary[]; status: string }
  | { type: "plan_updated"; plan: { step: string; status: string }[]; explanation?: string }
  | ApprovalRequest
  | UserInputRequest
  /** A request was settled: answered by us, or resolved by Codex itself (an interrupt, a timeout). */
  | { type: "request_resolved"; requestId: string }
  | { type: "token_usage"; usage: TokenUsage }
  /** Codex served the turn with another model than asked (`reason`: Codex's, as it gave it). */
  | { type: "model_rerouted"; fromModel: string; toModel: string; reason: string }
  /** The conversation was compacted: a summary replaced the history so far. */
  | { type: "context_compacted"; itemId: string }
  | { type: "warning"; message: string }
  | { type: "error"; message: string; willRetry: boolean; codexErrorInfo?: unknown }
  | {
    type: "turn_completed";
    turnId: string;
    status: TurnOutcome;
    error?: { message: string; codexErrorInfo?: unknown };
    /** The turn's last agent message, when there was one. */
    finalMessage?: string;
    durationMs?: number;
    /** The unified diff of every file the turn changed, as Codex last reported it. */
    diff?: string;
  }
  /** The Codex process behind this thread died; the thread can be resumed on a new one. */
  | {
    type: "backend_crashed";
    message: string;
    stderrTail: string;
    /** It had stopped answering and was stopped (not a crash of its own). */
    hung?: boolean;
  };

export interface StartedThread {
  threadId: string;
  /** The model Codex chose, when it says. */
  model: string | null;
}

/**
 * What a way of driving Codex can do. The drivers refuse what their entry says they cannot do
 * (NOT_SUPPORTED, with a hint); `codex_setup` and server-info show the active backend's; the
 * README's backend table is checked against it.
 */
export interface BackendCapabilities {
  /** Codex may ask before acting (an approvalPolicy other than "never"). */
  approvals: boolean;
  /** Codex may ask the user questions (plan mode). */
  userInput: boolean;
  /** A thread can be forked into a new one with its history. */
  fork: boolean;
  /** Agent messages arrive as deltas while they are written. */
  streamingDeltas: boolean;
  /** A config profile can be selected per thread. */
  profiles: boolean;
  /** Background terminals can be cleaned while a turn runs. */
  cleanBackgroundTerminals: boolean;
  /** Codex's own reviewer. */
  review: boolean;
  /** Input can be added to a running turn. */
  steer: boolean;
  /** Codex's model list can be read. */
  models: boolean;
  /** The conversation can be compacted (a summary replaces the history). */
  compact: boolean;
  /** The conversation can be rolled back to before one of its turns (files are not). */
  rollback: boolean;
  /** The account's rate-limit windows can be read (`account/rateLimits/read`). */
  rateLimits: boolean;
}

/** What Codex's reviewer looks at. */
export type ReviewTarget =
  | { kind: "uncommitted" }
  | { kind: "baseBranch"; branch: string }
  | { kind: "commit"; sha: string; title?: string }
  | { kind: "custom"; instructions: string };

/** What steering adds to a running turn: more of the user's words (and images). */
export interface SteerInput {
  prompt: string;
  images?: string[];
}

/** Each backend's capabilities, declared once. */
export const CAPABILITIES: Readonly<Record<"app-server" | "exec", Readonly<BackendCapabilities>>> = {
  "app-server": {
    approvals: true,
    userInput: true,
    fork: true,
    streamingDeltas: true,
    profiles: false,
    cleanBackgroundTerminals: true,
    review: true,
    steer: true,
    models: true,
    compact: true,
    rollback: true,
    rateLimits: true,
  },
  exec: {
    approvals: false,
    userInput: false,
    fork: true,
    streamingDeltas: false,
    profiles: true,
    cleanBackgroundTerminals: false,
    review: true,
    steer: false,
    models: false,
    compact: false,
    rollback: false,
    rateLimits: false,
  },
};

/** One way of driving Codex. Methods reject with {@link BackendError}. */
export interface Backend {
  readonly mode: "app-server" | "exec";
  /** What this backend can do: {@link CAPABILITIES} of its mode. */
  readonly capabilities: Readonly<BackendCapabilities>;
  startThread(settings: ThreadSettings): Promise<StartedThread>;
  /** Loads a persisted thread (after a restart, or from another process). */
  resumeThread(threadId: string, settings: ThreadSettings): Promise<StartedThread>;
  /** A new thread carrying the history of `threadId`. */
  /** `throughTurnId`: the copy ends with that turn (later ones are left out). */
  forkThread(threadId: string, settings: ThreadSettings, throughTurnId?: string): Promise<StartedThread>;
  startTurn(threadId: string, input: TurnInput): Promise<{ turnId: string }>;
  /**
   * Names the thread, so that a person finds it (`codex resume`, the Codex app); a backend that
   * cannot name threads does nothing.
   */
  nameThread(threadId: string, name: string): Promise<void>;
  /** Codex's own threads in CODEX_HOME (`thread/list`), newest first; exec has no list (NOT_SUPPORTED). */
  listThreads(filter: ThreadFilter): Promise<ThreadSummary[]>;
  /** The models Codex offers (`model/list`); exec has no list (NOT_SUPPORTED). */
  listModels(): Promise<ModelInfo[]>;
  /** The thread's last `limit` turns as Codex keeps them, oldest first (also threads not loaded). */
  listThreadTurns(threadId: string, limit: number): Promise<CodexTurn[]>;
  /** The account's rate limits (BackendError when Codex cannot say: an API-key login has none). */
  readRateLimits(): Promise<RateLimits>;
  /** Starts Codex's own reviewer on the thread: a turn whose final message is the review. */
  startReview(threadId: string, target: ReviewTarget): Promise<{ turnId: string }>;
  /** Starts compacting the thread's conversation: a turn of Codex's own, reported like any turn. */
  compactThread(threadId: string): Promise<void>;
  /**
   * Replaces the thread's history with what came before `beforeTurnId` (that turn and every later
   * one are dropped). Only the conversation: files the turns changed stay changed.
   */
  revertThread(threadId: string, beforeTurnId: string): Promise<void>;
  /** Adds input to the running turn `turnId` (refused when another turn is running). */
  steerTurn(threadId: string, turnId: string, input: SteerInput): Promise<void>;
  interrupt(threadId: string, turnId: string): Promise<void>;
  /** Answers a pending request; rejects with `REQUEST_NOT_FOUND` when it is no longer pending. */
  respond(requestId: string, answer: RequestAnswer): Promise<void>;
  /** Receives every event of `threadId` from now on. Returns the unsubscribe function. */
  subscribe(threadId: string, listener: (event: BackendEvent) => void): () => void;
  /** Stops background terminals Codex keeps for the thread (where supported). */
  cleanBackgroundTerminals(threadId: string): Promise<void>;
  /** Lets go of a thread: Codex stops tracking it in this process. */
  releaseThread(threadId: string): Promise<void>;
  /** Tears down every process of this backend. */
  close(): Promise<void>;
}

/** Why a backend call failed: the codes of the registry a driver may raise. */
export type BackendErrorCode = Extract<
  ErrorCode,
  | "CODEX_NOT_FOUND"
  | "CODEX_NOT_RUNNABLE"
  | "CONFIG_INVALID"
  | "CODEX_CRASHED"
  | "TIMEOUT"
  | "NOT_SUPPORTED"
  | "REQUEST_NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "INTERNAL"
>;

/** A failure of a backend call. */
export class BackendError extends CodedError<BackendErrorCode> {
  constructor(code: BackendErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = "BackendError";
  }
}
