import { err, ok, type Result } from "./result.ts";

/**
 * The shape of every id the application makes (UUIDv7, lower-case hex; the test and benchmark id
 * sources make the same shape): a listing's cursor is the id of the last row of the page before.
 */
const idShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `value` can be a page cursor (the `nextCursor` or `nextBefore` a listing answered).
 * Anything else is refused rather than compared: a cursor is compared to ids as text, so a made-up
 * one would answer some page, and an upper-case one a different page on MySQL (case-insensitive
 * collation) than on SQLite.
 */
export function isPageCursor(value: string): boolean {
  return idShape.test(value);
}

/**
 * A listing's cursor parameter checked (`parameter`, which the listing answered as `answeredAs`):
 * absent, or an id; otherwise `VALIDATION_ERROR` naming both.
 */
export function checkPageCursor(input: {
  parameter: string;
  answeredAs: string;
  value: string | undefined;
}): Result<void, "VALIDATION_ERROR"> {
  if (input.value === undefined || isPageCursor(input.value)) return ok(undefined);
  return err("VALIDATION_ERROR", `${input.parameter} must be the ${input.answeredAs} of an earlier page`);
}
