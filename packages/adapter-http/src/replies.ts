import { unavailableRetryAfterSeconds } from "@superoauth/application";
import type { ErrorCode } from "@superoauth/domain";
import type { FastifyReply } from "fastify";
import { defaultErrorMessage, errorStatus } from "./error-status.ts";

/**
 * Sends the contract's error envelope with the status the table gives the code; `extra` adds
 * fields a route documents beside it (GET /ready's report).
 */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message?: string,
  extra: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  // Every 503 says when to come back, whichever dependency is missing (unless its caller knows better).
  if (code === "SERVICE_UNAVAILABLE" && !reply.hasHeader("Retry-After"))
    reply.header("Retry-After", unavailableRetryAfterSeconds);
  if (code === "INSUFFICIENT_PERMISSIONS" || code === "TWO_FACTOR_REQUIRED") logAccessRefused(reply);
  const status = errorStatus[code];
  const body = { ...extra, success: false, error: code, message: message ?? defaultErrorMessage[code] };
  // A server-side failure names its request, so a user can quote it and we can find its log lines.
  return reply.code(status).send(status >= 500 ? { ...body, requestId: reply.request.id } : body);
}

/**
 * A refusal for want of a role or scope, attributed (OWASP ASVS V16.3.2: failed authorization is
 * logged): the caller's user id and role beside the request's line, so an operator sees who probes
 * the admin API. Ids only, never the address.
 */
function logAccessRefused(reply: FastifyReply): void {
  const caller = reply.request.auth?.user;
  reply.log.warn(
    { userId: caller?.id ?? null, role: caller?.role ?? null, url: reply.request.url.split("?")[0] },
    "access refused",
  );
}

/**
 * A use case's failure as a route receives it; `retryAfterSeconds` when it says when to come back
 * (a lock, an allowance spent).
 */
type Failure = { error: ErrorCode; message?: string; cause?: unknown; retryAfterSeconds?: number };

/**
 * Logs a failure's cause (infrastructure behind the code), and every server-side failure (5xx: a
 * provider not configured or refusing, a failed exchange), with the request's id the client is
 * given to quote: the operator finds why. Whatever the answer's form (the envelope, a redirect).
 */
export function logFailure(reply: FastifyReply, failure: Failure): void {
  if (failure.cause === undefined && errorStatus[failure.error] < 500) return;
  reply.log.error(
    {
      ...(failure.cause === undefined ? {} : { err: failure.cause }),
      code: failure.error,
      ...(failure.message === undefined ? {} : { reason: failure.message }),
    },
    "request failed",
  );
}

/**
 * Sends a use case's failure in the envelope, with Retry-After in seconds when it has one (RFC 9110
 * section 10.2.3); its cause goes to the log only (logFailure).
 */
export function sendFailure(reply: FastifyReply, failure: Failure): FastifyReply {
  logFailure(reply, failure);
  if (failure.retryAfterSeconds !== undefined) reply.header("Retry-After", String(failure.retryAfterSeconds));
  return sendError(reply, failure.error, failure.message);
}
