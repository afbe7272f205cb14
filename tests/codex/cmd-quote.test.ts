/**
 * cmd.exe quoting. Besides exact strings, each argument is pushed through a model of what happens
 * on Windows — cmd.exe removes one level of `^` escapes when it parses the `/c` line, the batch
 * file's `%*` line removes another, and the final program splits its command line with the MSVCRT
 * rules — and must come out unchanged. The model is faithful for our lines because every `"` is
 * escaped, so cmd.exe never enters a quoted region.
 */
import { describe, expect, test } from "bun:test";
import { cmdInvocation, escapeCmdCommand, quoteForCmd, quoteForMsvcrt } from "../../src/codex/install/cmd-quote.ts";

/** One cmd.exe parse outside quotes: `^x` → `x`. */
function uncaret(line: string): string {
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "^" && i + 1 < line.length) i++;
    out += line[i];
  }
  return out;
}

/** The MSVCRT / CommandLineToArgvW argument splitter (post-2008 rules). */
function parseMsvcrt(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let arg = "";
    let inQuotes = false;
    while (i < line.length && (inQuotes || (line[i] !== " " && line[i] !== "\t"))) {
      let backslashes = 0;
      while (line[i] === "\\") {
        backslashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += "\\".repeat(Math.floor(backslashes / 2));
        if (backslashes % 2 === 1) {
          arg += '"';
          i++;
        } else if (inQuotes && line[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else {
          inQuotes = !inQuotes;
          i++;
        }
      } else {
        arg += "\\".repeat(backslashes);
        if (i < line.length && (inQuotes || (line[i] !== " " && line[i] !== "\t"))) arg += line[i++];
      }
    }
    args.push(arg);
  }
  return args;
}

const NASTY = [
  "plain",
  "",
  "two words",
  'say "hi"',
  "caret^here",
  "a&b",
  "a|b",
  "<in>out",
  "%PATH%",
  "100%",
  "wow!",
  "!VAR!",
  "(parens) [brackets]",
  "semi;comma,eq=",
  "trailing\\",
  'back\\"quote',
  "C:\\Program Files\\x\\",
  "tab\there",
  "`tick` *star? ",
  '"',
  "^",
  "^^&&||",
];

describe("quoteForMsvcrt", () => {
  test("wraps, doubles backslashes before quotes and at the end, escapes quotes", () => {
    expect(quoteForMsvcrt("")).toBe('""');
    expect(quoteForMsvcrt("a b")).toBe('"a b"');
    expect(quoteForMsvcrt('a"b')).toBe('"a\\"b"');
    expect(quoteForMsvcrt("a\\b")).toBe('"a\\b"');
    expect(quoteForMsvcrt('a\\"b')).toBe('"a\\\\\\"b"');
    expect(quoteForMsvcrt("dir\\")).toBe('"dir\\\\"');
  });
  test.each(NASTY)("round-trips %p through the MSVCRT parser", (arg) => {
    expect(parseMsvcrt(quoteForMsvcrt(arg))).toEqual([arg]);
  });
});

describe("quoteForCmd", () => {
  test("exact output for each metacharacter (batch: escaped twice)", () => {
    expect(quoteForCmd("")).toBe('^^^"^^^"');
    expect(quoteForCmd("a b")).toBe('^^^"a^^^ b^^^"');
    expect(quoteForCmd('"')).toBe('^^^"\\^^^"^^^"');
    expect(quoteForCmd("^")).toBe('^^^"^^^^^^^"');
    expect(quoteForCmd("&")).toBe('^^^"^^^&^^^"');
    expect(quoteForCmd("|")).toBe('^^^"^^^|^^^"');
    expect(quoteForCmd("<")).toBe('^^^"^^^<^^^"');
    expect(quoteForCmd(">")).toBe('^^^"^^^>^^^"');
    expect(quoteForCmd("%")).toBe('^^^"^^^%^^^"');
    expect(quoteForCmd("!")).toBe('^^^"^^^!^^^"');
  });
  test("exact output when escaped once (a program cmd.exe starts directly)", () => {
    expect(quoteForCmd("", { batch: false })).toBe('^"^"');
    expect(quoteForCmd("a b", { batch: false })).toBe('^"a^ b^"');
    expect(quoteForCmd("x&y|z", { batch: false })).toBe('^"x^&y^|z^"');
    expect(quoteForCmd("%OS%!", { batch: false })).toBe('^"^%OS^%^!^"');
    expect(quoteForCmd('q"', { batch: false })).toBe('^"q\\^"^"');
    expect(quoteForCmd("^", { batch: false })).toBe('^"^^^"');
    expect(quoteForCmd("<>", { batch: false })).toBe('^"^<^>^"');
  });
  test("nothing is left for cmd.exe to act on: no unescaped metacharacter", () => {
    for (const arg of NASTY) {
      const once = uncaret(uncaret(quoteForCmd(arg)));
      // After both parses the text is a plain MSVCRT-quoted argument.
      expect(once).toBe(quoteForMsvcrt(arg));
    }
  });
  test.each(NASTY)("%p survives two cmd.exe parses and the MSVCRT split (batch)", (arg) => {
    expect(parseMsvcrt(uncaret(uncaret(quoteForCmd(arg))))).toEqual([arg]);
  });
  test.each(NASTY)("%p survives one cmd.exe parse and the MSVCRT split (direct)", (arg) => {
    expect(parseMsvcrt(uncaret(quoteForCmd(arg, { batch: false })))).toEqual([arg]);
  });
  test("line breaks and NUL are refused", () => {
    expect(() => quoteForCmd("a\nb")).toThrow(RangeError);
    expect(() => quoteForCmd("a\r")).toThrow(RangeError);
    expect(() => quoteForCmd("a\0")).toThrow(RangeError);
  });
});

describe("cmdInvocation", () => {
  test("script path escaped once, arguments twice, whole line in outer quotes, verbatim", () => {
    const inv = cmdInvocation("C:\\Windows\\System32\\cmd.exe", "C:\\Users\\John Doe (x86)\\npm\\codex.cmd", [
      "app-server",
      "a&b",
      "",
    ]);
    expect(inv.command).toBe("C:\\Windows\\System32\\cmd.exe");
    expect(inv.windowsVerbatimArguments).toBe(true);
    expect(inv.args.slice(0, 3)).toEqual(["/d", "/s", "/c"]);
    expect(inv.args[3]).toBe(
      '"C:\\Users\\John^ Doe^ ^(x86^)\\npm\\codex.cmd ^^^"app-server^^^" ^^^"a^^^&b^^^" ^^^"^^^""',
    );
    // cmd /s strips the outer quotes; the first parse then yields the script and its argument text.
    const line = uncaret((inv.args[3] ?? "").slice(1, -1));
    expect(line.startsWith("C:\\Users\\John Doe (x86)\\npm\\codex.cmd ")).toBe(true);
    const tail = line.slice("C:\\Users\\John Doe (x86)\\npm\\codex.cmd ".length);
    expect(parseMsvcrt(uncaret(tail))).toEqual(["app-server", "a&b", ""]);
  });
  test("escapeCmdCommand refuses quotes", () => {
    expect(() => escapeCmdCommand('C:\\a"b.cmd')).toThrow(RangeError);
    expect(escapeCmdCommand("C:\\a&b\\x.cmd")).toBe("C:\\a^&b\\x.cmd");
  });
});
