import type { RetryOptions } from "./retry.ts";

// The client's numeric settings, checked where they are given (the constructor, or a call's
// options): a NaN, a negative or a string would otherwise be read as something else without a
// word (a NaN deadline as none, a NaN wait as no wait, a 0 timeout as "time out at once").

/** A duration setting in ms: a number, at least `least`; `Infinity` for none. Throws a RangeError otherwise. */
export function checkDuration(name: string, value: number | undefined, least: 0 | 1): void {
  if (value === undefined) return;
  if (typeof value !== "number" || Number.isNaN(value) || value < least) {
    throw new RangeError(
      `${name} must be a number of milliseconds of at least ${least} (Infinity for none), not ${String(value)}`,
    );
  }
}

/** Retry settings: a whole number of attempts, at least 1, and durations of at least 0. */
export function checkRetry(name: string, retry: RetryOptions | false | undefined): void {
  if (retry === undefined || retry === false) return;
  const attempts = retry.maxAttempts;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1)) {
    throw new RangeError(`${name}.maxAttempts must be a whole number of at least 1, not ${String(attempts)}`);
  }
  checkDuration(`${name}.baseDelayMs`, retry.baseDelayMs, 0);
  checkDuration(`${name}.maxDelayMs`, retry.maxDelayMs, 0);
  checkDuration(`${name}.maxRetryAfterMs`, retry.maxRetryAfterMs, 0);
}

/** A call's or a client's timeout, deadline and retry settings. */
export function checkCallSettings(
  where: string,
  settings: {
    readonly timeoutMs?: number | undefined;
    readonly deadlineMs?: number | undefined;
    readonly retry?: RetryOptions | false | undefined;
  },
): void {
  checkDuration(`${where}timeoutMs`, settings.timeoutMs, 1);
  checkDuration(`${where}deadlineMs`, settings.deadlineMs, 0);
  checkRetry(`${where}retry`, settings.retry);
}
