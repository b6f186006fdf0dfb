import type { OAuthProviderGateway, ProviderProfile } from "@superoauth/application";
import { ok, type Result } from "@superoauth/domain";
import { decodeIdToken, Google, type OAuth2Tokens } from "arctic";
import type { OAuthClientSettings } from "./provider-settings.ts";
import {
  exchangeCode,
  fetchProfileJSON,
  profileFailure,
  stringField,
  type UpstreamOptions,
} from "./upstream.ts";

const userInfoEndpoint = "https://openidconnect.googleapis.com/v1/userinfo";
const googleIssuers = new Set(["https://accounts.google.com", "accounts.google.com"]);
/** How far behind Google's clock ours may be when reading an ID token's `exp`. */
const expiryLeewaySeconds = 300;

/**
 * Google: authorization code with PKCE. With the `openid` scope the profile is
 * the ID token's claims: it came straight from the token endpoint over TLS, so
 * its signature need not be checked (OpenID Connect Core 3.1.3.7), but its
 * issuer, audience and expiry are (step 9, with 5 minutes' leeway for our clock). Without an ID
 * token, the userinfo endpoint.
 */
export function createGoogleGateway(
  settings: OAuthClientSettings,
  options: UpstreamOptions,
): OAuthProviderGateway {
  const client = new Google(settings.clientId, settings.clientSecret, settings.redirectURI);
  return {
    provider: "google",
    supportsPKCE: true,
    createAuthorizationURL: ({ state, codeVerifier }) =>
      // Google requires PKCE through Arctic; the use case always gives Google a verifier.
      client.createAuthorizationURL(state, codeVerifier ?? "", [...settings.scopes]).toString(),
    async exchangeCodeForProfile({ code, codeVerifier }) {
      const exchanged = await exchangeCode("google", options, () =>
        client.validateAuthorizationCode(code, codeVerifier ?? ""),
      );
      if (!exchanged.ok) return exchanged;
      const claims = await readClaims(exchanged.value.tokens, exchanged.value.accessToken);
      if (!claims.ok) return claims;
      const subject = stringField(claims.value, "sub");
      if (subject === null) return profileFailure("google", options, "profile without sub");
      const verified = (claims.value as Record<string, unknown>).email_verified;
      const profile: ProviderProfile = {
        provider: "google",
        subject,
        email: stringField(claims.value, "email"),
        // Booleans in current tokens; the string "true" in some older ones.
        emailVerified: verified === true || verified === "true",
        displayName: stringField(claims.value, "name"),
        avatarURL: stringField(claims.value, "picture"),
      };
      return ok(profile);
    },
  };

  async function readClaims(
    tokens: OAuth2Tokens,
    accessToken: string,
  ): Promise<Result<object, "USER_INFO_FAILED">> {
    let idToken: string | null = null;
    try {
      idToken = tokens.idToken();
    } catch {
      // No openid scope: ask the userinfo endpoint instead.
    }
    if (idToken === null) {
      const body = await fetchProfileJSON("google", options, {
        url: userInfoEndpoint,
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      if (!body.ok) return body;
      if (typeof body.value !== "object" || body.value === null) {
        return profileFailure("google", options, "userinfo is not an object");
      }
      return ok(body.value);
    }
    let claims: object;
    try {
      claims = decodeIdToken(idToken);
    } catch {
      return profileFailure("google", options, "malformed ID token");
    }
    const issuer = stringField(claims, "iss");
    const audience = (claims as Record<string, unknown>).aud;
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (issuer === null || !googleIssuers.has(issuer) || !audiences.includes(settings.clientId)) {
      return profileFailure("google", options, "ID token of another issuer or audience");
    }
    const expiresAt = (claims as Record<string, unknown>).exp;
    if (typeof expiresAt !== "number" || expiresAt + expiryLeewaySeconds <= Date.now() / 1000) {
      return profileFailure("google", options, "expired ID token");
    }
    return ok(claims);
  }
}
