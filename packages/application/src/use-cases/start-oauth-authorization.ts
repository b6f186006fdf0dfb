import {
  err,
  type OAuthProviderId,
  ok,
  parseOAuthProvider,
  type Result,
  type SessionId,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";

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

/**
 * Starts signing in (or, with `linkUserId`, linking; with `reauthenticateSessionId`,
 * re-authenticating that session) through a provider: a
 * 256-bit state, a PKCE verifier where the provider takes one, and a one-time
 * server-side record of the attempt stored under a hash of the state, so a
 * state works once even if its cookie is captured.
 */
export async function startOAuthAuthorization(
  deps: Dependencies,
  input: {
    provider: string;
    linkUserId?: UserId | undefined;
    reauthenticateSessionId?: SessionId | undefined;
  },
): Promise<Result<OAuthAuthorizationStarted, "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED">> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return err("UNSUPPORTED_PROVIDER", "Supported providers are discord, twitch, google and github");
  }
  const gateway = deps.oauthProviders[provider];
  if (gateway === undefined) {
    return err("OAUTH_INIT_FAILED", `Sign-in with ${provider} is not configured on this server`);
  }
  const now = deps.clock.now();
  const state = deps.random.generateSecret();
  const codeVerifier = gateway.supportsPKCE ? deps.random.generateSecret() : null;
  await deps.oauthFlows.saveAuthorization({
    stateHash: deps.secretHasher.hashSecret(state),
    provider,
    linkUserId: input.linkUserId ?? null,
    reauthenticateSessionId: input.reauthenticateSessionId ?? null,
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
