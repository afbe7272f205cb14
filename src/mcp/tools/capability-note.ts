/**
 * What a forced backend cannot do, said in the tool descriptions it concerns, derived from the
 * backends' capabilities (src/codex/backend.ts). With CODEX_MCP_MODE=auto the backend is chosen
 * on the first session, after tools/list, so nothing is said (and no bytes are spent on it).
 *
 * @module
 */
import { type BackendCapabilities, CAPABILITIES } from "../../codex/backend.ts";
import type { BackendModeSetting } from "../../config.ts";

/** How a missing capability shows to a caller of the tools. */
const WHEN_MISSING: Partial<Record<keyof BackendCapabilities, string>> = {
  approvals: 'approvalPolicy must be "never" (Codex cannot ask for approvals)',
  userInput: 'collaborationMode "plan" is not available (Codex cannot ask questions)',
  profiles: "profile is not supported",
  streamingDeltas: "messages arrive whole, not as deltas",
};

/** " Here (CODEX_MCP_MODE=exec): …." for a forced backend that lacks some capability, else "". */
export function capabilityNote(mode: BackendModeSetting): string {
  if (mode === "auto") return "";
  const missing = (Object.keys(WHEN_MISSING) as (keyof BackendCapabilities)[])
    .filter((capability) => !CAPABILITIES[mode][capability])
    .map((capability) => WHEN_MISSING[capability]);
  return missing.length === 0 ? "" : ` Here (CODEX_MCP_MODE=${mode}): ${missing.join("; ")}.`;
}
