import { err, parseEmail, type Result } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { completeSignIn } from "./complete-sign-in.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import type { ClientInfo, SignedIn } from "./start-session.ts";

const invalidCredentials = err("INVALID_CREDENTIALS", "Invalid email or password");

/** Signs in with email and password. Unknown email and wrong password are indistinguishable. */
export async function logInWithPassword(
  deps: Dependencies,
  input: { email: string; password: string; client: ClientInfo },
): Promise<Result<SignedIn, "INVALID_CREDENTIALS" | "ACCOUNT_DISABLED">> {
  const email = parseEmail(input.email);
  const user = email.ok ? await deps.users.findUserByEmail(email.value) : null;
  if (user === null || user.passwordHash === null) {
    // Dummy verify so an unknown email costs the same time as a wrong password
    // (OWASP Authentication Cheat Sheet, "Authentication Responses").
    await deps.passwordHasher.verifyDummyPassword(input.password);
    return invalidCredentials;
  }
  const matches = await deps.passwordHasher.verifyPassword({
    hash: user.passwordHash,
    password: input.password,
  });
  if (!matches) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "login_failed",
      client: input.client,
      details: { method: "password" },
    });
    return invalidCredentials;
  }
  // Status is checked only after the password, so a disabled account is not revealed to a guesser.
  return completeSignIn(deps, { user, client: input.client, method: "password" });
}
