import {
  err,
  type LinkedProvider,
  type OAuthProviderId,
  oauthProviderNames,
  ok,
  parseOAuthProvider,
  type Result,
  unsupportedProvider,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { finishProviderReauthentication } from "../account/finish-provider-reauthentication.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import type { SignInRefusal } from "../sign-in/steps/continue-after-first-factor.ts";
import { finishLinkingProvider } from "./finish-linking-provider.ts";
import { finishProviderSignIn, type ProviderSignInFinished } from "./finish-provider-sign-in.ts";
import { invalidState } from "./steps/invalid-state.ts";
import { providerNotConfigured } from "./steps/provider-not-configured.ts";

/** The provider's error codes for its own failure (RFC 6749 section 4.1.2.1), not a refusal. */
const providerTrouble: ReadonlySet<string> = new Set(["server_error", "temporarily_unavailable"]);

/**
 * Why a trip failed, beside its code, where the code alone cannot say: `provider_unavailable` for
 * an OAUTH_INIT_FAILED that is the provider's own trouble (its `server_error` or
 * `temporarily_unavailable`), not its refusal of this service's request. Not secret: the landing
 * page and the hosted pages word the failure by it.
 */
export type OAuthFailureReason = "provider_unavailable";

/** The reason of a failed callback, from its code and the provider's `error`; null when the code says it all. */
export function oauthFailureReason(
  failure: { readonly error: string },
  providerError: string | undefined,
): OAuthFailureReason | null {
  return failure.error === "OAUTH_INIT_FAILED" &&
    providerError !== undefined &&
    providerTrouble.has(providerError)
    ? "provider_unavailable"
    : null;
}

/** What a page says to a person of `provider_unavailable`, naming a known provider (the landing page, the hosted pages). */
export function providerUnavailableWords(provider: OAuthProviderId | null): string {
  const name = provider === null ? "The provider" : oauthProviderNames[provider];
  return `${name} is having trouble right now. Try again in a few minutes, or sign in another way.`;
}

/** A reason read from a page's address: only a known one. */
export function parseOAuthFailureReason(value: unknown): OAuthFailureReason | null {
  return value === "provider_unavailable" ? value : null;
}

/** What the browser brought back in its signed cookie. */
export interface OAuthStateCookie {
  readonly state: string;
  readonly codeVerifier: string | null;
}

/** How a finished authorization ends: as the sign-in, linking or re-authentication its trip was for. */
export type OAuthAuthorizationFinished =
  | ProviderSignInFinished
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
  | SignInRefusal;

/**
 * Handles the provider's redirect back, for the three kinds of trip. The state must match the
 * browser's cookie (CSRF, RFC 6749 section 10.12) and a stored, unexpired, unused attempt
 * (replay). Then the code becomes a profile, and the trip's binding says what the profile is for:
 * re-authenticating a session (finishProviderReauthentication), linking to the signed-in user's
 * account (finishLinkingProvider), or signing in (finishProviderSignIn).
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
    return unsupportedProvider;
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
    // Its error code is the provider's word on what it refused (a redirect URI, a scope): the
    // operator's clue, in the message and so in the request's log line.
    const code = /^[A-Za-z0-9_.-]{1,64}$/.test(input.error) ? ` (${input.error})` : "";
    const name = oauthProviderNames[provider];
    // server_error and temporarily_unavailable are the provider's own trouble, not a refusal: a
    // new trip later may work. Still OAUTH_INIT_FAILED (ADR 0068): this trip's state is spent.
    return err(
      "OAUTH_INIT_FAILED",
      providerTrouble.has(input.error)
        ? `${name} is having trouble and could not start this sign-in${code}: try again later`
        : `${name} refused the authorization request${code}`,
    );
  }
  if (input.code === undefined || input.code === "") {
    return err("INVALID_AUTHORIZATION_CODE", "The provider's redirect carries no authorization code");
  }
  const gateway = deps.oauthProviders[provider];
  if (gateway === undefined) {
    return providerNotConfigured(provider);
  }
  if (gateway.supportsPKCE && cookie.codeVerifier === null) return invalidState;
  const profile = await gateway.exchangeCodeForProfile({
    code: input.code,
    codeVerifier: gateway.supportsPKCE ? cookie.codeVerifier : null,
  });
  deps.observer?.observe({
    type: "provider_exchange",
    provider,
    result: profile.ok ? "succeeded" : profile.error,
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
    const linked = await finishLinkingProvider(deps, {
      userId: authorization.linkUserId,
      sessionId: authorization.linkSessionId,
      profile: profile.value,
      client: input.client,
    });
    return linked.ok ? ok({ kind: "linked", provider: profile.value.provider, link: linked.value }) : linked;
  }
  return finishProviderSignIn(deps, {
    provider,
    profile: profile.value,
    codeChallengeHash: authorization.codeChallengeHash,
    respondWith: input.respondWith,
    client: input.client,
  });
}
