/**
 * What a caller's paths must be before anything reaches Codex: a `cwd` that is an absolute,
 * existing directory; images that resolve to regular files of a bounded size (a device such as
 * `/dev/zero` or a FIFO would make Codex read forever). Neither may hold a NUL byte, which no
 * file system accepts. Every refusal is INVALID_ARGUMENT naming the path and why.
 *
 * @module
 */
import { SessionError } from "./errors.ts";

/** The file checks the sessions layer needs (the composition root gives the runtime's). */
export interface PathProbe {
  isDirectory(path: string): Promise<boolean>;
  /** What is at `path` once every link is resolved; `null` when nothing is. */
  resolveFile(path: string): Promise<{ realPath: string; isFile: boolean; size: number } | null>;
}

/** Most images one turn may carry. */
export const MAX_IMAGES = 16;

/** The first ~200 characters of a caller's value, for a message that must not echo megabytes. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

function checkPathText(what: string, path: string): void {
  if (path.includes("\u0000")) {
    throw new SessionError("INVALID_ARGUMENT", `${what} ${quoted(path)} contains a NUL byte`, "Pass a real path.");
  }
}

/** Refuses a cwd that is not an absolute path of an existing directory. */
export async function checkCwd(cwd: string, probe: PathProbe): Promise<void> {
  checkPathText("cwd", cwd);
  if (!isAbsolute(cwd)) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `cwd must be an absolute path, got ${quoted(cwd)}`,
      "Pass the project's absolute directory, or leave cwd out to use the server's.",
    );
  }
  if (!(await probe.isDirectory(cwd))) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `cwd ${quoted(cwd)} is not an existing directory`,
      "Pass an existing directory.",
    );
  }
}

/** Refuses images that are not regular files of at most `maxBytes` each, or too many of them. */
export async function checkImages(
  images: readonly string[],
  probe: PathProbe,
  maxBytes: number,
  checkRealPath: (realPath: string) => void = () => {},
): Promise<void> {
  if (images.length > MAX_IMAGES) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `${images.length} images, at most ${MAX_IMAGES} are taken per turn`,
      "Attach fewer images.",
    );
  }
  for (const image of images) {
    checkPathText("image", image);
    if (!isAbsolute(image)) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `image ${quoted(image)} is not an absolute path`,
        "Pass absolute paths.",
      );
    }
    const found = await probe.resolveFile(image);
    if (!found) {
      throw new SessionError("INVALID_ARGUMENT", `image ${quoted(image)} does not exist`, "Pass an existing file.");
    }
    if (!found.isFile) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `image ${quoted(image)} is not a regular file${
          found.realPath !== image ? ` (it resolves to ${quoted(found.realPath)})` : ""
        }`,
        "Pass an image file: devices, pipes and directories are refused.",
      );
    }
    checkRealPath(found.realPath);
    if (found.size > maxBytes) {
      throw new SessionError(
        "INVALID_ARGUMENT",
        `image ${quoted(image)} is ${found.size} bytes, more than the ${maxBytes} allowed (CODEX_MCP_MAX_IMAGE_BYTES)`,
        "Attach a smaller image.",
      );
    }
  }
}
