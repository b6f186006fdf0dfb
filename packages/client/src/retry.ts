/** How failed requests are tried again. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3; 1 turns retrying off. */
  readonly maxAttempts?: number;
  /** The first backoff step, in ms. Default 300. */
  readonly baseDelayMs?: number;
  /** The longest backoff step, in ms. Default 10 000. */
  readonly maxDelayMs?: number;
  /**
   * The longest `Retry-After` the client waits out on its own, in ms. Default 60 000: an answer
   * asking for longer (a spent 15-minute rate-limit window) is thrown at once, with `retryAfter` set.
   */
  readonly maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

/**
 * `policy` with the settings `options` gives: `false` makes one attempt, and a setting left
 * `undefined` keeps the policy's (spread over it, an unset maxAttempts retried without end and an
 * unset delay without waiting, Retry-After included).
 */
export function applyRetryOptions(
  policy: RetryPolicy,
  options: RetryOptions | false | undefined,
): RetryPolicy {
  if (options === false) return { ...policy, maxAttempts: 1 };
  return {
    maxAttempts: options?.maxAttempts ?? policy.maxAttempts,
    baseDelayMs: options?.baseDelayMs ?? policy.baseDelayMs,
    maxDelayMs: options?.maxDelayMs ?? policy.maxDelayMs,
    maxRetryAfterMs: options?.maxRetryAfterMs ?? policy.maxRetryAfterMs,
  };
}

/** The methods HTTP defines as idempotent (RFC 9110 section 9.2.2) among those the API uses. */
export function isIdempotentMethod(method: string): boolean {
  return (
    method === "GET" || method === "HEAD" || method === "PUT" || method === "DELETE" || method === "OPTIONS"
  );
}

/**
 * Whether a failed attempt may be repeated. The API's own `RATE_LIMIT_EXCEEDED` (429) and
 * `SERVICE_UNAVAILABLE` (503) say it did not handle the request (a rate limit, a shed load, a
 * database it could not reach): `notHandled`, retried whatever the method. Any other 5xx, a 429
 * or 503 that is not the API's envelope (a proxy's, which may come after the service acted), and
 * failures on the way (network, timeout) are repeated only for idempotent requests. Other 4xx
 * answers never change by repeating.
 */
export function isRetryable(input: {
  status: number | null;
  idempotent: boolean;
  notHandled: boolean;
}): boolean {
  const { status } = input;
  if (input.notHandled) return true;
  if (status === null || status >= 500 || status === 429) return input.idempotent;
  return false;
}

/**
 * `Retry-After` in seconds (RFC 9110 section 10.2.3): delay-seconds or an HTTP date, which is
 * measured from `now`. Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its day and month ("Mon, 30 Nov 2026 12:00:30 GMT"); Date.parse alone
  // would also take "-3".
  if (!/[A-Za-z]/.test(trimmed)) return null;
  // An HTTP date is UTC in each of its three forms (RFC 9110 section 5.6.7); the obsolete asctime
  // form ("Mon Nov 30 12:00:30 2026") says so by naming no zone, which Date.parse reads as the
  // machine's: in St John's a wait of 30 s became 3 h 30 min.
  const date = Date.parse(/ GMT$/i.test(trimmed) ? trimmed : `${trimmed} GMT`);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * The wait before attempt `attempt + 1`, in ms: exponential (base * 2^(attempt-1), capped), with
 * "equal jitter" (half the step fixed, half random) so clients that failed together spread out
 * without any of them retrying at once (AWS Architecture Blog, "Exponential Backoff and Jitter").
 * `random` is in [0, 1).
 */
export function backoffDelay(input: { attempt: number; policy: RetryPolicy; random: () => number }): number {
  const step = Math.min(input.policy.maxDelayMs, input.policy.baseDelayMs * 2 ** (input.attempt - 1));
  return Math.round(step / 2 + (input.random() * step) / 2);
}
