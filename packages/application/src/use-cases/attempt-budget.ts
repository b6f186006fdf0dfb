import type { RateLimitGroup } from "../ports/index.ts";

/**
 * What a form lacks to be an attempt (a sign-in, a code, a fresh proof, a sign-up): the words of
 * the VALIDATION_ERROR its use case answers first, before anything is tried; null when it is one.
 */
export type MissingField = (form: unknown) => string | null;

/** A form's fields as sent (a request's body, a use case's input), for a `MissingField` to read. */
export function fieldsOf(form: unknown): Record<string, unknown> {
  return (typeof form === "object" && form !== null ? form : {}) as Record<string, unknown>;
}

/**
 * The rate-limit budget of a request whose form may be no attempt at all (ADR 0070), chosen from
 * its body once read: `attempt` (the route's budget for real attempts) when `missing` finds
 * nothing lacking, else `otherwise` (the API's `general`, the pages' `pages`), which still bounds
 * a flood of them. `missing` is the rule its use case reads first, so a form drawn from `otherwise`
 * is refused before anything is tried: it spends no attempt of the budget nor of the lockout.
 */
export function attemptBudget(
  missing: MissingField,
  attempt: RateLimitGroup,
  otherwise: RateLimitGroup,
): (form: unknown) => RateLimitGroup {
  return (form) => (missing(form) === null ? attempt : otherwise);
}
