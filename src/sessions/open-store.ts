/**
 * Opens the session store the configuration asks for: SQLite in the state directory (the
 * default: sessions survive restarts), or memory. Failures are {@link StoreError}s with a hint;
 * a corrupt or newer database is reported, never wiped.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { MemorySessionStore } from "./memory-store.ts";
import { prepareStateDir } from "../platform/state-dir.ts";
import type { SessionStore } from "./store.ts";

export type StoreKind = "sqlite" | "memory";

export interface OpenedStore {
  store: SessionStore;
  kind: StoreKind;
  /** The state directory (sqlite only): the database and the child ledgers live here. */
  stateDir: string | null;
  databasePath: string | null;
  /** Things a person should know (loose permissions, a relative variable …). */
  warnings: string[];
}

export async function openSessionStore(
  runtime: Pick<Runtime, "env" | "platform" | "cwd" | "fs" | "openDatabase">,
  kind: StoreKind,
): Promise<OpenedStore> {
  if (kind === "memory") {
    return { store: new MemorySessionStore(), kind, stateDir: null, databasePath: null, warnings: [] };
  }
  const dir = await prepareStateDir({
    env: runtime.env,
    platform: runtime.platform,
    cwd: runtime.cwd(),
    fs: runtime.fs,
  });
  const { SqliteSessionStore } = await import("./sqlite-store.ts");
  const store = SqliteSessionStore.open({ path: dir.databasePath, openDatabase: (path) => runtime.openDatabase(path) });
  // The pre-upgrade copy holds the same sessions as the database: it gets the database's mode.
  if (store.backup && runtime.platform !== "win32") await runtime.fs.chmod(store.backup, 0o600).catch(() => {});
  return {
    store,
    kind,
    stateDir: dir.path,
    databasePath: dir.databasePath,
    warnings: [...dir.warnings, ...store.warnings],
  };
}
