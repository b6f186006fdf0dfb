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
 * The message names the first rule broken.
 */
export function checkPasswordPolicy(password: string, field = "Password"): Result<void, "VALIDATION_ERROR"> {
  // Half of a character (a lone UTF-16 surrogate, from a client that cut a string mid-emoji) is no
  // text: hashed as UTF-8 it becomes U+FFFD, so every such half would be the same password.
  if (!password.isWellFormed()) {
    return err("VALIDATION_ERROR", `${field} must be valid text (it holds half of a character)`);
  }
  const length = [...password].length;
  if (length < minPasswordLength || length > maxPasswordLength) {
    return err(
      "VALIDATION_ERROR",
      `${field} must be between ${minPasswordLength} and ${maxPasswordLength} characters`,
    );
  }
  // Letters and digits of any script: `É`, `П` and `Ω` are upper-case letters, `٣` a digit
  // (Unicode's categories Lu, Ll and Nd), as a person whose language is not English reads the rule.
  if (!/\p{Lu}/u.test(password)) return err("VALIDATION_ERROR", `${field} must contain an uppercase letter`);
  if (!/\p{Ll}/u.test(password)) return err("VALIDATION_ERROR", `${field} must contain a lowercase letter`);
  if (!/\p{Nd}/u.test(password)) return err("VALIDATION_ERROR", `${field} must contain a digit`);
  if (![...password].some((c) => passwordSpecialCharacters.includes(c))) {
    return err(
      "VALIDATION_ERROR",
      `${field} must contain a special character (${passwordSpecialCharacters})`,
    );
  }
  return ok(undefined);
}
