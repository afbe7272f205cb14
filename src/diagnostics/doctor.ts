/**
 * `codex-mcp doctor`: the readiness report for people (or `--json` for machines). The same core
 * answers the MCP tool `codex_setup`.
 *
 * @module
 */
import { checkReadiness, type ReadinessReport, type StdioFinding } from "./readiness.ts";
import type { Config } from "../config.ts";
import { childLedgerDir, identifier, reapOrphans, type ReapReport, supervisedOutput } from "../process/orphans.ts";
import type { Supervisor } from "../process/supervisor.ts";
import { resolveStateDir } from "../platform/state-dir.ts";
import type { Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";
import { NAME, VERSION } from "../version.ts";

export interface DoctorOptions {
  json: boolean;
  cwd?: string;
}

/** Runs the checks; resolves to the text to print and the exit code (0 ready, 1 not). */
export async function runDoctor(
  runtime: Runtime,
  config: Config,
  supervisor: Supervisor,
  log: Logger,
  options: DoctorOptions,
  /** What the stdio preflight finds in the environment an MCP client would launch codex-mcp with. */
  stdioFindings: readonly StdioFinding[],
): Promise<{ text: string; code: number }> {
  let cwd = options.cwd;
  if (cwd !== undefined) {
    const info = await runtime.fs.stat(cwd);
    if (!info?.isDirectory) {
      return { text: `${NAME} doctor: --cwd ${JSON.stringify(cwd)} is not an existing directory\n`, code: 2 };
    }
    cwd = await runtime.fs.realPath(cwd);
  }
  const report = await checkReadiness({
    runtime,
    supervisor,
    stdio: { mode: config.stdioMode, findings: stdioFindings },
    cwd,
    clientInfo: { name: NAME, version: VERSION },
    mode: config.backendMode,
  });
  const orphans = await reapOrphansOfDeadServers(runtime, config, supervisor, log);
  const text = options.json
    ? JSON.stringify({ ...report, orphans }, null, 2) + "\n"
    : formatReport(report) + formatOrphans(orphans);
  return { text, code: report.ready ? 0 : 1 };
}

/** Children left by codex-mcp servers that died without tearing them down: found and terminated. */
async function reapOrphansOfDeadServers(
  runtime: Runtime,
  config: Config,
  supervisor: Supervisor,
  log: Logger,
): Promise<ReapReport | null> {
  let dir: string;
  try {
    dir = resolveStateDir({ env: runtime.env, platform: runtime.platform, cwd: runtime.cwd() }).path;
  } catch {
    return null; // no state directory: nothing was ever recorded
  }
  const identify = identifier(runtime, supervisedOutput(supervisor));
  return reapOrphans({
    fs: runtime.fs,
    dir: childLedgerDir(dir),
    self: { pid: runtime.pid, startTime: await identify(runtime.pid) },
    identify,
    signal: runtime,
    graceMs: config.killGraceMs,
    log,
  });
}

function formatOrphans(report: ReapReport | null): string {
  if (!report || report.children.length === 0) {
    const live = report && report.liveOwners > 0 ? ` (${report.liveOwners} running server(s) left alone)` : "";
    return `\nOrphaned processes: none${live}\n`;
  }
  const rows = report.children.map((c) =>
    `  ${c.label} pid ${c.pid} (left by codex-mcp pid ${c.owner.pid}): ${c.outcome}`
  );
  return `\nOrphaned processes of codex-mcp servers that are gone:\n${rows.join("\n")}\n`;
}

/** The report as a person reads it. */
export function formatReport(r: ReadinessReport): string {
  const rows: [string, string][] = [
    ["Codex", r.executable ? `${r.executable.path}\n${r.executable.how}` : "not found"],
    ["Version", r.version ?? "unknown"],
    ["Backend", r.backend.mode ? `${r.backend.mode} — ${r.backend.reason}` : `none — ${r.backend.reason}`],
    ["Login", `${r.login.status} (${r.login.detail})`],
    [
      "CODEX_HOME",
      r.codexHome
        ? `${r.codexHome.path} (${r.codexHome.source === "CODEX_HOME" ? "from CODEX_HOME" : "default"}${
          r.codexHome.exists ? "" : ", does not exist yet"
        })`
        : "unresolved",
    ],
    [
      "Config files",
      r.configFiles.length === 0
        ? "none"
        : r.configFiles.map((f) =>
          `${f.scope.padEnd(7)} ${f.path}${f.exists ? "" : " (missing)"}${
            f.active === false ? " (not applied: project not trusted)" : ""
          }`
        ).join("\n"),
    ],
    ["Working dir", r.cwd],
    ["Stdio mode", `${r.stdio.mode}${r.stdio.findings.length === 0 ? ", no preflight findings" : ""}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const body = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v.replaceAll("\n", `\n  ${" ".repeat(width)}  `)}`).join(
    "\n",
  );
  const problems = r.problems.length === 0
    ? "  none"
    : r.problems.map((p) => `  ${p.severity === "error" ? "✗" : "!"} [${p.code}] ${p.message}\n    hint: ${p.hint}`)
      .join("\n");
  const verdict = r.ready ? "ready" : "NOT READY";
  return `${NAME} ${VERSION} doctor: ${verdict}\n\n${body}\n\nProblems:\n${problems}\n`;
}
