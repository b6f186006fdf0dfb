import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from "oauth4webapi";

/** A PKCE pair (RFC 7636): keep the verifier, send the S256 challenge. */
export interface PKCEPair {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: "S256";
}

/** A new verifier (32 random bytes, base64url) and its S256 challenge, through oauth4webapi. */
export async function createPKCEPair(): Promise<PKCEPair> {
  const codeVerifier = generateRandomCodeVerifier();
  return {
    codeVerifier,
    codeChallenge: await calculatePKCECodeChallenge(codeVerifier),
    codeChallengeMethod: "S256",
  };
}
