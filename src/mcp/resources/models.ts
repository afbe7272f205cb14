/**
 * `codex-mcp:///models`: the models Codex offers (`model/list` of the sessions' app-server), each
 * with the reasoning efforts it takes and its default; the default model is marked. The exec
 * backend has no list: the resource says so.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { ModelInfo } from "../../codex/listings.ts";
import type { ServerContext } from "../context.ts";

const MODELS_URI = "codex-mcp:///models";

/**
 * The models to check a call against: the list when the backend has one and it answered; `null`
 * otherwise (no backend yet, exec, a failed listing), when nothing is checked.
 */
export async function knownModels(
  ctx: Pick<ServerContext, "sessions" | "log">,
  choice: { model?: string; effort?: string },
): Promise<ModelInfo[] | null> {
  if (choice.model === undefined && choice.effort === undefined) return null; // nothing to check
  try {
    return await ctx.sessions.models();
  } catch (error) {
    ctx.log.debug("model/list failed; models are not checked", error);
    return null;
  }
}

export function registerModels(server: McpServer, ctx: ServerContext): void {
  server.registerResource(
    "models",
    MODELS_URI,
    {
      title: "Codex's models",
      description:
        "The models Codex offers (its model/list), each with the reasoning efforts it takes and its default effort; isDefault marks Codex's default model. codex and codex_reply check effort against it.",
      mimeType: "application/json",
    },
    async (uri) => {
      let body: unknown;
      try {
        const models = await ctx.sessions.models();
        body = models
          ? { models }
          : { models: null, reason: "the exec backend has no model list; model is passed to Codex as given" };
      } catch (error) {
        body = { models: null, reason: `Codex did not list its models: ${(error as Error).message}` };
      }
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(body) }] };
    },
  );
}
