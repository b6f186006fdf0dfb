import type {
  OIDCModelStore,
  OIDCPayload,
  ThirdPartyAccessToken,
  ThirdPartyAccessTokens,
} from "@superoauth/application";
import type { UserId } from "@superoauth/domain";

/** Longer than any token the provider issues (43 characters by default): not looked up. */
const maxTokenLength = 512;

/**
 * Opaque access tokens oidc-provider issued to apps, presented as Bearer at our own API
 * (docs/decisions/0020-third-party-apps.md), checked the way the library checks them at its
 * userinfo endpoint (lib/shared/access_token.js, lib/models/access_token.js, token_helpers.js):
 * found, not expired, an opaque AccessToken with an account; not sender-constrained (a DPoP or
 * mTLS-bound token is worthless without its proof, which our API does not take); still bound to
 * its session when it expires with it; its Grant still there for the same account and client.
 * `audience`: the resource indicator of our API, when the provider issues tokens for one; a token
 * for another resource server is refused, one without `aud` (the default) accepted.
 */
export function createThirdPartyAccessTokens(input: {
  store: OIDCModelStore;
  audience?: string;
}): ThirdPartyAccessTokens {
  const { store, audience } = input;
  return {
    async verify({ token, now }): Promise<ThirdPartyAccessToken | null> {
      if (token.length === 0 || token.length > maxTokenLength) return null;
      const found = await store.find({ model: "AccessToken", id: token, now });
      if (found === null || found.consumedAt !== null) return null;
      const p = found.payload;
      const { accountId, clientId, grantId, scope } = p;
      if (
        p.kind !== "AccessToken" ||
        typeof accountId !== "string" ||
        typeof clientId !== "string" ||
        typeof grantId !== "string" ||
        typeof scope !== "string" ||
        typeof p.exp !== "number" ||
        p.exp * 1000 <= now.getTime() ||
        ("format" in p && p.format !== "opaque") ||
        p.jkt !== undefined ||
        p["x5t#S256"] !== undefined ||
        !audienceAccepted(p.aud, audience)
      ) {
        return null;
      }
      if (p.expiresWithSession === true && !(await sessionStillBinds({ store, token: p, now }))) return null;
      const grant = await store.find({ model: "Grant", id: grantId, now });
      if (grant === null || grant.payload.clientId !== clientId || grant.payload.accountId !== accountId) {
        return null;
      }
      return { userId: accountId as UserId, clientId, scopes: scope.split(" ").filter((s) => s !== "") };
    },
  };
}

function audienceAccepted(aud: unknown, audience: string | undefined): boolean {
  if (aud === undefined) return true;
  if (audience === undefined) return false;
  return aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience);
}

/** The library's checkSessionBinding: the session lives, for the same account, with this grant for the client. */
async function sessionStillBinds(input: {
  store: OIDCModelStore;
  token: OIDCPayload;
  now: Date;
}): Promise<boolean> {
  const { store, token, now } = input;
  if (typeof token.sessionUid !== "string") return false;
  const session = await store.findByUid({ model: "Session", uid: token.sessionUid, now });
  if (session === null || session.payload.accountId !== token.accountId) return false;
  const authorizations = session.payload.authorizations;
  if (typeof authorizations !== "object" || authorizations === null) return false;
  const authorization = (authorizations as Record<string, unknown>)[token.clientId as string];
  return (
    typeof authorization === "object" &&
    authorization !== null &&
    Object.hasOwn(authorizations, token.clientId as string) &&
    (authorization as Record<string, unknown>).grantId === token.grantId
  );
}
