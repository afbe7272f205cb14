/**
 * What Codex lists, in the backend's words: its threads (`thread/list`) and its models
 * (`model/list`).
 *
 * @module
 */
import type * as v from "valibot";
import type { ModelInfo, ThreadSummary } from "../../backend.ts";
import type { ModelListResponse, ThreadListResponse } from "./protocol.ts";

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
