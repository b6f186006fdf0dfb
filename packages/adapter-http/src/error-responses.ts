import type { ErrorCode } from "@superoauth/domain";
import { type TObject, type TProperties, Type } from "typebox";
import { defaultErrorMessage, errorStatus, type HttpStatus } from "./error-status.ts";

/**
 * Codes every route may answer, whatever it does: its rate limit (RATE_LIMIT_EXCEEDED), a lost
 * database or rate-limit store and load shedding (SERVICE_UNAVAILABLE), and our own bugs
 * (INTERNAL_ERROR). `errorsOf` adds them to each declaration.
 */
const everyRouteErrors = ["RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR"] as const;

/**
 * A route with input (a body, path parameters or a query string): the schema or the JSON parser
 * refuses it (VALIDATION_ERROR).
 */
export const inputErrors = ["VALIDATION_ERROR"] as const;

/**
 * Every POST, PUT, PATCH and DELETE route, body schema or not: Fastify reads a body for these
 * methods, so a wrong Content-Type or broken JSON (VALIDATION_ERROR) and an oversized body
 * (PAYLOAD_TOO_LARGE) can always come back.
 */
export const bodyErrors = ["VALIDATION_ERROR", "PAYLOAD_TOO_LARGE"] as const;

/**
 * A route behind requireAuthentication or authenticateBearer: no Bearer token (UNAUTHORIZED), and
 * authenticateAccessToken's refusals (an app's token where only ours open the route, or without
 * the route's scope: INSUFFICIENT_SCOPE).
 */
export const bearerErrors = [
  "UNAUTHORIZED",
  "TOKEN_EXPIRED",
  "INVALID_TOKEN",
  "ACCOUNT_DISABLED",
  "USER_NOT_FOUND",
  "INSUFFICIENT_SCOPE",
] as const;

/** Where the causes and the client's action for each code are written down. */
const errorReference = "docs/errors.md";

/**
 * The contract's error envelope with `error` limited to `codes`, which share one status, and the
 * `extra` fields a route documents beside it (GET /ready's report). Routes use `errorsOf`.
 */
export function errorEnvelopeOf(
  codes: readonly [ErrorCode, ...ErrorCode[]],
  extra: TProperties = {},
): TObject {
  const statuses = new Set(codes.map((code) => errorStatus[code]));
  if (statuses.size !== 1) throw new Error(`One status per envelope: ${codes.join(", ")}`);
  const status: HttpStatus = errorStatus[codes[0]];
  const descriptions = Object.fromEntries(codes.map((code) => [code, defaultErrorMessage[code]]));
  return Type.Object(
    {
      success: Type.Literal(false),
      // Type.Unsafe keeps `enum` a plain keyword: fast-json-stringify does not check it, so a
      // reply can never fail to serialise on a code missing here (ADR 0029); the test app's
      // hook (test/declared-errors.ts) is what catches an undeclared code.
      error: Type.Unsafe<ErrorCode>({
        type: "string",
        enum: [...codes],
        description: `The error code; see ${errorReference}.`,
        "x-enumDescriptions": descriptions,
      }),
      message: Type.String({ description: "For people; may change. Branch on `error`." }),
      ...(status >= 500
        ? { requestId: Type.String({ description: "The request's X-Request-Id, to quote to support." }) }
        : {}),
      ...extra,
    },
    { description: codes.map((code) => `\`${code}\`: ${descriptions[code]}`).join("\n\n") },
  );
}

/**
 * The error responses of a route: `codes`, plus `everyRouteErrors`, grouped by the status the
 * one table gives each code, each status a contract envelope whose `error` is an enum of exactly
 * its codes. Spread it beside the success response:
 *
 * ```ts
 * response: { 200: successEnvelope(tokenPair), ...errorsOf(...bodyErrors, "INVALID_REFRESH_TOKEN") }
 * ```
 *
 * The test app fails a test when a route answers a code its declaration does not list.
 */
export function errorsOf(...codes: readonly ErrorCode[]): Record<number, TObject> {
  const byStatus = new Map<HttpStatus, [ErrorCode, ...ErrorCode[]]>();
  for (const code of [...new Set([...codes, ...everyRouteErrors])].sort()) {
    const status = errorStatus[code];
    const listed = byStatus.get(status);
    if (listed === undefined) byStatus.set(status, [code]);
    else listed.push(code);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, listed]) => [status, errorEnvelopeOf(listed)]),
  );
}
