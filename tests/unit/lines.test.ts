import { describe, expect, test } from "bun:test";
import { LineSplitter, type LineSplitterOptions } from "../../src/streams/lines.ts";

const enc = new TextEncoder();

async function split(chunks: (string | Uint8Array)[], options?: LineSplitterOptions): Promise<string[]> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? enc.encode(c) : c);
      controller.close();
    },
  });
  return await Array.fromAsync(source.pipeThrough(new LineSplitter(options)));
}

describe("LineSplitter", () => {
  test("splits on \\n and \\r\\n, across chunk boundaries", async () => {
    expect(await split(["a\nb", "c\r\n", "d\n\ne"])).toEqual(["a", "bc", "d", "", "e"]);
  });

  test("emits a final line without a terminator", async () => {
    expect(await split(["x\ny"])).toEqual(["x", "y"]);
    expect(await split(["x\n"])).toEqual(["x"]);
    expect(await split([])).toEqual([]);
  });

  test("a \\r\\n split between chunks still ends one line", async () => {
    expect(await split(["one\r", "\ntwo\r\n"])).toEqual(["one", "two"]);
  });

  test("decodes a multi-byte character split across chunks", async () => {
    const bytes = enc.encode("€😀\n");
    expect(await split([bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5)])).toEqual(["€😀"]);
  });

  test("a 10 MiB line delivered in 64 KiB chunks arrives whole", async () => {
    const line = "x".repeat(10 * 1024 * 1024 - 1) + "y";
    const bytes = enc.encode(line + "\nnext\n");
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
    const lines = await split(chunks);
    expect(lines.length).toBe(2);
    expect(lines[0]!.length).toBe(line.length);
    expect(lines[0]!.endsWith("xy")).toBe(true);
    expect(lines[1]).toBe("next");
  });

  test("chunks the producer reuses do not corrupt a pending line", async () => {
    const buffer = enc.encode("abc");
    const out: string[] = [];
    const splitter = new LineSplitter();
    const writer = splitter.writable.getWriter();
    const reading = Array.fromAsync(splitter.readable).then((l) => out.push(...l));
    await writer.write(buffer);
    buffer.set(enc.encode("zzz")); // the producer overwrites its buffer after handing it over
    await writer.write(enc.encode("d\n"));
    await writer.close();
    await reading;
    expect(out).toEqual(["abcd"]);
  });

  test("drops lines over maxLineBytes, reports them, and carries on", async () => {
    const dropped: number[] = [];
    const lines = await split(["short\n", "x".repeat(40), "x".repeat(40), "\n", "ok\n", "y".repeat(30) + "\nz"], {
      maxLineBytes: 50,
      onOversizedLine: (n) => dropped.push(n),
    });
    expect(lines).toEqual(["short", "ok", "y".repeat(30), "z"]);
    expect(dropped).toEqual([80]);
  });
});
