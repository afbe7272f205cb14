/**
 * The HTTP listen streams (src/mcp/transports/http/listens.ts) in process: which requests they
 * take from the SDK, what a stream acknowledges, and the cap on open streams.
 */
import { describe, expect, test } from "bun:test";
import { HttpListens, type ListenScope } from "../../src/mcp/transports/http/listens.ts";
import type { Tasks } from "../../src/mcp/tasks/tasks.ts";
import { createLogger } from "../../src/log.ts";

const log = createLogger(new WritableStream(), "error");
const scope = (): ListenScope => ({
  sessions: { onAnyChange: () => () => {}, list: () => [] },
  tasks: () => ({ follow: () => ({}), close: () => {} }) as unknown as Tasks,
});
const ENVELOPE = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
const listen = (id: number, notifications: Record<string, unknown>, method = "subscriptions/listen") =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", "mcp-method": method },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params: { notifications, _meta: ENVELOPE } }),
  });

async function firstMessage(response: Response): Promise<{ method: string; params: { notifications: unknown } }> {
  const { value } = await response.body!.getReader().read();
  const text = new TextDecoder().decode(value);
  return JSON.parse(text.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
}

describe("HTTP listen streams", () => {
  test("only a modern listen for tasks or resources is taken; the SDK keeps the rest", async () => {
    const listens = new HttpListens(scope, { name: "t", version: "0" }, log);
    expect(await listens.match(listen(1, { resourceSubscriptions: ["codex-mcp:///sessions"] }))).not.toBeNull();
    expect(await listens.match(listen(1, { taskIds: ["task_1"] }))).not.toBeNull();
    expect(await listens.match(listen(1, { toolsListChanged: true }))).toBeNull();
    expect(await listens.match(listen(1, { resourceSubscriptions: [] }))).toBeNull();
    expect(await listens.match(listen(1, { taskIds: ["task_1"] }, "tools/list"))).toBeNull();
  });

  test("the acknowledgement names what is followed: the listing yes, a foreign URI no", async () => {
    const listens = new HttpListens(scope, { name: "t", version: "0" }, log);
    const message = await listens.match(
      listen(3, { resourceSubscriptions: ["codex-mcp:///sessions", "file:///etc/passwd"] }),
    );
    const response = listens.serve(message!, null, new AbortController().signal);
    const ack = await firstMessage(response);
    expect(ack.method).toBe("notifications/subscriptions/acknowledged");
    expect(ack.params.notifications).toEqual({ resourceSubscriptions: ["codex-mcp:///sessions"] });
    listens.close();
  });

  test("open streams are capped; one that ends makes room", async () => {
    const listens = new HttpListens(scope, { name: "t", version: "0" }, log, 2);
    const message = (await listens.match(listen(5, { resourceSubscriptions: ["codex-mcp:///sessions"] })))!;
    const gone = new AbortController();
    expect(listens.serve(message, null, gone.signal).status).toBe(200);
    expect(listens.serve(message, null, new AbortController().signal).status).toBe(200);
    const refused = listens.serve(message, null, new AbortController().signal);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(-32603);
    gone.abort();
    expect(listens.serve(message, null, new AbortController().signal).status).toBe(200);
    listens.close();
  });
});
