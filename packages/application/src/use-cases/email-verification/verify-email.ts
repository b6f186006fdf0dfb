import { err, ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { forgetWhatCameBeforeProof } from "./steps/first-proof-of-address.ts";
import { findPresentedEmailToken, findUsableEmailToken } from "./steps/mail-token.ts";

const invalid = err(
  "INVALID_VERIFICATION_TOKEN",
  "The verification link is invalid, expired or already used (only the newest link mailed works)",
);

/**
 * Marks an address verified with the token from its verification mail. A token
 * works once; using it also ends any older verification links of the account. The first proof
 * of the address also unlinks the providers linked before it and turns off a second factor turned
 * on before it (forgetWhatCameBeforeProof).
 *
 * A verification link of an address already verified (the link followed twice, or an older one
 * after a newer one) answers `alreadyVerified` rather than "invalid": its holder learns nothing
 * new, and a person who clicks twice is not told something went wrong. It changes nothing.
 */
export async function verifyEmail(
  deps: Dependencies,
  input: { token: string; client?: ClientInfo },
): Promise<Result<{ alreadyVerified: boolean }, "INVALID_VERIFICATION_TOKEN">> {
  const now = deps.clock.now();
  const token = await findUsableEmailToken(deps, { presented: input.token, purpose: "verify_email", now });
  /** A link no longer usable: of an address verified since (a second click, staff's word), or invalid. */
  const spent = async () =>
    (await isLinkOfVerifiedAddress(deps, input.token)) ? ok({ alreadyVerified: true }) : invalid;
  if (token === null) return spent();
  const user = await deps.users.findUserById(token.userId);
  if (user === null) return invalid;
  // The conditional update decides: of two concurrent uses exactly one gets here. A link spent
  // meanwhile by a verification of the address (staff's, at the same moment) reads as that.
  if ((await deps.emailTokens.useEmailToken({ id: token.id, now })) !== "used") return spent();
  // Until now nobody had proven this address: providers linked to the account before may be a
  // stranger's, who made the account on it and sent this very mail to its owner (ADR 0043).
  if (!user.emailVerified) {
    await forgetWhatCameBeforeProof(deps, {
      userId: user.id,
      client: input.client,
      reason: "verification_of_unverified_address",
    });
  }
  // Recorded by whichever verification changed the flag (staff may verify it at the same moment).
  const changed = await deps.users.markEmailVerified({ userId: user.id, now });
  await deps.emailTokens.useAllEmailTokensOfUser({ userId: user.id, purpose: "verify_email", now });
  if (changed)
    await recordSecurityEvent(deps, { userId: user.id, type: "email_verified", client: input.client });
  return ok({ alreadyVerified: false });
}

/** Whether a presented verification token, spent or expired, belongs to an account whose address is verified. */
async function isLinkOfVerifiedAddress(deps: Dependencies, presented: string): Promise<boolean> {
  const token = await findPresentedEmailToken(deps, presented);
  if (token === null || token.purpose !== "verify_email") return false;
  const user = await deps.users.findUserById(token.userId);
  return user?.emailVerified === true;
}
