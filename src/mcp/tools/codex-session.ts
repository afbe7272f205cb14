/**
 * `codex_session`: manage sessions — list, get, cancel, interrupt, fork, clean,
 * clean_background_terminals — and Codex's own threads: threads lists them, import makes a
 * session of one.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { SessionRecord } from "../../sessions/store.ts";
import type { ServerContext } from "../context.ts";
import { errorResult, ToolError } from "../errors.ts";
import { acceptedPolicy, vocabulary, withErrorBranch } from "./schemas.ts";
import { sessionView, structuredResult } from "./session-view.ts";
import { deferred, once } from "./deferred-schema.ts";

const Summary = once(() => {
  const { SessionStatus } = vocabulary();
  return z.object({
    sessionId: z.string(),
    threadId: z.string().nullable(),
    status: SessionStatus,
    backend: z.string(),
    turns: z.number().int(),
    preview: z.string(),
    createdAt: z.string(),
    lastActivityAt: z.string(),
    forkedFrom: z.string().optional(),
    ownedBy: z.string().optional().describe(
      "Set when another codex-mcp that is still running owns the session: it can be read here, not acted on.",
    ),
  });
});

/** One of Codex's own threads (`threads`). */
const CodexThread = once(() => {
  return z.object({
    threadId: z.string(),
    name: z.string().nullable(),
    preview: z.string(),
    cwd: z.string(),
    model: z.string().nullable(),
    source: z.string().nullable().describe("Where it was started (cli, vscode, exec, appServer …), as Codex says."),
    createdAt: z.string(),
    updatedAt: z.string(),
  });
});

function summary(r: SessionRecord, ownedBy: string | null = null): z.infer<ReturnType<typeof Summary>> {
  return {
    sessionId: r.id,
    threadId: r.threadId,
    status: r.status,
    backend: r.backend,
    turns: r.turns,
    preview: r.preview,
    createdAt: new Date(r.createdAt).toISOString(),
    lastActivityAt: new Date(r.lastActivityAt).toISOString(),
    ...(r.forkedFrom !== undefined && { forkedFrom: r.forkedFrom }),
    ...(ownedBy !== null && { ownedBy }),
  };
}

const CodexTurn = once(() => {
  return z.object({
    turnId: z.string(),
    status: z.string(),
    startedAt: z.number().nullable().describe("Epoch ms."),
    endedAt: z.number().nullable(),
    prompt: z.string().nullable(),
    answer: z.string().nullable(),
  });
});

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = once(() => {
  const { ApprovalPolicy, Name, SandboxMode, SessionStatus, Turn } = vocabulary();
  return {
    input: z.object({
      action: z.enum([
        "list",
        "get",
        "cancel",
        "interrupt",
        "fork",
        "clean",
        "clean_background_terminals",
        "threads",
        "import",
        "compact",
        "rollback",
      ]),
      threadId: Name.min(1).optional().describe("import: the Codex thread to continue."),
      turnId: Name.min(1).optional().describe(
        "fork: copy the conversation only up to and including this turn (a turnId from get's turns); app-server backend. rollback (required): the first turn to drop.",
      ),
      cwd: Name.optional().describe(
        "threads: only threads started in this directory. import: the session's working directory (default: the thread's).",
      ),
      search: Name.optional().describe("threads: only threads whose text matches this."),
      limit: z.number().int().min(1).max(100).optional().describe(
        "threads: at most this many (default 20). get with includeTurns: the last this many turns.",
      ),
      approvalPolicy: ApprovalPolicy.optional().describe(
        "import: the session's approval policy (default on-request).",
      ),
      sandbox: SandboxMode.optional().describe("import: the session's sandbox (default read-only)."),
      sessionId: Name.optional().describe(
        "Required for get, cancel, interrupt, fork, compact, rollback, clean_background_terminals.",
      ),
      includeSensitive: z.boolean().optional().describe("get: include cwd and settings (config, instructions)."),
      includeTurns: z.boolean().optional().describe(
        "get: also the thread's turns as Codex keeps them (codexTurns: the last `limit`, default 20, oldest first; each turnId, status, prompt and answer, shortened), also those from before an import or beyond codex-mcp's own log; app-server backend.",
      ),
      statuses: z.array(SessionStatus).optional().describe(
        "clean: which statuses to remove (default idle, error, cancelled).",
      ),
      olderThanMs: z.number().int().min(0).optional().describe(
        "clean: only sessions idle at least this long (default 0).",
      ),
      dryRun: z.boolean().optional().describe("clean: list what would be removed, remove nothing."),
      includeDisk: z.boolean().optional().describe(
        "clean: also delete the sessions from the state database (their history is gone for good). Without it they are only dropped from memory and stay resumable.",
      ),
    }),
    output: z.object(withErrorBranch({
      action: z.string(),
      sessions: z.array(Summary()).optional(),
      session: z.record(z.string(), z.unknown()).optional(),
      turns: z.array(Turn).optional().describe("get: the session's turns, first to last."),
      codexTurns: z.array(CodexTurn()).optional().describe(
        "get with includeTurns: the thread's turns as Codex keeps them.",
      ),
      settings: z.record(z.string(), z.unknown()).optional(),
      removed: z.array(Summary()).optional(),
      threads: z.array(CodexThread()).optional().describe("threads: Codex's threads, newest first."),
      dryRun: z.boolean().optional(),
    })),
  };
});

export function registerCodexSession(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_session",
    {
      title: "Manage Codex sessions",
      description:
        "action=threads: Codex's own threads in CODEX_HOME, newest first (also those started in the Codex TUI or app; filter by cwd and search). import: a session over one of them (threadId), which codex_reply continues with its whole history. compact: Codex replaces the session's history with a summary, in a turn of its own (poll it like any turn). rollback: drop a turn (turnId) and every later one from the conversation, between turns; files they changed stay changed (app-server backend). action=list: every session, those with a running turn first. get: one session (includeSensitive adds its cwd and settings). cancel: stop it for good (interrupts its turn, declines what it asked). interrupt: stop the current turn, keep the session. fork: a new session with the same conversation (turnId: only up to that turn). clean: remove sessions by statuses (default idle, error, cancelled) and age olderThanMs (dryRun previews; includeDisk deletes persisted sessions for good). clean_background_terminals: stop terminals Codex keeps running for the session.",
      inputSchema: deferred("codex_session.input", () => schemas().input, ctx.toolSchemas),
      outputSchema: deferred("codex_session.output", () => schemas().output, ctx.toolSchemas),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      try {
        const s = ctx.sessions;
        const id = () => {
          if (!args.sessionId) {
            throw new ToolError(
              "INVALID_ARGUMENT",
              `${args.action} needs sessionId`,
              'List sessions with codex_session {"action":"list"}.',
            );
          }
          return args.sessionId;
        };
        switch (args.action) {
          case "list": {
            const records = s.list();
            const owners = await Promise.all(records.map((r) => s.ownedElsewhere(r)));
            return structuredResult({ action: "list", sessions: records.map((r, i) => summary(r, owners[i])) });
          }
          case "get": {
            const record = s.get(id());
            const elsewhere = await s.ownedElsewhere(record);
            return structuredResult({
              action: "get",
              session: { ...sessionView(s, record), ...summary(record, elsewhere) },
              turns: s.turns(record.id),
              ...(args.includeTurns && { codexTurns: await s.codexTurns(record.id, args.limit ?? 20) }),
              // Another server's settings (cwd, instructions, config overrides) are its own.
              ...(args.includeSensitive && elsewhere === null && { settings: { ...record.settings } }),
            });
          }
          case "cancel":
            return structuredResult({ action: "cancel", session: sessionView(s, await s.cancel(id())) });
          case "interrupt":
            return structuredResult({ action: "interrupt", session: sessionView(s, await s.interrupt(id())) });
          case "compact":
            return structuredResult({ action: "compact", session: sessionView(s, await s.compact(id())) });
          case "rollback": {
            if (args.turnId === undefined) {
              throw new ToolError(
                "INVALID_ARGUMENT",
                "rollback needs turnId: the first turn to drop",
                "Take a turnId from codex_session get's turns.",
              );
            }
            const record = await s.rollback(id(), args.turnId);
            return structuredResult({ action: "rollback", session: sessionView(s, record), turns: s.turns(record.id) });
          }
          case "fork":
            return structuredResult({ action: "fork", session: sessionView(s, await s.fork(id(), args.turnId)) });
          case "clean_background_terminals":
            return structuredResult({
              action: "clean_background_terminals",
              session: sessionView(s, await s.cleanBackgroundTerminals(id())),
            });
          case "threads": {
            const threads = await s.threads({
              limit: args.limit ?? 20,
              ...(args.cwd !== undefined && { cwd: args.cwd }),
              ...(args.search !== undefined && { searchTerm: args.search }),
            });
            return structuredResult({
              action: "threads",
              threads: threads.map((t) => ({
                ...t,
                createdAt: new Date(t.createdAt).toISOString(),
                updatedAt: new Date(t.updatedAt).toISOString(),
              })),
            });
          }
          case "import": {
            const threadId = args.threadId;
            if (!threadId) {
              throw new ToolError(
                "INVALID_ARGUMENT",
                "import needs threadId",
                'List Codex\'s threads with codex_session {"action":"threads"}.',
              );
            }
            // Where the thread ran, unless the call says otherwise (exec has no list: the server's cwd).
            const listed = args.cwd === undefined ? await s.threads({ limit: 100 }).catch(() => []) : [];
            const cwd = args.cwd ?? listed.find((t) => t.threadId === threadId)?.cwd ?? ctx.runtime.cwd();
            const policy = acceptedPolicy(args.approvalPolicy ?? "on-request");
            const record = await s.importThread(threadId, {
              cwd,
              approvalPolicy: policy.policy,
              sandbox: args.sandbox ?? "read-only",
            });
            return structuredResult({ action: "import", session: sessionView(s, record) });
          }
          case "clean": {
            const removed = await s.clean({
              statuses: args.statuses ?? ["idle", "error", "cancelled"],
              olderThanMs: args.olderThanMs ?? 0,
              dryRun: args.dryRun ?? false,
              includeDisk: args.includeDisk,
            });
            return structuredResult({
              action: "clean",
              removed: removed.map((r) => summary(r)),
              dryRun: args.dryRun ?? false,
            });
          }
        }
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}
