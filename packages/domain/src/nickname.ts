import { err, ok, type Result } from "./result.ts";

declare const nicknameBrand: unique symbol;
/** A display name: 2-30 ASCII letters, digits, underscores or hyphens. */
export type Nickname = string & { readonly [nicknameBrand]: true };

const nicknamePattern = /^[A-Za-z0-9_-]{2,30}$/;

/** Validates a nickname as given (surrounding spaces trimmed, nothing else changed). */
export function parseNickname(raw: string): Result<Nickname, "VALIDATION_ERROR"> {
  const trimmed = raw.trim();
  if (!nicknamePattern.test(trimmed)) {
    return err(
      "VALIDATION_ERROR",
      "Nickname must be 2-30 characters of letters, digits, underscores or hyphens",
    );
  }
  return ok(trimmed as Nickname);
}
