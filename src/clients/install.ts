/**
 * `codex-mcp install <client>` and `uninstall <client>`: puts this binary into (or takes it out
 * of) an MCP client's config file, merged with what is there — other servers, comments and
 * formatting untouched. The write is atomic (a temporary file renamed over the old one, with its
 * permissions), the file as it was is kept as `<file>.codex-mcp.bak`, and the report says what
 * changed. `--dry-run` says it and writes nothing.
 *
 * @module
 */
import type { FileSystem } from "../runtime/types.ts";
import { dirnamePath, pathFlavor } from "../platform/paths.ts";
import { JsoncError, readMember, removeMember, setMember } from "./jsonc.ts";
import type { ClientTarget } from "./targets.ts";
import { removeServer, type ServerEntry, setServer, TomlEditError } from "./toml-servers.ts";

export interface InstallRequest {
  action: "install" | "uninstall";
  /** The server's name in the client's list. */
  name: string;
  dryRun: boolean;
}

/** What happened to the file. */
export type Change = "added" | "updated" | "unchanged" | "removed" | "absent";

export interface InstallReport {
  target: ClientTarget;
  change: Change;
  /** Where the file as it was went; null when nothing was written or there was no file. */
  backup: string | null;
  dryRun: boolean;
  /** What the entry says after an install. */
  entry: unknown;
}

/** A failure with what to do about it: the CLI prints both and exits 1. */
export class InstallError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** The suffix of the kept copy of a file before codex-mcp changed it. */
export const BACKUP_SUFFIX = ".codex-mcp.bak";

/** The file's new text, and what that is, for `request` (pure: the edit alone). */
export function plan(
  target: ClientTarget,
  request: InstallRequest,
  server: ServerEntry,
  before: string | null,
): { after: string | null; change: Change; entry: unknown } {
  const text = before ?? "";
  const install = request.action === "install";
  try {
    let after: string | null;
    let existed: boolean;
    let entry: unknown = null;
    if (target.format === "toml") {
      existed = removeServer(text, request.name) !== null;
      if (install) entry = server;
      after = install ? setServer(text, request.name, server) : removeServer(text, request.name);
    } else {
      const path = [target.container, request.name];
      existed = readMember(text, path) !== undefined;
      if (install) entry = target.entry(server);
      after = install ? setMember(text, path, entry) : removeMember(text, path);
    }
    if (after === null) return { after: null, change: "absent", entry };
    if (after === before) return { after: null, change: "unchanged", entry };
    return { after, change: install ? (existed ? "updated" : "added") : "removed", entry };
  } catch (error) {
    if (error instanceof JsoncError || error instanceof TomlEditError) {
      throw new InstallError(
        `${target.file} cannot be edited: ${error.message}`,
        "Fix the file (or move it aside) and run this again; nothing was changed.",
      );
    }
    throw error;
  }
}

/** Reads the file, plans the edit, and (unless a dry run) writes it atomically with a backup. */
export async function applyToClient(
  fs: FileSystem,
  platform: string,
  target: ClientTarget,
  request: InstallRequest,
  server: ServerEntry,
  pid: number,
): Promise<InstallReport> {
  const info = await fs.stat(target.file);
  if (info && !info.isFile) {
    throw new InstallError(`${target.file} is not a file`, "Move it aside and run this again.");
  }
  const before = info ? await fs.readTextFile(target.file) : null;
  const { after, change, entry } = plan(target, request, server, before);
  const report: InstallReport = { target, change, backup: null, dryRun: request.dryRun, entry };
  if (after === null || request.dryRun) return report;

  const dir = dirnamePath(target.file, pathFlavor(platform));
  await fs.mkdir(dir, { recursive: true });
  // Config files can hold secrets (--env): a new one is private; an old one keeps its mode.
  const mode = info?.mode ?? 0o600;
  if (before !== null) {
    report.backup = target.file + BACKUP_SUFFIX;
    await fs.writeTextFile(report.backup, before, { mode });
    await fs.chmod(report.backup, mode);
  }
  const temporary = `${target.file}.codex-mcp-${pid}.tmp`;
  try {
    await fs.writeTextFile(temporary, after, { mode, createNew: true });
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, target.file);
  } catch (error) {
    await fs.remove(temporary).catch(() => {});
    throw new InstallError(
      `could not write ${target.file}: ${(error as Error).message}`,
      "Check that the directory is writable; the file was left as it was.",
    );
  }
  return report;
}

/** The report in a person's words. */
export function describeReport(report: InstallReport, name: string): string {
  const where = `${report.target.client} (${report.target.scope}): ${report.target.file}`;
  const would = report.dryRun ? "would be " : "";
  const lines: string[] = [];
  switch (report.change) {
    case "added":
      lines.push(`${name} ${would}added to ${where}`);
      break;
    case "updated":
      lines.push(`${name} ${would}updated in ${where}`);
      break;
    case "unchanged":
      lines.push(`${name} is already there, as it would be written: ${where}`);
      break;
    case "removed":
      lines.push(`${name} ${would}removed from ${where}`);
      break;
    case "absent":
      lines.push(`${name} is not in ${where}; nothing to remove`);
      break;
  }
  if (report.entry && report.change !== "absent" && report.change !== "removed") {
    lines.push(`  entry: ${JSON.stringify(report.entry)}`);
  }
  if (report.backup) lines.push(`  the file as it was: ${report.backup}`);
  if (report.dryRun && (report.change === "added" || report.change === "updated" || report.change === "removed")) {
    lines.push("  (dry run: nothing was written)");
  }
  return `${lines.join("\n")}\n`;
}
