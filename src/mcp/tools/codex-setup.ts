/**
 * `codex_setup`: is Codex ready, and if not, what to do. The readiness core is shared with
 * `codex-mcp doctor` (src/diagnostics/readiness.ts).
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { APPROVALS_SETTINGS } from "../../config.ts";
import * as z from "zod";
import { checkReadiness } from "../../diagnostics/readiness.ts";
import { NAME, VERSION } from "../../version.ts";
import { policyOf, type ServerContext } from "../context.ts";
import { errorResult, ToolError } from "../errors.ts";
import { rateLimitsView } from "../resources/rate-limits.ts";
import { vocabulary, withErrorBranch } from "./schemas.ts";
import { deferred, once } from "./deferred-schema.ts";

/** The tool's schemas, built on first use (deferred-schema.ts). */
const schemas = once(() => {
  const { Name } = vocabulary();
  const Problem = z.object({
    code: z.string(),
    severity: z.enum(["error", "warning"]),
    message: z.string(),
    hint: z.string(),
  });

  /** The shape of {@link checkReadiness}'s report, declared for clients. */
  const ReadinessOutput = {
    ready: z.boolean().describe("true when nothing of severity error was found"),
    executable: z
      .object({
        path: z.string().describe("what really runs (the native binary when reached through the npm wrapper)"),
        command: z.string(),
        args: z.array(z.string()),
        source: z.enum(["CODEX_MCP_PATH", "CODEX_MCP_COMMAND", "PATH"]),
        kind: z.enum(["native", "npm-native", "npm-wrapper", "batch"]),
        how: z.string().describe("why this executable was chosen"),
      })
      .nullable(),
    version: z.string().nullable(),
    backend: z.object({
      mode: z.enum(["app-server", "exec"]).nullable(),
      reason: z.string(),
      userAgent: z.string().nullable(),
      probeMs: z.number().nullable(),
      capabilities: z.record(z.string(), z.boolean()).nullable().describe(
        "What the backend can do: approvals, userInput, fork, streamingDeltas, profiles, cleanBackgroundTerminals, review, steer, models, compact, rollback, rateLimits.",
      ),
    }),
    limits: z.object({
      maxWaitMs: z.number().int().describe("The longest a call waits here (CODEX_MCP_MAX_WAIT_MS)."),
      allowedRoots: z.array(z.string()).describe("CODEX_MCP_ALLOWED_ROOTS; empty: anywhere."),
      maxSandbox: z.string().describe("CODEX_MCP_MAX_SANDBOX; none: no ceiling."),
      minApproval: z.string().describe("CODEX_MCP_MIN_APPROVAL; none: any."),
      maxSessions: z.number().int().describe("CODEX_MCP_MAX_SESSIONS; 0: no limit."),
      maxRunningTurns: z.number().int().describe("CODEX_MCP_MAX_RUNNING_TURNS; 0: no limit."),
      approvals: z.enum(APPROVALS_SETTINGS).describe(
        "CODEX_MCP_APPROVALS: who answers Codex's approvals (client: the person by form; model: the caller; auto).",
      ),
      maxTurnMs: z.number().int().describe(
        "CODEX_MCP_RUNNING_TTL_MS: the longest a turn runs; a call's turnTimeoutMs may only ask for less.",
      ),
    }),
    login: z.object({ status: z.enum(["logged-in", "not-logged-in", "unknown"]), detail: z.string() }),
    codexHome: z.object({ path: z.string(), source: z.enum(["CODEX_HOME", "default"]), exists: z.boolean() })
      .nullable(),
    configFiles: z.array(
      z.object({
        scope: z.enum(["system", "user", "project"]),
        path: z.string(),
        exists: z.boolean(),
        active: z.boolean().nullable(),
      }),
    ),
    cwd: z.string(),
    stdio: z.object({
      mode: z.enum(["auto", "strict", "off"]),
      findings: z.array(
        z.object({ id: z.string(), severity: z.enum(["blocking", "warning"]), message: z.string(), hint: z.string() }),
      ),
    }),
    problems: z.array(Problem),
    models: z.array(
      z.object({ id: z.string(), isDefault: z.boolean(), defaultEffort: z.string(), efforts: z.array(z.string()) }),
    ).nullable().describe(
      "The models Codex offers (its model/list) with the efforts each takes; null when the backend has no list (exec) or Codex is not ready. Also codex-mcp:///models.",
    ),
    rateLimits: z.record(z.string(), z.unknown()).nullable().describe(
      "The account's rate-limit windows (usedPercent, windowMinutes, resetsAt), or available: false and why (an API-key login has none; exec cannot read them); null when Codex is not ready. Also codex-mcp:///rate-limits.",
    ),
  };

  return {
    input: z.object({
      cwd: Name.optional().describe(
        "Absolute directory Codex would run in (project config is looked up from here). Default: the server's working directory.",
      ),
    }),
    output: z.object(withErrorBranch(ReadinessOutput)),
  };
});

export function registerCodexSetup(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    "codex_setup",
    {
      title: "Check Codex readiness",
      description:
        "Reports whether Codex can be driven from here: which executable was chosen and why, its version, the backend (app-server or exec), login status, CODEX_HOME, the config.toml files Codex reads from `cwd`, the models Codex offers, and every problem with a hint. Starts Codex briefly to probe it.",
      inputSchema: deferred("codex_setup.input", () => schemas().input, ctx.toolSchemas),
      outputSchema: deferred("codex_setup.output", () => schemas().output, ctx.toolSchemas),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ cwd }) => {
      try {
        if (cwd !== undefined) await checkDirectory(ctx, cwd);
        const report = await checkReadiness({
          runtime: ctx.runtime,
          supervisor: ctx.supervisor,
          stdio: { mode: ctx.config.stdioMode, findings: ctx.preflight },
          cwd,
          clientInfo: { name: NAME, version: VERSION },
        });
        // The sessions' own backend lists the models, when Codex is ready to run it.
        const listed = report.ready ? await ctx.sessions.models().catch(() => null) : null;
        const models =
          listed?.map(({ id, isDefault, defaultEffort, efforts }) => ({ id, isDefault, defaultEffort, efforts })) ??
            null;
        const rateLimits = report.ready ? await rateLimitsView(ctx) : null;
        const value = {
          ...report,
          limits: { maxWaitMs: ctx.config.maxWaitMs, ...policyOf(ctx.config) },
          models,
          rateLimits,
        };
        return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
      } catch (error) {
        return errorResult(error);
      }
    },
  );
}

async function checkDirectory(ctx: ServerContext, cwd: string): Promise<void> {
  const absolute = cwd.startsWith("/") || /^[A-Za-z]:[\\/]/.test(cwd) || cwd.startsWith("\\\\");
  if (!absolute) {
    throw new ToolError(
      "INVALID_ARGUMENT",
      `cwd must be an absolute path, got ${JSON.stringify(cwd)}`,
      "Pass the project's absolute directory, or leave cwd out.",
    );
  }
  const info = await ctx.runtime.fs.stat(cwd);
  if (!info?.isDirectory) {
    throw new ToolError(
      "INVALID_ARGUMENT",
      `cwd ${JSON.stringify(cwd)} ${info ? "is not a directory" : "does not exist"}`,
      "Pass an existing directory, or leave cwd out.",
    );
  }
}
