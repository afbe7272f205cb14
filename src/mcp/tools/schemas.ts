/**
 * Zod pieces the session tools share: argument vocabularies and the session view every tool
 * returns (`structuredContent`, also sent as JSON text).
 *
 * @module
 */
import * as z from "zod";
import { once } from "./deferred-schema.ts";
import { APPROVALS_SETTINGS } from "../../config.ts";
import { ERROR_CODES, type ErrorCode } from "../../errors/registry.ts";
import {
  APPROVAL_POLICIES,
  type ApprovalDecision,
  COLLABORATION_MODES,
  PLAIN_DECISIONS,
  REASONING_EFFORTS,
  REASONING_SUMMARIES,
  SANDBOX_MODES,
  TURN_OUTCOMES,
} from "../../codex/backend.ts";
import { CONTINUED_SUFFIX } from "../../sessions/event-log.ts";
import { SESSION_EVENT_TYPES } from "../../sessions/session-events.ts";
import { SESSION_STATUSES, TURN_STATUSES } from "../../sessions/store.ts";
import { MAX_IMAGES } from "../../sessions/path-checks.ts";

/**
 * The approval policy Codex is given: `on-failure`, which Codex 0.169 refuses ("unknown
 * variant"), becomes `on-request` (the nearest: Codex asks when escalation is needed), with a
 * warning for the answer. Accepted for a release, then to be dropped from the enum.
 */
export function acceptedPolicy<P extends string | undefined>(
  policy: P,
): { policy: P | "on-request"; warnings: string[] } {
  if (policy !== "on-failure") return { policy, warnings: [] };
  return {
    policy: "on-request",
    warnings: [
      'approvalPolicy "on-failure" is deprecated and refused by Codex 0.169: the session runs with "on-request" (Codex asks when a command needs escalation). Pass "on-request" or "untrusted".',
    ],
  };
}

/** Most a caller may wait in one call: five minutes. */
export const MAX_WAIT_MS = 300_000;

/** `waitForResult`, described with the server's ceiling on waits (CODEX_MCP_MAX_WAIT_MS). */
export function waitForResult(maxWaitMs: number) {
  return z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_MS)
    .describe(
      `Milliseconds to wait for the turn's result before answering; 0 or absent answers at once with the polling shape. This server waits at most ${maxWaitMs} ms (CODEX_MCP_MAX_WAIT_MS) and then answers with the polling shape; keep waits under your client's tool timeout.`,
    );
}

/** `turnTimeoutMs`, described with the server's own limit on a turn (CODEX_MCP_RUNNING_TTL_MS). */
export function turnTimeout(runningTtlMs: number) {
  return z
    .number()
    .int()
    .min(1_000)
    .max(MAX_TURN_MS)
    .describe(
      `Cancel the session if this turn runs longer than this many milliseconds (a reply resumes it). At most this server's limit, ${runningTtlMs} ms (CODEX_MCP_RUNNING_TTL_MS), which applies when absent.`,
    );
}

/** Longer than any turn; the server's own limit (CODEX_MCP_RUNNING_TTL_MS) is checked when the call runs. */
const MAX_TURN_MS = 2_147_483_647;

/** The longest prompt Codex 0.169 takes (characters). */
const MAX_PROMPT_CHARS = 1_048_576;
/** Ids, names and paths a caller passes: far more than any real one, far less than a flood. */
const MAX_NAME_CHARS = 4_096;
/** How deep and how large a JSON argument (config overrides, an output schema) may be. */
const JSON_LIMITS = { depth: 16, bytes: 256 * 1024 };

/** The depth of a JSON value (a scalar is 0), stopping once past `limit`. */
function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== "object") return depth;
  let deepest = depth;
  for (const child of Object.values(value as object)) deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
  return deepest;
}

/** A JSON object argument bounded in depth and size (Codex spent 60 s on 200-level configs). */
export function boundedJson(what: string) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (depthOf(value, JSON_LIMITS.depth) > JSON_LIMITS.depth) {
      ctx.addIssue({ code: "custom", message: `${what} is nested more than ${JSON_LIMITS.depth} levels deep` });
    } else if (JSON.stringify(value).length > JSON_LIMITS.bytes) {
      ctx.addIssue({ code: "custom", message: `${what} is larger than ${JSON_LIMITS.bytes} bytes as JSON` });
    }
  });
}

/** A client's decision in the sessions' vocabulary (the deprecated spelling mapped). */
export function decisionOf(input: z.infer<Vocabulary["DecisionInput"]>): ApprovalDecision {
  if (typeof input === "object" && "acceptWithExecpolicyAmendment" in input) {
    return { acceptWithAmendment: { command: input.acceptWithExecpolicyAmendment.execpolicy_amendment } };
  }
  return input;
}

/**
 * A tool's output schema with the error branch: a failed call (`isError: true`) carries only
 * `{ error }`, so every other field is optional in the published schema; a successful call
 * always has the fields the tool documents.
 */
export function withErrorBranch<S extends z.ZodRawShape>(shape: S) {
  const fields = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v as z.ZodType).optional()]));
  return {
    ...(fields as unknown as { [K in keyof S]: z.ZodOptional<S[K]> }),
    error: vocabulary().Failure.optional().describe(
      "Why the call failed (with isError), or why the session is in status error (a successful call).",
    ),
  };
}

/** What a session needs from its caller next, in one word. */
const INTERACTION_STATES = ["working", "needs_approval", "needs_input", "ready", "failed", "cancelled"] as const;
export type InteractionState = (typeof INTERACTION_STATES)[number];

/** Every type a polled event can have: the vocabulary's, and the continuations of long fields. */
const EVENT_TYPES = SESSION_EVENT_TYPES.flatMap((t) => [t, `${t}${CONTINUED_SUFFIX}`]) as [string, ...string[]];

/**
 * The zod vocabulary of the tools' schemas, built on the first call: only the tools' deferred
 * schemas (deferred-schema.ts) ask for it, so no zod schema is built before one is needed.
 */
export const vocabulary = once(() => {
  const ApprovalPolicy = z.enum(APPROVAL_POLICIES).describe(
    "When Codex asks before acting: untrusted (every command and edit), on-request (only what the model marks as needing escalation), never. on-failure is deprecated: Codex 0.169 refuses it, so codex-mcp runs on-request instead and says so in `warnings`.",
  );

  const SandboxMode = z.enum(SANDBOX_MODES).describe(
    "What Codex's commands may touch.",
  );

  const Effort = z.enum(REASONING_EFFORTS).describe("Reasoning effort.");

  const Summary = z.enum(REASONING_SUMMARIES).describe("Reasoning summaries.");

  /** A prompt: not empty, at most what Codex takes. */
  const Prompt = z.string().min(1).max(MAX_PROMPT_CHARS);

  /**
   * An id, a name or a path. Never with a NUL byte: no real one has it, and in a path or an argument
   * vector the runtime would refuse it with its own message (or cut the string short).
   */
  const Name = z.string().max(MAX_NAME_CHARS).refine((s) => !s.includes("\u0000"), "must not contain a NUL byte");

  const ImagePaths = z.array(Name).max(MAX_IMAGES).describe(
    "Absolute paths of local images to attach to the prompt.",
  );
  const OutputSchema = boundedJson("outputSchema").describe(
    "A JSON Schema the final message must follow; the parsed value comes back as result.structuredOutput.",
  );

  const CollaborationMode = z
    .enum(COLLABORATION_MODES)
    .describe(
      "Codex's collaboration mode; in plan mode Codex may ask questions (answered with codex_check respond_user_input). Sticks to later turns.",
    );

  const SessionStatus = z.enum(SESSION_STATUSES);

  const Approvals = z.enum(APPROVALS_SETTINGS).describe(
    "Who answers Codex's approvals and questions in this turn: client = the person, through your client's form; model = you, by codex_check; auto (the server's default, CODEX_MCP_APPROVALS) = the person when your client can show forms.",
  );

  const PlainDecision = z.enum(PLAIN_DECISIONS);
  const WithAmendment = z.object({ acceptWithAmendment: z.object({ command: z.array(z.string()) }) });
  /** Deprecated: the spelling before 0.2 (Codex's own). Still accepted; answers use {@link WithAmendment}. */
  const WithExecpolicyAmendment = z.object({
    acceptWithExecpolicyAmendment: z.object({ execpolicy_amendment: z.array(z.string()) }),
  });

  /** A decision as a client may give it: the current spellings and the deprecated one. */
  const DecisionInput = z.union([PlainDecision, WithAmendment, WithExecpolicyAmendment]);
  /** A decision as codex-mcp offers it (sessions stored by 0.1 may still show the old spelling). */
  const Decision = z.union([PlainDecision, WithAmendment, WithExecpolicyAmendment]);

  /** A request of Codex's that waits on the client: approve a command, an edit, or answer questions. */
  const Action = z.object({
    requestId: z.string(),
    askedInClient: z.boolean().optional().describe(
      "The person is being asked this in the client's form; wait for their answer rather than answering yourself.",
    ),
    kind: z.enum(["command", "file_change", "permissions", "mcp_elicitation", "user_input"]),
    respondWith: z.enum(["respond_permission", "respond_user_input"]),
    command: z.string().optional(),
    cwd: z.string().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    files: z.array(z.object({ path: z.string(), kind: z.string() })).optional(),
    availableDecisions: z.array(Decision).optional(),
    proposedExecpolicyAmendment: z.array(z.string()).optional(),
    requestedSchema: z.record(z.string(), z.unknown()).optional().describe(
      "mcp_elicitation: the fields the MCP server asks for; answer accept with content holding them.",
    ),
    questions: z
      .array(
        z.object({
          id: z.string(),
          header: z.string(),
          question: z.string(),
          options: z.array(z.object({ label: z.string(), description: z.string().optional() })).nullable(),
        }),
      )
      .optional(),
    createdAt: z.string(),
    expiresAt: z.string().describe("When it is answered automatically (declined) if nobody does."),
  });

  const Result = z.object({
    turnId: z.string(),
    status: z.enum(TURN_OUTCOMES),
    text: z.string().nullable().describe("The turn's final message."),
    structuredOutput: z.unknown().optional().describe(
      "The final message parsed as JSON, when the turn had an outputSchema.",
    ),
    structuredOutputError: z.string().optional(),
    review: z.object({
      overall: z.string(),
      findings: z.array(z.object({
        title: z.string(),
        priority: z.number().int().nullable().describe("0 is the most urgent (the title's [P0]…[P3])."),
        file: z.string(),
        lines: z.object({ start: z.number().int(), end: z.number().int() }),
        body: z.string(),
      })),
    }).optional().describe("codex_review's review turn: Codex's verdict and its findings, read from the text."),
    usage: z.record(z.string(), z.number()).optional().describe(
      "What the turn cost in tokens, as Codex last reported it (inputTokens, cachedInputTokens, outputTokens, reasoningOutputTokens, totalTokens; contextWindow: the model's, on app-server).",
    ),
    diff: z.object({
      cursor: z.number().int(),
      chars: z.number().int(),
      preview: z.string(),
      truncated: z.boolean(),
    }).optional().describe(
      "What the turn changed in files (app-server): the start of its unified diff; poll from cursor for the whole (a turn_diff event).",
    ),
  });

  /** A failure: a code of the registry (src/errors/registry.ts), what happened, what to do. */
  const Failure = z.object({
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    hint: z.string(),
  });

  /** One turn of a session (`codex_session get`). */
  const Turn = z.object({
    index: z.number().int().describe("1, 2, …"),
    turnId: z.string().nullable(),
    promptPreview: z.string(),
    startedAt: z.number().describe("Epoch ms."),
    endedAt: z.number().optional(),
    status: z.enum(TURN_STATUSES),
    result: z.object({
      text: z.string().nullable(),
      structuredOutput: z.unknown().optional(),
      structuredOutputError: z.string().optional(),
    }).optional(),
    error: Failure.optional(),
    usage: z.record(z.string(), z.number()).optional().describe("Tokens, as Codex last reported them."),
  });

  /** What every session tool returns about a session. */
  const SessionView = {
    sessionId: z.string(),
    threadId: z.string().nullable(),
    status: SessionStatus,
    interactionState: z.enum(INTERACTION_STATES),
    pollInterval: z.number().int().describe("Milliseconds to wait before the next poll."),
    progress: z.object({
      turns: z.number().int(),
      events: z.number().int().describe("The latest event cursor."),
      phase: z.string(),
      lastItem: z.string().optional(),
      lastActivityAt: z.string(),
    }),
    actions: z.array(Action),
    result: Result.optional(),
    recommendedNextAction: z.string(),
    warnings: z.array(z.string()).optional().describe("What codex-mcp changed in the request, and why."),
  };

  const PollFields = {
    events: z.array(
      z.object({
        cursor: z.number().int(),
        at: z.string(),
        type: z.enum(EVENT_TYPES).describe("One of the session event vocabulary's types (version 1)."),
        pinned: z.boolean().optional(),
        data: z.record(z.string(), z.unknown()),
      }),
    ),
    nextCursor: z.number().int(),
    hasMore: z.boolean(),
    cursorResetTo: z.number().int().optional(),
    missedEvents: z.number().int().optional(),
    eventCounts: z.record(z.string(), z.number().int()).optional().describe(
      "responseMode minimal: how many events of each type were left out.",
    ),
  };

  return {
    ApprovalPolicy,
    SandboxMode,
    Effort,
    Summary,
    Prompt,
    Name,
    ImagePaths,
    OutputSchema,
    CollaborationMode,
    SessionStatus,
    Approvals,
    DecisionInput,
    Action,
    Result,
    Failure,
    Turn,
    SessionView,
    PollFields,
  };
});

/** The pieces {@link vocabulary} builds. */
export type Vocabulary = ReturnType<typeof vocabulary>;
