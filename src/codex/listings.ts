/**
 * What codex-mcp reads from Codex besides a turn's events, in the backend's words: Codex's
 * threads and the turns it keeps of them, the models it offers, and the account's rate limits.
 * Each backend fills them from its own protocol (app-server: `thread/list`, `thread/turns/list`,
 * `model/list`, `account/rateLimits/read`).
 *
 * @module
 */

/** Which of Codex's threads to list. */
export interface ThreadFilter {
  /** Only threads started in this directory. */
  cwd?: string;
  /** Only threads whose text matches this. */
  searchTerm?: string;
  limit: number;
}

/** One of Codex's threads, as `thread/list` reports it: started here, in the TUI or the app. */
export interface ThreadSummary {
  threadId: string;
  name: string | null;
  preview: string;
  cwd: string;
  model: string | null;
  /** Where it was started (cli, vscode, exec, app-server …), as Codex says. */
  source: string | null;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

/** A model as Codex lists it. */
export interface ModelInfo {
  id: string;
  displayName: string;
  /** Codex's default model. */
  isDefault: boolean;
  defaultEffort: string;
  /** The reasoning efforts it takes. */
  efforts: string[];
}

/** One turn of a Codex thread as Codex keeps it (`thread/turns/list`): what was asked and answered. */
export interface CodexTurn {
  turnId: string;
  status: string;
  /** Epoch ms. */
  startedAt: number | null;
  endedAt: number | null;
  /** The user's words (text parts, shortened). */
  prompt: string | null;
  /** Codex's last message of the turn (shortened). */
  answer: string | null;
}

/** One rate-limit window of the account (the 5-hour one, the weekly one …). */
export interface RateLimitWindow {
  usedPercent: number;
  windowMinutes: number | null;
  /** Epoch ms. */
  resetsAt: number | null;
}

/** The account's rate limits, as Codex last read them (ChatGPT sign-in only). */
export interface RateLimits {
  limitId: string | null;
  limitName: string | null;
  planType: string | null;
  primary: RateLimitWindow | null;
  secondary: RateLimitWindow | null;
  /** Which limit is reached, when one is (Codex's word for it). */
  reached: string | null;
}
