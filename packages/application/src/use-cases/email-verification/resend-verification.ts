import { type Email, ok, parseEmail, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { resendVerificationLink } from "./steps/send-verification-mail.ts";

/**
 * Mails a new verification link to an address whose account is not verified
 * yet. Before answering it only checks the address's form and queues the rest
 * (as requestPasswordReset does), so the answer and its timing are the same
 * whether or not such an account exists, is already verified or has had its
 * allowance of mails this hour: the caller learns nothing.
 */
export async function resendVerification(
  deps: Dependencies,
  input: { email: string; client?: ClientInfo },
): Promise<Result<void, "VALIDATION_ERROR">> {
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const now = deps.clock.now();
  deps.backgroundTasks.enqueue({
    name: "verification-mail",
    run: () => mailVerificationIfNeeded(deps, { email: email.value, now }),
  });
  return ok(undefined);
}

async function mailVerificationIfNeeded(
  deps: Dependencies,
  input: { email: Email; now: Date },
): Promise<void> {
  const user = await deps.users.findUserByEmail(input.email);
  if (user === null) return;
  await resendVerificationLink(deps, { user, now: input.now });
}
