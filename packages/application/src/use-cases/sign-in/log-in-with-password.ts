import { err, parseEmail, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { fieldsOf } from "../attempt-budget.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { continueAfterFirstFactor, type SignInOutcome } from "./steps/continue-after-first-factor.ts";
import { type AccountLocked, findSignInSource, proveWithinLockout } from "./steps/sign-in-lockout.ts";

const invalidCredentials = err("INVALID_CREDENTIALS", "Invalid email or password");

/**
 * What a sign-in form lacks to be an attempt: an address and a password, as text that is not
 * empty; null when it has both. Such a form is refused (VALIDATION_ERROR) before anything is
 * tried: it spends no sign-in attempt of the address's budget nor of the account's lockout. A
 * sign-up's form lacks the same (registerWithPassword), and spends no sign-up of the budget.
 */
export function missingSignInField(form: unknown): string | null {
  const { email, password } = fieldsOf(form);
  if (typeof email !== "string" || email.trim() === "") return "Email is required";
  if (typeof password !== "string" || password === "") return "Password is required";
  return null;
}

/**
 * Signs in with email and password. Unknown email and wrong password are
 * indistinguishable. Text that is no email address at all answers VALIDATION_ERROR, as
 * registration and the mailed-link forms do: no account can have it, so saying so tells a
 * guesser nothing, and the person who typed `ada@example` learns what is wrong. The attempt
 * is reserved against the lockout before the password is checked (proveWithinLockout): a locked
 * account answers ACCOUNT_LOCKED without checking it, so the answer says nothing about the password.
 * A form without an address or a password is no attempt (missingSignInField): it counts nowhere.
 */
export async function logInWithPassword(
  deps: Dependencies,
  input: { email: string; password: string; client: ClientInfo },
): Promise<
  | Result<
      SignInOutcome,
      "VALIDATION_ERROR" | "INVALID_CREDENTIALS" | "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED"
    >
  | AccountLocked
> {
  const missing = missingSignInField(input);
  if (missing !== null) return err("VALIDATION_ERROR", missing);
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const user = await deps.users.findUserByEmail(email.value);
  // Counters are kept per address, existing or not, so a lock does not reveal that an account exists.
  const account = email.value;
  const source = await findSignInSource(deps, { userId: user?.id ?? null, client: input.client });
  const passwordHash = user?.passwordHash ?? null;
  const checkPassword = async (): Promise<boolean> => {
    if (passwordHash === null) {
      // Dummy verify so an unknown email costs the same time as a wrong password
      // (OWASP Authentication Cheat Sheet, "Authentication Responses").
      await deps.passwordHasher.verifyDummyPassword(input.password);
      return false;
    }
    return deps.passwordHasher.verifyPassword({ hash: passwordHash, password: input.password });
  };
  const proof = await proveWithinLockout(deps, {
    account,
    source,
    userId: user?.id ?? null,
    client: input.client,
    checkProof: checkPassword,
    deferGiveBack: true,
    // An account without a password (social sign-in only, or one an admin required a new password
    // of) records the attempt too: its holder sees someone trying a password, and a lock it reaches
    // is not listed without the attempts that reached it.
    ...(user !== null
      ? {
          recordWrongProof: () =>
            recordSecurityEvent(deps, {
              userId: user.id,
              type: "login_failed",
              client: input.client,
              details:
                passwordHash === null ? { method: "password", noPassword: true } : { method: "password" },
            }),
        }
      : {}),
  });
  if (!proof.ok) return proof;
  if (user === null || !proof.value) {
    return ("lockedNow" in proof ? proof.lockedNow : undefined) ?? invalidCredentials;
  }
  // The right password's attempt is given back unless the sign-in completes, which clears the counters.
  const giveBack = "giveBack" in proof ? proof.giveBack : undefined;
  let outcome: Awaited<ReturnType<typeof continueAfterFirstFactor>>;
  try {
    // Status is checked only after the password, so a disabled account is not revealed to a guesser.
    outcome = await continueAfterFirstFactor(deps, {
      user,
      client: input.client,
      method: "password",
      source,
    });
  } catch (error) {
    await giveBack?.().catch(() => undefined);
    throw error;
  }
  if (!outcome.ok || "mfaRequired" in outcome.value) await giveBack?.();
  return outcome;
}
