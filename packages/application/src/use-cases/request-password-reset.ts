import { ok, parseEmail, type Result } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { mailTokenIfAllowed } from "./mail-token.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import type { ClientInfo } from "./start-session.ts";

/**
 * "Forgot password": mails a single-use reset link, valid for an hour, to the
 * address if an active account has it. Answers the same, after the same work,
 * whether or not one does (OWASP Forgot Password Cheat Sheet).
 */
export async function requestPasswordReset(
  deps: Dependencies,
  input: { email: string; client?: ClientInfo },
): Promise<Result<void, "VALIDATION_ERROR">> {
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const user = await deps.users.findUserByEmail(email.value);
  const mayReset = user !== null && user.status === "active";
  const mailed = await mailTokenIfAllowed(deps, {
    user: mayReset ? user : null,
    purpose: "reset_password",
    now: deps.clock.now(),
  });
  if (mailed && user !== null) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "password_reset_requested",
      client: input.client,
    });
  }
  return ok(undefined);
}
