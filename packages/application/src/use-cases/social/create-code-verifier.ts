import type { Dependencies } from "../../ports/index.ts";
import { oauthLoginCodeLifetimeMs } from "./finish-provider-sign-in.ts";
import { oauthAuthorizationLifetimeMs } from "./steps/start-provider-trip.ts";

/** A PKCE pair: the verifier a front end keeps, and the S256 challenge it starts a sign-in with. */
export interface CodeVerifier {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  /** How long to keep the verifier: as long as the sign-in it starts may take. */
  readonly expiresInSeconds: number;
}

/**
 * A 256-bit PKCE verifier and its S256 challenge (RFC 7636 section 4.1: 43
 * base64url characters) for the one front end the server runs itself, the
 * built-in landing page, which keeps the verifier in a cookie (ADR 0013).
 */
export function createCodeVerifier(deps: Dependencies, _input: Record<string, never> = {}): CodeVerifier {
  const codeVerifier = deps.random.generateSecret();
  return {
    codeVerifier,
    codeChallenge: deps.secretHasher.codeChallengeOf(codeVerifier),
    // The provider trip (10 minutes at most), then the login code's 60 seconds.
    expiresInSeconds: (oauthAuthorizationLifetimeMs + oauthLoginCodeLifetimeMs) / 1000,
  };
}
