import { err, ok, type Result } from "./result.ts";

/** RFC 7636 section 4.2: `code-challenge = 43*128unreserved` (ALPHA, DIGIT, "-", ".", "_", "~"). */
const codeChallengePattern = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * The `code_challenge` a front end sends when it starts a sign-in, which binds the login code to
 * the browser holding the verifier (RFC 7636, as Supabase's PKCE flow does): without it, a code
 * minted for an attacker's account signs a victim's browser in as the attacker (login CSRF).
 * Only S256: with "plain" the challenge is the verifier itself, and it travels in a URL.
 */
export function parseCodeChallenge(input: {
  codeChallenge?: string | undefined;
  codeChallengeMethod?: string | undefined;
}): Result<string, "VALIDATION_ERROR"> {
  if (input.codeChallenge === undefined || input.codeChallenge === "") {
    return err(
      "VALIDATION_ERROR",
      "code_challenge is required: create a random code_verifier (43-128 characters), send code_challenge=BASE64URL(SHA-256(code_verifier)) with code_challenge_method=S256, and send the code_verifier to POST /oauth/exchange",
    );
  }
  if (input.codeChallengeMethod !== "S256") {
    return err("VALIDATION_ERROR", "code_challenge_method must be S256 (plain is not accepted)");
  }
  if (!codeChallengePattern.test(input.codeChallenge)) {
    return err(
      "VALIDATION_ERROR",
      "code_challenge must be 43-128 characters of A-Z, a-z, 0-9, -, ., _ and ~; an S256 challenge is BASE64URL(SHA-256(code_verifier)) without padding, 43 characters",
    );
  }
  return ok(input.codeChallenge);
}
