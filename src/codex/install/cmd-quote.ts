/**
 * Running a `.cmd`/`.bat` file on Windows. `CreateProcess` cannot start a batch file directly
 * (and Node, Bun and Deno refuse to since CVE-2024-27980), so it goes through
 * `cmd.exe /d /s /c "<line>"`, and the line must survive cmd.exe's parser:
 *
 * - every argument is first quoted for the program the batch file finally starts (MSVCRT rules:
 *   wrap in `"`, backslashes before a `"` or the end are doubled, `"` becomes `\"`), then
 * - every cmd.exe metacharacter, the quotes included, is escaped with `^` — twice for a batch
 *   file, because cmd parses the line once to start it and again when the script expands `%*`.
 *
 * Since every `"` is escaped, cmd.exe never enters a quoted region, so `^` escaping applies
 * uniformly (inside quotes `^` would be literal, and `&` and `|` would not need it). `%` escaped
 * as `^%` does not expand on the command line (`%VAR^%` names no variable), and `!` only matters
 * under delayed expansion, which `cmd.exe /d` leaves off; escaping it is harmless.
 *
 * The outer quotes of `/s /c "<line>"` are stripped by cmd.exe itself, so the process must be
 * started with the arguments passed verbatim (Node/Bun `windowsVerbatimArguments`, Deno
 * `windowsRawArguments`); otherwise the runtime would add its own quoting around the line.
 *
 * @module
 */

/** cmd.exe's metacharacters, plus the space, tab and `"`; each gets a `^`. */
const CMD_META = /([()\][%!^"`<>&|;, \t*?=])/g;

/** Quotes one argument for the program at the end of an MSVCRT-style command line. */
export function quoteForMsvcrt(arg: string): string {
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += "\\".repeat(backslashes * 2 + 1) + '"';
    } else {
      out += "\\".repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return out + "\\".repeat(backslashes * 2) + '"';
}

/** Escapes cmd.exe metacharacters with `^`. */
function escapeCmdMeta(text: string): string {
  return text.replace(CMD_META, "^$1");
}

/**
 * Quotes one argument for a `cmd.exe /d /s /c "…"` line. With `batch` (the default) it is escaped
 * twice, for a `.cmd`/`.bat` target that passes it on with `%*`; without it once, for a program
 * cmd.exe starts directly. Throws a `RangeError` for CR, LF or NUL, which cmd.exe cannot carry.
 */
export function quoteForCmd(arg: string, options: { batch?: boolean } = {}): string {
  if (/[\r\n\0]/.test(arg)) {
    throw new RangeError("an argument for cmd.exe cannot contain a line break or NUL");
  }
  const once = escapeCmdMeta(quoteForMsvcrt(arg));
  return options.batch === false ? once : escapeCmdMeta(once);
}

/** The script path at the start of the line: metacharacters (spaces, parentheses…) escaped once,
 * no quotes, since cmd.exe itself, not MSVCRT, reads the command name. */
export function escapeCmdCommand(path: string): string {
  if (/[\r\n\0"]/.test(path)) {
    throw new RangeError("a command path for cmd.exe cannot contain quotes, line breaks or NUL");
  }
  return escapeCmdMeta(path);
}

/** The process to start for a batch file and its arguments. */
export interface CmdInvocation {
  command: string;
  args: string[];
  /** Always `true`: the arguments must reach cmd.exe exactly as given. */
  windowsVerbatimArguments: true;
}

/** `cmd.exe /d /s /c "<script> <args…>"`, quoted for a batch file. */
export function cmdInvocation(cmdExe: string, script: string, args: readonly string[]): CmdInvocation {
  const line = [escapeCmdCommand(script), ...args.map((a) => quoteForCmd(a))].join(" ");
  return { command: cmdExe, args: ["/d", "/s", "/c", `"${line}"`], windowsVerbatimArguments: true };
}
