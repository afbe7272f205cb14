/**
 * The temporary files a `codex exec` turn may need (its output schema, the thread's base
 * instructions), written 0600 into a fresh temporary directory, and removed again when the turn
 * is over or could not start.
 *
 * @module
 */
import type { Logger } from "../../../log.ts";
import type { FileSystem } from "../../../runtime/types.ts";
import { BackendError } from "../../backend.ts";
import type { TurnFiles } from "./args.ts";

type TempFileSystem = Pick<FileSystem, "makeTempDir" | "writeTextFile" | "remove">;

/** Writes what the turn needs; `tempDir` is null when it needs nothing. */
export async function writeTurnFiles(
  fs: TempFileSystem,
  log: Logger,
  outputSchema: Record<string, unknown> | undefined,
  baseInstructions: string | undefined,
): Promise<{ files: TurnFiles; tempDir: string | null }> {
  const files: TurnFiles = {};
  if (outputSchema === undefined && baseInstructions === undefined) return { files, tempDir: null };
  let tempDir: string | null = null;
  try {
    tempDir = await fs.makeTempDir("codex-mcp-exec-");
    if (outputSchema !== undefined) {
      files.outputSchema = joinPath(tempDir, "output-schema.json");
      await fs.writeTextFile(files.outputSchema, JSON.stringify(outputSchema), { mode: 0o600 });
    }
    if (baseInstructions !== undefined) {
      files.baseInstructions = joinPath(tempDir, "base-instructions.md");
      await fs.writeTextFile(files.baseInstructions, baseInstructions, { mode: 0o600 });
    }
    return { files, tempDir };
  } catch (error) {
    await removeTurnFiles(fs, log, tempDir);
    throw new BackendError(
      "INTERNAL",
      `could not write a temporary file for codex exec: ${(error as Error)?.message ?? String(error)}`,
      "Check that the temporary directory (TMPDIR) is writable.",
      { cause: error },
    );
  }
}

/** Removes a turn's temporary directory; a failure is logged, never thrown. */
export async function removeTurnFiles(fs: TempFileSystem, log: Logger, dir: string | null): Promise<void> {
  if (dir === null) return;
  try {
    await fs.remove(dir, { recursive: true });
  } catch (error) {
    log.warn(`could not remove the temporary directory ${dir}`, error);
  }
}

/** `dir`/`name` with the separator `dir` uses (a Windows temp dir has backslashes). */
function joinPath(dir: string, name: string): string {
  const separator = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return dir.endsWith(separator) ? dir + name : dir + separator + name;
}
