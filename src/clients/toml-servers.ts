/**
 * Edits one `[mcp_servers.<name>]` entry of a Codex `config.toml` and leaves the rest of the file
 * byte for byte: the entry's tables (`[mcp_servers.<name>]`, `[mcp_servers.<name>.env]`, …) are
 * cut out where they stand and the new ones appended at the end. An entry written another way
 * (an inline table, dotted keys under `[mcp_servers]`) is not guessed at: the edit is refused.
 *
 * @module
 */
import { parseKeyPath } from "../diagnostics/toml-scan.ts";

/** The entry could not be edited safely; the message says where and why. */
export class TomlEditError extends Error {}

/** What an MCP server entry holds. */
export interface ServerEntry {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}

interface Line {
  text: string;
  start: number;
  /** The header's key path, for a table header line. */
  header?: string[];
  /** The key path of a `key = value` line (relative to its table). */
  key?: string[];
}

/** Lines with what they declare; lines inside multi-line strings declare nothing. */
function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let open: '"""' | "'''" | null = null;
  for (const raw of text.split("\n")) {
    const line: Line = { text: raw, start };
    start += raw.length + 1;
    lines.push(line);
    const trimmed = raw.trim();
    if (open) {
      if (raw.split(open).length % 2 === 0) open = null;
      continue;
    }
    if (trimmed.startsWith("[")) {
      const double = trimmed.startsWith("[[");
      const path = parseKeyPath(trimmed, double ? 2 : 1);
      if (path) line.header = path.keys;
      continue;
    }
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const key = parseKeyPath(trimmed, 0);
    if (key && trimmed.slice(key.end).trimStart().startsWith("=")) line.key = key.keys;
    for (const quote of ['"""', "'''"] as const) {
      if (raw.split(quote).length % 2 === 0) open = quote;
    }
  }
  return lines;
}

const startsWith = (keys: readonly string[], prefix: readonly string[]) => prefix.every((part, i) => keys[i] === part);

/** The text with `name`'s tables removed; refuses other spellings of the entry. */
function without(text: string, name: string): { text: string; found: boolean } {
  const entry = ["mcp_servers", name];
  const lines = linesOf(text);
  let table: string[] = [];
  let cutting = false;
  let found = false;
  const kept: string[] = [];
  // Comments at the end of a cut table belong to the table that follows: they are kept with it.
  let comments: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.header) {
      table = line.header;
      const was = cutting;
      cutting = startsWith(table, entry);
      found ||= cutting;
      if (was && !cutting) kept.push(...comments);
      comments = [];
    } else if (line.key && !cutting && startsWith([...table, ...line.key], entry)) {
      throw new TomlEditError(
        `line ${
          i + 1
        } defines mcp_servers.${name} in a form codex-mcp does not edit (${line.text.trim()}); edit that entry by hand, or remove it first`,
      );
    }
    if (!cutting) kept.push(line.text);
    else if (line.text.trim().startsWith("#")) comments.push(line.text);
    else if (line.text.trim() !== "") comments = [];
  }
  return { text: kept.join("\n"), found };
}

const BARE = /^[A-Za-z0-9_-]+$/;
const key = (k: string) => (BARE.test(k) ? k : tomlString(k));

// deno-lint-ignore no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f]/g;

/** A TOML basic string. */
function tomlString(value: string): string {
  const escaped = value.replace(
    NEEDS_ESCAPE,
    (c) => c === "\\" ? "\\\\" : c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}

function tablesOf(name: string, entry: ServerEntry): string {
  const head = `mcp_servers.${key(name)}`;
  const lines = [
    `[${head}]`,
    `command = ${tomlString(entry.command)}`,
    `args = [${entry.args.map(tomlString).join(", ")}]`,
  ];
  const env = Object.entries(entry.env);
  if (env.length > 0) {
    lines.push("", `[${head}.env]`, ...env.map(([k, v]) => `${key(k)} = ${tomlString(v)}`));
  }
  return lines.join("\n");
}

/** Sets the entry `name` (replacing its tables, wherever they were, with new ones at the end). */
export function setServer(text: string, name: string, entry: ServerEntry): string {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const rest = without(text.replace(/\r\n/g, "\n"), name).text.replace(/\s+$/, "");
  const body = `${rest}${rest ? "\n\n" : ""}${tablesOf(name, entry)}\n`;
  return body.replace(/\n/g, newline);
}

/** Removes the entry `name`; `null` when it is not there. */
export function removeServer(text: string, name: string): string | null {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const { text: rest, found } = without(text.replace(/\r\n/g, "\n"), name);
  if (!found) return null;
  const trimmed = rest.replace(/\s+$/, "");
  return (trimmed ? `${trimmed}\n` : "").replace(/\n/g, newline);
}
