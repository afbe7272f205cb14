/**
 * The entry point from source, on any of the three runtimes (`bun src/main.ts`,
 * `deno run --allow-all src/main.ts`, `node src/main.ts`): picks the runtime's adapter and runs
 * the program (run.ts). The compiled binary starts from compiled.ts instead.
 *
 * @module
 */
import { runCodexMcp } from "./run.ts";
import { loadRuntime } from "./runtime/detect.ts";

if (import.meta.main) await runCodexMcp(await loadRuntime(), import.meta.url);
