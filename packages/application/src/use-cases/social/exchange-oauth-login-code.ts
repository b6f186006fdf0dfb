import { err, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  continueAfterFirstFactor,
  type SignInOutcome,
  type SignInRefusal,
} from "../sign-in/steps/continue-after-first-factor.ts";
import { observeSignIn } from "../sign-in/steps/observe-sign-in.ts";

/**
 * Trades the one-time code a browser got after signing in through a provider
 * for what a password login gives. A code works once, for 60 seconds, and only
 * with the PKCE verifier whose S256 challenge started the sign-in (RFC 7636
 * section 4.6), so a code lured into another browser is worthless there
 * (login CSRF, ADR 0013). Any attempt spends the code, a refused one too: one
 * guess per code, and a code that reached the wrong browser is gone.
 */
export async function exchangeOAuthLoginCode(
  deps: Dependencies,
  input: { code: string; codeVerifier?: string | undefined; client: ClientInfo },
): Promise<Result<SignInOutcome, "INVALID_LOGIN_CODE" | SignInRefusal>> {
  const invalid = err("INVALID_LOGIN_CODE", "The login code is invalid, expired or already used");
  if (input.code === "") return invalid;
  const loginCode = await deps.oauthFlows.consumeLoginCode({
    codeHash: deps.secretHasher.hashSecret(input.code),
    now: deps.clock.now(),
  });
  if (input.codeVerifier === undefined || input.codeVerifier === "") {
    return err(
      "INVALID_LOGIN_CODE",
      "code_verifier is required: send the verifier whose code_challenge started this sign-in. The login code is now used: start again",
    );
  }
  if (loginCode === null) return invalid;
  // The challenge is compared as a hash, in constant time (RFC 7636 section 4.6).
  const challenge = deps.secretHasher.codeChallengeOf(input.codeVerifier);
  if (!deps.secretHasher.secretMatchesHash({ secret: challenge, hash: loginCode.codeChallengeHash })) {
    return err(
      "INVALID_LOGIN_CODE",
      "code_verifier does not match the code_challenge this sign-in started with. The login code is now used: start again",
    );
  }
  const user = await deps.users.findUserById(loginCode.userId);
  // The sign-in that began at the provider's callback (finishProviderSignIn) ends here.
  if (user === null) return observeSignIn(deps, loginCode.provider, invalid);
  return observeSignIn(
    deps,
    loginCode.provider,
    await continueAfterFirstFactor(deps, { user, client: input.client, method: loginCode.provider }),
  );
}
