import {
  checkUserMaySignIn,
  createUser,
  err,
  mayLinkByEmail,
  nicknameFromDisplayName,
  type OAuthProviderId,
  oauthProviderNames,
  ok,
  parseEmail,
  type Result,
  type User,
  type UserId,
} from "@superoauth/domain";
import { OverloadedError } from "../../overloaded-error.ts";
import type { Dependencies, ObservedRegistrationResult, ProviderProfile } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { checkMayHoldSession } from "../sessions/steps/may-hold-session.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  continueAfterFirstFactor,
  type SignInOutcome,
  type SignInRefusal,
} from "../sign-in/steps/continue-after-first-factor.ts";
import { observeSignIn } from "../sign-in/steps/observe-sign-in.ts";
import { recordSuccessfulSignIn } from "../sign-in/steps/sign-in-lockout.ts";
import { invalidState } from "./steps/invalid-state.ts";
import { findLinkedUser, linkFromProfile, writeLink } from "./steps/provider-links.ts";

/** How long a login code may wait to be exchanged. */
export const oauthLoginCodeLifetimeMs = 60_000;

/** How a sign-in through a provider ends: the sign-in itself, or a login code for the browser to trade. */
export type ProviderSignInFinished =
  | { readonly kind: "signed-in"; readonly provider: OAuthProviderId; readonly signIn: SignInOutcome }
  | {
      readonly kind: "login-code";
      readonly provider: OAuthProviderId;
      readonly code: string;
      readonly expiresInSeconds: number;
    };

/**
 * The provider's answer to a sign-in trip: the profile becomes a user, found by (provider,
 * subject), or linked by email only when both the provider and our account vouch for that email
 * (no silent takeover, `mayLinkByEmail`), or created. A browser gets a one-time login code
 * (`respondWith: "login-code"`), never tokens in a URL; a JSON client may take the sign-in directly.
 */
export async function finishProviderSignIn(
  deps: Dependencies,
  input: {
    provider: OAuthProviderId;
    profile: ProviderProfile;
    /** The trip's hash of the front end's S256 `code_challenge`, handed on to the login code. */
    codeChallengeHash: string | null;
    respondWith: "tokens" | "login-code";
    client: ClientInfo;
  },
): Promise<
  Result<
    ProviderSignInFinished,
    | "INVALID_STATE"
    | "USER_INFO_FAILED"
    | "OAUTH_EMAIL_CONFLICT"
    | "PROVIDER_ALREADY_LINKED"
    | "ACCOUNT_LINK_FAILED"
    | "USER_NOT_FOUND"
    | SignInRefusal
  >
> {
  const { provider } = input;
  const user = await findOrCreateUser(deps, { profile: input.profile, client: input.client });
  if (!user.ok) return observeSignIn(deps, provider, user);
  if (input.respondWith === "tokens") {
    const signIn = observeSignIn(
      deps,
      provider,
      await continueAfterFirstFactor(deps, { user: user.value, client: input.client, method: provider }),
    );
    if (!signIn.ok) return signIn;
    return ok({ kind: "signed-in", provider, signIn: signIn.value });
  }
  // Refuse now rather than hand out a code that cannot be exchanged (a disabled account, or with
  // REQUIRE_EMAIL_VERIFICATION an unverified address); the exchange checks again.
  const allowed = checkMayHoldSession(deps, user.value);
  if (!allowed.ok) return observeSignIn(deps, provider, allowed);
  // Only a sign-in started before codes were bound has no challenge (ADR 0013): start again.
  if (input.codeChallengeHash === null) return observeSignIn(deps, provider, invalidState);
  // The exchange of the login code reports how this sign-in ends (exchangeOAuthLoginCode).
  const now = deps.clock.now();
  const code = deps.random.generateSecret();
  await deps.oauthFlows.saveLoginCode({
    codeHash: deps.secretHasher.hashSecret(code),
    userId: user.value.id,
    provider,
    codeChallengeHash: input.codeChallengeHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + oauthLoginCodeLifetimeMs),
  });
  return ok({ kind: "login-code", provider, code, expiresInSeconds: oauthLoginCodeLifetimeMs / 1000 });
}

async function findOrCreateUser(
  deps: Dependencies,
  input: { profile: ProviderProfile; client: ClientInfo; round?: number },
): Promise<
  Result<
    User,
    | "USER_INFO_FAILED"
    | "OAUTH_EMAIL_CONFLICT"
    | "PROVIDER_ALREADY_LINKED"
    | "ACCOUNT_LINK_FAILED"
    | "USER_NOT_FOUND"
    | "EMAIL_NOT_VERIFIED"
    | "ACCOUNT_DISABLED"
  >
> {
  const { profile, client } = input;
  const name = oauthProviderNames[profile.provider];
  // Reported once the trip would make an account: no account has this identity linked, none this
  // address (or one this identity may not join).
  const observeRegistration = (result: ObservedRegistrationResult): void =>
    deps.observer?.observe({ type: "registration", method: profile.provider, result });
  const linkedUser = await findLinkedUser(deps, profile);
  if (linkedUser !== undefined) return linkedUser === null ? err("USER_NOT_FOUND") : ok(linkedUser);

  const email = profile.email === null ? null : parseEmail(profile.email);
  if (email === null || !email.ok) {
    return err("USER_INFO_FAILED", `${name} did not share a usable email address, which an account needs`);
  }
  const now = deps.clock.now();
  const emailConflict = err(
    "OAUTH_EMAIL_CONFLICT",
    `An account with this email already exists: sign in to it and link ${name} from your account`,
  );
  const owner = await deps.users.findUserByEmail(email.value);
  if (owner !== null) {
    // A disabled account gains no link (and its holder no "linked" notice) from a refused sign-in.
    const allowed = checkUserMaySignIn(owner);
    if (!allowed.ok) return allowed;
    if (!mayLinkByEmail({ providerVerifiedEmail: profile.emailVerified, account: owner })) {
      // Unless the account is this identity's own, made a moment ago by a concurrent first sign-in.
      const winner = await findLinkedUser(deps, profile);
      if (winner?.id === owner.id) return ok(winner);
      // A new identity whose address is an account's it may not join: a sign-up refused, taken.
      observeRegistration("taken");
      return emailConflict;
    }
    // Written only over the account as it was read (its address, proven, no password, active): an
    // undone change of address (which restores the owner's address, sets a password and unlinks
    // every provider), a first password or a disable that commits meanwhile would otherwise get
    // this identity linked to an account it may no longer join. Then it decides again, once.
    let changed = false;
    const linked = await writeLink(name, () =>
      deps.linkedProviders.linkProvider(linkFromProfile({ userId: owner.id, profile, now }), {
        mayLink: (holder) => {
          // Deleted meanwhile: USER_NOT_FOUND, as the link's foreign key answers it without a guard.
          if (holder === null) return err("USER_NOT_FOUND", "The account was deleted while this request ran");
          const same =
            holder.user.email === owner.email &&
            checkUserMaySignIn(holder.user).ok &&
            mayLinkByEmail({ providerVerifiedEmail: profile.emailVerified, account: holder.user });
          changed = !same;
          return same ? ok(undefined) : emailConflict;
        },
      }),
    );
    if (changed) {
      if ((input.round ?? 1) < 2) return findOrCreateUser(deps, { ...input, round: 2 });
      throw new OverloadedError({
        message: "an account changed twice while a provider sign-in linked to it",
        retryAfterSeconds: 1,
      });
    }
    if (!linked.ok && (linked.error === "ACCOUNT_LINK_FAILED" || linked.error === "USER_NOT_FOUND"))
      return err(linked.error, linked.message, linked.cause);
    if (!linked.ok) {
      // A concurrent callback for the same identity may have linked it a moment ago.
      const winner = await findLinkedUser(deps, profile);
      if (winner?.id === owner.id) return ok(winner);
      return err("PROVIDER_ALREADY_LINKED", `This account already has another ${name} account linked`);
    }
    await recordSecurityEvent(deps, {
      userId: owner.id,
      type: "provider_linked",
      client,
      details: { provider: profile.provider, via: "verified-email" },
    });
    return ok(owner);
  }

  // No account is made on an address nobody proved: it would claim the address for whoever holds
  // this provider identity, and when the address's owner later verified it (a mail the claimant can
  // have sent them), the claimant's identity would stay linked to the owner's account (ADR 0043).
  if (!profile.emailVerified) {
    observeRegistration("unverified_email");
    return err(
      "EMAIL_NOT_VERIFIED",
      `${name} has not verified this email address: verify it at ${name}, then sign in again`,
    );
  }
  const user: User = {
    ...createUser({
      id: deps.random.generateId() as UserId,
      email: email.value,
      nickname: nicknameFromDisplayName(profile.displayName),
      passwordHash: null,
      now,
    }),
    emailVerified: true,
  };
  // One atomic write: an account without its link would be one nobody can sign in to.
  const created = await writeLink(name, () =>
    deps.linkedProviders.createUserWithLinkedProvider({
      user,
      link: linkFromProfile({ userId: user.id, profile, now }),
    }),
  );
  if (!created.ok && created.error === "ACCOUNT_LINK_FAILED") {
    observeRegistration("failed");
    return err(created.error, created.message, created.cause);
  }
  if (!created.ok) {
    // A concurrent first sign-in of this identity won the race: its account and link are
    // committed together, so sign in to that account rather than make a second one (that
    // sign-in counted the account as created).
    const winner = await findLinkedUser(deps, profile);
    if (winner !== undefined && winner !== null) return ok(winner);
    // Otherwise someone registered the address in between (a conflict as above), or the
    // identity was linked and unlinked again meanwhile: a transient failure worth a retry.
    observeRegistration(created.error === "USER_EXISTS" ? "taken" : "failed");
    return created.error === "USER_EXISTS"
      ? emailConflict
      : err("ACCOUNT_LINK_FAILED", `Could not link the ${name} account: try again`);
  }
  observeRegistration("created");
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "provider_linked",
    client,
    details: { provider: profile.provider, via: "sign-up" },
  });
  // Signing up is the account's first sign-in: its network becomes known, so the sign-in that
  // follows (the login code's exchange) is not reported as from a new device (ADR 0016).
  await recordSuccessfulSignIn(deps, { userId: user.id, account: user.email, client });
  return ok(user);
}
