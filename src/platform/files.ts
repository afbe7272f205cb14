/**
 * File checks that never throw: a missing or unreadable path is "nothing there".
 *
 * @module
 */
import type { FileInfo, FileSystem } from "../runtime/types.ts";

/** `stat` that reports any failure (ENOTDIR, EACCES, a malformed name…) as "nothing there". */
export async function statOrNull(fs: Pick<FileSystem, "stat">, path: string): Promise<FileInfo | null> {
  try {
    return await fs.stat(path);
  } catch {
    return null;
  }
}

/** `realPath`, or `null` when it fails. */
export async function realPathOrNull(fs: Pick<FileSystem, "realPath">, path: string): Promise<string | null> {
  try {
    return await fs.realPath(path);
  } catch {
    return null;
  }
}

/** Whether a file can be executed on this platform as far as its mode says (any execute bit).
 * Windows has no mode: every file passes, and the extension decides instead. */
export function hasExecuteBit(info: FileInfo): boolean {
  return info.mode === null || (info.mode & 0o111) !== 0;
}
