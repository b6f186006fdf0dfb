import { type Email, ok, parseEmail, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { mailResetLink } from "./steps/mail-reset-link.ts";

/**
 * "Forgot password": mails a single-use reset link, valid for an hour, to the
 * address if an active account has it. Before answering it only checks the
 * address's form and queues the rest, so it answers the same, after the same
 * work, whether or not an account has the address (OWASP Forgot Password Cheat
 * Sheet: "consistent response time"). A full queue drops the request unseen:
 * the answer is the same, and the user asks again.
 */
export async function requestPasswordReset(
  deps: Dependencies,
  input: { email: string; client?: ClientInfo },
): Promise<Result<void, "VALIDATION_ERROR">> {
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const now = deps.clock.now();
  deps.backgroundTasks.enqueue({
    name: "password-reset-mail",
    run: () => mailPasswordReset(deps, { email: email.value, now, client: input.client }),
  });
  return ok(undefined);
}

async function mailPasswordReset(
  deps: Dependencies,
  input: { email: Email; now: Date; client: ClientInfo | undefined },
): Promise<void> {
  const user = await deps.users.findUserByEmail(input.email);
  if (user === null) return;
  if ((await mailResetLink(deps, { user, now: input.now })) !== "sent") return;
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "password_reset_requested",
    client: input.client,
  });
}
