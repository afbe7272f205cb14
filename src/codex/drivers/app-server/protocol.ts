/**
 * What codex-mcp reads from `codex app-server`, as valibot schemas: only the fields we use, checked
 * loosely (unknown fields pass, optional ones may be absent or null), so that a newer Codex that
 * adds fields keeps working while one that changes a field we rely on is caught and reported.
 *
 * Field names follow Codex 0.169.0's generated bindings (`codex app-server generate-ts
 * --experimental`): `v2/*Params.ts`, `v2/*Response.ts`, `v2/ThreadItem.ts`.
 *
 * @module
 */
import * as v from "valibot";

const str = v.string();
const optStr = v.nullish(v.string());
const optNum = v.nullish(v.number());

// ---------------------------------------------------------------------------------------------
// Responses to our requests

export const InitializeResponse = v.looseObject({ userAgent: v.optional(v.string()) });

/** `thread/start`, `thread/resume`, `thread/fork`. */
export const ThreadOpenedResponse = v.looseObject({
  thread: v.looseObject({ id: str }),
  model: optStr,
});

export const TurnStartResponse = v.looseObject({ turn: v.looseObject({ id: str }) });

// ---------------------------------------------------------------------------------------------
// Items

const FileUpdateChange = v.looseObject({
  path: str,
  kind: v.union([v.looseObject({ type: str }), str]),
});

/** The `ThreadItem` variants we map, checked once the envelope says which one it is. */
export const AgentMessageItem = v.looseObject({ id: str, text: str, phase: optStr });
export const ReasoningItem = v.looseObject({
  id: str,
  summary: v.nullish(v.array(str)),
  content: v.nullish(v.array(str)),
});
export const CommandItem = v.looseObject({
  id: str,
  command: str,
  cwd: optStr,
  status: str,
  aggregatedOutput: optStr,
  exitCode: optNum,
  durationMs: optNum,
});
export const FileChangeItem = v.looseObject({ id: str, changes: v.array(FileUpdateChange), status: str });

// ---------------------------------------------------------------------------------------------
// Notifications

const TurnError = v.looseObject({ message: str, codexErrorInfo: v.nullish(v.unknown()), additionalDetails: optStr });

export const TurnStarted = v.looseObject({ threadId: str, turn: v.looseObject({ id: str }) });

export const TurnCompleted = v.looseObject({
  threadId: str,
  turn: v.looseObject({
    id: str,
    status: v.picklist(["completed", "interrupted", "failed", "inProgress"]),
    error: v.nullish(TurnError),
    items: v.nullish(v.array(v.unknown())),
    durationMs: optNum,
  }),
});

export const ItemNotification = v.looseObject({ threadId: str, turnId: optStr, item: v.looseObject({ type: str }) });

export const ItemDelta = v.looseObject({ threadId: str, turnId: optStr, itemId: str, delta: str });

export const PlanUpdated = v.looseObject({
  threadId: str,
  explanation: optStr,
  plan: v.array(v.looseObject({ step: str, status: str })),
});

const TokenBreakdown = v.looseObject({
  totalTokens: v.number(),
  inputTokens: v.number(),
  cachedInputTokens: optNum,
  outputTokens: v.number(),
  reasoningOutputTokens: optNum,
});
export const TokenUsageUpdated = v.looseObject({
  threadId: str,
  tokenUsage: v.looseObject({ total: TokenBreakdown, modelContextWindow: v.nullish(v.number()) }),
});

export const ErrorNotification = v.looseObject({
  threadId: str,
  turnId: optStr,
  error: TurnError,
  willRetry: v.boolean(),
});

/** `warning` (thread optional) and `guardianWarning` (thread required). */
export const WarningNotification = v.looseObject({ threadId: optStr, message: str });

/** `configWarning` and `deprecationNotice`. */
export const SummaryNotification = v.looseObject({ summary: str, details: optStr });

export const ServerRequestResolved = v.looseObject({ threadId: optStr, requestId: v.union([v.string(), v.number()]) });

export const ThreadClosed = v.looseObject({ threadId: str });

// ---------------------------------------------------------------------------------------------
// Requests from the server

const ExecPolicyAmendment = v.array(str);

/** A decision as Codex offers it in `availableDecisions`. */
const OfferedDecision = v.union([
  v.picklist(["accept", "acceptForSession", "decline", "cancel"]),
  v.looseObject({ acceptWithExecpolicyAmendment: v.looseObject({ execpolicy_amendment: ExecPolicyAmendment }) }),
  // Anything else (`applyNetworkPolicyAmendment`, future kinds) is read but not offered onwards.
  v.unknown(),
]);

export const CommandApprovalParams = v.looseObject({
  threadId: str,
  turnId: optStr,
  itemId: optStr,
  kind: optStr,
  command: optStr,
  cwd: optStr,
  reason: optStr,
  proposedExecpolicyAmendment: v.nullish(ExecPolicyAmendment),
  availableDecisions: v.nullish(v.array(OfferedDecision)),
});

export const FileChangeApprovalParams = v.looseObject({
  threadId: str,
  turnId: optStr,
  itemId: optStr,
  reason: optStr,
  grantRoot: optStr,
});

const PathList = v.nullish(v.array(str));
const PermissionProfile = v.looseObject({
  network: v.nullish(v.looseObject({ enabled: v.nullish(v.boolean()) })),
  fileSystem: v.nullish(v.looseObject({ read: PathList, write: PathList })),
});

export const PermissionsApprovalParams = v.looseObject({
  threadId: str,
  turnId: optStr,
  itemId: optStr,
  cwd: optStr,
  reason: optStr,
  permissions: PermissionProfile,
});

export const ElicitationParams = v.looseObject({
  threadId: str,
  turnId: optStr,
  serverName: str,
  mode: optStr,
  message: optStr,
  title: optStr,
  description: optStr,
  url: optStr,
  requestedSchema: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
});

export const UserInputParams = v.looseObject({
  threadId: str,
  turnId: optStr,
  itemId: optStr,
  questions: v.array(
    v.looseObject({
      id: str,
      header: str,
      question: str,
      isOther: v.optional(v.boolean(), false),
      isSecret: v.optional(v.boolean(), false),
      options: v.nullish(v.array(v.looseObject({ label: str, description: optStr }))),
    }),
  ),
});

/** The thread a message is about, when it names one (for reporting a message we could not read). */
export function threadIdOf(params: unknown): string | null {
  if (typeof params !== "object" || params === null) return null;
  const record = params as Record<string, unknown>;
  if (typeof record["threadId"] === "string") return record["threadId"];
  if (typeof record["conversationId"] === "string") return record["conversationId"];
  const thread = record["thread"];
  if (typeof thread === "object" && thread !== null && typeof (thread as Record<string, unknown>)["id"] === "string") {
    return (thread as Record<string, unknown>)["id"] as string;
  }
  return null;
}

/** A short description of why `schema` rejected a value, for logs and warnings. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** `model/list`: one page of the catalog. */
export const ModelListResponse = v.looseObject({
  data: v.array(
    v.looseObject({
      id: str,
      displayName: v.optional(v.string()),
      hidden: v.optional(v.boolean()),
      isDefault: v.optional(v.boolean()),
      defaultReasoningEffort: v.optional(v.string()),
      supportedReasoningEfforts: v.optional(v.array(v.looseObject({ reasoningEffort: v.string() }))),
    }),
  ),
  nextCursor: v.optional(v.nullable(v.string())),
});

/** `thread/list`: one page of Codex's threads (times in seconds). */
export const ThreadListResponse = v.looseObject({
  data: v.array(
    v.looseObject({
      id: str,
      name: v.optional(v.nullable(v.string())),
      preview: v.optional(v.string()),
      cwd: v.optional(v.string()),
      model: v.optional(v.nullable(v.string())),
      source: v.optional(v.unknown()),
      createdAt: v.optional(v.number()),
      updatedAt: v.optional(v.number()),
    }),
  ),
  nextCursor: v.optional(v.nullable(v.string())),
});

/** `turn/diff/updated`: the turn's whole unified diff so far. */
export const TurnDiffUpdated = v.looseObject({ threadId: str, turnId: str, diff: v.string() });
export const ModelRerouted = v.looseObject({
  threadId: str,
  turnId: optStr,
  fromModel: str,
  toModel: str,
  reason: v.unknown(),
});
export const ContextCompactionItem = v.looseObject({ type: v.literal("contextCompaction"), id: str });

const RateLimitWindowSchema = v.nullish(
  v.looseObject({
    usedPercent: v.number(),
    windowDurationMins: v.nullish(v.number()),
    resetsAt: v.nullish(v.number()),
  }),
);
export const RateLimitsResponse = v.looseObject({
  rateLimits: v.looseObject({
    limitId: v.nullish(v.string()),
    limitName: v.nullish(v.string()),
    planType: v.nullish(v.string()),
    primary: RateLimitWindowSchema,
    secondary: RateLimitWindowSchema,
    rateLimitReachedType: v.nullish(v.unknown()),
  }),
});

export const ThreadTurnsListResponse = v.looseObject({
  data: v.array(
    v.looseObject({
      id: str,
      status: v.optional(v.string(), "unknown"),
      startedAt: v.nullish(v.number()),
      completedAt: v.nullish(v.number()),
      items: v.optional(v.array(v.looseObject({ type: v.string() })), []),
    }),
  ),
});
