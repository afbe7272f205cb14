/**
 * The account's rate limits (`account/rateLimits/read` of the sessions' app-server): how much of
 * each window is used and when it resets, so a caller can pace long work before Codex refuses a
 * turn. Codex reads them for a ChatGPT sign-in only; with an API key, or on the exec backend, the
 * answer says why there are none. Shown by `codex_setup` and as `codex-mcp:///rate-limits`.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { RateLimits, RateLimitWindow } from "../../codex/listings.ts";
import type { ServerContext } from "../context.ts";

const RATE_LIMITS_URI = "codex-mcp:///rate-limits";

/** A window as the tools show it: reset time as ISO text. */
function shownWindow(w: RateLimitWindow | null) {
  return w && { ...w, resetsAt: w.resetsAt === null ? null : new Date(w.resetsAt).toISOString() };
}

/** The rate limits as `codex_setup` and the resource show them: the windows, or why there are none. */
export async function rateLimitsView(ctx: Pick<ServerContext, "sessions">) {
  let limits: RateLimits | null;
  try {
    limits = await ctx.sessions.rateLimits();
  } catch (error) {
    return { available: false as const, reason: `Codex did not read them: ${(error as Error).message}` };
  }
  if (!limits) return { available: false as const, reason: "the exec backend cannot read rate limits" };
  return {
    available: true as const,
    ...limits,
    primary: shownWindow(limits.primary),
    secondary: shownWindow(limits.secondary),
  };
}

export function registerRateLimits(server: McpServer, ctx: ServerContext): void {
  server.registerResource(
    "rate-limits",
    RATE_LIMITS_URI,
    {
      title: "The account's rate limits",
      description:
        "How much of each rate-limit window of the Codex account is used and when it resets (account/rateLimits/read; ChatGPT sign-in only). available: false says why there are none.",
      mimeType: "application/json",
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(await rateLimitsView(ctx)) }],
    }),
  );
}
