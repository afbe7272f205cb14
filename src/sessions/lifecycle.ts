/**
 * The lifecycle rules as policies over the store: which sessions the periodic sweep cancels or
 * forgets, and what restart recovery does to the sessions of servers that are gone. The manager
 * carries out the sweep's plan (cancelling needs the backend); recovery only writes the store.
 *
 * @module
 */
import { failure } from "../errors/registry.ts";
import { isActive } from "./reducer.ts";
import type { SessionRecord, SessionStatus, SessionStore } from "./store.ts";
import { recordOwn } from "./session-events.ts";

/** Settings of the lifecycle and approvals; from the configuration. */
export interface SessionPolicy {
  approvalTimeoutMs: number;
  idleTtlMs: number;
  runningTtlMs: number;
  terminalTtlMs: number;
  /** With a persistent store: sessions inactive this long are deleted from disk. */
  retentionMs: number;
  /** The largest image a turn may attach. */
  maxImageBytes: number;
}

/** The server process that runs a session: pid and OS start time. */
export interface Owner {
  pid: number;
  startTime: string | null;
}

/** Whether `record` is run by `self` (a record without an owner, or no `self`, counts as anyone's). */
export function ownedBy(record: SessionRecord, self: Owner | undefined): boolean {
  const owner = record.owner;
  return !owner || !self || (owner.pid === self.pid && owner.startTime === self.startTime);
}

/** One thing the sweep does. */
export type SweepAction =
  | { kind: "forget"; sessionId: string; fromDisk: boolean }
  | { kind: "cancel"; sessionId: string; reason: string };

/** Sessions in a terminal state: only forgotten, never resumed by the lifecycle. */
const TERMINAL: readonly SessionStatus[] = ["error", "cancelled"];

/**
 * What the sweep at `now` does: delete sessions past their retention (persistent stores), forget
 * terminal ones past the terminal TTL, and cancel this server's idle and overlong sessions.
 * Sessions another server runs, or that an earlier run left, are never cancelled.
 */
export function planSweep(
  records: readonly SessionRecord[],
  options: { policy: SessionPolicy; now: number; persistent: boolean; isMine: (record: SessionRecord) => boolean },
): SweepAction[] {
  const { policy, now } = options;
  const actions: SweepAction[] = [];
  for (const record of records) {
    const idleFor = now - record.lastActivityAt;
    if (options.persistent && !isActive(record.status) && idleFor >= policy.retentionMs) {
      actions.push({ kind: "forget", sessionId: record.id, fromDisk: true });
    } else if (TERMINAL.includes(record.status)) {
      if (idleFor >= policy.terminalTtlMs) actions.push({ kind: "forget", sessionId: record.id, fromDisk: false });
    } else if (!options.isMine(record)) {
      continue;
    } else if (record.status === "idle") {
      if (idleFor >= policy.idleTtlMs) {
        actions.push({
          kind: "cancel",
          sessionId: record.id,
          reason: `idle for ${Math.round(policy.idleTtlMs / 1000)} s`,
        });
      }
    } else if (record.turnStartedAt !== undefined && now - record.turnStartedAt >= policy.runningTtlMs) {
      actions.push({
        kind: "cancel",
        sessionId: record.id,
        reason: `turn ran for ${Math.round(policy.runningTtlMs / 1000)} s`,
      });
    }
  }
  return actions;
}

/** What {@link recoverSessions} found from earlier runs. */
export interface RecoveryReport {
  /** Sessions on record from earlier runs. */
  recovered: number;
  /** Of those, the ones whose turn was cut off by the restart. */
  interrupted: string[];
  /** Codex's requests from the dead runs, closed as expired. */
  expiredRequests: number;
}

/**
 * At start-up: sessions on record from servers that are gone. A turn they were running was cut
 * off — marked so on the session and on its turn record — and what Codex had asked is closed as
 * expired. Sessions of a server still running (another client's) are left alone. A reply resumes
 * any of them.
 */
export async function recoverSessions(
  store: SessionStore,
  self: Owner | undefined,
  isOwnerAlive: (owner: Owner) => Promise<boolean>,
  now = Date.now(),
): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: 0, interrupted: [], expiredRequests: 0 };
  for (const record of store.listSessions()) {
    const owner = record.owner;
    if (owner && self && owner.pid === self.pid && owner.startTime === self.startTime) continue;
    if (owner && (await isOwnerAlive(owner))) continue;
    report.recovered += 1;
    for (const requestId of record.pendingRequestIds ?? []) {
      recordOwn(store, record.id, "request_expired", { requestId, reason: "the server that received it stopped" }, {
        pinned: true,
      });
      report.expiredRequests += 1;
    }
    if (!isActive(record.status)) {
      if (record.pendingRequestIds?.length) store.updateSession(record.id, { pendingRequestIds: [], updatedAt: now });
      continue;
    }
    report.interrupted.push(record.id);
    const stoppedBy = owner ? `codex-mcp (pid ${owner.pid})` : "codex-mcp";
    recordOwn(store, record.id, "interrupted_by_restart", { turnId: record.currentTurnId }, { pinned: true });
    const cut = store.listTurns(record.id).at(-1);
    if (cut?.status === "running") {
      store.updateTurn(record.id, cut.index, {
        status: "interrupted",
        endedAt: now,
        error: failure("INTERRUPTED_BY_RESTART", `${stoppedBy} stopped while this turn was running`),
      });
    }
    store.updateSession(record.id, {
      status: "error",
      phase: "interrupted by a restart",
      interruptedBy: "restart",
      pendingRequestIds: [],
      currentTurnId: null,
      turnStartedAt: undefined,
      error: failure("INTERRUPTED_BY_RESTART", `${stoppedBy} stopped while this session's turn was running`),
      updatedAt: now,
    });
  }
  return report;
}
