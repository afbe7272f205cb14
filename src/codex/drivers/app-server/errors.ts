/**
 * Failures of app-server calls in the backend's error vocabulary, each with a hint a person can
 * act on:
 *
 * | cause                                                      | code             |
 * | ---------------------------------------------------------- | ---------------- |
 * | {@link BackendError} already                               | unchanged        |
 * | the process could not be started (`ChildSpawnError`)       | CODEX_NOT_FOUND, CODEX_NOT_RUNNABLE (spawn-failure.ts) |
 * | no answer in time (`RpcTimeoutError`)                      | TIMEOUT          |
 * | the process exited / the pipe broke (`RpcClosedError`)     | CODEX_CRASHED    |
 * | "thread not found" / "invalid thread id" (`RpcError`)      | INVALID_ARGUMENT |
 * | other -32600 / -32602 answers (parameters Codex refused)   | INVALID_ARGUMENT |
 * | -32001 "overloaded" after the retries                      | TIMEOUT          |
 * | anything else                                              | INTERNAL         |
 *
 * @module
 */
import { ChildSpawnError } from "../../../process/errors.ts";
import { BackendError } from "../../backend.ts";
import { RPC, RpcClosedError, RpcError, RpcTimeoutError } from "../jsonrpc.ts";
import { spawnFailure } from "../spawn-failure.ts";

const RESTART_HINT =
  "The next call starts a new `codex app-server`; threads it held can be continued with resumeThread.";

/** Maps whatever an app-server call threw to a {@link BackendError}. `what` names the call. */
export function toBackendError(error: unknown, what: string): BackendError {
  if (error instanceof BackendError) return error;
  if (error instanceof ChildSpawnError) return spawnFailure(error, "codex app-server");
  if (error instanceof RpcTimeoutError) {
    return new BackendError(
      "TIMEOUT",
      `${what}: ${error.message}`,
      "Codex did not answer in time. Try again; if it keeps happening, raise the request timeout or restart codex-mcp.",
      { cause: error },
    );
  }
  if (error instanceof RpcClosedError) {
    return new BackendError("CODEX_CRASHED", `${what}: ${error.message}`, RESTART_HINT, { cause: error });
  }
  if (error instanceof RpcError) {
    if (/thread not found|invalid thread id|no thread|not loaded/i.test(error.message)) {
      return new BackendError(
        "INVALID_ARGUMENT",
        `${what}: ${error.message}`,
        "Codex has no such thread loaded. Check the thread id; a thread from an earlier or crashed Codex process must be resumed first (resumeThread).",
        { cause: error },
      );
    }
    if (error.code === RPC.invalidRequest || error.code === RPC.invalidParams) {
      return new BackendError(
        "INVALID_ARGUMENT",
        `${what}: Codex refused the request: ${error.message}`,
        "Check the values passed (model, policy, paths, schema); Codex's message says which one it refused.",
        { cause: error },
      );
    }
    if (error.code === RPC.overloaded) {
      return new BackendError(
        "TIMEOUT",
        `${what}: Codex is overloaded (${error.message})`,
        "Codex asked us to retry later and the retries ran out. Wait a moment and try again.",
        { cause: error },
      );
    }
    return new BackendError(
      "INTERNAL",
      `${what}: Codex answered with error ${error.code}: ${error.message}`,
      "This is unexpected; the codex-mcp log (debug level) has the exchange.",
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BackendError("INTERNAL", `${what}: ${message}`, "This is unexpected; the codex-mcp log has details.", {
    cause: error,
  });
}
