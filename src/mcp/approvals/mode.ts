/**
 * Who answers Codex's approvals and questions for a call: the person, through the client's form,
 * or the caller (often a model), through `codex_check`. The call's `approvals` (or, without it,
 * CODEX_MCP_APPROVALS) says `client`, `model` or `auto`; `auto` asks the person whenever the
 * client can show a form.
 *
 * How the form travels depends on the era: a 2025-era client declared form elicitation at
 * `initialize` and gets forms pushed as requests (asker.ts); a 2026-07-28 request declares it in
 * its own `_meta`, and gets forms as `input_required` answers of the calls that wait
 * (round-trip.ts).
 *
 * @module
 */
import { CLIENT_CAPABILITIES_META_KEY, type ClientCapabilities } from "@modelcontextprotocol/server";
import type { ApprovalsSetting } from "../../config.ts";
import { CodedError } from "../../errors/registry.ts";
import type { ServerContext } from "../context.ts";

/** How the person is asked for a call: pushed forms, forms in `input_required`, or not at all. */
export type FormRoute = "push" | "round-trip" | "none";

/** The part of a request's context that says what the client can do (2026-07-28 era). */
export interface RequestCapabilities {
  /** The request's `_meta` envelope, present on 2026-07-28 requests only. */
  envelope?: Record<string, unknown>;
}

/**
 * Whether `declared` includes form elicitation: `form`, or a bare `elicitation: {}` (how clients
 * declared it before modes existed, which the spec keeps meaning form; Claude Code does so).
 */
function showsForms(declared: ClientCapabilities | undefined): boolean {
  const elicitation = declared?.elicitation as Record<string, unknown> | undefined;
  return elicitation !== undefined && (elicitation.form !== undefined || Object.keys(elicitation).length === 0);
}

/** Whether this 2026-07-28 request's client opens pages for URL-mode elicitation. */
export function opensUrls(request: RequestCapabilities): boolean {
  const declared = request.envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  return declared?.elicitation?.url !== undefined;
}

/** The route by which this request's client can show a form, if it can. */
function routeOf(ctx: Pick<ServerContext, "clientCapabilities">, request: RequestCapabilities): FormRoute {
  if (request.envelope !== undefined) {
    return showsForms(request.envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined)
      ? "round-trip"
      : "none";
  }
  return showsForms(ctx.clientCapabilities()) ? "push" : "none";
}

/**
 * How the person is asked about requests of a session whose approvals setting is `setting` (or,
 * without one, CODEX_MCP_APPROVALS), for this request's client: never for `model`.
 */
export function askRoute(
  ctx: ServerContext,
  setting: ApprovalsSetting | undefined,
  request: RequestCapabilities,
): FormRoute {
  return (setting ?? ctx.config.approvals) === "model" ? "none" : routeOf(ctx, request);
}

/**
 * How the person answers this call's requests. Checked before the turn starts, so a call that
 * cannot be served changes nothing: NOT_SUPPORTED when it asks for forms (`client`) that this
 * client cannot show.
 */
export function formRoute(
  ctx: ServerContext,
  perCall: ApprovalsSetting | undefined,
  request: RequestCapabilities,
): FormRoute {
  const route = askRoute(ctx, perCall, request);
  if ((perCall ?? ctx.config.approvals) === "client" && route === "none") {
    throw new CodedError(
      "NOT_SUPPORTED",
      `approvals "client" asks the person through a form, and this client did not declare form elicitation`,
      perCall
        ? 'Pass approvals "auto" or "model", or use a client that shows forms (Claude Code, Cursor, VS Code, the Codex CLI).'
        : "Set CODEX_MCP_APPROVALS to auto or model, or use a client that shows forms (Claude Code, Cursor, VS Code, the Codex CLI).",
    );
  }
  return route;
}
