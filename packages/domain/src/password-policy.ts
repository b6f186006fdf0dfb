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
  const length = [...password].length;
  if (length < minPasswordLength || length > maxPasswordLength) {
    return err(
      "VALIDATION_ERROR",
      `${field} must be between ${minPasswordLength} and ${maxPasswordLength} characters`,
    );
  }
  if (!/[A-Z]/.test(password)) return err("VALIDATION_ERROR", `${field} must contain an uppercase letter`);
  if (!/[a-z]/.test(password)) return err("VALIDATION_ERROR", `${field} must contain a lowercase letter`);
  if (!/[0-9]/.test(password)) return err("VALIDATION_ERROR", `${field} must contain a digit`);
  if (![...password].some((c) => passwordSpecialCharacters.includes(c))) {
    return err(
      "VALIDATION_ERROR",
      `${field} must contain a special character (${passwordSpecialCharacters})`,
    );
  }
  return ok(undefined);
}
