/**
 * The entry point build.ts compiles. A compiled binary runs on the runtime that compiled it, so
 * it names that adapter directly: the runtime detection in main.ts would bundle the other
 * adapters too, and the bundle loads their built-in module imports (http, stream, child_process,
 * sqlite) at start-up, which measured about 3 ms of a 38 ms cold start (`bench:startup`).
 *
 * @module
 */
import { runCodexMcp } from "./run.ts";
import { createBunRuntime } from "./runtime/bun.ts";

await runCodexMcp(createBunRuntime(), null);
