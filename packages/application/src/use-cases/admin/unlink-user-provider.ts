import {
  err,
  type OAuthProviderId,
  ok,
  parseOAuthProvider,
  type Result,
  type UserStatus,
  unsupportedProvider,
} from "@superoauth/domain";
import type { Dependencies, SignInMethods } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/** What a staff unlink did, and what is left to sign in with (for staff to tell the person). */
export interface StaffUnlinkOutcome {
  readonly provider: OAuthProviderId;
  /** False when the provider was not linked (already unlinked: a double click, another member of staff). */
  readonly unlinked: boolean;
  /** The account's ways in after it, as the removal read them under the account's lock. */
  readonly remainingSignIn: { readonly password: boolean; readonly providers: readonly OAuthProviderId[] };
  /**
   * The account's status as the staff gate read it: a disabled account signs in with nothing left
   * and gets no password-reset link until staff enable it (so staff are not told to send one).
   */
  readonly accountStatus: UserStatus;
}

/**
 * Unlinks a provider from someone's account on staff's request (support and admins, with a fresh
 * proof; never on their own account, whose page unlinks it): a provider someone else linked, or
 * clean-up after a takeover, for a holder who cannot sign in. Unlike the person's own unlink, it may
 * remove the last way in, as ADR 0043's unlinks do: the mailbox's holder can always set a password
 * with a reset link. The removal is the person's own (`LinkedProviderRepository.unlinkProvider`,
 * under the account's lock), so of two at once exactly one unlinks; a provider not linked answers
 * `unlinked: false`, recording and mailing nothing. A disabled account is allowed (unlinking takes
 * nothing from it but a way in; its holder's notice says only staff can enable it, and no reset link
 * reaches it meanwhile). Recorded as `provider_unlinked` naming the member of staff, which
 * mails the holder.
 */
export async function unlinkUserProvider(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string; provider: string },
): Promise<Result<StaffUnlinkOutcome, StaffRefusal | "UNSUPPORTED_PROVIDER">> {
  const provider = parseOAuthProvider(input.provider);
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "unlink_provider",
    targetId: input.userId,
    parsed: provider === null ? unsupportedProvider : ok(provider),
  });
  if (!target.ok) return target;
  const userId = target.value.id;
  const id = provider as OAuthProviderId;
  // The account as the removal saw it under its lock: what is left is said from that, not a later read.
  const seen: { account?: SignInMethods } = {};
  const removed = await deps.linkedProviders.unlinkProvider({
    userId,
    provider: id,
    mayUnlink: (account) => {
      seen.account = account;
      return account.linked.some((link) => link.provider === id) ? ok(undefined) : err("PROVIDER_NOT_LINKED");
    },
  });
  if (!removed.ok && removed.error === "USER_NOT_FOUND") return err("USER_NOT_FOUND", "No user with this id");
  const remainingSignIn = {
    password: seen.account?.hasPassword ?? false,
    providers: (seen.account?.linked ?? []).map((link) => link.provider).filter((other) => other !== id),
  };
  const accountStatus = target.value.status;
  if (!removed.ok) return ok({ provider: id, unlinked: false, remainingSignIn, accountStatus });
  await recordSecurityEvent(deps, {
    userId,
    type: "provider_unlinked",
    actor: actorOf(input.actor, input.client),
    details: { provider: id },
  });
  return ok({ provider: id, unlinked: true, remainingSignIn, accountStatus });
}
