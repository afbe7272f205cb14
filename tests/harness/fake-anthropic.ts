/**
 * A fake Anthropic Messages API on 127.0.0.1, enough for Claude Code headless (`claude -p`): each
 * `POST /v1/messages` is answered as a server-sent event stream by `decide`, which sees the
 * request body and returns either a tool use or text; `POST /v1/messages/count_tokens` gets a
 * token count; everything else a JSON 404. Every request body is kept.
 */

// deno-lint-ignore no-explicit-any -- request bodies are read loosely, as the API reads them
export type MessagesRequest = Record<string, any>;
export type Turn = { toolUse: { name: string; input: Record<string, unknown> } } | { text: string };

export interface FakeAnthropic {
  url: string;
  requests: MessagesRequest[];
  close(): Promise<void>;
}

function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

let counter = 0;

/** The stream of one assistant message made of `turn`. */
function messageEvents(turn: Turn, model: string): string {
  const id = `msg_fake_${++counter}`;
  const usage = { input_tokens: 10, output_tokens: 5 };
  const start = {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  };
  const block = "toolUse" in turn
    ? [
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: `toolu_fake_${counter}`, name: turn.toolUse.name, input: {} },
      },
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(turn.toolUse.input) },
      },
    ]
    : [
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: turn.text } },
    ];
  return sse([
    start,
    ...block,
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "toolUse" in turn ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: 5 },
    },
    { type: "message_stop" },
  ]);
}

/** Starts the fake API; `decide` answers each conversation request. */
export function startFakeAnthropic(decide: (request: MessagesRequest) => Turn): FakeAnthropic {
  const requests: MessagesRequest[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (request.method === "POST" && url.pathname === "/v1/messages/count_tokens") {
        return Response.json({ input_tokens: 10 });
      }
      if (request.method === "POST" && url.pathname === "/v1/messages") {
        const body = (await request.json()) as MessagesRequest;
        requests.push(body);
        return new Response(messageEvents(decide(body), String(body.model ?? "claude")), {
          headers: { "content-type": "text/event-stream" },
        });
      }
      return Response.json({ type: "error", error: { type: "not_found_error", message: "not here" } }, {
        status: 404,
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, close: () => server.stop(true) };
}

/** The tool results in a Messages request's conversation (the contents Claude Code sent back). */
export function toolResults(request: MessagesRequest): string[] {
  const out: string[] = [];
  for (const message of request.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (block.type !== "tool_result") continue;
      const content = block.content;
      out.push(
        typeof content === "string" ? content : (content ?? []).map((c: { text?: string }) => c.text ?? "").join(""),
      );
    }
  }
  return out;
}
