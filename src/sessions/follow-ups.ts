/**
 * Input for a session whose turn is still running: steered into that turn (Codex takes it in at
 * its next step), or queued to run as the next turn once it ends. A session with no turn running
 * gets the input as a new turn, as a reply would start it.
 *
 * @module
 */
import type { Backend, SteerInput, TurnInput } from "../codex/backend.ts";
import type { Logger } from "../log.ts";
import { asCodedError, SessionError } from "./errors.ts";
import type { LiveSessions } from "./live.ts";
import { isActive } from "./reducer.ts";
import { recordOwn } from "./session-events.ts";
import type { SessionRecord, SessionStore } from "./store.ts";

/** What a follow-up needs from the manager: narrow functions, so the rules stay in one place. */
export interface FollowUpDeps {
  get(sessionId: string): SessionRecord;
  /** Refuses a session another live server runs. */
  mayAct(record: SessionRecord): Promise<void>;
  /** The per-call checks of a turn (paths, policy, its time limit). */
  admit(turn: TurnInput, turnTimeoutMs?: number): Promise<void>;
  backend(): Promise<Backend>;
  reply(sessionId: string, turn: TurnInput, options: { turnTimeoutMs?: number }): Promise<SessionRecord>;
  live: LiveSessions;
  store: SessionStore;
  log: Logger;
}

/** The first 2000 characters of a prompt and its length, as the log keeps prompts. */
const preview = (prompt: string) => ({ prompt: prompt.slice(0, 2_000), promptChars: prompt.length });

export class FollowUps {
  readonly #d: FollowUpDeps;

  constructor(deps: FollowUpDeps) {
    this.#d = deps;
  }

  /** Adds `input` to the running turn; NOT_SUPPORTED on a backend that cannot. */
  async steer(
    sessionId: string,
    input: SteerInput & TurnInput,
    options: { turnTimeoutMs?: number },
  ): Promise<SessionRecord> {
    const d = this.#d;
    const record = d.get(sessionId);
    await d.mayAct(record);
    if (!isActive(record.status)) return d.reply(sessionId, input, options);
    await d.admit({ prompt: input.prompt, images: input.images });
    const backend = await d.backend();
    if (!backend.capabilities.steer) {
      throw new SessionError(
        "NOT_SUPPORTED",
        `the ${backend.mode} backend cannot add input to a running turn`,
        "Queue it to run as the next turn, or wait for the turn to end.",
      );
    }
    // Codex steers only a turn it has started.
    await d.live.until(sessionId, () => d.live.of(sessionId).turnActive || !isActive(d.get(sessionId).status), 10_000);
    const now = d.get(sessionId);
    if (!isActive(now.status) || !now.currentTurnId || !now.threadId) return d.reply(sessionId, input, options);
    try {
      await backend.steerTurn(now.threadId, now.currentTurnId, { prompt: input.prompt, images: input.images });
    } catch (error) {
      throw asCodedError(error);
    }
    recordOwn(d.store, sessionId, "turn_steered", { turnId: now.currentTurnId, ...preview(input.prompt) });
    return d.get(sessionId);
  }

  /**
   * Runs `turn` once the running one ends. One turn waits at a time; if the session fails or is
   * cancelled first, it is dropped, and says so (`queued_turn_dropped`).
   */
  async queue(sessionId: string, turn: TurnInput, options: { turnTimeoutMs?: number }): Promise<SessionRecord> {
    const d = this.#d;
    const record = d.get(sessionId);
    await d.mayAct(record);
    if (!isActive(record.status)) return d.reply(sessionId, turn, options);
    await d.admit(turn, options.turnTimeoutMs);
    const live = d.live.of(sessionId);
    if (live.queued) throw new SessionError("SESSION_BUSY", `session ${sessionId} already has a turn queued`);
    const drop = (reason: string) => recordOwn(d.store, sessionId, "queued_turn_dropped", { reason });
    const stop = d.live.onChange(sessionId, () => {
      const now = d.store.getSession(sessionId);
      if (!now || isActive(now.status)) return;
      stop();
      live.queued = null;
      if (now.status !== "idle") return drop(`the session is ${now.status}`);
      d.reply(sessionId, turn, options).catch((error) => {
        drop(`the queued turn could not start: ${asCodedError(error).message}`);
        d.log.warn(`session ${sessionId}: the queued turn could not start`, error);
      });
    });
    live.queued = { stop };
    recordOwn(d.store, sessionId, "turn_queued", preview(turn.prompt));
    return d.get(sessionId);
  }
}
