/**
 * How an exec process is stopped. SIGINT comes before SIGTERM: on SIGINT `codex exec` ends its
 * turn as interrupted and writes what it has, which a SIGTERM cuts short.
 *
 * @module
 */
import type { TeardownStep } from "../../../process/types.ts";

/** Teardown of an exec process: the escalation the supervisor applies at shutdown. */
export const EXEC_ESCALATION: readonly TeardownStep[] = ["close-stdin", "SIGINT", "SIGTERM", "SIGKILL"];
/** An interrupt skips the stdin step: closing stdin mid-prompt would run a truncated prompt. */
export const INTERRUPT_ESCALATION: readonly TeardownStep[] = ["SIGINT", "SIGTERM", "SIGKILL"];
