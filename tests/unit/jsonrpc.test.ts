import { describe, expect, test } from "bun:test";
import {
  JsonRpcConnection,
  type JsonRpcOptions,
  type LineChannel,
  RPC,
  RpcClosedError,
  RpcError,
  RpcTimeoutError,
} from "../../src/codex/drivers/jsonrpc.ts";

/** An in-memory peer: records what we send, and lets the test write lines back. */
function peer(options: Partial<JsonRpcOptions> = {}) {
  const sent: Record<string, unknown>[] = [];
  let deliver: (line: string) => void = () => {};
  let broken = false;
  const channel: LineChannel = {
    async send(line) {
      if (broken) throw new Error("EPIPE");
      sent.push(JSON.parse(line));
    },
    onLine: (handler) => void (deliver = handler),
  };
  const notifications: [string, unknown][] = [];
  const invalid: string[] = [];
  const rpc = new JsonRpcConnection(channel, {
    requestTimeoutMs: 1000,
    onNotification: (m, p) => void notifications.push([m, p]),
    onInvalid: (_line, reason) => void invalid.push(reason),
    ...options,
  });
  return {
    rpc,
    sent,
    say: (msg: unknown) => deliver(typeof msg === "string" ? msg : JSON.stringify(msg)),
    notifications,
    invalid,
    breakPipe: () => void (broken = true),
  };
}
const tick = () => new Promise((r) => setTimeout(r, 1));

describe("JsonRpcConnection", () => {
  test("correlates answers by id, in any order, without a jsonrpc field", async () => {
    const p = peer();
    const a = p.rpc.request("a", { x: 1 });
    const b = p.rpc.request("b");
    expect(p.sent).toEqual([{ id: 1, method: "a", params: { x: 1 } }, { id: 2, method: "b" }]);
    p.say({ id: 2, result: "B" });
    p.say({ id: 1, result: { ok: true } });
    expect(await a).toEqual({ ok: true });
    expect(await b).toBe("B");
    expect(p.rpc.pendingRequests).toBe(0);
  });

  test("an error answer rejects with its code and message", async () => {
    const p = peer();
    const r = p.rpc.request("thread/resume");
    p.say({ id: 1, error: { code: -32600, message: "thread not found: t1" } });
    const error = await r.catch((e) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: -32600, message: "thread not found: t1" });
  });

  test("retries 'overloaded' with backoff, then succeeds", async () => {
    const p = peer();
    const r = p.rpc.request("turn/start");
    p.say({ id: 1, error: { code: RPC.overloaded, message: "busy" } });
    await new Promise((res) => setTimeout(res, 70));
    expect(p.sent.map((m) => m.id)).toEqual([1, 2]);
    p.say({ id: 2, result: "ok" });
    expect(await r).toBe("ok");
  });

  test("gives up on 'overloaded' after the configured retries", async () => {
    const p = peer({ overloadRetries: 1 });
    const r = p.rpc.request("x").catch((e) => e);
    p.say({ id: 1, error: { code: RPC.overloaded, message: "busy" } });
    await new Promise((res) => setTimeout(res, 70));
    p.say({ id: 2, error: { code: RPC.overloaded, message: "still busy" } });
    expect(await r).toMatchObject({ code: RPC.overloaded, message: "still busy" });
  });

  test("times out, and a late answer is reported, not delivered", async () => {
    const p = peer();
    const r = p.rpc.request("slow", undefined, { timeoutMs: 20 }).catch((e) => e);
    expect(await r).toBeInstanceOf(RpcTimeoutError);
    p.say({ id: 1, result: "late" });
    expect(p.invalid).toEqual(["an answer to unknown request 1"]);
  });

  test("close rejects pending and later requests", async () => {
    const p = peer();
    const r = p.rpc.request("x").catch((e) => e);
    p.rpc.close("app-server exited (code 1)");
    expect(await r).toBeInstanceOf(RpcClosedError);
    expect(((await r) as Error).message).toBe("app-server exited (code 1)");
    expect(await p.rpc.request("y").catch((e) => e)).toBeInstanceOf(RpcClosedError);
    expect(await p.rpc.notify("z").catch((e) => e)).toBeInstanceOf(RpcClosedError);
  });

  test("a send that fails (the peer is gone) rejects the request instead of hanging", async () => {
    const p = peer();
    p.breakPipe();
    expect(await p.rpc.request("x").catch((e) => e)).toBeInstanceOf(RpcClosedError);
  });

  test("notifications go to the handler; invalid lines are reported and skipped", async () => {
    const p = peer();
    p.say({ method: "turn/started", params: { turn: { id: "t" } } });
    p.say("garbage");
    p.say({ hello: "world" });
    p.say("");
    p.say({ method: "thread/status/changed" });
    expect(p.notifications).toEqual([["turn/started", { turn: { id: "t" } }], ["thread/status/changed", undefined]]);
    expect(p.invalid).toEqual(["not JSON", "not a JSON-RPC message"]);
  });

  test("every request from the peer gets a well-formed answer", async () => {
    const p = peer({
      onRequest: async (method, params) => {
        if (method === "ok") return { decision: "accept", echo: params };
        if (method === "refuse") throw new RpcError(RPC.invalidParams, "no", { why: "test" });
        if (method === "void") return undefined;
        throw new TypeError("boom");
      },
    });
    p.say({ id: 0, method: "ok", params: 1 });
    p.say({ id: "s", method: "refuse" });
    p.say({ id: 2, method: "void" });
    p.say({ id: 3, method: "crash" });
    await tick();
    expect(p.sent).toEqual([
      { id: 0, result: { decision: "accept", echo: 1 } },
      { id: "s", error: { code: RPC.invalidParams, message: "no", data: { why: "test" } } },
      { id: 2, result: {} },
      { id: 3, error: { code: RPC.internalError, message: "failed to handle crash: boom" } },
    ]);
  });

  test("without a request handler, requests are refused with an internal error, never left unanswered", async () => {
    const p = peer();
    p.say({ id: 7, method: "item/tool/call" });
    await tick();
    expect(p.sent).toEqual([{
      id: 7,
      error: { code: RPC.internalError, message: "this client does not take requests (item/tool/call)" },
    }]);
  });
});
