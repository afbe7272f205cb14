/**
 * A deliberately small, line-based reader for the facts discovery and readiness want from a Codex
 * `config.toml`: the top-level `project_root_markers` and `model_provider`, the
 * `projects.<path>.trust_level` entries, and each `model_providers.<id>.requires_openai_auth`. It is not a TOML parser: it understands table headers, dotted keys (bare, "basic" and
 * 'literal'), single-line strings, string arrays (also over several lines), and
 * `{ trust_level = "…" }` inline tables, and skips everything else, including the insides of
 * multi-line strings. What it cannot read it leaves out; callers treat that as "not set".
 *
 * @module
 */

/** What {@link scanCodexToml} found. */
export interface CodexTomlFacts {
  /** The top-level `project_root_markers`, when present as an array of strings. */
  projectRootMarkers?: string[];
  /** `projects."<path>".trust_level`, by path as written. */
  projectTrust: Map<string, string>;
  /** The top-level `model_provider`. */
  modelProvider?: string;
  /** `model_providers.<id>.requires_openai_auth`, by provider id. */
  providerRequiresOpenaiAuth: Map<string, boolean>;
  /** The names of the MCP servers the file defines (`[mcp_servers.<name>]`, or keys under it). */
  mcpServers: Set<string>;
}

/** Reads the facts from a config.toml text. Never throws. */
export function scanCodexToml(text: string): CodexTomlFacts {
  const facts: CodexTomlFacts = {
    projectTrust: new Map(),
    providerRequiresOpenaiAuth: new Map(),
    mcpServers: new Set(),
  };
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let table: string[] = [];
  let inMultiline: '"""' | "'''" | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (inMultiline !== null) {
      if (countOf(line, inMultiline) % 2 === 1) inMultiline = null;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;

    if (trimmed.startsWith("[")) {
      const arrayTable = trimmed.startsWith("[[");
      const parsed = parseKeyPath(trimmed, arrayTable ? 2 : 1);
      const close = parsed ? skipSpaces(trimmed, parsed.end) : -1;
      const closer = arrayTable ? "]]" : "]";
      if (parsed && trimmed.startsWith(closer, close)) {
        // An element of an array of tables cannot be a projects.<path> table we understand.
        table = arrayTable ? ["\u0000array", ...parsed.keys] : parsed.keys;
        if (!arrayTable && table[0] === "mcp_servers" && table[1] !== undefined) facts.mcpServers.add(table[1]);
      } else {
        table = ["\u0000unknown"];
      }
      continue;
    }

    const key = parseKeyPath(trimmed, 0);
    if (!key) continue;
    let pos = skipSpaces(trimmed, key.end);
    if (trimmed[pos] !== "=") continue;
    pos = skipSpaces(trimmed, pos + 1);
    let value = trimmed.slice(pos);

    for (const delim of ['"""', "'''"] as const) {
      if (value.startsWith(delim) && countOf(value, delim) % 2 === 1) inMultiline = delim;
    }
    if (inMultiline !== null) continue;

    // A string array may continue over the next lines.
    if (value.startsWith("[") && !closesArray(value)) {
      while (i + 1 < lines.length && !closesArray(value)) value += `\n${lines[++i] ?? ""}`;
    }

    const full = [...table, ...key.keys];
    if (full[0] === "mcp_servers" && full[1] !== undefined) facts.mcpServers.add(full[1]);
    if (full.length === 1 && full[0] === "project_root_markers") {
      const markers = parseStringArray(value);
      if (markers) facts.projectRootMarkers = markers;
    } else if (full.length === 3 && full[0] === "projects" && full[2] === "trust_level") {
      const level = parseString(value, 0);
      if (level) facts.projectTrust.set(full[1] ?? "", level.value);
    } else if (full.length === 1 && full[0] === "model_provider") {
      const provider = parseString(value, 0);
      if (provider) facts.modelProvider = provider.value;
    } else if (full.length === 3 && full[0] === "model_providers" && full[2] === "requires_openai_auth") {
      const flag = /^(true|false)\b/.exec(value);
      if (flag) facts.providerRequiresOpenaiAuth.set(full[1] ?? "", flag[1] === "true");
    } else if (full.length === 2 && full[0] === "projects" && value.startsWith("{")) {
      const match = /(?:^|[{,\s])trust_level\s*=\s*(["'])(\w+)\1/.exec(value);
      if (match?.[2]) facts.projectTrust.set(full[1] ?? "", match[2]);
    }
  }
  return facts;
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function skipSpaces(text: string, pos: number): number {
  while (text[pos] === " " || text[pos] === "\t") pos++;
  return pos;
}

/** A dotted key at `pos`: its parts and where it ends; `null` when there is none. */
export function parseKeyPath(text: string, pos: number): { keys: string[]; end: number } | null {
  const keys: string[] = [];
  pos = skipSpaces(text, pos);
  for (;;) {
    const ch = text[pos];
    if (ch === '"' || ch === "'") {
      const s = parseString(text, pos);
      if (!s) return null;
      keys.push(s.value);
      pos = s.end;
    } else {
      const match = /^[A-Za-z0-9_-]+/.exec(text.slice(pos));
      if (!match) return null;
      keys.push(match[0]);
      pos += match[0].length;
    }
    const after = skipSpaces(text, pos);
    if (text[after] !== ".") return { keys, end: pos };
    pos = skipSpaces(text, after + 1);
  }
}

const ESCAPES: Readonly<Record<string, string>> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

/** A single-line basic or literal string at `pos`. */
function parseString(text: string, pos: number): { value: string; end: number } | null {
  const quote = text[pos];
  if (quote === "'") {
    const close = text.indexOf("'", pos + 1);
    return close === -1 ? null : { value: text.slice(pos + 1, close), end: close + 1 };
  }
  if (quote !== '"') return null;
  let value = "";
  for (let i = pos + 1; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === '"') return { value, end: i + 1 };
    if (ch !== "\\") {
      value += ch;
      continue;
    }
    const next = text[i + 1] ?? "";
    if (next === "u" || next === "U") {
      const len = next === "u" ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + len);
      if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) return null;
      value += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 1 + len;
      continue;
    }
    const escaped = ESCAPES[next];
    if (escaped === undefined) return null;
    value += escaped;
    i++;
  }
  return null;
}

/** Whether an array value's brackets are balanced (ignoring brackets inside strings). */
function closesArray(value: string): boolean {
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' || ch === "'") {
      const s = parseString(value, i);
      if (!s) return false;
      i = s.end - 1;
    } else if (ch === "#") {
      const nl = value.indexOf("\n", i);
      if (nl === -1) return false;
      i = nl;
    } else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) return true;
  }
  return false;
}

/** `[ "a", 'b', ]` (comments and line breaks allowed) → `["a", "b"]`; `null` for anything else. */
function parseStringArray(value: string): string[] | null {
  if (!value.startsWith("[")) return null;
  const out: string[] = [];
  let i = 1;
  for (;;) {
    while (i < value.length && /[\s,]/.test(value[i] ?? "")) i++;
    if (value[i] === "#") {
      const nl = value.indexOf("\n", i);
      if (nl === -1) return null;
      i = nl;
      continue;
    }
    if (value[i] === "]") return out;
    const s = parseString(value, i);
    if (!s) return null;
    out.push(s.value);
    i = s.end;
  }
}
