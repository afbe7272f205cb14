/**
 * An in-memory file system for discovery tests, with files (content, mode), directories and
 * symlinks, in POSIX or Windows flavour. Windows paths are case-insensitive, accept `/` and `\`,
 * have no mode bits, and report names with the case they were created with — like NTFS.
 */
import type { FileInfo } from "../../src/runtime/types.ts";
import type { DiscoveryFileSystem } from "../../src/codex/install/discovery.ts";
import {
  isAbsolutePath,
  joinPath,
  normalizePath,
  type PathFlavor,
  pathFlavor,
  rootOf,
} from "../../src/platform/paths.ts";

type Node =
  | { type: "file"; name: string; content: string; mode: number; size: number | undefined }
  | { type: "dir"; name: string; children: Map<string, string> }
  | { type: "link"; name: string; target: string };

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

export class FakeFs implements DiscoveryFileSystem {
  readonly platform: string;
  readonly f: PathFlavor;
  private readonly nodes = new Map<string, Node>();
  /** Every path passed to a method, in order: lets tests check what was (not) touched. */
  readonly calls: string[] = [];

  constructor(platform: string) {
    this.platform = platform;
    this.f = pathFlavor(platform);
  }

  private key(p: string): string {
    return this.f.windows ? p.toLowerCase() : p;
  }

  private parts(p: string): { root: string; names: string[] } {
    const n = normalizePath(p, this.f);
    const root = rootOf(n, this.f);
    const rest = n.slice(root.length);
    return { root, names: rest === "" ? [] : rest.split(this.f.sep) };
  }

  private ensureRoot(root: string): void {
    if (!this.nodes.has(this.key(root))) {
      this.nodes.set(this.key(root), { type: "dir", name: root, children: new Map() });
    }
  }

  /** Creates the parents of `p` as directories and returns the parent's canonical path. */
  private parentOf(p: string): { parent: string; name: string } {
    const { root, names } = this.parts(p);
    this.ensureRoot(root);
    let cur = root;
    for (const name of names.slice(0, -1)) {
      const next = joinPath(this.f, cur, name);
      const existing = this.nodes.get(this.key(next));
      if (!existing) {
        this.nodes.set(this.key(next), { type: "dir", name, children: new Map() });
        (this.nodes.get(this.key(cur)) as Extract<Node, { type: "dir" }>).children.set(this.key(name), name);
      }
      cur = next;
    }
    return { parent: cur, name: names[names.length - 1] ?? "" };
  }

  private add(p: string, make: (name: string) => Node): this {
    const { parent, name } = this.parentOf(p);
    const full = joinPath(this.f, parent, name);
    this.nodes.set(this.key(full), make(name));
    (this.nodes.get(this.key(parent)) as Extract<Node, { type: "dir" }>).children.set(this.key(name), name);
    return this;
  }

  file(p: string, content = "", options: { mode?: number; size?: number } = {}): this {
    return this.add(p, (name) => ({ type: "file", name, content, mode: options.mode ?? 0o644, size: options.size }));
  }

  exe(p: string, content = "\u007fELF", options: { size?: number } = {}): this {
    return this.file(p, content, { mode: 0o755, ...options });
  }

  dir(p: string): this {
    return this.add(p, (name) => ({ type: "dir", name, children: new Map() }));
  }

  symlink(p: string, target: string): this {
    return this.add(p, (name) => ({ type: "link", name, target }));
  }

  /** Resolves every symlink; returns the canonical path (with on-disk names) and its node. */
  private resolve(p: string): { path: string; node: Node } {
    const { root, names } = this.parts(p);
    this.ensureRoot(root);
    let cur = (this.nodes.get(this.key(root)) as Node).name;
    let hops = 0;
    const queue = [...names];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (name === "." || name === "") continue;
      if (name === "..") {
        const { root: r, names: n } = this.parts(cur);
        cur = n.length === 0 ? r : joinPath(this.f, r, ...n.slice(0, -1));
        continue;
      }
      const dirNode = this.nodes.get(this.key(cur));
      if (!dirNode || dirNode.type !== "dir") throw fsError("ENOTDIR", p);
      const actual = dirNode.children.get(this.key(name));
      if (actual === undefined) throw fsError("ENOENT", p);
      const next = joinPath(this.f, cur, actual);
      const node = this.nodes.get(this.key(next)) as Node;
      if (node.type === "link") {
        if (++hops > 40) throw fsError("ELOOP", p);
        const target = node.target;
        // Walk the target un-normalized, so its `..` resolve physically, after symlinks.
        const raw = isAbsolutePath(target, this.f) ? target : `${cur}${this.f.sep}${target}`;
        const rawRoot = rootOf(raw, this.f);
        const rawNames = raw.slice(rawRoot.length).split(this.f.windows ? /[\\/]/ : "/").filter((s) => s !== "");
        this.ensureRoot(rawRoot);
        cur = (this.nodes.get(this.key(rawRoot)) as Node).name;
        queue.unshift(...rawNames);
        continue;
      }
      cur = next;
    }
    const node = this.nodes.get(this.key(cur));
    if (!node) throw fsError("ENOENT", p);
    return { path: cur, node };
  }

  async stat(p: string): Promise<FileInfo | null> {
    this.calls.push(p);
    let resolved: { path: string; node: Node };
    try {
      resolved = this.resolve(p);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
    const { node } = resolved;
    const isFile = node.type === "file";
    return {
      isFile,
      isDirectory: node.type === "dir",
      size: node.type === "file" ? (node.size ?? node.content.length) : 4096,
      mode: this.f.windows ? null : node.type === "file" ? node.mode : 0o755,
      mtimeMs: null,
    };
  }

  async readTextFile(p: string): Promise<string> {
    this.calls.push(p);
    const { node } = this.resolve(p);
    if (node.type !== "file") throw fsError("EISDIR", p);
    return node.content;
  }

  async realPath(p: string): Promise<string> {
    this.calls.push(p);
    return this.resolve(p).path;
  }

  async readDir(p: string): Promise<string[]> {
    this.calls.push(p);
    const { node } = this.resolve(p);
    if (node.type !== "dir") throw fsError("ENOTDIR", p);
    return [...node.children.values()];
  }
}

/** npm's Windows `.cmd` shim for a package bin (cmd-shim, npm 10). */
export function npmCmdShim(relTarget: string): string {
  return [
    "@ECHO off",
    "GOTO start",
    ":find_dp0",
    "SET dp0=%~dp0",
    "EXIT /b",
    ":start",
    "SETLOCAL",
    "CALL :find_dp0",
    "",
    'IF EXIST "%dp0%\\node.exe" (',
    '  SET "_prog=%dp0%\\node.exe"',
    ") ELSE (",
    '  SET "_prog=node"',
    "  SET PATHEXT=%PATHEXT:;.JS;=;%",
    ")",
    "",
    `endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\${relTarget}" %*`,
    "",
  ].join("\r\n");
}

/** npm's PowerShell shim. */
export function npmPs1Shim(relTarget: string): string {
  return [
    "#!/usr/bin/env pwsh",
    "$basedir=Split-Path $MyInvocation.MyCommand.Definition -Parent",
    "",
    '$exe=""',
    'if ($PSVersionTable.PSVersion -lt "6.0" -or $IsWindows) {',
    '  $exe=".exe"',
    "}",
    "$ret=0",
    'if (Test-Path "$basedir/node$exe") {',
    "  if ($MyInvocation.ExpectingInput) {",
    `    $input | & "$basedir/node$exe"  "$basedir/${relTarget}" $args`,
    "  } else {",
    `    & "$basedir/node$exe"  "$basedir/${relTarget}" $args`,
    "  }",
    "  $ret=$LASTEXITCODE",
    "} else {",
    `  & "node$exe"  "$basedir/${relTarget}" $args`,
    "  $ret=$LASTEXITCODE",
    "}",
    "exit $ret",
    "",
  ].join("\n");
}

/** npm's (and pnpm's) sh shim. */
export function npmShShim(relTarget: string): string {
  return [
    "#!/bin/sh",
    'basedir=$(dirname "$(echo "$0" | sed -e \'s,\\\\,/,g\')")',
    "",
    "case `uname` in",
    '    *CYGWIN*|*MINGW*|*MSYS*) basedir=`cygpath -w "$basedir"`;;',
    "esac",
    "",
    'if [ -x "$basedir/node" ]; then',
    `  exec "$basedir/node"  "$basedir/${relTarget}" "$@"`,
    "else ",
    `  exec node  "$basedir/${relTarget}" "$@"`,
    "fi",
    "",
  ].join("\n");
}

export const WRAPPER_JS =
  '#!/usr/bin/env node\n// Unified entry point for the Codex CLI.\nimport { spawn } from "node:child_process";\n';

export const WRAPPER_PACKAGE_JSON = JSON.stringify({
  name: "@openai/codex",
  version: "0.169.0",
  bin: { codex: "bin/codex.js" },
});

export function platformPackageJson(suffix: string): string {
  return JSON.stringify({ name: "@openai/codex", version: `0.169.0-${suffix}` });
}

export function codexPackageJson(target: string, entrypoint: string): string {
  return JSON.stringify({
    layoutVersion: 1,
    version: "0.169.0",
    target,
    variant: "codex",
    entrypoint,
    resourcesDir: "codex-resources",
    pathDir: "codex-path",
  });
}
