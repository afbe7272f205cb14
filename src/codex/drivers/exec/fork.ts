/**
 * `codex exec fork`: a new Codex thread with the history of another, as one short process whose
 * JSON output names the new thread. Its failures in the registry's terms: a Codex without the
 * subcommand is NOT_SUPPORTED, an unknown thread INVALID_ARGUMENT, a hang TIMEOUT.
 *
 * @module
 */
import type { SupervisedChild } from "../../../process/child.ts";
import type { Supervisor } from "../../../process/supervisor.ts";
import { BackendError } from "../../backend.ts";
import { buildInvocation, type CodexLocation } from "../../install/locate.ts";
import { spawnFailure } from "../spawn-failure.ts";
import { describeExit, stderrExcerpt } from "../stderr.ts";
import { type ExecSettings, forkArgs } from "./args.ts";
import { EXEC_ESCALATION } from "./escalation.ts";
import { ExecTurnReader } from "./events.ts";

export interface ForkOptions {
  supervisor: Supervisor;
  location: CodexLocation;
  env: Record<string, string>;
  /** How long the fork may take. */
  requestTimeoutMs: number;
}

/** Forks Codex thread `codexId`; resolves to the new thread's id. */
export async function runFork(options: ForkOptions, codexId: string, settings: ExecSettings): Promise<string> {
  const { supervisor, location, env, requestTimeoutMs } = options;
  const invocation = buildInvocation(location, forkArgs(codexId, settings));
  const reader = new ExecTurnReader("fork", settings.cwd, null);
  let forked: string | null = null;
  let child: SupervisedChild;
  try {
    child = await supervisor.spawn({
      ...invocation,
      label: `codex exec fork (${codexId})`,
      cwd: settings.cwd,
      env,
      stdin: "ignore",
      timeoutMs: requestTimeoutMs,
      teardown: { escalation: EXEC_ESCALATION },
      onStdoutLine: (line) => {
        const outcome = reader.read(line);
        if (outcome.kind === "thread") forked ??= outcome.threadId;
      },
    });
  } catch (error) {
    throw spawnFailure(error, "codex exec");
  }
  const report = await child.exit;
  if (forked !== null && report.code === 0) return forked;
  const said = stderrExcerpt(report.stderrTail, { lines: 4, chars: 1_000, join: " " });
  if (report.endedBy === "timeout") {
    throw new BackendError(
      "TIMEOUT",
      `codex exec fork did not finish within ${requestTimeoutMs} ms`,
      "Try again; if it keeps happening, raise CODEX_MCP_REQUEST_TIMEOUT_MS.",
    );
  }
  if (/unrecognized subcommand|unexpected argument|unknown (sub)?command/i.test(said)) {
    throw new BackendError(
      "NOT_SUPPORTED",
      `this Codex cannot fork from exec: ${said}`,
      "This Codex has no `codex exec fork`: upgrade it (`npm install -g @openai/codex@latest`), or use a Codex with `codex app-server`, which forks too.",
    );
  }
  if (/no rollout found|not found/i.test(said)) {
    throw new BackendError(
      "INVALID_ARGUMENT",
      `Codex has no saved thread ${codexId}: ${said}`,
      "Check the thread id; an ephemeral thread, or one whose CODEX_HOME differs, cannot be forked.",
    );
  }
  throw new BackendError(
    "INTERNAL",
    `codex exec fork ${describeExit(report)}${said ? `: ${said}` : ""}`,
    "Run `codex exec fork <thread id>` by hand, or `codex-mcp doctor`, to see why.",
  );
}
