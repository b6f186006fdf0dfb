import type { ErrorCode } from "./error-code.ts";

/**
 * The outcome of an operation that can fail in an expected way: a value, or an error code.
 * A failure may carry the `cause` that led to it (an infrastructure error behind a code the
 * contract names), for the server log only: it never reaches a client.
 */
export type Result<T, E extends ErrorCode = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly message?: string; readonly cause?: unknown };

/** Wraps a successful value. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Wraps an expected failure; `message` is for people and may name the offending field. */
export function err<E extends ErrorCode>(
  error: E,
  message?: string,
  cause?: unknown,
): { readonly ok: false; readonly error: E; readonly message?: string; readonly cause?: unknown } {
  if (cause !== undefined)
    return message === undefined ? { ok: false, error, cause } : { ok: false, error, message, cause };
  return message === undefined ? { ok: false, error } : { ok: false, error, message };
}
