/**
 * Run by stdio.test.ts under each runtime: reports what the adapter's `isTerminal` says of fds
 * 0–2 next to `node:tty`'s `isatty`, after the stray-stdout redirect has sent a write through
 * `process.stdout`, all written through the adapter's own stdout as one JSON line.
 */
import { isatty } from "node:tty";
import { loadRuntime } from "../../src/runtime/detect.ts";

const runtime = await loadRuntime();
runtime.stdio.redirectStrayStdout();
process.stdout.write("STRAY process.stdout.write\n");
const streams = ["stdin", "stdout", "stderr"] as const;
const report = {
  runtime: runtime.name,
  adapter: streams.map((s) => runtime.stdio.isTerminal(s)),
  isatty: streams.map((_, fd) => isatty(fd)),
};
const writer = runtime.stdio.stdout.getWriter();
await writer.write(new TextEncoder().encode(JSON.stringify(report) + "\n"));
writer.releaseLock();
await runtime.exit(0);
