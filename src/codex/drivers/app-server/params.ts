/**
 * Builds the parameters of `thread/start`, `thread/resume`, `thread/fork` and `turn/start` from
 * the backend's settings, refusing what Codex 0.169 cannot do with a hint a person can act on.
 *
 * Measured against Codex 0.169.0:
 * - `approvalPolicy: "on-failure"` is refused by Codex ("unknown variant `on-failure`, expected one
 *   of `untrusted`, `on-request`, `granular`, `never`"): refused here as INVALID_ARGUMENT.
 * - Config profiles: `config: { profile }` is refused ("legacy `profile = …` config is no longer
 *   supported; use `--profile p` with `p.config.toml`") and `--profile` is not accepted by
 *   `codex app-server` at all. A shared app-server cannot take a per-thread profile: NOT_SUPPORTED.
 * - A per-turn sandbox is a `SandboxPolicy` object (`sandboxPolicy`), not the mode string of
 *   `thread/start`; `workspace-write` maps to a policy with no extra writable roots and no network.
 * - `request_user_input` only works in the "plan" collaboration mode; `collaborationMode` needs the
 *   model spelled out, so the thread's current model is passed along.
 *
 * @module
 */
import {
  type ApprovalPolicy,
  BackendError,
  CAPABILITIES,
  type ReviewTarget,
  type SandboxMode,
  type ThreadSettings,
  type TurnInput,
} from "../../backend.ts";
import type { ThreadFilter } from "../../listings.ts";

type Params = Record<string, unknown>;

/** Codex's `SandboxPolicy` for a sandbox mode (the per-turn override of `turn/start`). */
function sandboxPolicyFor(mode: SandboxMode): Params {
  switch (mode) {
    case "read-only":
      return { type: "readOnly", networkAccess: false };
    case "workspace-write":
      return {
        type: "workspaceWrite",
        writableRoots: [],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      };
    case "danger-full-access":
      return { type: "dangerFullAccess" };
    default:
      throw new BackendError(
        "INVALID_ARGUMENT",
        `unknown sandbox mode ${JSON.stringify(mode)}`,
        "Use read-only, workspace-write or danger-full-access.",
      );
  }
}

function checkApprovalPolicy(policy: ApprovalPolicy): ApprovalPolicy {
  if (policy === "on-failure") {
    throw new BackendError(
      "INVALID_ARGUMENT",
      'approval policy "on-failure" is no longer supported by Codex',
      'Use "on-request" (Codex asks when a command needs to leave the sandbox), "untrusted" (asks for everything but known-safe reads) or "never".',
    );
  }
  return policy;
}

function checkProfile(settings: ThreadSettings): void {
  if (settings.profile !== undefined && !CAPABILITIES["app-server"].profiles) {
    throw new BackendError(
      "NOT_SUPPORTED",
      `config profiles cannot be selected per thread (profile ${JSON.stringify(settings.profile)})`,
      "Codex 0.169 no longer reads `profile` from config and `codex app-server` takes no --profile flag. Pass the profile's settings as `config` overrides (and `model`) instead.",
    );
  }
  const config = settings.config;
  if (config && Object.hasOwn(config, "profile")) {
    throw new BackendError(
      "NOT_SUPPORTED",
      "the `profile` config key is not supported by Codex 0.169",
      "Pass the profile's settings as individual `config` overrides instead.",
    );
  }
}

/** Fields shared by start, resume and fork. */
function common(settings: ThreadSettings): Params {
  checkProfile(settings);
  const params: Params = {
    cwd: settings.cwd,
    approvalPolicy: checkApprovalPolicy(settings.approvalPolicy),
    sandbox: settings.sandbox,
  };
  if (settings.model !== undefined) params["model"] = settings.model;
  if (settings.config !== undefined) params["config"] = settings.config;
  if (settings.baseInstructions !== undefined) params["baseInstructions"] = settings.baseInstructions;
  if (settings.developerInstructions !== undefined) params["developerInstructions"] = settings.developerInstructions;
  return params;
}

export function threadStartParams(settings: ThreadSettings): Params {
  const params = common(settings);
  if (settings.personality !== undefined) params["personality"] = settings.personality;
  if (settings.ephemeral !== undefined) params["ephemeral"] = settings.ephemeral;
  return params;
}

/** `excludeTurns`: the history stays in Codex; we do not need it in the answer. */
export function threadResumeParams(threadId: string, settings: ThreadSettings): Params {
  const params: Params = { threadId, ...common(settings), excludeTurns: true };
  if (settings.personality !== undefined) params["personality"] = settings.personality;
  return params;
}

/** `thread/fork` takes no personality (it is deprecated in Codex and ignored). */
export function threadForkParams(threadId: string, settings: ThreadSettings): Params {
  const params: Params = { threadId, ...common(settings), excludeTurns: true };
  if (settings.ephemeral !== undefined) params["ephemeral"] = settings.ephemeral;
  return params;
}

/** A prompt and its images as Codex's `UserInput` items. */
export function userInputItems(input: { prompt: string; images?: readonly string[] }): Params[] {
  const items: Params[] = [{ type: "text", text: input.prompt, text_elements: [] }];
  for (const path of input.images ?? []) items.push({ type: "localImage", path });
  return items;
}

/** `turn/start`; `currentModel` is the thread's model, needed when a collaboration mode is set. */
export function turnStartParams(threadId: string, input: TurnInput, currentModel: string | null): Params {
  const params: Params = { threadId, input: userInputItems(input) };
  if (input.outputSchema !== undefined) params["outputSchema"] = input.outputSchema;
  if (input.model !== undefined) params["model"] = input.model;
  if (input.effort !== undefined) params["effort"] = input.effort;
  if (input.summary !== undefined) params["summary"] = input.summary;
  if (input.approvalPolicy !== undefined) params["approvalPolicy"] = checkApprovalPolicy(input.approvalPolicy);
  if (input.sandbox !== undefined) params["sandboxPolicy"] = sandboxPolicyFor(input.sandbox);
  if (input.cwd !== undefined) params["cwd"] = input.cwd;
  if (input.collaborationMode !== undefined) {
    const model = input.model ?? currentModel;
    if (model === null) {
      throw new BackendError(
        "INVALID_ARGUMENT",
        "a collaboration mode needs a model, and the thread's model is not known",
        "Pass `model` with the turn.",
      );
    }
    params["collaborationMode"] = {
      mode: input.collaborationMode,
      settings: { model, reasoning_effort: input.effort ?? null, developer_instructions: null },
    };
  }
  return params;
}

/** `thread/list`: the filter in Codex's words. */
export function threadListParams(filter: ThreadFilter): Params {
  return {
    limit: filter.limit,
    ...(filter.cwd !== undefined && { cwd: filter.cwd }),
    ...(filter.searchTerm !== undefined && { searchTerm: filter.searchTerm }),
  };
}

/** `review/start`, inline on the thread: the target in Codex's words. */
export function reviewStartParams(threadId: string, target: ReviewTarget): Params {
  const wire = target.kind === "uncommitted"
    ? { type: "uncommittedChanges" }
    : target.kind === "baseBranch"
    ? { type: "baseBranch", branch: target.branch }
    : target.kind === "commit"
    ? { type: "commit", sha: target.sha, title: target.title ?? null }
    : { type: "custom", instructions: target.instructions };
  return { threadId, target: wire, delivery: "inline" };
}
