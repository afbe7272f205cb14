/**
 * The {@link Database} handle on `node:sqlite`'s `DatabaseSync`, which Node (≥ 22.13), Bun (also
 * compiled binaries) and Deno all provide (measured: Node 22.23 with SQLite 3.51, Bun 1.4.5 with
 * 3.54, Deno 2.9.6 with 3.53; WAL works in each). One translation for the three adapters: errors
 * become {@link DatabaseError} with SQLite's result code by name, nothing else is decided here.
 *
 * This file only imports node:sqlite's types; each adapter hands in the class it loaded.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Database, DatabaseError, type SqlRow, type SqlStatement, type SqlValue } from "./types.ts";

/** SQLite's primary result codes (https://sqlite.org/rescode.html), by number. */
const RESULT_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
};

/**
 * SQLite's own texts for its result codes (`sqlite3_errstr`), for errors that come without a
 * number: Deno's node:sqlite throws "unable to open database file" with no `errcode`.
 */
const RESULT_TEXTS: readonly [string, number][] = [
  ["unable to open database file", 14],
  ["file is not a database", 26],
  ["database disk image is malformed", 11],
  ["database is locked", 5],
  ["database table is locked", 6],
  ["attempt to write a readonly database", 8],
  ["database or disk is full", 13],
  ["disk I/O error", 10],
];

/** Any error from node:sqlite as a {@link DatabaseError}. */
function toDatabaseError(error: unknown, path: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = error as { errcode?: unknown; errstr?: unknown; message?: unknown };
  const message = `${typeof e?.message === "string" ? e.message : String(error)} (${path})`;
  if (typeof e?.errcode === "number") {
    const code = RESULT_CODES[e.errcode & 0xff] ?? `SQLITE_${e.errcode & 0xff}`;
    return new DatabaseError(code, e.errcode, message, { cause: error });
  }
  const known = RESULT_TEXTS.find(([text]) => message.includes(text));
  if (known) return new DatabaseError(RESULT_CODES[known[1]]!, known[1], message, { cause: error });
  return new DatabaseError("SQLITE_UNKNOWN", null, message, { cause: error });
}

function guard<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toDatabaseError(error, path);
  }
}

function wrapStatement(statement: StatementSync, path: string): SqlStatement {
  return {
    run: (...params: SqlValue[]) =>
      guard(path, () => {
        const { changes, lastInsertRowid } = statement.run(...params);
        return { changes: Number(changes), lastInsertRowid };
      }),
    get: (...params: SqlValue[]) => guard(path, () => statement.get(...params) as SqlRow | undefined),
    all: (...params: SqlValue[]) => guard(path, () => statement.all(...params) as SqlRow[]),
  };
}

/** Opens `path` with the runtime's `DatabaseSync` (undefined: this runtime has none). */
export function openNodeSqlite(
  DatabaseSyncClass: typeof DatabaseSync | undefined,
  path: string,
  runtime: string,
): Database {
  if (!DatabaseSyncClass) {
    throw new DatabaseError(
      "SQLITE_UNAVAILABLE",
      null,
      `${runtime} has no node:sqlite; codex-mcp's state needs Node ≥ 22.13, Bun or Deno ≥ 2.2 (${path})`,
    );
  }
  const db = guard(path, () => new DatabaseSyncClass(path));
  let open = true;
  return {
    path,
    exec: (sql) => guard(path, () => db.exec(sql)),
    prepare: (sql) => wrapStatement(guard(path, () => db.prepare(sql)), path),
    close() {
      if (!open) return;
      open = false;
      guard(path, () => db.close());
    },
  };
}
