/**
 * The stdout-contamination preflight: looks at how we were started for anything that would put
 * bytes other than protocol messages on stdout, or signals that no MCP client is on the other end.
 * Every check is documented in the README ("Stdio preflight"); keep the two in step.
 *
 * @module
 */
import type { RuntimeName } from "../../../runtime/types.ts";

/** One thing the preflight noticed. `blocking` findings stop a `strict` start. */
export interface PreflightFinding {
  id: string;
  severity: "blocking" | "warning";
  message: string;
  hint: string;
}

/** What the preflight inspects: passed in, so tests can describe any situation. */
export interface PreflightInput {
  runtime: RuntimeName;
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  stdinIsTerminal: boolean;
  stdoutIsTerminal: boolean;
}

/** Node flags that load code before ours runs; that code can print to stdout before the guard is up. */
const PRELOAD_FLAGS = /(?:^|\s)(?:-r|--require|--import|--loader|--experimental-loader)(?:[\s=]|$)/;
/** `--trace-*` flags Node accepts in NODE_OPTIONS; all of them write to stderr (measured on Node 22). */
const STDERR_TRACE_FLAGS = new Set([
  "--trace-warnings",
  "--trace-deprecation",
  "--trace-uncaught",
  "--trace-exit",
  "--trace-sigint",
  "--trace-sync-io",
  "--trace-tls",
  "--trace-atomics-wait",
  "--trace-event-categories",
  "--trace-event-file-pattern",
  "--trace-events-enabled",
  "--trace-require-module",
  "--trace-env",
  "--trace-env-js-stack",
  "--trace-env-native-stack",
  "--trace-promises",
]);

/** Runs every check. Pure: no I/O. */
export function runPreflight(input: PreflightInput): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  if (input.stdoutIsTerminal) {
    findings.push({
      id: "stdout-terminal",
      severity: "blocking",
      message:
        "stdout is a terminal: codex-mcp speaks MCP (JSON-RPC) on stdout, so it is meant to be started by an MCP client, not typed at.",
      hint:
        "Add codex-mcp as a `command` in your MCP client's config (see `codex-mcp --help`), or run `codex-mcp --help`.",
    });
  }
  if (input.stdinIsTerminal) {
    findings.push({
      id: "stdin-terminal",
      severity: "warning",
      message: "stdin is a terminal: whatever is typed is read as protocol messages.",
      hint: "Let an MCP client start codex-mcp; it connects stdin and stdout to pipes.",
    });
  }

  const nodeOptions = input.env.NODE_OPTIONS ?? "";
  if (PRELOAD_FLAGS.test(nodeOptions)) {
    const ours = input.runtime === "node";
    findings.push({
      id: "node-options-preload",
      severity: ours ? "blocking" : "warning",
      message: ours
        ? `NODE_OPTIONS preloads code (${nodeOptions.trim()}) that runs before codex-mcp and may print to stdout.`
        : `NODE_OPTIONS preloads code (${nodeOptions.trim()}); it does not affect this ${input.runtime} process, but does affect any Node program codex-mcp starts.`,
      hint: "Remove --require/--import/--loader from NODE_OPTIONS in the MCP client's environment for codex-mcp.",
    });
  }
  for (const flag of nodeOptions.split(/\s+/)) {
    const name = flag.split("=")[0] ?? "";
    if (!name.startsWith("--trace") || STDERR_TRACE_FLAGS.has(name)) continue;
    findings.push({
      id: "node-options-trace",
      severity: input.runtime === "node" ? "blocking" : "warning",
      message: `NODE_OPTIONS carries ${name}, a tracing flag that may print to stdout.`,
      hint:
        `Remove ${name} from NODE_OPTIONS for codex-mcp; Node's --trace-warnings and similar flags are fine (they print to stderr).`,
    });
  }

  if (
    input.platform === "win32" && /\\Documents\\(?:Windows)?PowerShell\\Modules/i.test(input.env.PSModulePath ?? "")
  ) {
    // PowerShell adds the user's module folder to PSModulePath for itself and its children; the
    // system value lacks it. So its presence means a PowerShell started us, with its profile.
    findings.push({
      id: "powershell-profile",
      severity: "warning",
      message: "codex-mcp appears to have been started through PowerShell, whose profile scripts can print to stdout.",
      hint: "Make codex-mcp.exe itself the MCP `command`, or start PowerShell with -NoProfile.",
    });
  }
  return findings;
}

/** A finding as one stderr line for people. */
export function formatFinding(finding: PreflightFinding): string {
  return `codex-mcp: stdio preflight ${finding.severity} [${finding.id}]: ${finding.message}\n  hint: ${finding.hint}`;
}
