import { err, ok, type Result } from "./result.ts";

/** The special characters the contract accepts: !@#$%^&*(),.?":{}|<> */
export const passwordSpecialCharacters = '!@#$%^&*(),.?":{}|<>';
export const minPasswordLength = 8;
export const maxPasswordLength = 128;

/** The policy in words, for the forms that ask for a new password (their hint). */
export const passwordPolicyDescription = `${minPasswordLength} to ${maxPasswordLength} characters, with an upper-case letter, a lower-case letter, a digit and one of ${passwordSpecialCharacters}`;

/**
 * Checks a new password against the contract's policy: 8-128 characters with an
 * upper-case letter, a lower-case letter, a digit and one of the special characters.
 * The message names every rule broken, so one correction can fix them all: a person told one rule
 * at a time could spend the sign-up budget (3 tries in 15 minutes) on them.
 */
export function checkPasswordPolicy(password: string, field = "Password"): Result<void, "VALIDATION_ERROR"> {
  // Half of a character (a lone UTF-16 surrogate, from a client that cut a string mid-emoji) is no
  // text: hashed as UTF-8 it becomes U+FFFD, so every such half would be the same password.
  if (!password.isWellFormed()) {
    return err("VALIDATION_ERROR", `${field} must be valid text (it holds half of a character)`);
  }
  const length = [...password].length;
  // Letters and digits of any script: `É`, `П` and `Ω` are upper-case letters, `٣` a digit
  // (Unicode's categories Lu, Ll and Nd), as a person whose language is not English reads the rule.
  const missing = [
    /\p{Lu}/u.test(password) ? null : "an uppercase letter",
    /\p{Ll}/u.test(password) ? null : "a lowercase letter",
    /\p{Nd}/u.test(password) ? null : "a digit",
    [...password].some((c) => passwordSpecialCharacters.includes(c))
      ? null
      : `a special character (${passwordSpecialCharacters})`,
  ].filter((rule) => rule !== null);
  const broken = [
    length < minPasswordLength || length > maxPasswordLength
      ? `be between ${minPasswordLength} and ${maxPasswordLength} characters`
      : null,
    missing.length > 0 ? `contain ${listInWords(missing)}` : null,
  ].filter((rule) => rule !== null);
  return broken.length === 0
    ? ok(undefined)
    : err("VALIDATION_ERROR", `${field} must ${broken.join(" and ")}`);
}

/** "a", "a and b", "a, b and c". */
function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
