import { describe, expect, test } from "bun:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { StdioTransport } from "../../src/mcp/transports/stdio/transport.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A transport wired to in-memory pipes: `feed` writes to its stdin, `output()` reads its stdout. */
function harness(options?: ConstructorParameters<typeof StdioTransport>[2]) {
  let input!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (input = c) });
  let written = "";
  const stdout = new WritableStream<Uint8Array>({ write: (chunk) => void (written += dec.decode(chunk)) });
  const transport = new StdioTransport(stdin, stdout, options);
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (m) => void received.push(m);
  let closed = false;
  transport.onclose = () => void (closed = true);
  return {
    transport,
    received,
    feed: (text: string) => input.enqueue(enc.encode(text)),
    end: () => input.close(),
    output: () => written.split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    isClosed: () => closed,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Completes the initialize exchange, after which every request is delivered. */
async function initialize(h: ReturnType<typeof harness>): Promise<void> {
  h.feed('{"jsonrpc":"2.0","id":"init","method":"initialize","params":{}}\n');
  await tick();
  await h.transport.send({ jsonrpc: "2.0", id: "init", result: { protocolVersion: "2025-11-25" } });
}

describe("StdioTransport", () => {
  test("delivers valid messages and answers malformed lines with JSON-RPC errors", async () => {
    const h = harness();
    await h.transport.start();
    h.feed('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    h.feed("{oops\n");
    h.feed('{"jsonrpc":"2.0","id":"x","method":7}\n');
    h.feed("[1,2]\n");
    h.feed("   \n"); // blank lines are ignored
    h.feed('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    await tick();
    expect(h.received).toEqual([
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", method: "notifications/initialized" },
    ]);
    expect(h.output().map((m) => [m.id, m.error.code])).toEqual([
      [null, -32700],
      ["x", -32600],
      [null, -32600],
    ]);
  });

  test("sends one line per message and records the negotiated protocol version", async () => {
    const h = harness();
    await h.transport.start();
    h.feed('{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}\n');
    await tick();
    await h.transport.send({ jsonrpc: "2.0", id: 0, result: { protocolVersion: "2025-06-18" } });
    expect(h.transport.protocolVersion).toBe("2025-06-18");
    expect(h.output()).toEqual([{ jsonrpc: "2.0", id: 0, result: { protocolVersion: "2025-06-18" } }]);
  });

  test("at end of input, answers requests already received before closing", async () => {
    const h = harness();
    await h.transport.start();
    await initialize(h);
    h.feed('{"jsonrpc":"2.0","id":5,"method":"slow"}\n');
    h.end();
    await tick();
    expect(h.isClosed()).toBe(false); // waiting for the answer to request 5
    await h.transport.send({ jsonrpc: "2.0", id: 5, result: {} });
    await tick();
    expect(h.isClosed()).toBe(true);
    expect(h.output().at(-1)).toEqual({ jsonrpc: "2.0", id: 5, result: {} });
  });

  test("at end of input, an unanswered request does not hold the close beyond the grace", async () => {
    const h = harness({ inputEndGraceMs: 30 });
    await h.transport.start();
    await initialize(h);
    h.feed('{"jsonrpc":"2.0","id":9,"method":"never"}\n');
    h.end();
    await new Promise((r) => setTimeout(r, 80));
    expect(h.isClosed()).toBe(true);
  });

  test("refuses an oversized line with a parse error and keeps reading", async () => {
    const h = harness({ maxMessageBytes: 100 });
    await h.transport.start();
    h.feed('{"jsonrpc":"2.0","id":1,"method":"' + "a".repeat(200) + '"}\n');
    h.feed('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await tick();
    expect(h.output()[0].error.code).toBe(-32700);
    expect(h.output()[0].error.message).toContain("exceeds the limit of 100");
    expect(h.received).toEqual([{ jsonrpc: "2.0", id: 2, method: "ping" }]);
  });

  test("after close, send rejects instead of writing", async () => {
    const h = harness();
    await h.transport.start();
    await h.transport.close();
    expect(h.isClosed()).toBe(true);
    expect(h.transport.send({ jsonrpc: "2.0", method: "x" })).rejects.toThrow("closed");
  });
});

describe("StdioTransport and cancelled requests", () => {
  test("at the end of input it does not wait for the answer of a request the client cancelled", async () => {
    // A grace far longer than the test waits: closing at all shows it did not wait for an answer.
    const h = harness({ inputEndGraceMs: 60_000 });
    await h.transport.start();
    await initialize(h);
    h.feed('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}\n');
    h.feed('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"timeout"}}\n');
    h.end();
    for (let i = 0; i < 100 && !h.isClosed(); i++) await tick();
    expect(h.isClosed()).toBe(true);
    expect(h.output().filter((m) => m.id === 7)).toEqual([]);
  });
});

describe("StdioTransport before initialize", () => {
  test("only ping (and the initialize itself, and the server/discover probe) is delivered before initialize", async () => {
    const h = harness();
    await h.transport.start();
    h.feed('{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n');
    h.feed('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    h.feed('{"jsonrpc":"2.0","id":3,"method":"server/discover"}\n');
    await tick();
    expect(h.received.map((m) => (m as { id: unknown }).id)).toEqual([2, 3]);
    const refusal = h.output().find((m) => m.id === 1);
    expect(refusal.error.code).toBe(-32600);
    expect(refusal.error.message).toContain("send initialize first");
    await initialize(h);
    h.feed('{"jsonrpc":"2.0","id":4,"method":"tools/list"}\n');
    await tick();
    expect(h.received.map((m) => (m as { id: unknown }).id)).toContain(4);
  });
});

describe("StdioTransport in the 2026-07-28 era", () => {
  const meta = (version: string) =>
    JSON.stringify({
      "io.modelcontextprotocol/protocolVersion": version,
      "io.modelcontextprotocol/clientCapabilities": {},
    });

  test("a request claiming a revision in its _meta needs no initialize; the version is the first one answered", async () => {
    const h = harness();
    await h.transport.start();
    h.feed(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${meta("2099-01-01")}}}\n`);
    h.feed(`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":${meta("2026-07-28")}}}\n`);
    await tick();
    expect(h.received.map((m) => (m as { id: unknown }).id)).toEqual([1, 2]);
    // The server refuses the revision it does not serve: that claim does not set the version.
    await h.transport.send({ jsonrpc: "2.0", id: 1, error: { code: -32022, message: "Unsupported protocol version" } });
    expect(h.transport.protocolVersion).toBeUndefined();
    await h.transport.send({ jsonrpc: "2.0", id: 2, result: { tools: [] } });
    expect(h.transport.protocolVersion).toBe("2026-07-28");
  });

  test("after a 2026-era request, a request without the envelope reaches the server (which names what is missing)", async () => {
    const h = harness();
    await h.transport.start();
    h.feed(`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":${meta("2026-07-28")}}}\n`);
    h.feed('{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n');
    await tick();
    expect(h.received.map((m) => (m as { id: unknown }).id)).toEqual([1, 2]);
    expect(h.output()).toEqual([]);
  });

  test("requests sent right after initialize, before its answer, are delivered in order", async () => {
    const h = harness();
    await h.transport.start();
    h.feed('{"jsonrpc":"2.0","id":"init","method":"initialize","params":{}}\n');
    h.feed('{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n');
    await tick();
    expect(h.received.map((m) => (m as { id: unknown }).id)).toEqual(["init", 1]);
  });

  test("closed resolves when the transport closes", async () => {
    const h = harness();
    await h.transport.start();
    let done = false;
    void h.transport.closed.then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    h.end();
    await tick();
    expect(done).toBe(true);
  });
});

describe("StdioTransport at the end of input, 2026-07-28 era", () => {
  test("an open subscriptions/listen is not waited for: the transport closes at once", async () => {
    const h = harness({ inputEndGraceMs: 5_000 });
    await h.transport.start();
    h.feed(
      '{"jsonrpc":"2.0","id":"listen:0","method":"subscriptions/listen","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"notifications":{}}}\n',
    );
    await tick();
    h.end();
    await tick();
    expect(h.isClosed()).toBe(true);
  });
});
