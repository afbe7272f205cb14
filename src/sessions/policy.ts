/**
 * Policy the person sets in codex-mcp's environment, which no tool call can exceed: the roots a
 * session may work in, the most permissive sandbox, the least strict approval policy, and how many
 * sessions and running turns this server takes, and how long a turn may run. A call beyond it is refused before anything
 * reaches Codex: FORBIDDEN (naming the variable) or LIMIT_REACHED.
 *
 * @module
 */
import type { ApprovalPolicy, SandboxMode } from "../codex/backend.ts";
import { SessionError } from "./errors.ts";

export interface CallPolicy {
  /** Real paths a cwd or an image must lie inside; empty: anywhere. */
  allowedRoots: readonly string[];
  /** The most a session may ask for; null: no ceiling. */
  maxSandbox: SandboxMode | null;
  /** The least strict approval policy a session may ask for; null: any. */
  minApproval: ApprovalPolicy | null;
  /** Sessions this server keeps open at once (not cancelled); 0: no limit. */
  maxSessions: number;
  /** Turns this server runs at once; 0: no limit. */
  maxRunningTurns: number;
}

/** No policy at all: what a server without the variables runs with. */
export const OPEN_POLICY: CallPolicy = {
  allowedRoots: [],
  maxSandbox: null,
  minApproval: null,
  maxSessions: 0,
  maxRunningTurns: 0,
};

/** Least to most permissive. */
const SANDBOX_ORDER: readonly SandboxMode[] = ["read-only", "workspace-write", "danger-full-access"];
/** Least to most strict (Codex asks more often). */
const APPROVAL_ORDER: readonly ApprovalPolicy[] = ["never", "on-request", "on-failure", "untrusted"];

export function checkSandbox(policy: CallPolicy, sandbox: SandboxMode | undefined): void {
  if (!sandbox || !policy.maxSandbox) return;
  if (SANDBOX_ORDER.indexOf(sandbox) <= SANDBOX_ORDER.indexOf(policy.maxSandbox)) return;
  throw new SessionError(
    "FORBIDDEN",
    `sandbox ${JSON.stringify(sandbox)} is more than this server allows (CODEX_MCP_MAX_SANDBOX=${policy.maxSandbox})`,
    `Ask for ${policy.maxSandbox} or less; the person running codex-mcp sets CODEX_MCP_MAX_SANDBOX.`,
  );
}

export function checkApproval(policy: CallPolicy, approval: ApprovalPolicy | undefined): void {
  if (!approval || !policy.minApproval) return;
  if (APPROVAL_ORDER.indexOf(approval) >= APPROVAL_ORDER.indexOf(policy.minApproval)) return;
  throw new SessionError(
    "FORBIDDEN",
    `approvalPolicy ${
      JSON.stringify(approval)
    } asks less than this server requires (CODEX_MCP_MIN_APPROVAL=${policy.minApproval})`,
    `Ask for ${policy.minApproval} or stricter; the person running codex-mcp sets CODEX_MCP_MIN_APPROVAL.`,
  );
}

/** `realPath` (links resolved) must lie inside one of the allowed roots. */
export function checkRoot(policy: CallPolicy, what: string, realPath: string): void {
  if (policy.allowedRoots.length === 0) return;
  const inside = policy.allowedRoots.some((root) =>
    realPath === root || realPath.startsWith(root.endsWith("/") || root.endsWith("\\") ? root : `${root}/`) ||
    realPath.startsWith(`${root}\\`)
  );
  if (inside) return;
  throw new SessionError(
    "FORBIDDEN",
    `${what} ${
      JSON.stringify(realPath.slice(0, 200))
    } is outside the roots this server allows (CODEX_MCP_ALLOWED_ROOTS)`,
    `Use a directory under ${policy.allowedRoots.join(", ")}.`,
  );
}

/** A call's own wall-clock limit on a turn: at most the server's (CODEX_MCP_RUNNING_TTL_MS). */
export function checkTurnTimeout(requestedMs: number | undefined, serverMs: number): void {
  if (requestedMs === undefined || requestedMs <= serverMs) return;
  throw new SessionError(
    "FORBIDDEN",
    `turnTimeoutMs ${requestedMs} is longer than this server lets a turn run (CODEX_MCP_RUNNING_TTL_MS=${serverMs})`,
    `Ask for ${serverMs} ms or less, or leave turnTimeoutMs out; the person running codex-mcp sets CODEX_MCP_RUNNING_TTL_MS.`,
  );
}

export function checkCount(what: "sessions" | "running turns", count: number, limit: number): void {
  if (limit <= 0 || count < limit) return;
  const variable = what === "sessions" ? "CODEX_MCP_MAX_SESSIONS" : "CODEX_MCP_MAX_RUNNING_TURNS";
  throw new SessionError(
    "LIMIT_REACHED",
    `this server already has ${count} ${what}, its limit (${variable}=${limit})`,
    what === "sessions"
      ? "Clean or cancel sessions you no longer need, then try again."
      : "Wait for a running turn to finish, or interrupt one, then try again.",
  );
}
