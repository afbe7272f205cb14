/** Shared bits of the session tests: a manual clock, byte sizes, and reassembly of cut fields. */
import type { SessionEvent } from "../../src/sessions/event-log.ts";

const encoder = new TextEncoder();

/** UTF-8 bytes of a value's JSON, measured independently of the code under test. */
export function jsonSize(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/** A clock that only moves when told. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The full text of `field` of the event at `head`, from the event and its continuations among `events`. */
export function reassemble(events: readonly SessionEvent[], head: number, field: string): string {
  const first = events.find((e) => e.cursor === head);
  if (!first) throw new Error(`event ${head} not found`);
  const parts = events.filter((e) =>
    e.type === `${first.type}_continued` && e.data.of === head && e.data.field === field
  );
  parts.forEach((p, i) => {
    if (p.data.index !== i + 1) throw new Error(`part ${i + 1} out of order`);
  });
  if (first.data[`${field}Truncated`] === true && parts.at(-1)?.data.last !== true) {
    throw new Error("last part missing");
  }
  return (first.data[field] as string) + parts.map((p) => p.data.text as string).join("");
}

/** A 300 KiB-ish text of 2-, 3- and 4-byte characters, with JSON escapes mixed in. */
export function multiByteText(targetBytes: number): string {
  const unit = 'é中😀"\n€𝄞ß';
  return unit.repeat(Math.ceil(targetBytes / encoder.encode(unit).length));
}
