/**
 * Where codex-mcp keeps its state (the SQLite database of sessions and events), and getting that
 * directory ready at start-up.
 *
 * The directory is `CODEX_MCP_STATE_DIR` when set (a relative value is taken from the working
 * directory, with a warning), else the platform's convention for per-user application state:
 *
 * | platform | default |
 * | --- | --- |
 * | Linux and other Unix | `$XDG_STATE_HOME/codex-mcp`, else `~/.local/state/codex-mcp` (a relative `XDG_STATE_HOME` is ignored, as the XDG spec says) |
 * | macOS | `~/Library/Application Support/codex-mcp` |
 * | Windows | `%LOCALAPPDATA%\codex-mcp`, else `%USERPROFILE%\AppData\Local\codex-mcp` |
 *
 * The database is `state.db` inside it (SQLite adds `state.db-wal` and `state.db-shm` next to it).
 *
 * Permissions (POSIX): a directory codex-mcp creates is made 0700, and the database file it
 * creates 0600 (SQLite gives the -wal and -shm files the database file's mode). A directory or
 * database file that already exists is NOT changed: its owner chose its mode (a shared
 * CODEX_MCP_STATE_DIR, a backup group…); when group or others can read it, a warning says so and
 * how to tighten it. Windows has no mode bits: the user profile's ACLs apply.
 *
 * A directory that cannot be created or written (read-only, no permission, a path under a regular
 * file) fails at start-up with {@link StoreError} `STATE_DIR_UNWRITABLE`, naming the path and the
 * variable; no home directory and no variable fails with `STATE_DIR_UNRESOLVED`.
 *
 * Pure apart from the injected file system, so every platform's rules are unit-tested anywhere.
 *
 * @module
 */
import { type Environment, getNonEmptyEnv } from "./env.ts";
import { homeDirectory } from "./home.ts";
import { isAbsolutePath, joinPath, pathFlavor, resolvePath, samePath } from "./paths.ts";
import type { FileInfo, FileSystem } from "../runtime/types.ts";
import { StoreError } from "./state-error.ts";

const STATE_DIR_VARIABLE = "CODEX_MCP_STATE_DIR";
/** The directory's name under the platform's state root. */
const STATE_DIR_NAME = "codex-mcp";
const DATABASE_FILE_NAME = "state.db";
const STATE_DIR_MODE = 0o700;
const DATABASE_FILE_MODE = 0o600;

export interface StateDirDeps {
  env: Environment;
  /** Node's spelling: `linux`, `darwin`, `win32`, … */
  platform: string;
  /** Absolute; a relative CODEX_MCP_STATE_DIR is resolved against it. */
  cwd: string;
}

/** Where the state lives, and why there. */
export interface StateDirLocation {
  /** Absolute. */
  path: string;
  source: "CODEX_MCP_STATE_DIR" | "default";
  /** One line for a person: where it came from. */
  how: string;
  warnings: string[];
}

/** Works out the state directory; throws {@link StoreError} `STATE_DIR_UNRESOLVED` when there is none. */
export function resolveStateDir(deps: StateDirDeps): StateDirLocation {
  const f = pathFlavor(deps.platform);
  const get = (name: string): string | undefined => getNonEmptyEnv(deps.env, name, deps.platform);
  const warnings: string[] = [];

  const configured = get(STATE_DIR_VARIABLE);
  if (configured !== undefined) {
    const path = resolvePath(f, deps.cwd, configured);
    if (!isAbsolutePath(configured, f)) {
      warnings.push(
        `${STATE_DIR_VARIABLE}=${
          JSON.stringify(configured)
        } is relative; it was resolved against the working directory to ${path}. MCP clients start servers in varying directories: set an absolute path.`,
      );
    }
    return { path, source: "CODEX_MCP_STATE_DIR", how: `${STATE_DIR_VARIABLE}=${configured}`, warnings };
  }

  if (deps.platform === "win32") {
    const local = get("LOCALAPPDATA");
    if (local !== undefined && isAbsolutePath(local, f)) {
      return {
        path: joinPath(f, local, STATE_DIR_NAME),
        source: "default",
        how: `%LOCALAPPDATA% (${local})`,
        warnings,
      };
    }
  } else if (deps.platform !== "darwin") {
    const xdg = get("XDG_STATE_HOME");
    if (xdg !== undefined) {
      if (isAbsolutePath(xdg, f)) {
        return { path: joinPath(f, xdg, STATE_DIR_NAME), source: "default", how: `$XDG_STATE_HOME (${xdg})`, warnings };
      }
      warnings.push(
        `XDG_STATE_HOME=${JSON.stringify(xdg)} is not absolute and was ignored, as the XDG Base Directory spec asks.`,
      );
    }
  }

  const home = homeDirectory(deps.env, deps.platform);
  if (home === null || !isAbsolutePath(home.value, f)) {
    const homeVar = deps.platform === "win32" ? "USERPROFILE (or LOCALAPPDATA)" : "HOME";
    throw new StoreError(
      "STATE_DIR_UNRESOLVED",
      `there is no place for codex-mcp's state: ${STATE_DIR_VARIABLE} is not set and ${
        home === null ? `${homeVar} is unset` : `${home.variable} is not absolute`
      }`,
      `Set ${STATE_DIR_VARIABLE} to a directory codex-mcp may create and write (absolute path), or set ${homeVar}.`,
      "",
    );
  }
  const below = deps.platform === "win32"
    ? ["AppData", "Local"]
    : deps.platform === "darwin"
    ? ["Library", "Application Support"]
    : [".local", "state"];
  return {
    path: joinPath(f, home.value, ...below, STATE_DIR_NAME),
    source: "default",
    how: `the ${
      deps.platform === "win32" ? "Windows" : deps.platform === "darwin" ? "macOS" : "XDG"
    } default under ${home.variable}`,
    warnings,
  };
}

/** A state directory ready for the store. */
export interface PreparedStateDir extends StateDirLocation {
  /** `<path>/state.db`; it exists (perhaps empty: SQLite takes an empty file as a new database). */
  databasePath: string;
  /** Whether this call created the directory. */
  createdDir: boolean;
  /** Whether this call created the database file. */
  createdDatabase: boolean;
}

export interface PrepareStateDirDeps extends StateDirDeps {
  fs: Pick<FileSystem, "stat" | "mkdir" | "chmod" | "writeTextFile" | "remove" | "realPath" | "readDir">;
  /** Makes the name of the write probe unique. Default: random. */
  probeSuffix?: string;
}

/**
 * Resolves the state directory, creates it (0700) when missing, proves it writable, and creates
 * the database file (0600) when missing. Throws {@link StoreError} (`STATE_DIR_UNRESOLVED`,
 * `STATE_DIR_UNWRITABLE`); warnings (loose permissions, a relative variable) come back for the log.
 */
export async function prepareStateDir(deps: PrepareStateDirDeps): Promise<PreparedStateDir> {
  const location = resolveStateDir(deps);
  const { fs } = deps;
  const f = pathFlavor(deps.platform);
  const posix = !f.windows;
  const dir = location.path;
  const warnings = [...location.warnings];
  const unwritable = (why: string, cause?: unknown): StoreError =>
    new StoreError(
      "STATE_DIR_UNWRITABLE",
      `codex-mcp's state directory ${dir} (${location.how}) ${why}`,
      location.source === STATE_DIR_VARIABLE
        ? `Point ${STATE_DIR_VARIABLE} at a directory this user can create and write.`
        : `Make it writable for this user, or set ${STATE_DIR_VARIABLE} to a directory this user can create and write.`,
      dir,
      { cause },
    );

  let info: FileInfo | null;
  try {
    info = await fs.stat(dir);
  } catch (error) {
    throw unwritable(`cannot be examined (${errorText(error)})`, error);
  }
  let createdDir = false;
  if (info === null) {
    try {
      await fs.mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
      // The umask may have taken bits away from what mkdir asked for: set exactly 0700.
      if (posix) await fs.chmod(dir, STATE_DIR_MODE);
    } catch (error) {
      throw unwritable(`cannot be created (${errorText(error)})`, error);
    }
    createdDir = true;
  } else if (!info.isDirectory) {
    throw unwritable("exists and is not a directory");
  } else if (posix && info.mode !== null && (info.mode & 0o077) !== 0) {
    warnings.push(
      `codex-mcp's state directory ${dir} has mode ${
        octal(info.mode)
      }: other users may list it. codex-mcp leaves an existing directory's mode alone (its database file is ${
        octal(DATABASE_FILE_MODE)
      }); \`chmod 700 '${dir}'\` makes it private.`,
    );
  }

  // Prove we can write there now, not at the first event of the first session.
  const probe = joinPath(f, dir, `.write-probe-${deps.probeSuffix ?? Math.random().toString(36).slice(2)}`);
  try {
    await fs.writeTextFile(probe, "", { mode: DATABASE_FILE_MODE, createNew: true });
  } catch (error) {
    throw unwritable(`is not writable (${errorText(error)})`, error);
  }
  await fs.remove(probe).catch(() => {});

  await refuseLinks(fs, f, dir);
  const databasePath = joinPath(f, dir, DATABASE_FILE_NAME);
  let createdDatabase = false;
  try {
    // createNew: a database another process created meanwhile is never truncated.
    await fs.writeTextFile(databasePath, "", { mode: DATABASE_FILE_MODE, createNew: true });
    if (posix) await fs.chmod(databasePath, DATABASE_FILE_MODE);
    createdDatabase = true;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EEXIST") {
      throw unwritable(`does not let codex-mcp create ${databasePath} (${errorText(error)})`, error);
    }
  }
  if (!createdDatabase) {
    const file = await fs.stat(databasePath).catch(() => null);
    if (file && !file.isFile) throw unwritable(`holds ${databasePath}, which is not a regular file`);
    if (posix && file?.mode != null && (file.mode & 0o077) !== 0) {
      warnings.push(
        `codex-mcp's state database ${databasePath} has mode ${
          octal(file.mode)
        }: other users may read your sessions' prompts and outputs. codex-mcp leaves an existing file's mode alone; \`chmod 600 '${databasePath}'\` makes it private.`,
      );
    }
  }
  return { ...location, warnings, databasePath, createdDir, createdDatabase };
}

/** The state entries that must be what they say, never a link to somewhere else. */
const UNLINKED_ENTRIES = [DATABASE_FILE_NAME, `${DATABASE_FILE_NAME}-wal`, `${DATABASE_FILE_NAME}-shm`, "children"];

/**
 * Refuses a state entry that is a symbolic link (dangling ones included): SQLite and the child
 * ledgers would write into whatever it points at. Without `lstat` in the runtime interface, a
 * link is what does not resolve to itself: its real path differs from the directory's real path
 * joined with its name, or it is listed but does not resolve at all.
 */
async function refuseLinks(
  fs: PrepareStateDirDeps["fs"],
  f: ReturnType<typeof pathFlavor>,
  dir: string,
): Promise<void> {
  const realDir = await fs.realPath(dir);
  const names = new Set(await fs.readDir(dir));
  for (const name of UNLINKED_ENTRIES) {
    if (!names.has(name)) continue;
    const path = joinPath(f, dir, name);
    const real = await fs.realPath(path).catch(() => null);
    if (real !== null && samePath(real, joinPath(f, realDir, name), f)) continue;
    throw new StoreError(
      "STATE_LINKED",
      `${path} is a symbolic link${
        real === null ? " to nothing" : ` to ${real}`
      }; codex-mcp does not write its state through links`,
      "Replace the link with the real file (or remove it), or set CODEX_MCP_STATE_DIR to a directory of codex-mcp's own.",
      path,
    );
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}
