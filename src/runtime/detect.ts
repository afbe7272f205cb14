/**
 * Picks the adapter for the runtime we are running on. Adapters are imported lazily so that Node
 * never loads a file that mentions `Bun`, and so on.
 *
 * @module
 */
import type { Runtime, RuntimeName } from "./types.ts";

/** Which runtime is executing this code. */
function detectRuntimeName(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (typeof g.Bun !== "undefined") return "bun";
  if (typeof g.Deno !== "undefined") return "deno";
  return "node";
}

/** Loads the adapter for the current runtime. */
export async function loadRuntime(): Promise<Runtime> {
  switch (detectRuntimeName()) {
    case "bun":
      return (await import("./bun.ts")).createBunRuntime();
    case "deno":
      return (await import("./deno.ts")).createDenoRuntime();
    case "node":
      return (await import("./node.ts")).createNodeRuntime();
  }
}
