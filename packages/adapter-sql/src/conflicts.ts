import { OverloadedError } from "@superoauth/application";

/**
 * How often work the database gave up to concurrent work (a MySQL deadlock's victim, SQLite busy
 * past its timeout) is run in all before the service reports itself busy.
 */
export const conflictAttempts = 3;

/** What a client is asked to wait once the attempts are spent: the contention is usually a burst. */
const conflictRetryAfterSeconds = 1;

/**
 * The end of work that lost every attempt to concurrent work: the service is busy, which the API
 * answers 503 SERVICE_UNAVAILABLE with Retry-After and the OpenID provider
 * `temporarily_unavailable`, not a 500 that says retrying will not help. The conflict is the cause.
 */
export function overloadedByConflicts(input: {
  what: "transaction" | "statement";
  attempts: number;
  cause: unknown;
}): OverloadedError {
  return new OverloadedError({
    message: `The database gave this ${input.what} up to concurrent work ${input.attempts} ${input.attempts === 1 ? "time" : "times"}`,
    retryAfterSeconds: conflictRetryAfterSeconds,
    cause: input.cause,
  });
}
