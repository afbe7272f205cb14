/**
 * A seeded, bounded protocol fuzzer: thousands of mutated JSON-RPC messages (wrong types, missing
 * and extra fields, huge strings, deep nesting, odd methods) sent to the binary. Every well-formed
 * request gets exactly one answer; every failed tool call is in the error model (`Error [CODE]`
 * with a code of the registry); the server stays up, its memory stays bounded, and it exits 0 at
 * the end of input. Once with no Codex at all, and once under load: the real Codex in each backend,
 * with sessions running to completion while the fuzz goes on (and starts ~35 sessions of its own).
 * The seed is fixed, so a failure replays; CODEX_MCP_FUZZ_SEED picks another.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { isErrorCode } from "../../src/errors/registry.ts";
import { makeCodexHome } from "../harness/codex-home.ts";
import { type FakeModel, reply, startFakeModel } from "../harness/fake-model.ts";
import { BIN, launch, type Launched } from "./launch.ts";

const SEED = Number(process.env.CODEX_MCP_FUZZ_SEED ?? 20261201);
const MESSAGES = 2_000;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TOOL_CALLS: { name: string; arguments: Record<string, Json> }[] = [
  { name: "codex", arguments: { prompt: "hi", approvalPolicy: "never", sandbox: "read-only" } },
  { name: "codex_reply", arguments: { sessionId: "s_x", prompt: "again" } },
  { name: "codex_check", arguments: { action: "poll", sessionId: "s_x", cursor: 1 } },
  {
    name: "codex_check",
    arguments: { action: "respond_permission", sessionId: "s_x", requestId: "r", decision: "accept" },
  },
  { name: "codex_session", arguments: { action: "list" } },
  { name: "codex_session", arguments: { action: "clean", statuses: ["idle"], dryRun: true } },
  { name: "codex_setup", arguments: {} },
];

function fuzzer(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const weird = (): Json => {
    switch (Math.floor(random() * 10)) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1);
      case 3:
        return "x".repeat(Math.floor(random() * 70_000));
      case 4:
        return "\u0000\ud800\u2028😀" + "é".repeat(Math.floor(random() * 50));
      case 5: {
        let deep: Json = 1;
        for (let i = 0; i < Math.floor(random() * 60); i++) deep = { d: deep };
        return deep;
      }
      case 6:
        return [weird(), weird()];
      case 7:
        return {};
      case 8:
        return 1.5e308;
      default:
        return "";
    }
  };
  /** A copy of `value` with one mutation somewhere inside. */
  const mutate = (value: Json, depth = 0): Json => {
    if (value === null || typeof value !== "object" || depth > 3 || random() < 0.25) return weird();
    if (Array.isArray(value)) return value.map((v) => (random() < 0.3 ? mutate(v, depth + 1) : v));
    const out: { [key: string]: Json } = { ...value };
    const keys = Object.keys(out);
    const roll = random();
    if (roll < 0.2 && keys.length > 0) delete out[pick(keys)];
    else if (roll < 0.35) out[pick(["extra", "__proto__", "constructor", "id", "params"])] = weird();
    else if (keys.length > 0) {
      const key = pick(keys);
      out[key] = mutate(out[key]!, depth + 1);
    }
    return out;
  };
  return (n: number): Json => {
    const id = `f${n}`;
    const base: Json = random() < 0.7
      ? { jsonrpc: "2.0", id, method: "tools/call", params: pick(TOOL_CALLS) as unknown as Json }
      : {
        jsonrpc: "2.0",
        id,
        method: pick([
          "ping",
          "tools/list",
          "resources/list",
          "resources/read",
          "prompts/list",
          "no/such",
          "initialize",
        ]),
        params: { uri: "codex-mcp:///server-info" },
      };
    // Keep the id, so answers can be matched; mutate the rest (the method and params above all).
    const mutated = random() < 0.9 ? mutate(base) : base;
    if (mutated !== null && typeof mutated === "object" && !Array.isArray(mutated) && random() < 0.95) {
      mutated.id = id;
      if (mutated.method === "notifications/cancelled") mutated.method = "ping";
    }
    return mutated;
  };
}

/** The server's resident memory in MiB (ps reports KiB). */
function rssMiB(pid: number): number {
  const ps = spawnSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" });
  return Number(ps.stdout.trim()) / 1024;
}

/** The most the server may hold during the fuzz: several times what it peaks at (75-95 MiB), far below a leak's. */
const RSS_BOUND_MIB = 400;

/** Sends `count` fuzzed messages (seed `seed`) to `server` and checks every rule, memory included. */
async function fuzz(server: Launched, count: number, seed: number): Promise<void> {
  const next = fuzzer(prng(seed));
  const expected = new Set<string>();
  let peak = 0;
  for (let n = 0; n < count; n++) {
    const message = next(n);
    const m = message as { jsonrpc?: unknown; id?: unknown; method?: unknown };
    if (m && typeof m === "object" && m.jsonrpc === "2.0" && typeof m.method === "string" && m.id === `f${n}`) {
      expected.add(`f${n}`);
    }
    await server.transport.sendRaw(JSON.stringify(message) + "\n");
    if (n % 250 === 0) peak = Math.max(peak, rssMiB(server.child.pid!));
  }
  await server.client.ping(); // still serving, after all of it
  const answered = new Map<string, number>();
  let seen: Record<string, unknown>[] = [];
  for (let i = 0; i < 400; i++) {
    seen = server.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    answered.clear();
    for (const m of seen) {
      if (typeof m.id === "string" && m.id.startsWith("f")) answered.set(m.id, (answered.get(m.id) ?? 0) + 1);
    }
    if ([...expected].every((id) => answered.has(id))) break;
    await Bun.sleep(50);
  }
  expect([...expected].filter((id) => !answered.has(id))).toEqual([]);
  expect([...answered].filter(([, count]) => count > 1)).toEqual([]);
  for (const m of seen) {
    const result = m.result as { isError?: boolean; content?: { text: string }[] } | undefined;
    if (!result?.isError) continue;
    const code = /^Error \[([A-Z_]+)\]: /.exec(result.content?.[0]?.text ?? "")?.[1];
    expect(isErrorCode(code)).toBe(true);
  }
  expect(expected.size).toBeGreaterThan(count / 4); // most messages stay requests worth answering
  peak = Math.max(peak, rssMiB(server.child.pid!));
  expect(peak).toBeLessThan(RSS_BOUND_MIB);
}

describe("protocol fuzzing", () => {
  test(
    `${MESSAGES} mutated messages (seed ${SEED}): one answer per request, errors in the model, memory bounded, still serving`,
    async () => {
      const server = await launch("compiled", {
        env: { CODEX_MCP_STORE: "memory", CODEX_MCP_PATH: "/nonexistent/codex", CODEX_MCP_LOG_LEVEL: "error" },
      });
      try {
        await fuzz(server, MESSAGES, SEED);
        expect(await server.closeStdin()).toEqual({ code: 0, signal: null });
      } finally {
        await server.dispose();
      }
    },
    120_000,
  );
});

describe("protocol fuzzing under load", () => {
  let model: FakeModel;
  beforeAll(async () => {
    model = await startFakeModel();
  });
  afterAll(async () => {
    await model.close();
  });

  for (const mode of ["app-server", "exec"] as const) {
    test(
      `${mode}: 600 mutated messages while 8 real sessions run to completion; the sessions are unharmed`,
      async () => {
        model.reset();
        // The turns the fuzz starts get an answer too; the sessions below get theirs by prompt.
        model.setHandler((request) => {
          const label = /load-(\d+)/.exec(request.userTexts().join("\n"))?.[1];
          return reply.message(label ? `done ${label}` : "fuzzed");
        });
        const home = makeCodexHome({ modelUrl: model.url });
        const server = await launch("compiled", {
          env: {
            ...home.env,
            CODEX_MCP_PATH: join(BIN, "codex"),
            CODEX_MCP_MODE: mode,
            CODEX_MCP_STORE: "memory",
            CODEX_MCP_LOG_LEVEL: "error",
          },
          inheritEnv: false,
        });
        try {
          const sessions = Array.from({ length: 8 }, (_, i) =>
            server.client.callTool({
              name: "codex",
              arguments: {
                prompt: `load-${i}`,
                approvalPolicy: "never",
                sandbox: "read-only",
                cwd: home.workspace,
                advanced: { waitForResult: 40_000 },
              },
            }));
          await fuzz(server, 600, SEED + 1);
          const results = await Promise.all(sessions);
          const texts = results.map((r) => (r.structuredContent as { result?: { text: string } }).result?.text);
          expect(texts).toEqual(Array.from({ length: 8 }, (_, i) => `done ${i}`));
          expect(await server.closeStdin()).toEqual({ code: 0, signal: null });
        } finally {
          await server.dispose();
          home.cleanup();
        }
      },
      120_000,
    );
  }
});
