/**
 * The entry point build.ts compiles. A compiled binary is always Bun, so it names the Bun adapter
 * directly: the runtime detection in main.ts would bundle the Node and Deno adapters too, and the
 * bundle loads their `node:` imports (http, stream, child_process, sqlite) at start-up, which
 * measured about 3 ms of a 38 ms cold start (`bench:startup`).
 *
 * @module
 */
import { runCodexMcp } from "./run.ts";
import { createBunRuntime } from "./runtime/bun.ts";

await runCodexMcp(createBunRuntime(), null);
