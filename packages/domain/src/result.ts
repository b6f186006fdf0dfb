import type { ErrorCode } from "./error-code.ts";

/** The outcome of an operation that can fail in an expected way: a value, or an error code. */
export type Result<T, E extends ErrorCode = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly message?: string };

/** Wraps a successful value. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Wraps an expected failure; `message` is for people and may name the offending field. */
export function err<E extends ErrorCode>(
  error: E,
  message?: string,
): { readonly ok: false; readonly error: E; readonly message?: string } {
  return message === undefined ? { ok: false, error } : { ok: false, error, message };
}
