/**
 * What a call must pass before anything reaches Codex: its paths checked against the file system
 * (path-checks.ts) and everything checked against the person's policy (policy.ts) — a new
 * session's settings, a reply's or a fork's settings (a session started under a looser policy is
 * held to today's), each turn's overrides, images and time limit, and this server's session and
 * turn counts.
 *
 * @module
 */
import type { TurnInput } from "../codex/backend.ts";
import { checkCwd, checkImages, type PathProbe } from "./path-checks.ts";
import {
  type CallPolicy,
  checkApproval,
  checkCount,
  checkRoot,
  checkSandbox,
  checkTurnTimeout,
  OPEN_POLICY,
} from "./policy.ts";
import { isActive } from "./reducer.ts";
import type { SessionRecord, SessionSettings } from "./store.ts";

export class Admission {
  readonly #paths: PathProbe;
  readonly #limits: CallPolicy;
  readonly #maxImageBytes: number;
  readonly #runningTtlMs: number;

  constructor(options: { paths: PathProbe; limits?: CallPolicy; maxImageBytes: number; runningTtlMs: number }) {
    this.#paths = options.paths;
    this.#limits = options.limits ?? OPEN_POLICY;
    this.#maxImageBytes = options.maxImageBytes;
    this.#runningTtlMs = options.runningTtlMs;
  }

  /** A thread's settings: within the policy, and for a new session a cwd that exists. */
  async settings(settings: SessionSettings, isNew: boolean): Promise<void> {
    checkSandbox(this.#limits, settings.sandbox);
    checkApproval(this.#limits, settings.approvalPolicy);
    if (isNew) await this.#cwd(settings.cwd);
    else await this.#rootOf("cwd", settings.cwd);
  }

  /** A turn's overrides, cwd, images and the call's limit on its wall-clock time. */
  async turn(turn: TurnInput, turnTimeoutMs?: number): Promise<void> {
    checkTurnTimeout(turnTimeoutMs, this.#runningTtlMs);
    checkSandbox(this.#limits, turn.sandbox);
    checkApproval(this.#limits, turn.approvalPolicy);
    if (turn.cwd) await this.#cwd(turn.cwd);
    if (turn.images?.length) {
      await checkImages(
        turn.images,
        this.#paths,
        this.#maxImageBytes,
        (real) => checkRoot(this.#limits, "image", real),
      );
    }
  }

  /** This server's sessions against its limits: one more session (when `newSession`) and one more turn. */
  counts(mine: readonly SessionRecord[], newSession: boolean): void {
    if (newSession) {
      checkCount("sessions", mine.filter((r) => r.status !== "cancelled").length, this.#limits.maxSessions);
    }
    checkCount("running turns", mine.filter((r) => isActive(r.status)).length, this.#limits.maxRunningTurns);
  }

  async #cwd(cwd: string): Promise<void> {
    await checkCwd(cwd, this.#paths);
    await this.#rootOf("cwd", cwd);
  }

  async #rootOf(what: string, path: string): Promise<void> {
    if (this.#limits.allowedRoots.length === 0) return;
    checkRoot(this.#limits, what, (await this.#paths.resolveFile(path))?.realPath ?? path);
  }
}
