import {
  checkUserMaySignIn,
  createUser,
  type ErrorCode,
  err,
  type LinkedProvider,
  nicknameFromDisplayName,
  type OAuthProviderId,
  oauthProviderNames,
  ok,
  parseEmail,
  parseOAuthProvider,
  type Result,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, ProviderProfile } from "../../ports/index.ts";
import { finishProviderReauthentication } from "../account/reauthenticate-with-provider.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { completeSignIn } from "../sign-in/steps/complete-sign-in.ts";
import { recordSuccessfulSignIn } from "../sign-in/steps/sign-in-lockout.ts";

/** How long a login code may wait to be exchanged. */
export const oauthLoginCodeLifetimeMs = 60_000;

type CompleteSignInResult = Awaited<ReturnType<typeof completeSignIn>>;
/** Whatever completeSignIn yields (tokens, or a second-factor challenge when the account has one). */
export type OAuthSignIn = Extract<CompleteSignInResult, { ok: true }>["value"];
type SignInFailure = Extract<CompleteSignInResult, { ok: false }>["error"];

/** What the browser brought back in its signed cookie. */
export interface OAuthStateCookie {
  readonly state: string;
  readonly codeVerifier: string | null;
}

/** How a finished authorization ends. */
export type OAuthAuthorizationFinished =
  | { readonly kind: "signed-in"; readonly provider: OAuthProviderId; readonly signIn: OAuthSignIn }
  | {
      readonly kind: "login-code";
      readonly provider: OAuthProviderId;
      readonly code: string;
      readonly expiresInSeconds: number;
    }
  | { readonly kind: "linked"; readonly provider: OAuthProviderId; readonly link: LinkedProvider }
  | { readonly kind: "reauthenticated"; readonly provider: OAuthProviderId };

export type FinishOAuthAuthorizationError =
  | "UNSUPPORTED_PROVIDER"
  | "INVALID_STATE"
  | "OAUTH_ACCESS_DENIED"
  | "OAUTH_INIT_FAILED"
  | "INVALID_AUTHORIZATION_CODE"
  | "TOKEN_EXCHANGE_FAILED"
  | "USER_INFO_FAILED"
  | "OAUTH_EMAIL_CONFLICT"
  | "PROVIDER_ALREADY_LINKED"
  | "ACCOUNT_LINK_FAILED"
  | "USER_NOT_FOUND"
  | "ACCOUNT_DISABLED"
  | "INVALID_TOKEN"
  | "REAUTH_IDENTITY_MISMATCH"
  | SignInFailure;

const invalidState = err("INVALID_STATE", "OAuth state is missing, expired, already used or does not match");

/**
 * Handles the provider's redirect back. The state must match the browser's
 * cookie (CSRF, RFC 6749 section 10.12) and a stored, unexpired, unused
 * attempt (replay). Then the code becomes a profile, and the profile a user:
 * found by (provider, subject), or linked by email only when both the provider
 * and our account vouch for that email (no silent takeover), or created. A
 * browser gets a one-time login code (`respondWith: "login-code"`), never
 * tokens in a URL; a JSON client may take the sign-in directly.
 */
export async function finishOAuthAuthorization(
  deps: Dependencies,
  input: {
    provider: string;
    state?: string | undefined;
    code?: string | undefined;
    error?: string | undefined;
    cookie: OAuthStateCookie | null;
    respondWith: "tokens" | "login-code";
    client: ClientInfo;
  },
): Promise<Result<OAuthAuthorizationFinished, FinishOAuthAuthorizationError>> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return err("UNSUPPORTED_PROVIDER", "Supported providers are discord, twitch, google and github");
  }
  const { state, cookie } = input;
  if (state === undefined || state === "" || cookie === null) return invalidState;
  // Compared as hashes in constant time, so the comparison says nothing about the expected state.
  const stateHash = deps.secretHasher.hashSecret(state);
  if (!deps.secretHasher.secretMatchesHash({ secret: cookie.state, hash: stateHash })) return invalidState;
  const authorization = await deps.oauthFlows.consumeAuthorization({ stateHash, now: deps.clock.now() });
  if (authorization === null || authorization.provider !== provider) return invalidState;

  if (input.error !== undefined) {
    // RFC 6749 section 4.1.2.1: the provider ended the trip with an error instead of a code.
    if (input.error === "access_denied") {
      return err("OAUTH_ACCESS_DENIED", `Sign-in was cancelled at ${oauthProviderNames[provider]}`);
    }
    return err("OAUTH_INIT_FAILED", `${oauthProviderNames[provider]} refused the authorization request`);
  }
  if (input.code === undefined || input.code === "") {
    return err("INVALID_AUTHORIZATION_CODE", "The provider's redirect carries no authorization code");
  }
  const gateway = deps.oauthProviders[provider];
  if (gateway === undefined) {
    return err("OAUTH_INIT_FAILED", `Sign-in with ${provider} is not configured on this server`);
  }
  if (gateway.supportsPKCE && cookie.codeVerifier === null) return invalidState;
  const profile = await gateway.exchangeCodeForProfile({
    code: input.code,
    codeVerifier: gateway.supportsPKCE ? cookie.codeVerifier : null,
  });
  if (!profile.ok) return profile;

  if (authorization.reauthenticateSessionId !== null) {
    const proved = await finishProviderReauthentication(deps, {
      sessionId: authorization.reauthenticateSessionId,
      profile: profile.value,
    });
    return proved.ok ? ok({ kind: "reauthenticated", provider }) : proved;
  }
  if (authorization.linkUserId !== null) {
    return linkToUser(deps, {
      userId: authorization.linkUserId,
      profile: profile.value,
      client: input.client,
    });
  }
  const user = await findOrCreateUser(deps, { profile: profile.value, client: input.client });
  if (!user.ok) return user;
  if (input.respondWith === "tokens") {
    const signIn = await completeSignIn(deps, { user: user.value, client: input.client, method: provider });
    if (!signIn.ok) return signIn;
    return ok({ kind: "signed-in", provider, signIn: signIn.value });
  }
  // Refuse now rather than hand out a code that cannot be exchanged; the exchange checks again.
  const allowed = checkUserMaySignIn(user.value);
  if (!allowed.ok) return allowed;
  // Only a sign-in started before codes were bound has no challenge (ADR 0013): start again.
  if (authorization.codeChallengeHash === null) return invalidState;
  const now = deps.clock.now();
  const code = deps.random.generateSecret();
  await deps.oauthFlows.saveLoginCode({
    codeHash: deps.secretHasher.hashSecret(code),
    userId: user.value.id,
    provider,
    codeChallengeHash: authorization.codeChallengeHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + oauthLoginCodeLifetimeMs),
  });
  return ok({ kind: "login-code", provider, code, expiresInSeconds: oauthLoginCodeLifetimeMs / 1000 });
}

function linkOf(userId: UserId, profile: ProviderProfile, now: Date): LinkedProvider {
  const email = profile.email === null ? null : parseEmail(profile.email);
  return {
    userId,
    provider: profile.provider,
    subject: profile.subject,
    email: email?.ok === true ? email.value : null,
    displayName: profile.displayName?.slice(0, 255) ?? null,
    linkedAt: now,
  };
}

async function findOrCreateUser(
  deps: Dependencies,
  input: { profile: ProviderProfile; client: ClientInfo },
): Promise<
  Result<
    User,
    | "USER_INFO_FAILED"
    | "OAUTH_EMAIL_CONFLICT"
    | "PROVIDER_ALREADY_LINKED"
    | "ACCOUNT_LINK_FAILED"
    | "USER_NOT_FOUND"
  >
> {
  const { profile, client } = input;
  const name = oauthProviderNames[profile.provider];
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
    // Linking by email is safe only when both sides have proven control of the address
    // (the Lucia guide's rule); otherwise whoever registered first could be taken over.
    if (!profile.emailVerified || !owner.emailVerified) {
      // Unless the account is this identity's own, made a moment ago by a concurrent first sign-in.
      const winner = await findLinkedUser(deps, profile);
      return winner?.id === owner.id ? ok(winner) : emailConflict;
    }
    const linked = await writeLink(name, () =>
      deps.linkedProviders.linkProvider(linkOf(owner.id, profile, now)),
    );
    if (!linked.ok && linked.error === "ACCOUNT_LINK_FAILED")
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

  const user: User = {
    ...createUser({
      id: deps.random.generateId() as UserId,
      email: email.value,
      nickname: nicknameFromDisplayName(profile.displayName),
      passwordHash: null,
      now,
    }),
    emailVerified: profile.emailVerified,
  };
  // One atomic write: an account without its link would be one nobody can sign in to.
  const created = await writeLink(name, () =>
    deps.linkedProviders.createUserWithLinkedProvider({ user, link: linkOf(user.id, profile, now) }),
  );
  if (!created.ok && created.error === "ACCOUNT_LINK_FAILED")
    return err(created.error, created.message, created.cause);
  if (!created.ok) {
    // A concurrent first sign-in of this identity won the race: its account and link are
    // committed together, so sign in to that account rather than make a second one.
    const winner = await findLinkedUser(deps, profile);
    if (winner !== undefined && winner !== null) return ok(winner);
    // Otherwise someone registered the address in between (a conflict as above), or the
    // identity was linked and unlinked again meanwhile: a transient failure worth a retry.
    return created.error === "USER_EXISTS"
      ? emailConflict
      : err("ACCOUNT_LINK_FAILED", `Could not link the ${name} account: try again`);
  }
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

/**
 * Runs a write of a link. A store that fails underneath answers the contract's ACCOUNT_LINK_FAILED
 * (its documented cause is "database error"), with the error kept as the failure's cause for the
 * server log; every other broken-infrastructure throw still becomes INTERNAL_ERROR.
 */
async function writeLink<T, E extends ErrorCode>(
  providerName: string,
  write: () => Promise<Result<T, E>>,
): Promise<Result<T, E | "ACCOUNT_LINK_FAILED">> {
  try {
    return await write();
  } catch (cause) {
    return err("ACCOUNT_LINK_FAILED", `Could not link the ${providerName} account: try again`, cause);
  }
}

/** The user an identity is linked to; undefined when unlinked, null when the link's user is gone. */
async function findLinkedUser(
  deps: Dependencies,
  profile: ProviderProfile,
): Promise<User | null | undefined> {
  const link = await deps.linkedProviders.findLinkedProvider({
    provider: profile.provider,
    subject: profile.subject,
  });
  if (link === null) return undefined;
  return deps.users.findUserById(link.userId);
}

async function linkToUser(
  deps: Dependencies,
  input: { userId: UserId; profile: ProviderProfile; client: ClientInfo },
): Promise<
  Result<
    OAuthAuthorizationFinished,
    "USER_NOT_FOUND" | "ACCOUNT_DISABLED" | "PROVIDER_ALREADY_LINKED" | "ACCOUNT_LINK_FAILED"
  >
> {
  const { profile, client } = input;
  const name = oauthProviderNames[profile.provider];
  const user = await deps.users.findUserById(input.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  const link = linkOf(user.id, profile, deps.clock.now());
  const linked = await writeLink(name, () => deps.linkedProviders.linkProvider(link));
  if (!linked.ok && linked.error === "ACCOUNT_LINK_FAILED")
    return err(linked.error, linked.message, linked.cause);
  if (!linked.ok) {
    const existing = await deps.linkedProviders.findLinkedProvider({
      provider: profile.provider,
      subject: profile.subject,
    });
    // Linking the same identity again is a no-op, not an error.
    if (existing?.userId === user.id)
      return ok({ kind: "linked", provider: profile.provider, link: existing });
    return err(
      "PROVIDER_ALREADY_LINKED",
      existing === null
        ? `Your account already has a ${name} account linked: unlink it first`
        : `This ${name} account is already linked to another account`,
    );
  }
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "provider_linked",
    client,
    details: { provider: profile.provider },
  });
  return ok({ kind: "linked", provider: profile.provider, link });
}
