/**
 * `codex-mcp doctor`: the readiness report for people (or `--json` for machines). The same core
 * answers the MCP tool `codex_setup`.
 *
 * @module
 */
import { checkReadiness, type ReadinessReport } from "./codex/readiness.ts";
import type { Config } from "./config.ts";
import { runPreflight } from "./mcp/stdio-preflight.ts";
import type { Supervisor } from "./process/supervisor.ts";
import type { Runtime } from "./runtime/types.ts";
import { NAME, VERSION } from "./version.ts";

export interface DoctorOptions {
  json: boolean;
  cwd?: string;
}

/** Runs the checks; resolves to the text to print and the exit code (0 ready, 1 not). */
export async function runDoctor(runtime: Runtime, config: Config, supervisor: Supervisor, options: DoctorOptions): Promise<{ text: string; code: number }> {
  // The terminal doctor runs in says nothing about how an MCP client will start the server:
  // check only what the environment would carry into that launch.
  const findings = runPreflight({ runtime: runtime.name, platform: runtime.platform, env: runtime.env, stdinIsTerminal: false, stdoutIsTerminal: false });
  let cwd = options.cwd;
  if (cwd !== undefined) {
    const info = await runtime.fs.stat(cwd);
    if (!info?.isDirectory) return { text: `${NAME} doctor: --cwd ${JSON.stringify(cwd)} is not an existing directory\n`, code: 2 };
    cwd = await runtime.fs.realPath(cwd);
  }
  const report = await checkReadiness({
    runtime,
    supervisor,
    stdio: { mode: config.stdioMode, findings },
    cwd,
    clientInfo: { name: NAME, version: VERSION },
    mode: config.backendMode,
  });
  return { text: options.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report), code: report.ready ? 0 : 1 };
}

/** The report as a person reads it. */
export function formatReport(r: ReadinessReport): string {
  const rows: [string, string][] = [
    ["Codex", r.executable ? `${r.executable.path}\n${r.executable.how}` : "not found"],
    ["Version", r.version ?? "unknown"],
    ["Backend", r.backend.mode ? `${r.backend.mode} — ${r.backend.reason}` : `none — ${r.backend.reason}`],
    ["Login", `${r.login.status} (${r.login.detail})`],
    ["CODEX_HOME", r.codexHome ? `${r.codexHome.path} (${r.codexHome.source === "CODEX_HOME" ? "from CODEX_HOME" : "default"}${r.codexHome.exists ? "" : ", does not exist yet"})` : "unresolved"],
    ["Config files", r.configFiles.length === 0 ? "none" : r.configFiles.map((f) => `${f.scope.padEnd(7)} ${f.path}${f.exists ? "" : " (missing)"}${f.active === false ? " (not applied: project not trusted)" : ""}`).join("\n")],
    ["Working dir", r.cwd],
    ["Stdio mode", `${r.stdio.mode}${r.stdio.findings.length === 0 ? ", no preflight findings" : ""}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const body = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v.replaceAll("\n", `\n  ${" ".repeat(width)}  `)}`).join("\n");
  const problems = r.problems.length === 0
    ? "  none"
    : r.problems.map((p) => `  ${p.severity === "error" ? "✗" : "!"} [${p.code}] ${p.message}\n    hint: ${p.hint}`).join("\n");
  const verdict = r.ready ? "ready" : "NOT READY";
  return `${NAME} ${VERSION} doctor: ${verdict}\n\n${body}\n\nProblems:\n${problems}\n`;
}
