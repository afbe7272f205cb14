/**
 * Pure path helpers for the *target* platform, so discovery can be unit-tested for Windows on
 * Linux and the reverse. No `node:path`: the platform is a value, not the host.
 *
 * Windows paths accept both `\` and `/` as separators, and compare case-insensitively; what these
 * helpers produce uses `\`. POSIX paths use `/` only and compare exactly.
 *
 * @module
 */

/** How paths look on one platform. */
export interface PathFlavor {
  readonly windows: boolean;
  /** The separator these helpers write. */
  readonly sep: "/" | "\\";
}

const WINDOWS: PathFlavor = { windows: true, sep: "\\" };
const POSIX: PathFlavor = { windows: false, sep: "/" };

/** The flavor for a Node-style platform name (`win32`, `linux`, `darwin`, …). */
export function pathFlavor(platform: string): PathFlavor {
  return platform === "win32" ? WINDOWS : POSIX;
}

/** Whether `ch` separates path components. */
function isSeparator(ch: string | undefined, f: PathFlavor): boolean {
  return ch === "/" || (f.windows && ch === "\\");
}

/** Whether `p` contains any separator. */
export function hasSeparator(p: string, f: PathFlavor): boolean {
  return p.includes("/") || (f.windows && p.includes("\\"));
}

/**
 * The root of `p`, written with the flavor's separator: `/`, `C:\`, `\\server\share\`, `\`
 * (root of the current drive), `C:` (drive-relative), or `""` for a relative path.
 */
export function rootOf(p: string, f: PathFlavor): string {
  if (!f.windows) return p.startsWith("/") ? "/" : "";
  if (isSeparator(p[0], f) && isSeparator(p[1], f)) {
    // UNC (\\server\share\) or a device path (\\?\C:\ — "?" is the server, "C:" the share).
    let i = 2;
    const server = readComponent(p, i, f);
    i += server.length;
    while (isSeparator(p[i], f)) i++;
    const share = readComponent(p, i, f);
    if (!server || !share) return "\\\\";
    return `\\\\${server}\\${share}\\`;
  }
  if (/^[A-Za-z]:/.test(p)) return isSeparator(p[2], f) ? `${p.slice(0, 2)}\\` : p.slice(0, 2);
  return isSeparator(p[0], f) ? "\\" : "";
}

function readComponent(p: string, start: number, f: PathFlavor): string {
  let end = start;
  while (end < p.length && !isSeparator(p[end], f)) end++;
  return p.slice(start, end);
}

/** Absolute in Node's sense: rooted (on Windows `C:\x`, `\\server\share\x` and `\x`). */
export function isAbsolutePath(p: string, f: PathFlavor): boolean {
  const root = rootOf(p, f);
  return root !== "" && !(f.windows && /^[A-Za-z]:$/.test(root));
}

/** The path's components after its root, without empty ones. */
function componentsAfterRoot(p: string, f: PathFlavor): { root: string; parts: string[] } {
  const root = rootOf(p, f);
  // Skip exactly what the root consumed in the original spelling.
  let i = 0;
  if (root) {
    if (f.windows && root.startsWith("\\\\") && root.length > 2) {
      i = 2;
      i += readComponent(p, i, f).length;
      while (isSeparator(p[i], f)) i++;
      i += readComponent(p, i, f).length;
    } else {
      i = root.length;
      if (f.windows && /^[A-Za-z]:\\$/.test(root)) i = 3;
    }
  }
  const rest = p.slice(i);
  const parts = (f.windows ? rest.split(/[\\/]/) : rest.split("/")).filter((s) => s !== "");
  return { root, parts };
}

/**
 * Joins `base` and `parts` with the flavor's separator, collapsing repeated separators. It does
 * not resolve `.` or `..` (the OS resolves those physically, through symlinks); see
 * {@link normalizePath}. An absolute part does not reset the join: callers join relative parts.
 */
export function joinPath(f: PathFlavor, base: string, ...parts: string[]): string {
  const { root, parts: baseParts } = componentsAfterRoot(base, f);
  const all = [...baseParts];
  for (const part of parts) all.push(...componentsAfterRoot(part, f).parts);
  if (!root && all.length === 0) return ".";
  return root + all.join(f.sep);
}

/** Like {@link joinPath}, then resolves `.` and `..` lexically (never above the root). */
export function normalizePath(p: string, f: PathFlavor): string {
  const { root, parts } = componentsAfterRoot(p, f);
  const out: string[] = [];
  for (const part of parts) {
    if (part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!root) out.push("..");
      continue;
    }
    out.push(part);
  }
  if (!root && out.length === 0) return ".";
  return root + out.join(f.sep);
}

/** `p` made absolute against `cwd` (itself absolute), then normalized. */
export function resolvePath(f: PathFlavor, cwd: string, p: string): string {
  if (isAbsolutePath(p, f)) {
    // On Windows `\x` is rooted on the current drive.
    const root = rootOf(p, f);
    if (f.windows && root === "\\") return normalizePath(rootOf(cwd, f) + p.slice(1), f);
    return normalizePath(p, f);
  }
  return normalizePath(joinPath(f, cwd, p), f);
}

/** The directory holding `p` (the root for the root itself; `.` for a bare name). */
export function dirnamePath(p: string, f: PathFlavor): string {
  const { root, parts } = componentsAfterRoot(p, f);
  if (parts.length <= 1) return root || ".";
  return root + parts.slice(0, -1).join(f.sep);
}

/** The last component of `p` (`""` for a root). */
export function basenamePath(p: string, f: PathFlavor): string {
  const { parts } = componentsAfterRoot(p, f);
  return parts[parts.length - 1] ?? "";
}

/** The extension of the last component, dot included (`.cmd`), or `""`. A leading dot is not one. */
export function extnamePath(p: string, f: PathFlavor): string {
  const base = basenamePath(p, f);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot) : "";
}

/** The comparison key of a path: normalized, and lower-cased on Windows. */
export function pathKey(p: string, f: PathFlavor): string {
  const n = normalizePath(p, f);
  return f.windows ? n.toLowerCase() : n;
}

/** Whether two paths name the same place lexically (case-insensitively on Windows). */
export function samePath(a: string, b: string, f: PathFlavor): boolean {
  return pathKey(a, f) === pathKey(b, f);
}

/** Whether two file names are equal on this platform (case-insensitively on Windows). */
export function sameName(a: string, b: string, f: PathFlavor): boolean {
  return f.windows ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** `p` and each of its parents, nearest first, ending with the root. `p` should be absolute. */
export function ancestorsOf(p: string, f: PathFlavor): string[] {
  const { root, parts } = componentsAfterRoot(normalizePath(p, f), f);
  const out: string[] = [];
  for (let n = parts.length; n > 0; n--) out.push(root + parts.slice(0, n).join(f.sep));
  if (root) out.push(root);
  return out;
}
