import type { ErrorCode } from "./error-codes.ts";

/**
 * The API answered with its error envelope (`{success: false, error, message}`). Branch on `code`,
 * never on `message` (which is for people and may change).
 */
export class SuperOAuthError extends Error {
  override readonly name = "SuperOAuthError";
  /** The envelope's `error`. */
  readonly code: ErrorCode;
  /** The HTTP status (the server's table: 401 for TOKEN_EXPIRED, 429 for RATE_LIMIT_EXCEEDED, ...). */
  readonly status: number;
  /** The request's id (`requestId` of a 5xx body, else the `X-Request-Id` header): quote it to support. */
  readonly requestId: string | null;
  /** `Retry-After` in seconds (429, 503, and 423 ACCOUNT_LOCKED), else null. */
  readonly retryAfter: number | null;

  constructor(input: {
    code: ErrorCode;
    status: number;
    message: string;
    requestId: string | null;
    retryAfter: number | null;
  }) {
    super(input.message);
    this.code = input.code;
    this.status = input.status;
    this.requestId = input.requestId;
    this.retryAfter = input.retryAfter;
  }
}

/**
 * Why no answer of the API arrived: the request failed on the way (`NETWORK_ERROR`), took longer
 * than its timeout (`TIMEOUT`), or what came back was not the API's JSON (`INVALID_RESPONSE`: a
 * proxy's error page, a cut-off body). Cancelling through your own AbortSignal is none of these: the
 * call rejects with the signal's reason, as fetch does.
 */
export class SuperOAuthNetworkError extends Error {
  override readonly name = "SuperOAuthNetworkError";
  readonly code: "NETWORK_ERROR" | "TIMEOUT" | "INVALID_RESPONSE";
  /** The HTTP status of an INVALID_RESPONSE, else null. */
  readonly status: number | null;
  /** X-Request-Id of an INVALID_RESPONSE that carried one, else null. */
  readonly requestId: string | null;
  /** `Retry-After` of an INVALID_RESPONSE that carried one, in seconds, else null. */
  readonly retryAfter: number | null;

  constructor(input: {
    code: SuperOAuthNetworkError["code"];
    message: string;
    status?: number | null;
    requestId?: string | null;
    retryAfter?: number | null;
    cause?: unknown;
  }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.code = input.code;
    this.status = input.status ?? null;
    this.requestId = input.requestId ?? null;
    this.retryAfter = input.retryAfter ?? null;
  }
}
