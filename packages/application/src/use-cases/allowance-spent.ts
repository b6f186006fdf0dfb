/**
 * An allowance of the account's is spent (RATE_LIMIT_EXCEEDED, 429): with words for a person and
 * when to ask again, in seconds (Retry-After).
 */
export interface AllowanceSpent {
  readonly ok: false;
  readonly error: "RATE_LIMIT_EXCEEDED";
  readonly message: string;
  readonly retryAfterSeconds: number;
}
