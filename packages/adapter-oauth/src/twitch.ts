import type { OAuthProviderGateway, ProviderProfile } from "@superoauth/application";
import { ok } from "@superoauth/domain";
import { Twitch } from "arctic";
import type { OAuthClientSettings } from "./provider-settings.ts";
import {
  exchangeCode,
  fetchProfileJSON,
  profileFailure,
  stringField,
  type UpstreamOptions,
} from "./upstream.ts";

const usersEndpoint = "https://api.twitch.tv/helix/users";

/**
 * Twitch: Arctic's Twitch client has no PKCE. The profile is Helix `users`
 * (which needs the Client-Id header); Twitch only hands out addresses it has
 * verified, so a returned email counts as verified.
 */
export function createTwitchGateway(
  settings: OAuthClientSettings,
  options: UpstreamOptions,
): OAuthProviderGateway {
  const client = new Twitch(settings.clientId, settings.clientSecret, settings.redirectURI);
  return {
    provider: "twitch",
    supportsPKCE: false,
    createAuthorizationURL: ({ state }) =>
      client.createAuthorizationURL(state, [...settings.scopes]).toString(),
    async exchangeCodeForProfile({ code }) {
      const exchanged = await exchangeCode("twitch", options, () => client.validateAuthorizationCode(code));
      if (!exchanged.ok) return exchanged;
      const body = await fetchProfileJSON("twitch", options, {
        url: usersEndpoint,
        headers: { Authorization: `Bearer ${exchanged.value.accessToken}`, "Client-Id": settings.clientId },
      });
      if (!body.ok) return body;
      const data =
        typeof body.value === "object" && body.value !== null && "data" in body.value
          ? body.value.data
          : null;
      const user: unknown = Array.isArray(data) ? data[0] : null;
      const subject = stringField(user, "id");
      if (subject === null) return profileFailure("twitch", options, "profile without id");
      const email = stringField(user, "email");
      const profile: ProviderProfile = {
        provider: "twitch",
        subject,
        email,
        emailVerified: email !== null,
        displayName: stringField(user, "display_name") ?? stringField(user, "login"),
        avatarURL: stringField(user, "profile_image_url"),
      };
      return ok(profile);
    },
  };
}
