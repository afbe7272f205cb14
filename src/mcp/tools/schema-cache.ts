/**
 * The tools' JSON Schemas, kept in the state directory between starts. Building the tools' zod
 * schemas and converting them was most of the first `tools/list` (about 13 ms of a cold start's
 * 47 ms to a usable tool list, bench/startup.ts), and the result changes only with the binary and
 * its configuration. So a start reads the file in the background; a schema asked for once it is
 * read comes from it (its zod schema is then built only when a call is validated); one asked for
 * before, or missing, is converted as before, and the file is rewritten once the conversions stop.
 *
 * The file holds the SHA-256 of what the schemas depend on (the binary — its version, build,
 * path, size and modification time — and the configuration); a file for anything else is ignored
 * and replaced. Best effort throughout: a file that is missing, unreadable, damaged or cannot be
 * written costs only the conversion.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import type { FileSystem } from "../../runtime/types.ts";

/** The file, in the state directory. */
export const SCHEMA_CACHE_FILE = "tool-schemas.json";

/** Conversions closer together than this are written once. */
const WRITE_AFTER_MS = 200;

type Json = Record<string, unknown>;

interface CacheFile {
  key: string;
  schemas: Record<string, Json>;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class SchemaCache {
  readonly #fs: FileSystem;
  readonly #path: string;
  readonly #log: Logger;
  #key: string | null = null;
  #schemas = new Map<string, Json>();
  #changed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #loaded: Promise<void> = Promise.resolve();
  #read = false;

  private constructor(fs: FileSystem, path: string, log: Logger) {
    this.#fs = fs;
    this.#path = path;
    this.#log = log;
  }

  /**
   * A cache at `path` for schemas that depend on `identity`. Returns at once; the file is read
   * in the background (until then {@link get} finds nothing).
   */
  static open(fs: FileSystem, path: string, identity: string | Promise<string>, log: Logger): SchemaCache {
    const cache = new SchemaCache(fs, path, log);
    cache.#loaded = cache.#load(identity).finally(() => (cache.#read = true));
    return cache;
  }

  async #load(identity: string | Promise<string>): Promise<void> {
    let key: string;
    try {
      key = await sha256(await identity);
    } catch (error) {
      this.#log.debug("the tool schemas are not kept: their key could not be worked out", error);
      return;
    }
    let file: CacheFile | null = null;
    try {
      file = JSON.parse(await this.#fs.readTextFile(this.#path)) as CacheFile;
    } catch {
      // No file yet, or not one we can read: every schema is converted, and the file written.
    }
    if (file?.key === key && file.schemas && typeof file.schemas === "object") {
      // Conversions made while the file was read stay; the rest come from it.
      for (const [name, json] of Object.entries(file.schemas)) {
        if (!this.#schemas.has(name)) this.#schemas.set(name, json);
      }
    } else if (this.#schemas.size > 0) this.#schedule();
    this.#key = key;
  }

  /**
   * Resolves once the file has been read (a few ms after start), or after `boundMs` if reading it
   * takes longer: `tools/list` waits for it, so that a client asking at once gets the kept schemas.
   */
  ready(boundMs = 100): Promise<void> {
    if (this.#read) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
    return Promise.race([this.#loaded, bound]).finally(() => clearTimeout(timer));
  }

  /** The JSON Schema kept for `name` (tool, direction and target), if any. Callers never change it. */
  get(name: string): Json | undefined {
    return this.#schemas.get(name);
  }

  /** Keeps a conversion; the file is rewritten shortly. */
  put(name: string, json: Json): void {
    this.#schemas.set(name, json);
    this.#changed = true;
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#writing = this.#writing.then(() => this.#write());
    }, WRITE_AFTER_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Resolves once a write that is due has been made (for shutdown and tests). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined && this.#changed) {
      clearTimeout(this.#timer);
      this.#writing = this.#writing.then(() => this.#write());
    }
    await this.#writing;
  }

  async #write(): Promise<void> {
    this.#timer = undefined;
    if (this.#key === null || !this.#changed) return;
    this.#changed = false;
    const file: CacheFile = { key: this.#key, schemas: Object.fromEntries(this.#schemas) };
    const partial = `${this.#path}.${crypto.randomUUID()}.partial`;
    try {
      await this.#fs.writeTextFile(partial, JSON.stringify(file), { mode: 0o600 });
      await this.#fs.rename(partial, this.#path);
    } catch (error) {
      this.#log.debug(`could not keep the tool schemas in ${this.#path}`, error);
      await this.#fs.remove(partial).catch(() => {});
    }
  }
}
