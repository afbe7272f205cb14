/**
 * Opening the state database: check that the file is codex-mcp's, not newer than this code and
 * intact; switch it to WAL; copy it aside and migrate it to the current schema. Every refusal is
 * a {@link StoreError} naming the file, which is left as it was. Also the one mapping of SQLite's
 * errors onto the registry's STATE_* codes.
 *
 * @module
 */
import { StoreError } from "../platform/state-error.ts";
import { type Database, DatabaseError } from "../runtime/types.ts";
import { APPLICATION_ID, type Migration } from "./sqlite-schema.ts";

/** The variable that moves the state directory (see state-dir.ts). */
const STATE_DIR_VARIABLE = "CODEX_MCP_STATE_DIR";

/** Checks, switches to WAL and migrates an open database (copying it aside first); returns warnings and the copy. Throws on refusal. */
export function prepareDatabase(
  db: Database,
  path: string,
  migrations: readonly Migration[],
  busyTimeoutMs: number,
): { warnings: string[]; backup: string | null } {
  const warnings: string[] = [];
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // The first read of the file: a file that is not a database fails here, with SQLITE_NOTADB.
  const version = pragmaNumber(db, "user_version");
  checkOwnership(db, path, version);
  if (version > latest) throw newerSchema(path, version, latest);
  const problems = db
    .prepare("PRAGMA quick_check(10)")
    .all()
    .map((row) => String(Object.values(row)[0]));
  if (problems.length !== 1 || problems[0] !== "ok") {
    throw new StoreError(
      "STATE_CORRUPT",
      `the state database ${path} is damaged (SQLite's integrity check: ${
        problems.slice(0, 3).join("; ")
      }); it was left as it is`,
      corruptHint(path),
      path,
    );
  }
  const mode = String(Object.values(db.prepare("PRAGMA journal_mode = WAL").get() ?? {})[0] ?? "");
  if (mode.toLowerCase() !== "wal") {
    warnings.push(
      `the state database ${path} could not switch to WAL (journal mode is "${mode}"); it works, but writes are slower and a reader may wait for a writer`,
    );
  }
  db.exec("PRAGMA synchronous = NORMAL");
  const backup = migrate(db, path, migrations);
  if (backup) {
    warnings.push(
      `upgraded the state database ${path} to schema version ${latest}; the file as it was is kept as ${backup}`,
    );
  }
  return { warnings, backup };
}

/** Refuses another program's SQLite file: a foreign application id, or tables at version 0. */
function checkOwnership(db: Database, path: string, version: number): void {
  const applicationId = pragmaNumber(db, "application_id");
  const foreignId = applicationId !== 0 && applicationId !== APPLICATION_ID;
  const hasTables = version === 0 && applicationId === 0 &&
    db.prepare("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 1").get() !== undefined;
  if (!foreignId && !hasTables) return;
  const why = foreignId
    ? `its application id is 0x${(applicationId >>> 0).toString(16)}, not codex-mcp's`
    : "it holds tables but no codex-mcp schema version";
  throw new StoreError(
    "STATE_CORRUPT",
    `${path} is an SQLite database of another program (${why}); codex-mcp did not touch it`,
    `Move that file away, or set ${STATE_DIR_VARIABLE} to a directory of codex-mcp's own.`,
    path,
  );
}

/** Runs the steps above the file's version, each with its version bump in one transaction. */
function migrate(db: Database, path: string, migrations: readonly Migration[]): string | null {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const from = pragmaNumber(db, "user_version");
  const backup = from >= 1 && from < latest ? backUp(db, path, from) : null;
  for (const step of migrations) {
    if (pragmaNumber(db, "user_version") >= step.version) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated while we waited for the lock.
      const now = pragmaNumber(db, "user_version");
      if (now > latest) throw newerSchema(path, now, latest);
      if (now < step.version) {
        if (now !== step.version - 1) {
          throw new Error(`schema step ${step.version} needs version ${step.version - 1}, the file is at ${now}`);
        }
        db.exec(step.sql);
        step.run?.(db);
        db.exec(`PRAGMA user_version = ${step.version}`);
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      }
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // nothing left to roll back
      }
      if (
        error instanceof StoreError || !(error instanceof DatabaseError) || error.code === "SQLITE_BUSY" ||
        error.code === "SQLITE_LOCKED"
      ) throw error;
      throw new StoreError(
        "STATE_MIGRATION_FAILED",
        `could not migrate the state database ${path} to schema version ${step.version} (${error.code}: ${error.message}); rolled back, the file is as it was`,
        `Report this to codex-mcp's maintainers; meanwhile set ${STATE_DIR_VARIABLE} to another directory to start with a fresh state.`,
        path,
        { cause: error },
      );
    }
  }
  return backup;
}

/**
 * Before an upgrade, a consistent copy of the database (WAL content included) at
 * `<path>.bak-v<version>`. A copy left by an earlier attempt is kept as it is: it is the file
 * before any upgrade. Without a copy there is no upgrade.
 */
function backUp(db: Database, path: string, version: number): string {
  const target = `${path}.bak-v${version}`;
  try {
    db.exec(`VACUUM INTO '${target.replaceAll("'", "''")}'`);
  } catch (error) {
    if (/exists/i.test((error as Error).message)) return target;
    throw new StoreError(
      "STATE_WRITE_FAILED",
      `could not copy the state database ${path} to ${target} before upgrading it (${
        (error as Error).message
      }); it was not upgraded`,
      "Free disk space in the state directory, or make it writable; the database is as it was.",
      path,
      { cause: error },
    );
  }
  return target;
}

function pragmaNumber(db: Database, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0] ?? 0);
}

function newerSchema(path: string, version: number, latest: number): StoreError {
  return new StoreError(
    "STATE_NEWER_SCHEMA",
    `the state database ${path} has schema version ${version}, written by a newer codex-mcp; this one understands up to version ${latest} and left the file as it is`,
    `Upgrade codex-mcp, or set ${STATE_DIR_VARIABLE} to another directory to run this version with a state of its own.`,
    path,
  );
}

function corruptHint(path: string): string {
  return `codex-mcp never deletes a state database. Move ${path} (with any -wal and -shm files next to it) aside to start afresh, or set ${STATE_DIR_VARIABLE} to another directory; the SQLite shell's ".recover" may rescue its content.`;
}

/** A {@link DatabaseError} as a {@link StoreError}; other errors (a taken id, a bug) pass through. */
export function storeErrorOf(error: unknown, path: string, what: string): unknown {
  if (!(error instanceof DatabaseError)) return error;
  const detail = `${error.code}: ${error.message}`;
  switch (error.code) {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return new StoreError(
        "STATE_CORRUPT",
        `the state database ${path} is not a valid SQLite database (${detail}); it was left as it is`,
        corruptHint(path),
        path,
        { cause: error },
      );
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new StoreError(
        "STATE_BUSY",
        `could not ${what}: another process keeps the state database ${path} locked (${detail})`,
        `Another codex-mcp may be using the same state; give each server its own ${STATE_DIR_VARIABLE} if this persists.`,
        path,
        { cause: error },
      );
    case "SQLITE_UNAVAILABLE":
      return new StoreError(
        "STATE_UNAVAILABLE",
        error.message,
        "Run codex-mcp's own binary, or run it on Node ≥ 22.13, Bun, or Deno ≥ 2.2.",
        path,
        { cause: error },
      );
    case "SQLITE_CANTOPEN":
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "SQLITE_AUTH":
      if (what === "open") {
        return new StoreError(
          "STATE_DIR_UNWRITABLE",
          `cannot open the state database ${path} for writing (${detail})`,
          `Make its directory and file writable by this user, or set ${STATE_DIR_VARIABLE} to a writable directory.`,
          path,
          { cause: error },
        );
      }
    // fall through
    default:
      return new StoreError(
        "STATE_WRITE_FAILED",
        what === "open"
          ? `could not open the state database ${path} (${detail})`
          : `could not ${what} in the state database ${path} (${detail}); the change was rolled back`,
        `Check the disk (space, permissions) under ${path}, or set ${STATE_DIR_VARIABLE} elsewhere.`,
        path,
        { cause: error },
      );
  }
}
