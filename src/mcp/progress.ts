/**
 * `notifications/progress` while a call waits. Clients that reset their tool timeout on progress
 * (Claude Code does) never time out a long `waitForResult`, and people see what Codex is doing.
 *
 * @module
 */
import type { Notification } from "@modelcontextprotocol/server";

/** The parts of the SDK's per-request context (`ctx.mcpReq`) this needs. */
export interface ProgressRequest {
  _meta?: { progressToken?: string | number; [key: string]: unknown };
  notify: (notification: Notification) => Promise<void>;
}

/** How often a heartbeat goes out while nothing happens. */
const HEARTBEAT_MS = 2_000;
/** At most this often for activity-driven updates. */
const MIN_GAP_MS = 250;

/**
 * Sends progress for one request, if it asked for it (a `progressToken`). `progress` increases by
 * one with every notification, as the protocol requires it to increase.
 */
export class ProgressReporter {
  readonly #request: ProgressRequest;
  readonly #token: string | number | undefined;
  readonly #describe: () => string;
  #progress = 0;
  #lastSent = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;

  constructor(request: ProgressRequest, describe: () => string) {
    this.#request = request;
    this.#token = request._meta?.progressToken;
    this.#describe = describe;
  }

  get enabled(): boolean {
    return this.#token !== undefined;
  }

  /** Starts the heartbeat and sends a first update. */
  start(): void {
    if (!this.enabled || this.#timer) return;
    this.#send();
    this.#timer = setInterval(() => this.#send(), HEARTBEAT_MS);
  }

  /** Something happened: send an update soon (throttled). */
  activity(): void {
    if (!this.#timer || this.#pending) return;
    const wait = Math.max(0, this.#lastSent + MIN_GAP_MS - Date.now());
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#send();
    }, wait);
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#pending);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #send(): void {
    if (this.#token === undefined) return;
    this.#lastSent = Date.now();
    this.#progress += 1;
    const notification: Notification = {
      method: "notifications/progress",
      params: { progressToken: this.#token, progress: this.#progress, message: this.#describe() },
    };
    this.#request.notify(notification).catch(() => {});
  }
}
