import type { ErrorCode } from "./error-codes.ts";

/**
 * The marks `instanceof` reads, shared through the global symbol registry: an app that ends up with
 * two copies of this package (one bundled by a dependency, say) catches the errors of either copy
 * with the class of the other, as it would with one copy.
 */
const apiErrorMark: unique symbol = Symbol.for("@superoauth/client.SuperOAuthError");
const networkErrorMark: unique symbol = Symbol.for("@superoauth/client.SuperOAuthNetworkError");

/** Whether `value` carries `mark` (on its prototype chain): `instanceof` across copies of the package. */
function isMarked(value: unknown, mark: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[mark] === true;
}

/**
 * A rate-limited route's budget as its answer told it (`X-RateLimit-Limit`, `X-RateLimit-Remaining`,
 * `X-RateLimit-Reset`): the attempts the window allows, those left, and when it starts afresh.
 */
export interface RateLimit {
  readonly limit: number;
  readonly remaining: number;
  readonly resetAt: Date;
}

/**
 * The API answered with its error envelope (`{success: false, error, message}`). Branch on `code`,
 * never on `message` (which is for people and may change).
 */
export class SuperOAuthError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isMarked(value, apiErrorMark);
  }
  get [apiErrorMark](): true {
    return true;
  }
  override readonly name = "SuperOAuthError";
  /** The envelope's `error`. */
  readonly code: ErrorCode;
  /** The HTTP status (the server's table: 401 for TOKEN_EXPIRED, 429 for RATE_LIMIT_EXCEEDED, ...). */
  readonly status: number;
  /** The request's id (`requestId` of a 5xx body, else the `X-Request-Id` header): quote it to support. */
  readonly requestId: string | null;
  /** `Retry-After` in seconds (429, 503, and 423 ACCOUNT_LOCKED), else null. */
  readonly retryAfter: number | null;
  /** The route's rate-limit budget when the answer carried its `X-RateLimit-*` headers, else null. */
  readonly rateLimit: RateLimit | null;

  constructor(input: {
    code: ErrorCode;
    status: number;
    message: string;
    requestId: string | null;
    retryAfter: number | null;
    rateLimit?: RateLimit | null;
  }) {
    super(input.message);
    this.code = input.code;
    this.status = input.status;
    this.requestId = input.requestId;
    this.retryAfter = input.retryAfter;
    this.rateLimit = input.rateLimit ?? null;
  }
}

/**
 * Why no answer of the API arrived: the request failed on the way (`NETWORK_ERROR`), took longer
 * than its timeout (`TIMEOUT`), or what came back was not the API's JSON (`INVALID_RESPONSE`: a
 * proxy's error page, a cut-off body). Cancelling through your own AbortSignal is none of these: the
 * call rejects with the signal's reason, as fetch does.
 */
export class SuperOAuthNetworkError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isMarked(value, networkErrorMark);
  }
  get [networkErrorMark](): true {
    return true;
  }
  override readonly name = "SuperOAuthNetworkError";
  readonly code: "NETWORK_ERROR" | "TIMEOUT" | "INVALID_RESPONSE";
  /**
   * The HTTP status of an INVALID_RESPONSE, or of an answer cut off in its body (a NETWORK_ERROR or
   * TIMEOUT after the headers came); null when no answer began.
   */
  readonly status: number | null;
  /** X-Request-Id of such an answer when it carried one (quote it to support), else null. */
  readonly requestId: string | null;
  /** `Retry-After` of such an answer when it carried one, in seconds, else null. */
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
