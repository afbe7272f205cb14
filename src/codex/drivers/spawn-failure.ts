/**
 * A Codex child that could not be started, in the registry's terms, for both drivers: a missing
 * executable is CODEX_NOT_FOUND, one the system refuses to run CODEX_NOT_RUNNABLE, a server that
 * is shutting down refuses new work.
 *
 * @module
 */
import { ChildSpawnError } from "../../process/errors.ts";
import { BackendError } from "../backend.ts";

/** `error` from spawning `what` ("codex exec", "codex app-server") as a {@link BackendError}. */
export function spawnFailure(error: unknown, what: string): BackendError {
  if (error instanceof BackendError) return error;
  if (error instanceof ChildSpawnError) {
    if (error.code === "SHUTDOWN") {
      return new BackendError("INTERNAL", "codex-mcp is shutting down", "No new Codex work can start.", {
        cause: error,
      });
    }
    return new BackendError(
      error.code === "ENOENT" ? "CODEX_NOT_FOUND" : "CODEX_NOT_RUNNABLE",
      `could not start ${what}: ${error.message}`,
      `${error.hint}. Install Codex (\`npm install -g @openai/codex\`) or set CODEX_MCP_PATH to the codex executable.`,
      { cause: error },
    );
  }
  return new BackendError(
    "INTERNAL",
    `could not start ${what}: ${(error as Error)?.message ?? String(error)}`,
    "This is unexpected; the codex-mcp log has details.",
    { cause: error },
  );
}
