/**
 * Sizes and splits of text as it will travel: inside JSON, encoded as UTF-8. The event log bounds
 * every stored event and every poll response in these bytes, so a chunk is measured by what it
 * costs in the JSON (a quote or a newline takes two bytes, a control character six), not by its
 * UTF-16 length: escaping can never push an event past its bound. Splits fall on code points, so a
 * surrogate pair is never cut in two.
 *
 * @module
 */

/** UTF-8 bytes of `text` (a lone surrogate counts as U+FFFD, 3 bytes, as TextEncoder writes it). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** UTF-8 bytes of `JSON.stringify(text)` without the two quotes. */
export function jsonStringBytes(text: string): number {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const units = unitAt(text, i);
    bytes += units.bytes;
    i += units.length - 1;
  }
  return bytes;
}

/** UTF-8 bytes of `JSON.stringify(value)`; 0 for what JSON leaves out (undefined, functions). */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? 0 : utf8Bytes(json);
}

/**
 * Splits `text` into pieces whose JSON-escaped UTF-8 size is at most `chunkBytes` each, except the
 * first, which gets at most `firstChunkBytes` (it may be empty when that is too small for the first
 * code point). Joining the pieces gives `text` back exactly. Always at least one piece.
 */
export function splitJsonText(text: string, chunkBytes: number, firstChunkBytes: number = chunkBytes): string[] {
  if (!(chunkBytes >= 6)) {
    throw new RangeError(`chunkBytes must be at least 6 (one escaped code unit), got ${chunkBytes}`);
  }
  const pieces: string[] = [];
  let start = 0;
  let used = 0;
  let limit = Math.max(0, firstChunkBytes);
  const length = text.length;
  for (let i = 0; i < length;) {
    const unit = unitAt(text, i);
    if (used + unit.bytes > limit) {
      pieces.push(text.slice(start, i));
      start = i;
      used = 0;
      limit = chunkBytes;
    }
    used += unit.bytes;
    i += unit.length;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** Whether a JSON-encoded join of `a + b` is 8 bytes smaller than the parts: a surrogate pair split between them. */
export function joinsSurrogatePair(a: string, b: string): boolean {
  const last = a.charCodeAt(a.length - 1);
  return last >= 0xd800 && last <= 0xdbff && isLowSurrogate(b.charCodeAt(0));
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The code point at `i` (one or two UTF-16 units) and its JSON-escaped UTF-8 size. */
function unitAt(text: string, i: number): { length: 1 | 2; bytes: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    if (c === 0x22 || c === 0x5c) return ONE_2; // \" \\
    if (c >= 0x20) return ONE_1;
    // \b \t \n \f \r have short escapes; other control characters are \u00XX
    return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? ONE_2 : ONE_6;
  }
  if (c < 0x800) return ONE_2;
  if (c >= 0xd800 && c <= 0xdbff) return isLowSurrogate(text.charCodeAt(i + 1)) ? PAIR_4 : ONE_6;
  if (isLowSurrogate(c)) return ONE_6; // JSON.stringify escapes lone surrogates as \uDXXX
  return ONE_3;
}

const ONE_1 = { length: 1, bytes: 1 } as const;
const ONE_2 = { length: 1, bytes: 2 } as const;
const ONE_3 = { length: 1, bytes: 3 } as const;
const ONE_6 = { length: 1, bytes: 6 } as const;
const PAIR_4 = { length: 2, bytes: 4 } as const;
