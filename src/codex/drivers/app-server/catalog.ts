/**
 * What Codex lists, in the backend's words: its threads (`thread/list`), its models
 * (`model/list`) and the account's rate limits (`account/rateLimits/read`).
 *
 * @module
 */
import type * as v from "valibot";
import type { CodexTurn, ModelInfo, RateLimits, RateLimitWindow, ThreadSummary } from "../../listings.ts";
import type { ModelListResponse, RateLimitsResponse, ThreadListResponse, ThreadTurnsListResponse } from "./protocol.ts";

type ListedThread = v.InferOutput<typeof ThreadListResponse>["data"][number];
type ListedModel = v.InferOutput<typeof ModelListResponse>["data"][number];

/** Codex gives seconds; anything this large already is milliseconds. */
const toMs = (t: number | undefined) => (t === undefined ? 0 : t < 1e12 ? t * 1000 : t);

export function threadSummaryOf(t: ListedThread): ThreadSummary {
  return {
    threadId: t.id,
    name: t.name ?? null,
    preview: (t.preview ?? "").slice(0, 200),
    cwd: t.cwd ?? "",
    model: t.model ?? null,
    // A source is a word (`cli`), or an object naming one (`{subagent: …}`).
    source: typeof t.source === "string"
      ? t.source
      : t.source && typeof t.source === "object"
      ? Object.keys(t.source)[0] ?? null
      : null,
    createdAt: toMs(t.createdAt),
    updatedAt: toMs(t.updatedAt),
  };
}

export function modelInfoOf(m: ListedModel): ModelInfo {
  return {
    id: m.id,
    displayName: m.displayName ?? m.id,
    isDefault: m.isDefault === true,
    defaultEffort: m.defaultReasoningEffort ?? "medium",
    efforts: (m.supportedReasoningEfforts ?? []).map((e) => e.reasoningEffort),
  };
}

type ReadLimits = v.InferOutput<typeof RateLimitsResponse>["rateLimits"];

function windowOf(w: ReadLimits["primary"]): RateLimitWindow | null {
  if (!w) return null;
  return {
    usedPercent: w.usedPercent,
    windowMinutes: w.windowDurationMins ?? null,
    resetsAt: w.resetsAt === undefined || w.resetsAt === null ? null : toMs(w.resetsAt),
  };
}

export function rateLimitsOf(r: ReadLimits): RateLimits {
  const reached = r.rateLimitReachedType;
  return {
    limitId: r.limitId ?? null,
    limitName: r.limitName ?? null,
    planType: r.planType ?? null,
    primary: windowOf(r.primary),
    secondary: windowOf(r.secondary),
    reached: reached === undefined || reached === null
      ? null
      : typeof reached === "string"
      ? reached
      : JSON.stringify(reached),
  };
}

type ListedTurn = v.InferOutput<typeof ThreadTurnsListResponse>["data"][number];

/** Longest prompt or answer a listed turn shows: a list, not the transcript. */
const TURN_TEXT_CHARS = 500;

const shortened = (text: string) => (text.length > TURN_TEXT_CHARS ? `${text.slice(0, TURN_TEXT_CHARS)}…` : text);

export function codexTurnOf(t: ListedTurn): CodexTurn {
  let prompt: string | null = null;
  let answer: string | null = null;
  for (const item of t.items as Record<string, unknown>[]) {
    if (item.type === "userMessage" && prompt === null && Array.isArray(item.content)) {
      const text = (item.content as { type?: string; text?: string }[])
        .filter((c) => c.type === "text" && typeof c.text === "string").map((c) => c.text).join("\n");
      if (text) prompt = shortened(text);
    }
    if (item.type === "agentMessage" && typeof item.text === "string") answer = shortened(item.text);
  }
  return {
    turnId: t.id,
    status: t.status,
    startedAt: t.startedAt === undefined || t.startedAt === null ? null : toMs(t.startedAt),
    endedAt: t.completedAt === undefined || t.completedAt === null ? null : toMs(t.completedAt),
    prompt,
    answer,
  };
}
