/**
 * Edits one member of a JSON object in a client's config file and leaves every other byte as it
 * was: comments, trailing commas, key order, indentation and line endings (VS Code and Cursor
 * files are JSON with comments). The file is parsed with positions; an edit splices new text at
 * those positions and re-parses the result, so a broken edit can never be written.
 *
 * @module
 */

/** A syntax error, with the line and column where the reading stopped. */
export class JsoncError extends Error {}

/** An object in the parsed text: where it is and its members, in order. */
interface ObjectNode {
  kind: "object";
  start: number;
  /** Just after the closing brace. */
  end: number;
  members: Member[];
}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  value: ObjectNode | { kind: "other" };
}

class Reader {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    const column = this.pos - before.lastIndexOf("\n");
    throw new JsoncError(`${what} at line ${line}, column ${column}`);
  }

  /** Skips whitespace and comments. */
  skip(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos]!)) this.pos++;
      if (t.startsWith("//", this.pos)) {
        const eol = t.indexOf("\n", this.pos);
        this.pos = eol < 0 ? t.length : eol;
      } else if (t.startsWith("/*", this.pos)) {
        const close = t.indexOf("*/", this.pos + 2);
        if (close < 0) this.fail("an unclosed comment");
        this.pos = close + 2;
      } else return;
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++; // the opening quote
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      if (this.text[this.pos] === "\\") this.pos++;
      if (this.text[this.pos] === "\n") this.fail("a line break inside a string");
      this.pos++;
    }
    if (this.pos >= this.text.length) this.fail("an unclosed string");
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos));
    } catch {
      return this.fail("a bad escape in a string");
    }
  }

  value(): ObjectNode | { kind: "other" } {
    this.skip();
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") {
      this.pos++;
      this.skip();
      while (this.text[this.pos] !== "]") {
        this.value();
        this.skip();
        if (this.text[this.pos] === ",") {
          this.pos++;
          this.skip();
        } else if (this.text[this.pos] !== "]") this.fail("expected , or ]");
      }
      this.pos++;
      return { kind: "other" };
    }
    if (c === '"') {
      this.string();
      return { kind: "other" };
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos));
    if (!literal) this.fail("expected a value");
    this.pos += literal[0].length;
    return { kind: "other" };
  }

  object(): ObjectNode {
    const node: ObjectNode = { kind: "object", start: this.pos, end: 0, members: [] };
    this.pos++;
    this.skip();
    while (this.text[this.pos] !== "}") {
      if (this.text[this.pos] !== '"') this.fail("expected a quoted key");
      const keyStart = this.pos;
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ":") this.fail("expected :");
      this.pos++;
      this.skip();
      const valueStart = this.pos;
      const value = this.value();
      node.members.push({ key, keyStart, valueStart, valueEnd: this.pos, value });
      this.skip();
      if (this.text[this.pos] === ",") {
        this.pos++;
        this.skip();
      } else if (this.text[this.pos] !== "}") this.fail("expected , or }");
    }
    this.pos++;
    node.end = this.pos;
    return node;
  }
}

/** Parses `text` (an empty file reads as `{}`); throws {@link JsoncError} unless its top is an object. */
function parseRoot(text: string): ObjectNode {
  const reader = new Reader(text);
  reader.skip();
  if (reader.pos === text.length) throw new JsoncError("empty");
  if (text[reader.pos] !== "{") reader.fail("expected the file to hold an object");
  const root = reader.object();
  reader.skip();
  if (reader.pos !== text.length) reader.fail("unexpected text after the object");
  return root;
}

/** The value at `path` (object keys), parsed; `undefined` when absent. Throws {@link JsoncError}. */
export function readMember(text: string, path: readonly string[]): unknown {
  if (text.trim() === "") return undefined;
  let node: ObjectNode = parseRoot(text);
  for (const [i, key] of path.entries()) {
    const member = node.members.findLast((m) => m.key === key);
    if (!member) return undefined;
    if (i === path.length - 1) return parseLoose(text.slice(member.valueStart, member.valueEnd));
    if (member.value.kind !== "object") return undefined;
    node = member.value;
  }
  return undefined;
}

/** JSON with comments and trailing commas removed, then parsed. */
function parseLoose(fragment: string): unknown {
  let out = "";
  const r = new Reader(fragment);
  while (r.pos < fragment.length) {
    const c = fragment[r.pos]!;
    if (c === '"') {
      const start = r.pos;
      r.string();
      out += fragment.slice(start, r.pos);
    } else if (fragment.startsWith("//", r.pos) || fragment.startsWith("/*", r.pos)) r.skip();
    else {
      out += c;
      r.pos++;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

interface Style {
  newline: string;
  /** One level of indentation. */
  unit: string;
}

function styleOf(text: string): Style {
  const indented = /\n([ \t]+)\S/.exec(text);
  return { newline: text.includes("\r\n") ? "\r\n" : "\n", unit: indented?.[1] ?? "  " };
}

/** The whitespace that starts the line `pos` is on. */
function indentAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function render(value: unknown, indent: string, style: Style): string {
  return JSON.stringify(value, null, style.unit).split("\n").join(style.newline + indent);
}

/**
 * Sets `path` (a chain of object keys, the last one the member to set) to `value`, creating the
 * objects on the way. Returns the new text. Throws {@link JsoncError} when the file is not an
 * object, or something on the path is not one.
 */
export function setMember(text: string, path: readonly string[], value: unknown): string {
  if (text.trim() === "") text = "{}\n";
  const style = styleOf(text);
  let node = parseRoot(text);
  let depth = 0;
  for (; depth < path.length; depth++) {
    const member = node.members.findLast((m) => m.key === path[depth]);
    if (!member) break;
    if (depth === path.length - 1) {
      // Replace the value where it stands.
      const edited = text.slice(0, member.valueStart) + render(value, indentAt(text, member.keyStart), style) +
        text.slice(member.valueEnd);
      parseRoot(edited);
      return edited;
    }
    if (member.value.kind !== "object") {
      throw new JsoncError(`${path.slice(0, depth + 1).join(".")} is not an object`);
    }
    node = member.value;
  }
  // Insert the missing rest of the path as one new member of `node`.
  let nested: unknown = value;
  for (let i = path.length - 1; i > depth; i--) nested = { [path[i]!]: nested };
  const edited = insertMember(text, node, path[depth]!, nested, style);
  parseRoot(edited);
  return edited;
}

function insertMember(text: string, node: ObjectNode, key: string, value: unknown, style: Style): string {
  const closing = indentAt(text, node.end - 1);
  const last = node.members.at(-1);
  const indent = last ? indentAt(text, last.keyStart) : closing + style.unit;
  const member = `${JSON.stringify(key)}: ${render(value, indent, style)}`;
  if (!last) {
    // `{}` (or only comments inside): open it up.
    const inner = text.slice(node.start + 1, node.end - 1);
    const body = inner.trim() === "" ? "" : inner.replace(/\s+$/, "");
    return `${text.slice(0, node.start + 1)}${body}${style.newline}${indent}${member}${style.newline}${closing}}${
      text.slice(node.end)
    }`;
  }
  // After the last member (and a comment closing its line, which stays with it), keeping a
  // trailing comma if the file has one.
  const r = new Reader(text);
  r.pos = last.valueEnd;
  r.skip();
  if (text[r.pos] === ",") {
    const at = endOfLineComment(text, r.pos + 1);
    return `${text.slice(0, at)}${style.newline}${indent}${member},${text.slice(at)}`;
  }
  const at = endOfLineComment(text, last.valueEnd);
  return `${text.slice(0, last.valueEnd)},${text.slice(last.valueEnd, at)}${style.newline}${indent}${member}${
    text.slice(at)
  }`;
}

/** Past a comment that follows `pos` on the same line (before the line break), or `pos` itself. */
function endOfLineComment(text: string, pos: number): number {
  const eol = text.indexOf("\n", pos);
  const lineEnd = eol < 0 ? text.length : text[eol - 1] === "\r" ? eol - 1 : eol;
  return /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)$/.test(text.slice(pos, lineEnd)) ? lineEnd : pos;
}

/**
 * Removes the member at `path`; returns the new text, or `null` when it is not there. Throws
 * {@link JsoncError} for a file that is not an object.
 */
export function removeMember(text: string, path: readonly string[]): string | null {
  if (text.trim() === "") return null;
  let node = parseRoot(text);
  for (const [depth, key] of path.entries()) {
    const index = node.members.findLastIndex((m) => m.key === key);
    if (index < 0) return null;
    const member = node.members[index]!;
    if (depth < path.length - 1) {
      if (member.value.kind !== "object") return null;
      node = member.value;
      continue;
    }
    const next = node.members[index + 1];
    const previous = node.members[index - 1];
    let edited: string;
    if (next) {
      edited = text.slice(0, member.keyStart) + text.slice(next.keyStart);
    } else if (previous) {
      // The last member: cut from the end of the one before, keeping a trailing comma's absence.
      const r = new Reader(text);
      r.pos = member.valueEnd;
      r.skip();
      const after = text[r.pos] === "," ? r.pos + 1 : member.valueEnd;
      edited = text.slice(0, previous.valueEnd) + (text[r.pos] === "," ? "," : "") + text.slice(after);
    } else {
      edited = text.slice(0, node.start + 1) + text.slice(node.end - 1);
    }
    parseRoot(edited);
    return edited;
  }
  return null;
}
