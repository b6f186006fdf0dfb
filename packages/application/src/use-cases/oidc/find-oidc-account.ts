import { checkUserMaySignIn, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** An account as the OpenID provider releases claims about it (the shape adapter-oidc declares). */
export interface OIDCAccount {
  readonly accountId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly nickname: string;
  readonly updatedAt: Date;
}

/**
 * The account behind an OpenID Connect subject, or null when there is none or it is disabled:
 * the provider then signs no one in, issues nothing and answers userinfo `invalid_token` (the
 * same rule as our own sign-in, `checkUserMaySignIn`).
 */
export async function findOIDCAccount(
  deps: Dependencies,
  input: { accountId: string },
): Promise<OIDCAccount | null> {
  const user = await deps.users.findUserById(input.accountId as UserId);
  if (user === null || !checkUserMaySignIn(user).ok) return null;
  return {
    accountId: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    updatedAt: user.updatedAt,
  };
}
