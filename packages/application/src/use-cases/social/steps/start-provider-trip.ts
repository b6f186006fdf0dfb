import {
  type ErrorCode,
  type OAuthProviderId,
  ok,
  parseOAuthProvider,
  type Result,
  type SessionId,
  type UserId,
  unsupportedProvider,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { providerNotConfigured } from "./provider-not-configured.ts";

/** How long a trip to the provider may take before its state expires. */
export const oauthAuthorizationLifetimeMs = 10 * 60_000;

/** Where to send the browser, and the secrets the browser must bring back (kept in a cookie). */
export interface OAuthAuthorizationStarted {
  readonly provider: OAuthProviderId;
  readonly authorizationURL: string;
  readonly state: string;
  /** The PKCE verifier; null for providers without PKCE. */
  readonly codeVerifier: string | null;
  readonly expiresInSeconds: number;
}

/** What a trip is bound to, stored with its state: a challenge, a link or a re-authentication. */
export interface TripBinding {
  /** Hash of the front end's S256 `code_challenge` (signing in), handed on to the login code. */
  readonly codeChallengeHash: string | null;
  /** The signed-in user who asked to link, and the session they asked from (both set, or neither). */
  readonly linkUserId: UserId | null;
  readonly linkSessionId: SessionId | null;
  /** The session that asked to re-authenticate through the provider. */
  readonly reauthenticateSessionId: SessionId | null;
}

/**
 * A trip to a provider (signing in, linking or re-authenticating): a 256-bit state, a PKCE
 * verifier where the provider takes one, and a one-time server-side record of the attempt stored
 * under a hash of the state with what `bind` ties it to, so a state works once even if its
 * cookie is captured. Linking and re-authenticating are bound to the signed-in user's session
 * and end without a login code, so they need no challenge.
 */
export async function startProviderTrip<E extends ErrorCode>(
  deps: Dependencies,
  input: { provider: string; bind: () => Result<TripBinding, E> },
): Promise<Result<OAuthAuthorizationStarted, "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED" | E>> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return unsupportedProvider;
  }
  const gateway = deps.oauthProviders[provider];
  if (gateway === undefined) {
    return providerNotConfigured(provider);
  }
  const binding = input.bind();
  if (!binding.ok) return binding;
  const now = deps.clock.now();
  const state = deps.random.generateSecret();
  const codeVerifier = gateway.supportsPKCE ? deps.random.generateSecret() : null;
  await deps.oauthFlows.saveAuthorization({
    stateHash: deps.secretHasher.hashSecret(state),
    provider,
    ...binding.value,
    createdAt: now,
    expiresAt: new Date(now.getTime() + oauthAuthorizationLifetimeMs),
  });
  return ok({
    provider,
    authorizationURL: gateway.createAuthorizationURL({ state, codeVerifier }),
    state,
    codeVerifier,
    expiresInSeconds: oauthAuthorizationLifetimeMs / 1000,
  });
}
