import {
  accountWordsOf,
  checkPasswordPolicy,
  err,
  normalizePassword,
  ok,
  type Result,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * Whether `password` may become the account's password: the contract's composition rules,
 * then the guessability screen against common passwords and the account's own words (NIST
 * SP 800-63B-4, 3.1.1.2), both on the NFKC form that is hashed. Each refusal is a
 * VALIDATION_ERROR saying why. Runs only when a password is set, never at sign-in. The screen
 * runs off the event loop in production (a worker thread); an overloaded screen rejects with
 * OverloadedError.
 */
export async function checkNewPassword(
  deps: Pick<Dependencies, "passwordStrength">,
  input: { password: string; account: { email: string; nickname: string }; field?: string },
): Promise<Result<void, "VALIDATION_ERROR">> {
  const field = input.field ?? "Password";
  const password = normalizePassword(input.password);
  const policy = checkPasswordPolicy(password, field);
  if (!policy.ok) return policy;
  const assessment = await deps.passwordStrength.assessPassword({
    password,
    accountWords: accountWordsOf(input.account),
  });
  if (assessment.guessable)
    return err("VALIDATION_ERROR", `${field} is too easy to guess: ${assessment.reason}`);
  return ok(undefined);
}

/**
 * The refusal of a new password that is the account's current one: a change that changes nothing,
 * and after a reset or the undo of a change of address, the password whoever else held the account
 * knew, kept in force after they were signed out.
 */
export const currentPasswordAgain = err(
  "VALIDATION_ERROR",
  "New password is your current password: choose a different one",
);

/** Whether two typed passwords are the same password (compared in the form that is hashed). */
export function samePassword(a: string, b: string): boolean {
  return normalizePassword(a) === normalizePassword(b);
}

/**
 * The hash of a new password that passed `checkNewPassword` and is not the account's current one
 * (`currentHash`, one slow verification when the account has a password), to store; the refusal
 * otherwise. A mailed link's use calls it before it uses the link: a refused password does not
 * spend the link (the person may try another), and the slow hashing is not between the link's use
 * and the change.
 */
export async function screenAndHashNewPassword(
  deps: Pick<Dependencies, "passwordStrength" | "passwordHasher">,
  input: { password: string; account: { email: string; nickname: string }; currentHash: string | null },
): Promise<Result<string, "VALIDATION_ERROR">> {
  const screened = await checkNewPassword(deps, { ...input, field: "New password" });
  if (!screened.ok) return screened;
  if (
    input.currentHash !== null &&
    (await deps.passwordHasher.verifyPassword({ hash: input.currentHash, password: input.password }))
  )
    return currentPasswordAgain;
  return ok(await deps.passwordHasher.hashPassword(input.password));
}
