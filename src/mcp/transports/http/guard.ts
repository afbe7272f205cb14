/**
 * What an HTTP request must pass before MCP sees it: the `/mcp` path, a `Host` (and any
 * `Origin`) of the allowed names (DNS-rebinding protection), a bounded body, and a bearer token
 * that names its principal. Every refusal is the right HTTP status with a JSON-RPC error body,
 * and nothing else happens. Tokens are compared in constant time, against every known token, so
 * timing says nothing about which one nearly matched.
 *
 * @module
 */
import { hostHeaderValidationResponse, originValidationResponse } from "@modelcontextprotocol/server";

/** How requests are let in. */
export interface GuardOptions {
  /** Token → principal; `null` when authentication is off (`--no-auth`, loopback only). */
  tokens: ReadonlyMap<string, string> | null;
  /** Host names (without port) a request may name in `Host` and `Origin`. */
  allowedHosts: readonly string[];
  /** The largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

/** The request's principal (`null` without authentication), or the refusal to answer with. */
export type GuardOutcome = { principal: string | null } | { refusal: Response };

const encoder = new TextEncoder();

function refusal(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status, headers });
}

/** Equal in time whatever the strings: every byte of the longer is looked at. */
function sameSecret(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** The principal of `presented`, checking it against every token (no early exit). */
function principalOf(tokens: ReadonlyMap<string, string>, presented: string): string | null {
  let found: string | null = null;
  for (const [token, principal] of tokens) if (sameSecret(token, presented) && found === null) found = principal;
  return found;
}

export function guard(request: Request, options: GuardOptions): GuardOutcome {
  const url = new URL(request.url);
  if (url.pathname !== "/mcp") {
    return { refusal: refusal(404, -32601, `not found: MCP is served at /mcp, not ${url.pathname.slice(0, 100)}`) };
  }
  const badHost = hostHeaderValidationResponse(request, [...options.allowedHosts]);
  if (badHost) return { refusal: badHost };
  if (request.headers.has("origin")) {
    const badOrigin = originValidationResponse(request, [...options.allowedHosts]);
    if (badOrigin) return { refusal: badOrigin };
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(length) && length > options.maxBodyBytes) {
    return {
      refusal: refusal(413, -32600, `request body of ${length} bytes is over the limit of ${options.maxBodyBytes}`),
    };
  }
  if (options.tokens === null) return { principal: null };
  const header = request.headers.get("authorization") ?? "";
  const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const principal = presented === undefined ? null : principalOf(options.tokens, presented);
  if (principal === null) {
    return {
      refusal: refusal(
        401,
        -32001,
        presented === undefined
          ? "authentication required: send Authorization: Bearer <token>"
          : "that token is not one of this server's",
        { "www-authenticate": 'Bearer realm="codex-mcp"' },
      ),
    };
  }
  return { principal };
}

/** Reads a token file: one token per line, or `name token`; blank lines and `#` comments skipped. */
export function parseTokens(text: string, source: string): Map<string, string> {
  const tokens = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const parts = line.split(/\s+/);
    const [name, token] = parts.length >= 2 ? [parts[0]!, parts.slice(1).join(" ")] : [`${source}:${i + 1}`, parts[0]!];
    if (token.length < 16) throw new Error(`${source} line ${i + 1}: a token must be at least 16 characters`);
    tokens.set(token, name);
  });
  return tokens;
}
