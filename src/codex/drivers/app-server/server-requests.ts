/**
 * The policy for requests `codex app-server` sends to us. Every one gets a well-formed answer:
 * Codex reads a -32601 ("method not found") answer to a request it knows as a rejection, so that
 * code is kept for methods Codex 0.169's `ServerRequest.ts` does not list.
 *
 * | method                                   | answer                                                                                  |
 * | ---------------------------------------- | --------------------------------------------------------------------------------------- |
 * | `item/commandExecution/requestApproval`  | waits for the MCP client (`approval_request`, kind `command`): `{decision}` with         |
 * |                                          | accept / acceptForSession / decline / cancel / `{acceptWithAmendment}` (Codex's `acceptWithExecpolicyAmendment`) |
 * | `item/fileChange/requestApproval`        | waits (`file_change`): `{decision}` accept / acceptForSession / decline / cancel         |
 * | `item/permissions/requestApproval`       | waits (`permissions`): accept → `{permissions: <what was asked>, scope: "turn"}`,        |
 * |                                          | acceptForSession → the same with `scope: "session"`, decline/cancel → `{permissions: {},` |
 * |                                          | `scope: "turn"}` (nothing granted)                                                      |
 * | `mcpServer/elicitation/request`          | waits (`mcp_elicitation`, with the server's `requestedSchema`): `{action, content, _meta: null}`, content as answered |
 * |                                          | accept sends `content: {}` (no form fields are collected), decline/cancel `content: null` |
 * | `item/tool/requestUserInput`             | waits (`user_input_request`): `{answers: {[questionId]: {answers: [...]}}}`; an approval  |
 * |                                          | answer of decline/cancel sends `{answers: {}}`                                          |
 * | `currentTime/read`                       | answered at once: `{currentTimeAt: <unix seconds>}`                                      |
 * | `item/tool/call` (dynamic tools)         | refused as a result: `{contentItems: [{type: "inputText", text: <why>}], success: false}` |
 * |                                          | (codex-mcp registers no dynamic tools, so the model is told the tool is unavailable)     |
 * | `account/chatgptAuthTokens/refresh`      | JSON-RPC error -32000 "codex-mcp does not manage ChatGPT tokens…" (run `codex login`)    |
 * | `attestation/generate`                   | JSON-RPC error -32000 (we declare `requestAttestation: false`, so it should never come)  |
 * | `applyPatchApproval`, `execCommandApproval` (legacy v1) | `{decision: {denied: {rejection: <why>}}}`: declined (v1 conversations are never |
 * |                                          | started by codex-mcp)                                                                   |
 * | anything else                            | JSON-RPC error -32601 "codex-mcp does not handle server request <method>"               |
 *
 * A waiting request whose parameters do not validate, or that names a thread this backend does
 * not know, is answered at once with its *refusal* (decline / nothing granted / no answers) and
 * reported. The refusal is also what is sent when a waiting request is dropped: Codex resolved it
 * itself (`serverRequest/resolved`, e.g. after an interrupt — Codex ignores the late answer), the
 * thread was released, or the process is going away.
 *
 * Longer than ~400 lines on purpose: it is the one policy table for every request Codex can send;
 * split, a method's answer would sit apart from its refusal (docs/ARCHITECTURE.md, "Long files").
 *
 * @module
 */
import * as v from "valibot";
import {
  type ApprovalDecision,
  type ApprovalRequest,
  BackendError,
  type FileChangeSummary,
  PLAIN_DECISIONS,
  type RequestAnswer,
  type UserInputRequest,
} from "../../backend.ts";
import { RPC, RpcError } from "../jsonrpc.ts";
import {
  CommandApprovalParams,
  describeIssues,
  ElicitationParams,
  FileChangeApprovalParams,
  PermissionsApprovalParams,
  threadIdOf,
  UserInputParams,
} from "./protocol.ts";

/** JSON-RPC "server error" code for a request we understand and refuse. */
const REFUSED = -32000;

/** A request that waits for {@link Backend.respond}. */
export interface WaitingRequest {
  threadId: string;
  /** The event to publish, without our request id. */
  event: Omit<ApprovalRequest, "requestId"> | Omit<UserInputRequest, "requestId">;
  /** The response for `answer`; throws {@link BackendError} INVALID_ARGUMENT when it does not fit. */
  respond(answer: RequestAnswer): unknown;
  /** The response when the request is dropped or refused. */
  refusal: unknown;
}

export type RequestDisposition =
  | { type: "wait"; request: WaitingRequest }
  /** Answer at once with this result. */
  | { type: "answer"; result: unknown }
  /** Answer at once with this error. */
  | { type: "error"; error: RpcError }
  /** Parameters that did not validate: answer with `refusal`, report `reason` (to `threadId` when known). */
  | { type: "invalid"; threadId: string | null; reason: string; refusal: unknown };

export interface RequestContext {
  /** The changes of a `fileChange` item already started, for file-change approvals. */
  fileChanges(threadId: string, itemId: string): FileChangeSummary[] | undefined;
  /** Milliseconds since the epoch. */
  now(): number;
}

const ALL_DECISIONS: readonly ApprovalDecision[] = PLAIN_DECISIONS;
const DECLINE = { decision: "decline" };
const NO_PERMISSIONS = { permissions: {}, scope: "turn" };
const ELICITATION_DECLINE = { action: "decline", content: null, _meta: null };
const NO_ANSWERS = { answers: {} };

/** Decides how to answer one request from the server. */
export function classifyServerRequest(method: string, params: unknown, context: RequestContext): RequestDisposition {
  switch (method) {
    case "item/commandExecution/requestApproval":
      return commandApproval(params);
    case "item/fileChange/requestApproval":
      return fileChangeApproval(params, context);
    case "item/permissions/requestApproval":
      return permissionsApproval(params);
    case "mcpServer/elicitation/request":
      return elicitation(params);
    case "item/tool/requestUserInput":
      return userInput(params);
    case "currentTime/read":
      return { type: "answer", result: { currentTimeAt: Math.floor(context.now() / 1000) } };
    case "item/tool/call":
      return {
        type: "answer",
        result: {
          contentItems: [{
            type: "inputText",
            text: "This tool is not available: codex-mcp provides no dynamic tools.",
          }],
          success: false,
        },
      };
    case "account/chatgptAuthTokens/refresh":
      return {
        type: "error",
        error: new RpcError(
          REFUSED,
          "codex-mcp does not manage ChatGPT tokens; log Codex in with `codex login` (or use an API key)",
        ),
      };
    case "attestation/generate":
      return { type: "error", error: new RpcError(REFUSED, "codex-mcp does not provide client attestation") };
    case "applyPatchApproval":
    case "execCommandApproval":
      return {
        type: "answer",
        result: {
          decision: { denied: { rejection: `codex-mcp answers only v2 approval requests; ${method} is declined` } },
        },
      };
    default:
      return {
        type: "error",
        error: new RpcError(RPC.methodNotFound, `codex-mcp does not handle server request ${method}`),
      };
  }
}

function invalid(
  method: string,
  params: unknown,
  issues: readonly v.BaseIssue<unknown>[],
  refusal: unknown,
): RequestDisposition {
  return {
    type: "invalid",
    threadId: threadIdOf(params),
    reason: `${method} with unreadable parameters (${describeIssues(issues)})`,
    refusal,
  };
}

function wrongAnswer(kind: string, answer: RequestAnswer, offered?: readonly ApprovalDecision[]): BackendError {
  const given = answer.kind === "approval" ? `the decision ${JSON.stringify(answer.decision)}` : "user-input answers";
  const hint = offered
    ? `Answer with one of its availableDecisions: ${offered.map((d) => JSON.stringify(d)).join(", ")}.`
    : answerHint(kind);
  return new BackendError("INVALID_ARGUMENT", `${given} cannot answer this ${kind} request`, hint);
}

function answerHint(kind: string): string {
  switch (kind) {
    case "command":
      return "Answer with accept, acceptForSession, decline, cancel, or the offered acceptWithAmendment.";
    case "user_input":
      return "Answer with the answers per question id (or decline/cancel to answer nothing).";
    default:
      return "Answer with one of the request's availableDecisions.";
  }
}

function isPlainDecision(decision: ApprovalDecision): decision is "accept" | "acceptForSession" | "decline" | "cancel" {
  return typeof decision === "string" && (ALL_DECISIONS as string[]).includes(decision);
}

/** Codex's spelling of an exec-policy amendment; ours is `{ acceptWithAmendment: { command } }`. */
const CodexAmendment = v.object({
  acceptWithExecpolicyAmendment: v.object({ execpolicy_amendment: v.array(v.string()) }),
});
const Amendment = v.object({ acceptWithAmendment: v.object({ command: v.array(v.string()) }) });

function commandApproval(params: unknown): RequestDisposition {
  const parsed = v.safeParse(CommandApprovalParams, params);
  if (!parsed.success) return invalid("item/commandExecution/requestApproval", params, parsed.issues, DECLINE);
  const p = parsed.output;
  const offered: ApprovalDecision[] = [];
  for (const decision of p.availableDecisions ?? ALL_DECISIONS) {
    if (typeof decision === "string" && isPlainDecision(decision as ApprovalDecision)) {
      offered.push(decision as ApprovalDecision);
    } else {
      const amendment = v.safeParse(CodexAmendment, decision);
      // Other kinds (network policy amendments) are not offered onwards.
      if (amendment.success) {
        offered.push({
          acceptWithAmendment: { command: amendment.output.acceptWithExecpolicyAmendment.execpolicy_amendment },
        });
      }
    }
  }
  // Every plain decision is an answer Codex takes (0.169 takes acceptForSession and decline even
  // when its list leaves them out): offer them all, so that availableDecisions is exactly what
  // codex-mcp accepts and a model following it never has to guess.
  for (const plain of ALL_DECISIONS) if (!offered.includes(plain)) offered.push(plain);

  const event: Omit<ApprovalRequest, "requestId"> = {
    type: "approval_request",
    kind: "command",
    turnId: p.turnId ?? null,
    itemId: p.itemId ?? null,
    availableDecisions: offered,
    ...(p.command ? { command: p.command } : {}),
    ...(p.cwd ? { cwd: p.cwd } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.proposedExecpolicyAmendment ? { proposedExecpolicyAmendment: p.proposedExecpolicyAmendment } : {}),
    ...(p.kind === "writeStdin" ? { message: "Codex asks to send input to a running command." } : {}),
  };
  return {
    type: "wait",
    request: {
      threadId: p.threadId,
      event,
      refusal: DECLINE,
      respond(answer) {
        if (answer.kind !== "approval") throw wrongAnswer("command", answer);
        const decision = answer.decision;
        if (isPlainDecision(decision)) return { decision };
        const amendment = v.safeParse(Amendment, decision);
        if (!amendment.success) throw wrongAnswer("command", answer, offered);
        return {
          decision: {
            acceptWithExecpolicyAmendment: { execpolicy_amendment: amendment.output.acceptWithAmendment.command },
          },
        };
      },
    },
  };
}

function fileChangeApproval(params: unknown, context: RequestContext): RequestDisposition {
  const parsed = v.safeParse(FileChangeApprovalParams, params);
  if (!parsed.success) return invalid("item/fileChange/requestApproval", params, parsed.issues, DECLINE);
  const p = parsed.output;
  const files = p.itemId ? context.fileChanges(p.threadId, p.itemId) : undefined;
  const event: Omit<ApprovalRequest, "requestId"> = {
    type: "approval_request",
    kind: "file_change",
    turnId: p.turnId ?? null,
    itemId: p.itemId ?? null,
    availableDecisions: [...ALL_DECISIONS],
    ...(files ? { files } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.grantRoot ? { message: `Codex asks to allow writes under ${p.grantRoot} for the rest of the session.` } : {}),
  };
  return {
    type: "wait",
    request: {
      threadId: p.threadId,
      event,
      refusal: DECLINE,
      respond(answer) {
        if (answer.kind !== "approval" || !isPlainDecision(answer.decision)) throw wrongAnswer("file_change", answer);
        return { decision: answer.decision };
      },
    },
  };
}

function permissionsApproval(params: unknown): RequestDisposition {
  const parsed = v.safeParse(PermissionsApprovalParams, params);
  if (!parsed.success) return invalid("item/permissions/requestApproval", params, parsed.issues, NO_PERMISSIONS);
  const p = parsed.output;
  const asked = p.permissions;
  const wanted: string[] = [];
  if (asked.network?.enabled) wanted.push("network access");
  if (asked.fileSystem?.write?.length) wanted.push(`write access to ${asked.fileSystem.write.join(", ")}`);
  if (asked.fileSystem?.read?.length) wanted.push(`read access to ${asked.fileSystem.read.join(", ")}`);
  const granted: Record<string, unknown> = {};
  if (asked.network) granted["network"] = asked.network;
  if (asked.fileSystem) granted["fileSystem"] = asked.fileSystem;
  const event: Omit<ApprovalRequest, "requestId"> = {
    type: "approval_request",
    kind: "permissions",
    turnId: p.turnId ?? null,
    itemId: p.itemId ?? null,
    availableDecisions: ["accept", "acceptForSession", "decline"],
    message: `Codex asks for ${wanted.length > 0 ? wanted.join("; ") : "additional permissions"}.`,
    ...(p.cwd ? { cwd: p.cwd } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  };
  return {
    type: "wait",
    request: {
      threadId: p.threadId,
      event,
      refusal: NO_PERMISSIONS,
      respond(answer) {
        if (answer.kind !== "approval" || !isPlainDecision(answer.decision)) throw wrongAnswer("permissions", answer);
        switch (answer.decision) {
          case "accept":
            return { permissions: granted, scope: "turn" };
          case "acceptForSession":
            return { permissions: granted, scope: "session" };
          default:
            return NO_PERMISSIONS;
        }
      },
    },
  };
}

function elicitation(params: unknown): RequestDisposition {
  const parsed = v.safeParse(ElicitationParams, params);
  if (!parsed.success) return invalid("mcpServer/elicitation/request", params, parsed.issues, ELICITATION_DECLINE);
  const p = parsed.output;
  const text = [p.title, p.description, p.message].filter((part): part is string =>
    typeof part === "string" && part !== ""
  ).join(" — ");
  const event: Omit<ApprovalRequest, "requestId"> = {
    type: "approval_request",
    kind: "mcp_elicitation",
    turnId: p.turnId ?? null,
    itemId: null,
    availableDecisions: ["accept", "decline", "cancel"],
    message: `MCP server ${p.serverName}: ${text || "asks for confirmation"}${p.url ? ` (${p.url})` : ""}`,
    ...(p.requestedSchema && { requestedSchema: p.requestedSchema }),
    ...(p.mode === "url" && p.url && { url: p.url }),
  };
  return {
    type: "wait",
    request: {
      threadId: p.threadId,
      event,
      refusal: ELICITATION_DECLINE,
      respond(answer) {
        if (answer.kind !== "approval" || !isPlainDecision(answer.decision)) {
          throw wrongAnswer("mcp_elicitation", answer);
        }
        switch (answer.decision) {
          case "accept":
          case "acceptForSession":
            // What the person entered goes to the MCP server as it is; it checks it against its schema.
            return { action: "accept", content: answer.content ?? {}, _meta: null };
          case "decline":
            return ELICITATION_DECLINE;
          case "cancel":
            return { action: "cancel", content: null, _meta: null };
        }
      },
    },
  };
}

function userInput(params: unknown): RequestDisposition {
  const parsed = v.safeParse(UserInputParams, params);
  if (!parsed.success) return invalid("item/tool/requestUserInput", params, parsed.issues, NO_ANSWERS);
  const p = parsed.output;
  const event: Omit<UserInputRequest, "requestId"> = {
    type: "user_input_request",
    turnId: p.turnId ?? null,
    itemId: p.itemId ?? null,
    questions: p.questions.map((q) => ({
      id: q.id,
      header: q.header,
      question: q.question,
      options: q.options
        ? q.options.map((o) => (o.description ? { label: o.label, description: o.description } : { label: o.label }))
        : null,
      isOther: q.isOther,
      isSecret: q.isSecret,
    })),
  };
  return {
    type: "wait",
    request: {
      threadId: p.threadId,
      event,
      refusal: NO_ANSWERS,
      respond(answer) {
        if (answer.kind === "approval") {
          if (answer.decision === "decline" || answer.decision === "cancel") return NO_ANSWERS;
          throw wrongAnswer("user_input", answer);
        }
        const answers: Record<string, { answers: string[] }> = {};
        for (const [id, values] of Object.entries(answer.answers)) {
          if (!Array.isArray(values) || values.some((value) => typeof value !== "string")) {
            throw new BackendError(
              "INVALID_ARGUMENT",
              `the answer to question ${JSON.stringify(id)} is not a list of strings`,
              answerHint("user_input"),
            );
          }
          answers[id] = { answers: values };
        }
        return { answers };
      },
    },
  };
}
