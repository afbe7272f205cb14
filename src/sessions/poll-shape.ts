/**
 * How a poll shows the events it read (`responseMode`). The log stores events for exact paging
 * (small, numbered, chunked); a client reading them wants fewer, whole pieces. Shaping happens on
 * one response's events only, never across responses, so the cursors a client holds stay valid;
 * every shaped response is no larger than the events it came from. Pure: no state, no clock.
 *
 * @module
 */
import { CONTINUED_SUFFIX, MERGEABLE_DELTA_TYPES, type SessionEvent } from "./event-log.ts";

export const RESPONSE_MODES = ["minimal", "delta_compact", "full"] as const;
/**
 * - `full`: the events as stored.
 * - `delta_compact` (default): adjacent deltas of one item merged into one event; a long field's
 *   continuation events joined back onto its event when all parts are in the response; data
 *   fields that only repeat the session's own values (see {@link ShapeOptions.session}) dropped.
 * - `minimal`: only the pinned events (approvals, results, errors …), shaped as in
 *   `delta_compact`, and how many of the others there were, by type.
 */
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/** A shaped event: a stored one, or several merged (`cursor` of the first, `lastCursor` of the last). */
export interface ShapedEvent {
  readonly cursor: number;
  readonly at: number;
  readonly type: string;
  readonly pinned: boolean;
  readonly data: Readonly<Record<string, unknown>>;
  /** Set when later events were folded into this one: the last cursor it covers. */
  readonly lastCursor?: number;
}

export interface ShapedEvents {
  events: ShapedEvent[];
  /** `minimal` only: the events left out, counted by type. */
  counts?: Record<string, number>;
}

export interface ShapeOptions {
  /**
   * Values the response states about the session itself, e.g. `{ sessionId, threadId, cwd, model }`.
   * In `delta_compact` and `minimal`, an event's data field with the same name and the same
   * (primitive) value is dropped as a repeat. Pass only what the response shows elsewhere.
   */
  session?: Readonly<Record<string, unknown>>;
}

export function shapeEvents(
  events: readonly SessionEvent[],
  mode: ResponseMode,
  options: ShapeOptions = {},
): ShapedEvents {
  if (mode === "full") return { events: [...events] };
  const compact = dropSessionInfo(mergeDeltas(joinContinuations(events)), options.session);
  if (mode === "delta_compact") return { events: compact };
  const counts: Record<string, number> = {};
  for (const event of events) if (!event.pinned) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return { events: compact.filter((event) => event.pinned), counts };
}

interface Draft {
  cursor: number;
  at: number;
  type: string;
  pinned: boolean;
  data: Record<string, unknown>;
  lastCursor?: number;
}

function draftOf(event: SessionEvent): Draft {
  return { cursor: event.cursor, at: event.at, type: event.type, pinned: event.pinned, data: { ...event.data } };
}

/** Puts cut fields back together where the event and every continuation of the field are present. */
function joinContinuations(events: readonly SessionEvent[]): Draft[] {
  const heads = new Map<number, SessionEvent>();
  /** head cursor → field → its continuation events */
  const parts = new Map<number, Map<string, SessionEvent[]>>();
  for (const event of events) {
    const { of, field } = event.data;
    const head = typeof of === "number" && typeof field === "string" ? heads.get(of) : undefined;
    if (head && event.type === head.type + CONTINUED_SUFFIX && typeof event.data.text === "string") {
      let fields = parts.get(of as number);
      if (!fields) parts.set(of as number, fields = new Map());
      const list = fields.get(field as string) ?? [];
      list.push(event);
      fields.set(field as string, list);
    } else {
      heads.set(event.cursor, event);
    }
  }

  const joined = new Map<number, Draft>();
  const consumed = new Set<number>();
  for (const [cursor, fields] of parts) {
    const head = heads.get(cursor)!;
    for (const [field, list] of fields) {
      if (!isComplete(head, field, list)) continue;
      const draft = joined.get(cursor) ?? draftOf(head);
      const text = (head.data[field] as string) + list.map((part) => part.data.text as string).join("");
      let value: unknown = text;
      if (head.data[`${field}Encoding`] === "json") {
        try {
          value = JSON.parse(text);
          delete draft.data[`${field}Encoding`];
        } catch {
          value = text; // not ours to repair: leave the JSON text and its marker
        }
      }
      draft.data[field] = value;
      delete draft.data[`${field}Truncated`];
      delete draft.data[`${field}Bytes`];
      draft.lastCursor = Math.max(draft.lastCursor ?? draft.cursor, list[list.length - 1]!.cursor);
      for (const part of list) consumed.add(part.cursor);
      joined.set(cursor, draft);
    }
  }
  const out: Draft[] = [];
  for (const event of events) if (!consumed.has(event.cursor)) out.push(joined.get(event.cursor) ?? draftOf(event));
  return out;
}

/** Parts 1…n in order, the last one marked, and a head that says it was cut. */
function isComplete(head: SessionEvent, field: string, list: readonly SessionEvent[]): boolean {
  if (head.data[`${field}Truncated`] !== true || typeof head.data[field] !== "string") return false;
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.data.index !== i + 1) return false;
    if ((list[i]!.data.last === true) !== (i === list.length - 1)) return false;
  }
  return list.length > 0;
}

/** Adjacent deltas of one item (same type, pin and other fields) become one. */
function mergeDeltas(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  for (const draft of drafts) {
    const previous = out[out.length - 1];
    if (previous && sameStream(previous, draft)) {
      previous.data.delta = (previous.data.delta as string) + (draft.data.delta as string);
      previous.lastCursor = draft.lastCursor ?? draft.cursor;
    } else {
      out.push(draft);
    }
  }
  return out;
}

function sameStream(a: Draft, b: Draft): boolean {
  if (a.type !== b.type || a.pinned !== b.pinned || !MERGEABLE_DELTA_TYPES.includes(a.type)) return false;
  if (typeof a.data.itemId !== "string" || a.data.itemId !== b.data.itemId) return false;
  if (
    typeof a.data.delta !== "string" || typeof b.data.delta !== "string" || "deltaTruncated" in a.data ||
    "deltaTruncated" in b.data
  ) return false;
  const keys = Object.keys(a.data);
  if (keys.length !== Object.keys(b.data).length) return false;
  return keys.every((key) => key === "delta" || (key in b.data && a.data[key] === b.data[key]));
}

function dropSessionInfo(drafts: Draft[], session: Readonly<Record<string, unknown>> | undefined): Draft[] {
  if (!session) return drafts;
  const repeats = Object.entries(session).filter(([, value]) =>
    value !== undefined && value !== null && typeof value !== "object"
  );
  if (repeats.length === 0) return drafts;
  for (const draft of drafts) {
    for (const [key, value] of repeats) if (draft.data[key] === value) delete draft.data[key];
  }
  return drafts;
}
