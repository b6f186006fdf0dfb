import { err, type Result } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { completeSignIn } from "./complete-sign-in.ts";
import type { OAuthSignIn } from "./finish-oauth-authorization.ts";
import type { ClientInfo } from "./start-session.ts";

type SignInFailure = Extract<Awaited<ReturnType<typeof completeSignIn>>, { ok: false }>["error"];

/**
 * Trades the one-time code a browser got after signing in through a provider
 * for what a password login gives. A code works once, for 60 seconds.
 */
export async function exchangeOAuthLoginCode(
  deps: Dependencies,
  input: { code: string; client: ClientInfo },
): Promise<Result<OAuthSignIn, "INVALID_LOGIN_CODE" | SignInFailure>> {
  const invalid = err("INVALID_LOGIN_CODE", "The login code is invalid, expired or already used");
  if (input.code === "") return invalid;
  const loginCode = await deps.oauthFlows.consumeLoginCode({
    codeHash: deps.secretHasher.hashSecret(input.code),
    now: deps.clock.now(),
  });
  if (loginCode === null) return invalid;
  const user = await deps.users.findUserById(loginCode.userId);
  if (user === null) return invalid;
  return completeSignIn(deps, { user, client: input.client, method: loginCode.provider });
}
