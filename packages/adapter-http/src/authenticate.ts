import type { Authenticated, UseCases } from "@superoauth/application";
import { type ErrorCode, type Result, thirdPartyAPIRoutes } from "@superoauth/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { sendError, sendFailure } from "./replies.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireAuthentication` on routes that need a signed-in user. */
    auth: Authenticated | null;
  }
}

/** Reads `Authorization: Bearer <token>`; null when the header is missing, empty or of another scheme. */
export function readBearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * The request's Bearer token, or null. Two Authorization header lines give none: Node keeps the
 * first and drops the other, while a proxy in front may have read the other (RFC 9110 §5.3: the
 * field is a singleton; RFC 6750 §3.1: more than one credential is an invalid request).
 */
function bearerTokenOf(request: FastifyRequest): string | null {
  const raw = request.raw.rawHeaders;
  let lines = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === "authorization") lines += 1;
  return lines > 1 ? null : readBearerToken(request.headers.authorization);
}

/** A preHandler that admits only callers with a valid access token of a live session. */
export function requireAuthentication(useCases: UseCases) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerTokenOf(request);
    if (token === null) {
      await sendMissingToken(reply);
      return;
    }
    const result = await useCases.authenticateAccessToken({ token });
    if (!result.ok) {
      await sendAuthenticationFailure(request, reply, result);
      return;
    }
    request.auth = result.value;
  };
}

/** The route as the third-party scope table names it: "GET /auth/me" (method, path as registered, no /api/v1). */
export function routeKeyOf(request: FastifyRequest): string {
  return `${request.method} ${(request.routeOptions.url ?? "").replace(/^\/api\/v1(?=\/)/, "")}`;
}

/**
 * The request's Bearer token through `authenticate` (authenticateCaller and its kind: the routes apps may call too, ADR 0020): its
 * value, or null once the refusal is sent (UNAUTHORIZED without a token).
 */
export async function authenticateBearer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  authenticate: (token: string) => Promise<Result<T, ErrorCode>>,
): Promise<T | null> {
  const token = bearerTokenOf(request);
  if (token === null) {
    await sendMissingToken(reply);
    return null;
  }
  const result = await authenticate(token);
  if (!result.ok) {
    await sendAuthenticationFailure(request, reply, result);
    return null;
  }
  return result.value;
}

/**
 * No token: UNAUTHORIZED, with the RFC 6750 challenge (section 3: a 401 names the scheme; without
 * credentials in the request, no error code), so any HTTP client knows a Bearer token is wanted.
 */
async function sendMissingToken(reply: FastifyReply): Promise<void> {
  reply.header("WWW-Authenticate", "Bearer");
  await sendError(reply, "UNAUTHORIZED");
}

/**
 * A refused token, with the RFC 6750 challenge (section 3.1) beside the contract's code: a token
 * that is malformed, expired, revoked or unknown is `invalid_token`; an app's token on a route it
 * may not call is `insufficient_scope`, naming the scope when one would open the route.
 */
async function sendAuthenticationFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: { error: ErrorCode; message?: string; cause?: unknown },
): Promise<void> {
  if (failure.error === "INVALID_TOKEN" || failure.error === "TOKEN_EXPIRED") {
    reply.header("WWW-Authenticate", 'Bearer error="invalid_token"');
  } else if (failure.error === "INSUFFICIENT_SCOPE") {
    const route = routeKeyOf(request);
    const scope = Object.hasOwn(thirdPartyAPIRoutes, route) ? thirdPartyAPIRoutes[route] : undefined;
    reply.header(
      "WWW-Authenticate",
      scope === undefined
        ? 'Bearer error="insufficient_scope"'
        : `Bearer error="insufficient_scope", scope="${scope}"`,
    );
  }
  await sendFailure(reply, failure);
}

/** The authenticated caller; only for handlers behind requireAuthentication. */
export function authOf(request: FastifyRequest): Authenticated {
  if (request.auth === null) throw new Error("Route is missing requireAuthentication");
  return request.auth;
}
