/**
 * `npm run demo`: a real Codex session through codex-mcp, with no API key and no network.
 *
 * Builds dist/codex-mcp, starts a local fake model (the Responses API on 127.0.0.1) and a
 * throwaway CODEX_HOME, connects to the binary as an MCP client does, and drives the real Codex
 * CLI through it: check readiness, start a task, approve the command Codex wants to run, read the
 * result, continue the conversation. Prints a transcript.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { makeCodexHome } from "../tests/harness/codex-home.ts";
import { reply, startFakeModel } from "../tests/harness/fake-model.ts";

const ROOT = join(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", process.platform === "win32" ? "codex-mcp.exe" : "codex-mcp");
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = "") => process.stdout.write(s + "\n");
const call = (tool: string, args: object) => say(`${bold("→")} ${tool} ${dim(JSON.stringify(args))}`);

say(bold("codex-mcp demo") + dim(" — a real Codex CLI, a fake model on 127.0.0.1, no API key, no network\n"));
say(dim("building dist/codex-mcp …"));
const build = spawnSync(process.execPath, ["build.ts"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) process.exit(build.status ?? 1);

// The model's side of the conversation, scripted: first it asks to run a command; once Codex
// reports the output, it answers; the follow-up gets a short reply.
const model = await startFakeModel();
model.enqueue(
  reply.items([
    reply.reasoning("The user wants a greeting file. I'll write it with a shell command."),
    reply.execCommand("printf 'hello from codex\\n' > greeting.txt && cat greeting.txt"),
  ]),
  reply.message("I created greeting.txt; it says: hello from codex."),
  reply.message("You're welcome! greeting.txt is still there."),
);
const home = makeCodexHome({ modelUrl: model.url });
const transport = new StdioClientTransport({
  command: BINARY,
  env: { ...home.env, CODEX_MCP_PATH: join(ROOT, "node_modules", ".bin", "codex") },
  cwd: home.workspace,
  stderr: "inherit",
});
const client = new Client({ name: "codex-mcp-demo", version: "1" });

type View = {
  sessionId: string;
  status: string;
  nextCursor?: number;
  actions: { requestId: string; kind: string; command?: string }[];
  result?: { text: string | null };
  events?: { type: string; data: Record<string, unknown> }[];
};
async function tool(name: string, args: Record<string, unknown>, quiet = false): Promise<View> {
  if (!quiet) call(name, args);
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error((result.content as { text: string }[])[0]?.text);
  return result.structuredContent as View;
}

try {
  await client.connect(transport);
  const tools = await client.listTools();
  say(
    `${bold("✓")} connected to ${client.getServerVersion()?.name} ${client.getServerVersion()?.version}; tools: ${
      tools.tools.map((t) => t.name).join(", ")
    }\n`,
  );

  const setup = (await tool("codex_setup", {})) as unknown as {
    ready: boolean;
    version: string;
    backend: { mode: string };
  };
  say(`${bold("←")} ready: ${setup.ready}, ${setup.version}, backend ${setup.backend.mode}\n`);

  let view = await tool("codex", {
    prompt: "Create greeting.txt saying hello.",
    approvalPolicy: "untrusted",
    sandbox: "workspace-write",
    cwd: home.workspace,
  });
  say(`${bold("←")} session ${view.sessionId}: ${view.status}\n`);

  let cursor = 1;
  let polls = 0;
  call("codex_check", { action: "poll", sessionId: view.sessionId, cursor, pollOptions: { waitMs: 10_000 } });
  say(
    dim("   (long-polling: a poll returns when the turn ends or Codex needs an answer; passing nextCursor each time)"),
  );
  while (view.status !== "idle" && view.status !== "error") {
    polls += 1;
    view = await tool("codex_check", {
      action: "poll",
      sessionId: view.sessionId,
      cursor,
      pollOptions: { waitMs: 10_000 },
    }, true);
    cursor = view.nextCursor ?? cursor;
    for (const e of view.events ?? []) {
      if (e.type === "reasoning") say(dim(`   · thinking: ${e.data.text}`));
      if (e.type === "command_completed") {
        say(dim(`   · ran ${e.data.command} → exit ${e.data.exitCode}: ${String(e.data.output).trim()}`));
      }
      if (e.type === "agent_message") say(dim(`   · says: ${e.data.text}`));
    }
    const action = view.actions[0];
    if (action) {
      say(`${bold("←")} Codex asks to run: ${action.command}`);
      view = await tool("codex_check", {
        action: "respond_permission",
        sessionId: view.sessionId,
        requestId: action.requestId,
        decision: "accept",
      });
      say(`${bold("←")} approved; status ${view.status}`);
    }
  }
  say(`${bold("←")} after ${polls} polls: ${view.status}; result: ${view.result?.text}`);
  say(`   greeting.txt contains: ${JSON.stringify(readFileSync(join(home.workspace, "greeting.txt"), "utf8"))}\n`);

  view = await tool("codex_reply", { sessionId: view.sessionId, prompt: "Thanks!", waitForResult: 30_000 });
  say(`${bold("←")} ${view.status}: ${view.result?.text}\n`);
  say(
    `${
      bold("✓")
    } done: the fake model saw ${model.responsesRequests().length} requests; the last one carried the whole conversation.`,
  );
} finally {
  await client.close().catch(() => {});
  await model.close();
  home.cleanup();
}
