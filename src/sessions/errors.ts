/**
 * How the sessions layer fails. It throws {@link SessionError} for its own refusals (no such
 * session, a busy one, an answer that does not fit) and lets the lower layers' coded errors
 * (`BackendError`, `StoreError`) through unchanged; anything else is a bug and becomes INTERNAL.
 * Hints here speak of sessions and turns, never of MCP tools: `src/mcp/` adds those.
 *
 * @module
 */
import { CodedError, type ErrorCode } from "../errors/registry.ts";

/** A refusal of the sessions layer. */
export class SessionError extends CodedError {
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(code, message, hint);
    this.name = "SessionError";
  }
}

/** `error` as a coded error: coded ones pass through, anything else is INTERNAL. */
export function asCodedError(error: unknown): CodedError {
  if (error instanceof CodedError) return error;
  return new CodedError("INTERNAL", (error as Error)?.message ?? String(error), undefined, { cause: error });
}
