import type { OAuthProviderGateway, ProviderProfile } from "@superoauth/application";
import { ok } from "@superoauth/domain";
import { GitHub } from "arctic";
import type { OAuthClientSettings } from "./provider-settings.ts";
import {
  exchangeCode,
  fetchProfileJSON,
  isTrue,
  profileFailure,
  stringField,
  type UpstreamOptions,
} from "./upstream.ts";

const userEndpoint = "https://api.github.com/user";
const emailsEndpoint = "https://api.github.com/user/emails";

/**
 * GitHub: Arctic's GitHub client has no PKCE. The profile is /user; the email
 * comes from /user/emails (the public /user email may be empty or stale): the
 * primary address, verified only if GitHub says so.
 */
export function createGitHubGateway(
  settings: OAuthClientSettings,
  options: UpstreamOptions,
): OAuthProviderGateway {
  const client = new GitHub(settings.clientId, settings.clientSecret, settings.redirectURI);
  return {
    provider: "github",
    supportsPKCE: false,
    createAuthorizationURL: ({ state }) =>
      client.createAuthorizationURL(state, [...settings.scopes]).toString(),
    async exchangeCodeForProfile({ code }) {
      const exchanged = await exchangeCode("github", options, () => client.validateAuthorizationCode(code));
      if (!exchanged.ok) return exchanged;
      const headers = {
        Authorization: `Bearer ${exchanged.value.accessToken}`,
        Accept: "application/vnd.github+json",
        "User-Agent": "superoauth",
        "X-GitHub-Api-Version": "2022-11-28",
      };
      const [user, emails] = await Promise.all([
        fetchProfileJSON("github", options, { url: userEndpoint, headers }),
        fetchProfileJSON("github", options, { url: emailsEndpoint, headers }),
      ]);
      if (!user.ok) return user;
      if (!emails.ok) return emails;
      const id =
        typeof user.value === "object" && user.value !== null && "id" in user.value ? user.value.id : null;
      if (typeof id !== "number" && typeof id !== "string") {
        return profileFailure("github", options, "profile without id");
      }
      const chosen = chooseEmail(emails.value);
      const profile: ProviderProfile = {
        provider: "github",
        subject: String(id),
        email: chosen?.email ?? null,
        emailVerified: chosen?.verified ?? false,
        displayName: stringField(user.value, "name") ?? stringField(user.value, "login"),
        avatarURL: stringField(user.value, "avatar_url"),
      };
      return ok(profile);
    },
  };
}

/**
 * The primary address, verified only if GitHub says so. Not another verified
 * address in its place: that is often the `users.noreply.github.com` one, which
 * receives no mail, and an account made from it could never be reached.
 */
function chooseEmail(list: unknown): { email: string; verified: boolean } | null {
  if (!Array.isArray(list)) return null;
  const primary = list.find((entry: unknown) => isTrue(entry, "primary"));
  const email = stringField(primary, "email");
  return email === null ? null : { email, verified: isTrue(primary, "verified") };
}
