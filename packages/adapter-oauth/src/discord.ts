import type { OAuthProviderGateway, ProviderProfile } from "@superoauth/application";
import { ok } from "@superoauth/domain";
import { Discord } from "arctic";
import type { OAuthClientSettings } from "./provider-settings.ts";
import {
  exchangeCode,
  fetchProfileJSON,
  isTrue,
  profileFailure,
  stringField,
  type UpstreamOptions,
} from "./upstream.ts";

const userEndpoint = "https://discord.com/api/users/@me";

/** Discord: authorization code with PKCE; the profile from /users/@me, whose `verified` covers the email. */
export function createDiscordGateway(
  settings: OAuthClientSettings,
  options: UpstreamOptions,
): OAuthProviderGateway {
  const client = new Discord(settings.clientId, settings.clientSecret, settings.redirectURI);
  return {
    provider: "discord",
    supportsPKCE: true,
    createAuthorizationURL: ({ state, codeVerifier }) =>
      client.createAuthorizationURL(state, codeVerifier, [...settings.scopes]).toString(),
    async exchangeCodeForProfile({ code, codeVerifier }) {
      const exchanged = await exchangeCode("discord", options, () =>
        client.validateAuthorizationCode(code, codeVerifier),
      );
      if (!exchanged.ok) return exchanged;
      const body = await fetchProfileJSON("discord", options, {
        url: userEndpoint,
        headers: { Authorization: `Bearer ${exchanged.value.accessToken}` },
      });
      if (!body.ok) return body;
      const subject = stringField(body.value, "id");
      if (subject === null) return profileFailure("discord", options, "profile without id");
      const avatar = stringField(body.value, "avatar");
      const email = stringField(body.value, "email");
      const profile: ProviderProfile = {
        provider: "discord",
        subject,
        email,
        // `verified` is about the account's email; without an email it vouches for nothing.
        emailVerified: email !== null && isTrue(body.value, "verified"),
        displayName: stringField(body.value, "global_name") ?? stringField(body.value, "username"),
        avatarURL:
          avatar === null
            ? null
            : `https://cdn.discordapp.com/avatars/${encodeURIComponent(subject)}/${encodeURIComponent(avatar)}.png`,
      };
      return ok(profile);
    },
  };
}
