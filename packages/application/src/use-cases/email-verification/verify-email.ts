import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  recordWhatCameBeforeProofForgotten,
  removeWhatCameBeforeProof,
} from "./steps/first-proof-of-address.ts";
import { findPresentedEmailToken, findUsableEmailToken } from "./steps/mail-token.ts";

const invalid = err(
  "INVALID_VERIFICATION_TOKEN",
  "The verification link is invalid, expired or already used (only the newest link mailed works)",
);

/**
 * Marks an address verified with the token from its verification mail. A token
 * works once; using it also ends any older verification links of the account. The first proof
 * of the address also unlinks the providers linked before it and turns off a second factor turned
 * on before it (removeWhatCameBeforeProof).
 *
 * A verification link of an address already verified (the link followed twice, or an older one
 * after a newer one) answers `alreadyVerified` rather than "invalid": its holder learns nothing
 * new, and a person who clicks twice is not told something went wrong. It changes nothing.
 *
 * Either answer names the link's account (`userId`): the page at the link tells a browser signed in
 * as another account that it is still signed in as that one.
 */
export async function verifyEmail(
  deps: Dependencies,
  input: { token: string; client?: ClientInfo },
): Promise<Result<{ alreadyVerified: boolean; userId: UserId }, "INVALID_VERIFICATION_TOKEN">> {
  const now = deps.clock.now();
  const token = await findUsableEmailToken(deps, { presented: input.token, purpose: "verify_email", now });
  /** A link no longer usable: of an address verified since (a second click, staff's word), or invalid. */
  const spent = async () => {
    const verifiedAccount = await accountOfVerifiedLink(deps, input.token);
    return verifiedAccount === null ? invalid : ok({ alreadyVerified: true, userId: verifiedAccount });
  };
  if (token === null) return spent();
  const user = await deps.users.findUserById(token.userId);
  if (user === null) return invalid;
  // Spending the link, what the first proof takes away and the address verified are one
  // transaction (ADR 0056): a verification that fails before its commit changes nothing, and the
  // link still works; the log's entries, and their mails, come after it.
  const verified = await inOneTransaction(deps, async (deps) => {
    // The conditional update decides: of two concurrent uses exactly one gets here. A link spent
    // meanwhile by a verification of the address (staff's, at the same moment) reads as that. Its
    // ending locks the user's row first and ends the account's other verification links.
    const used = await deps.emailTokens.useEmailToken({
      id: token.id,
      now,
      ending: { userId: user.id, purposes: ["verify_email"] },
    });
    if (used !== "used") return null;
    // Until now nobody had proven this address: providers linked to the account before may be a
    // stranger's, who made the account on it and sent this very mail to its owner (ADR 0043).
    const forgotten = user.emailVerified ? null : await removeWhatCameBeforeProof(deps, { userId: user.id });
    // Recorded by whichever verification changed the flag (staff may verify it at the same moment).
    const changed = await deps.users.markEmailVerified({ userId: user.id, now });
    return { forgotten, changed };
  });
  if (verified === null) return spent();
  if (verified.forgotten !== null)
    await recordWhatCameBeforeProofForgotten(deps, {
      userId: user.id,
      forgotten: verified.forgotten,
      client: input.client,
      reason: "verification_of_unverified_address",
    });
  if (verified.changed)
    await recordSecurityEvent(deps, { userId: user.id, type: "email_verified", client: input.client });
  return ok({ alreadyVerified: false, userId: user.id });
}

/** The account a presented verification token, spent or expired, belongs to if its address is verified; else null. */
async function accountOfVerifiedLink(deps: Dependencies, presented: string): Promise<UserId | null> {
  const token = await findPresentedEmailToken(deps, presented);
  if (token === null || token.purpose !== "verify_email") return null;
  const user = await deps.users.findUserById(token.userId);
  return user?.emailVerified === true ? user.id : null;
}
