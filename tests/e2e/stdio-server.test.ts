/**
 * codex-mcp driven as an MCP client drives it, in every launch mode: the compiled binary,
 * `bun src/main.ts`, `deno run` and Node on the sources.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { COMPILED, launch, LAUNCH_MODES, type Launched, protocolLines, ROOT, RUNTIME_OF } from "./launch.ts";

const FIVE_MIB = 5 * 1024 * 1024;
const STRAY = join(ROOT, "tests", "fixtures", "stray-output.mjs");

beforeAll(() => {
  if (existsSync(COMPILED)) return;
  const build = spawnSync(process.execPath, ["build.ts"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("bun build.ts failed: the compiled launch mode cannot be tested");
}, 180_000);

let running: Launched[] = [];
afterEach(async () => {
  await Promise.all(running.map((l) => l.dispose()));
  running = [];
});
async function start(...args: Parameters<typeof launch>): Promise<Launched> {
  const launched = await launch(...args);
  running.push(launched);
  return launched;
}

for (const mode of LAUNCH_MODES) {
  describe(`launch mode: ${mode}`, () => {
    test("probe, handshake, tools/list, server-info, 5 MiB both ways, clean exit on stdin EOF", async () => {
      const server = await start(mode, {
        before: [JSON.stringify({ jsonrpc: "2.0", id: "probe-1", method: "server/discover" })],
      });
      const { client } = server;

      expect(client.getServerVersion()?.name).toBe("codex-mcp");
      await client.ping();

      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("debug_echo");
      // Portable schemas (what MCP Inspector 2's --strict checks): no `type` arrays, no value
      // schema without a constraining keyword.
      const problems: string[] = [];
      const walk = (node: unknown, path: string, valuePosition: boolean) => {
        if (node === null || typeof node !== "object") return;
        const schema = node as Record<string, unknown>;
        if (Array.isArray(schema.type)) problems.push(`${path}: type array`);
        const constraining = ["type", "enum", "const", "anyOf", "oneOf", "allOf", "not", "$ref", "properties", "items"];
        if (
          valuePosition && !Object.keys(schema).some((k) => constraining.includes(k) || k === "additionalProperties")
        ) {
          problems.push(`${path}: no validation keyword`);
        }
        for (const [k, v] of Object.entries(schema)) {
          if (k === "properties") {
            for (const [p, sub] of Object.entries(v as object)) walk(sub, `${path}.${p}`, true);
          } else if (k === "items" || k === "additionalProperties") walk(v, `${path}.${k}`, true);
          else if (k === "anyOf" || k === "oneOf" || k === "allOf") {
            (v as unknown[]).forEach((b, i) => walk(b, `${path}.${k}[${i}]`, true));
          }
        }
      };
      for (const tool of tools.tools) {
        walk(tool.inputSchema, `${tool.name}.inputSchema`, false);
        walk(tool.outputSchema, `${tool.name}.outputSchema`, false);
      }
      expect(problems).toEqual([]);
      // In auto mode the backend is not known yet: no capability note in the descriptions.
      expect(tools.tools.find((t) => t.name === "codex")!.description).not.toContain("CODEX_MCP_MODE=");

      const resources = await client.listResources();
      expect(resources.resources.map((r) => r.uri)).toContain("codex-mcp:///server-info");
      const read = await client.readResource({ uri: "codex-mcp:///server-info" });
      const info = JSON.parse((read.contents[0] as { text: string }).text);
      expect(info).toMatchObject({
        name: "codex-mcp",
        runtime: RUNTIME_OF[mode],
        pid: server.child.pid,
        protocolVersion: "2025-11-25",
        stdioMode: "auto",
      });
      expect(typeof info.runtimeVersion).toBe("string");
      expect(info.platform).toBe(process.platform);
      // The connection's own context: what this client declared at initialize.
      expect(info.clientCapabilities).toEqual({});

      // 5 MiB in the request and 5 MiB in the answer, with multi-byte characters across chunk edges.
      const big = "ü€😀".repeat(FIVE_MIB / 9) + "end";
      expect(Buffer.byteLength(big)).toBeGreaterThanOrEqual(FIVE_MIB);
      const echoed = await client.callTool({ name: "debug_echo", arguments: { text: big } });
      expect(echoed.isError).toBeFalsy();
      expect((echoed.content as { text: string }[])[0]!.text === big).toBe(true);
      expect(echoed.structuredContent).toEqual({ length: big.length });

      const exit = await server.closeStdin();
      expect(exit).toEqual({ code: 0, signal: null });

      const messages = protocolLines(server.stdout());
      const probeAnswer = messages.find((m) => m.id === "probe-1");
      expect(probeAnswer).toMatchObject({ error: { code: -32601 } });
      expect(Buffer.byteLength(server.stdout())).toBeGreaterThan(FIVE_MIB);
    }, 60_000);

    test("malformed input is answered and the server carries on", async () => {
      const server = await start(mode);
      await server.transport.sendRaw("this is not json\n");
      await server.transport.sendRaw('{"no":"jsonrpc"}\n');
      await server.transport.sendRaw('{"jsonrpc":"2.0","id":77,"method":42}\n');
      await server.transport.sendRaw('{"jsonrpc":"2.0","id":78,"method":"no/such/method"}\n');
      // arguments that are not an object: a tool error in the error model, not a raw zod dump
      await server.transport.sendRaw(
        '{"jsonrpc":"2.0","id":79,"method":"tools/call","params":{"name":"codex_check","arguments":null}}\n',
      );
      await server.transport.sendRaw(
        '{"jsonrpc":"2.0","id":80,"method":"tools/call","params":{"name":"codex_check","arguments":[1]}}\n',
      );
      // The server still answers a real request after all of that.
      expect((await server.client.listTools()).tools.length).toBeGreaterThan(0);
      expect(await server.closeStdin()).toEqual({ code: 0, signal: null });

      const errors = protocolLines(server.stdout()).filter((m) => "error" in m);
      const codes = errors.map((m) => [m.id, (m.error as { code: number }).code]);
      expect(codes).toContainEqual([null, -32700]);
      expect(codes).toContainEqual([null, -32600]);
      expect(codes).toContainEqual([77, -32600]);
      expect(codes).toContainEqual([78, -32601]);
      for (const id of [79, 80]) {
        const answer = protocolLines(server.stdout()).find((m) => m.id === id) as {
          result?: { isError: boolean; structuredContent: { error: { code: string } } };
        };
        expect(answer.result?.isError).toBe(true);
        expect(answer.result?.structuredContent.error.code).toBe("INVALID_ARGUMENT");
      }
    }, 30_000);

    test(
      "the stdout reader goes away (EPIPE) mid-answer: the server survives, and exits 0 at end of input",
      async () => {
        const server = await start(mode, { env: { CODEX_MCP_STORE: "memory" } });
        await server.client.ping();
        server.child.stdout.destroy(); // the client stops reading
        await server.transport.sendRaw(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 900,
            method: "tools/call",
            params: { name: "debug_echo", arguments: { text: "x".repeat(FIVE_MIB) } },
          }) + "\n",
        );
        await Bun.sleep(1_000);
        expect(server.child.exitCode).toBeNull();
        expect(server.child.signalCode).toBeNull();
        expect(await server.closeStdin()).toEqual({ code: 0, signal: null });
      },
      30_000,
    );

    test("SIGTERM shuts down cleanly with exit code 0", async () => {
      const server = await start(mode);
      await server.client.ping();
      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      protocolLines(server.stdout());
    }, 30_000);

    if (mode !== "compiled") {
      test("stray stdout writes of a dependency go to stderr, never to the protocol", async () => {
        const server = await start(mode, { preload: STRAY });
        await server.client.ping();
        server.child.kill("SIGUSR2");
        // Wait until the stray output has been written (it lands on stderr), then keep talking.
        for (let i = 0; i < 100 && !server.stderr().includes("STRAY console.debug"); i++) await Bun.sleep(20);
        expect((await server.client.listTools()).tools.length).toBeGreaterThan(0);
        expect(await server.closeStdin()).toEqual({ code: 0, signal: null });

        expect(server.stdout()).not.toContain("STRAY");
        protocolLines(server.stdout());
        const stderr = server.stderr();
        for (const path of ["console.log", "console.info", "console.debug", "console.table", "process.stdout.write"]) {
          expect(stderr).toContain(path === "console.table" ? "console.table" : `STRAY ${path}`);
        }
        if (mode === "deno") expect(stderr).toContain("STRAY Deno.stdout.writeSync");
      }, 30_000);
    }
  });
}
