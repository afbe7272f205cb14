/**
 * Who answers Codex's approvals and questions for a call: the person, through the client's form,
 * or the caller (often a model), through `codex_check`. The call's `approvals` (or, without it,
 * CODEX_MCP_APPROVALS) says `client`, `model` or `auto`; `auto` asks the person whenever the
 * client declared form elicitation.
 *
 * @module
 */
import type { ApprovalsSetting } from "../../config.ts";
import { CodedError } from "../../errors/registry.ts";
import type { ServerContext } from "../context.ts";

/** Whether this connection's client can show a form (it declared `elicitation` with form mode). */
function canAskByForm(ctx: Pick<ServerContext, "clientCapabilities">): boolean {
  return ctx.clientCapabilities()?.elicitation?.form !== undefined;
}

/**
 * Whether the person answers this call's requests by form. Checked before the turn starts, so a
 * call that cannot be served changes nothing: NOT_SUPPORTED when it asks for forms (`client`) that
 * this client cannot show.
 */
export function asksByForm(ctx: ServerContext, perCall: ApprovalsSetting | undefined): boolean {
  const setting = perCall ?? ctx.config.approvals;
  if (setting === "model") return false;
  const can = canAskByForm(ctx);
  if (setting === "client" && !can) {
    throw new CodedError(
      "NOT_SUPPORTED",
      `approvals "client" asks the person through a form, and this client did not declare form elicitation`,
      perCall
        ? 'Pass approvals "auto" or "model", or use a client that shows forms (Claude Code, Cursor, VS Code, the Codex CLI).'
        : "Set CODEX_MCP_APPROVALS to auto or model, or use a client that shows forms (Claude Code, Cursor, VS Code, the Codex CLI).",
    );
  }
  return can;
}
