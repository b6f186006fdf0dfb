import { type OAuthProviderId, oauthProviderIds } from "@superoauth/domain";
import { type TString, Type } from "typebox";
import { durationPattern, parseDuration } from "./duration.ts";

/** One provider's OAuth client, read from `{PROVIDER}_*`. */
export interface OAuthProviderConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectURI: string;
  readonly scopes: readonly string[];
}

export interface OAuthConfig {
  /** The enabled providers: those with both a client id and a secret. */
  readonly providers: Readonly<Partial<Record<OAuthProviderId, OAuthProviderConfig>>>;
  readonly successRedirectURL: string;
  readonly httpTimeoutMs: number;
  /** Signs the OAuth state cookie. */
  readonly cookieSecret: string;
  readonly cookieSecretIsEphemeral: boolean;
  /** The state cookie is Secure everywhere but in development. */
  readonly secureCookies: boolean;
  /** APP_URL is https: the sign-in cookies are `__Host-`-prefixed, Secure, Path=/ (ADR 0013). */
  readonly hostPrefixedCookies: boolean;
}

/** The seed's default scopes per provider. */
export const defaultOAuthScopes: Readonly<Record<OAuthProviderId, string>> = {
  discord: "identify,email",
  twitch: "user:read:email",
  google: "openid,profile,email",
  github: "user:email",
};

type ProviderVariable =
  `${Uppercase<OAuthProviderId>}_${"CLIENT_ID" | "CLIENT_SECRET" | "REDIRECT_URI" | "SCOPES"}`;
type OAuthVariable = ProviderVariable | "OAUTH_SUCCESS_REDIRECT" | "OAUTH_HTTP_TIMEOUT" | "COOKIE_SECRET";

const urlPattern = "^https?://[^\\s]+$";
const prefixOf = (provider: OAuthProviderId) => provider.toUpperCase() as Uppercase<OAuthProviderId>;

/** The variables of social sign-in, for the environment schema. */
export const oauthEnvironmentProperties = Object.fromEntries([
  ...oauthProviderIds.flatMap((provider) => {
    const prefix = prefixOf(provider);
    return [
      [`${prefix}_CLIENT_ID`, Type.Optional(Type.String({ minLength: 1 }))],
      [`${prefix}_CLIENT_SECRET`, Type.Optional(Type.String({ minLength: 1 }))],
      [`${prefix}_REDIRECT_URI`, Type.Optional(Type.String({ pattern: urlPattern }))],
      [`${prefix}_SCOPES`, Type.Optional(Type.String({ pattern: "^[\\w:./, -]+$" }))],
    ];
  }),
  ["OAUTH_SUCCESS_REDIRECT", Type.Optional(Type.String({ pattern: urlPattern }))],
  ["OAUTH_HTTP_TIMEOUT", Type.Optional(Type.String({ pattern: durationPattern }))],
  ["COOKIE_SECRET", Type.Optional(Type.String())],
]) as Record<OAuthVariable, ReturnType<typeof Type.Optional<TString>>>;

/** What each OAuth variable is for. */
export const oauthEnvironmentHelp = Object.fromEntries([
  ...oauthProviderIds.flatMap((provider) => {
    const prefix = prefixOf(provider);
    return [
      [
        `${prefix}_CLIENT_ID`,
        { default: "(unset: provider disabled)", meaning: `${provider} OAuth client id` },
      ],
      [
        `${prefix}_CLIENT_SECRET`,
        {
          default: "(unset: provider disabled)",
          meaning: `${provider} OAuth client secret; with the id, enables ${provider}`,
        },
      ],
      [
        `${prefix}_REDIRECT_URI`,
        {
          default: `(APP_URL)/api/v1/oauth/${provider}/callback`,
          meaning: `callback URL registered at ${provider}, exactly as registered`,
        },
      ],
      [
        `${prefix}_SCOPES`,
        { default: defaultOAuthScopes[provider], meaning: `scopes asked of ${provider}, comma-separated` },
      ],
    ];
  }),
  [
    "OAUTH_SUCCESS_REDIRECT",
    {
      default: "(APP_URL)/oauth/complete",
      meaning:
        "front-end page a browser lands on after provider sign-in (?code=), linking (?linked=) or re-authentication (?reauthenticated=)",
    },
  ],
  ["OAUTH_HTTP_TIMEOUT", { default: "10s", meaning: "timeout of every call to a provider" }],
  [
    "COOKIE_SECRET",
    {
      default: "(random per process when no provider is enabled, or outside production)",
      meaning:
        "signs the OAuth state cookie, at least 32 bytes; required in production once a provider is enabled",
    },
  ],
]) as Record<OAuthVariable, { default: string; meaning: string }>;

/** Reads the OAuth variables; the caller adds `problems` and `warnings` to its own. */
export function parseOAuthConfig(
  env: Partial<Record<OAuthVariable, string>>,
  context: { environment: "development" | "production" | "test"; appURL: string; makeSecret: () => string },
): { config: OAuthConfig; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const providers: Partial<Record<OAuthProviderId, OAuthProviderConfig>> = {};
  for (const provider of oauthProviderIds) {
    const prefix = prefixOf(provider);
    const clientId = env[`${prefix}_CLIENT_ID`];
    const clientSecret = env[`${prefix}_CLIENT_SECRET`];
    if ((clientId === undefined) !== (clientSecret === undefined)) {
      problems.push(
        `${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET must be set together to enable ${provider}`,
      );
      continue;
    }
    if (clientId === undefined || clientSecret === undefined) continue;
    providers[provider] = {
      clientId,
      clientSecret,
      redirectURI: env[`${prefix}_REDIRECT_URI`] ?? `${context.appURL}/api/v1/oauth/${provider}/callback`,
      scopes: (env[`${prefix}_SCOPES`] ?? defaultOAuthScopes[provider])
        .split(/[\s,]+/)
        .filter((s) => s !== ""),
    };
  }
  const httpTimeoutMs = parseDuration(env.OAUTH_HTTP_TIMEOUT ?? "10s") ?? 10_000;
  if (httpTimeoutMs < 1) problems.push("OAUTH_HTTP_TIMEOUT is invalid: must be more than 0");

  let cookieSecret = env.COOKIE_SECRET;
  let cookieSecretIsEphemeral = false;
  const anyProvider = Object.keys(providers).length > 0;
  if (cookieSecret === undefined) {
    if (context.environment === "production" && anyProvider) {
      problems.push(
        "COOKIE_SECRET is required in production when an OAuth provider is enabled: at least 32 random bytes (e.g. `openssl rand -base64 48`)",
      );
    } else if (anyProvider) {
      warnings.push(
        "COOKIE_SECRET is not set: using a random secret; OAuth sign-ins in flight fail after a restart",
      );
    }
    cookieSecret = context.makeSecret();
    cookieSecretIsEphemeral = true;
  } else if (Buffer.byteLength(cookieSecret) < 32) {
    problems.push("COOKIE_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 48`)");
  }
  return {
    problems,
    warnings,
    config: {
      providers,
      successRedirectURL: env.OAUTH_SUCCESS_REDIRECT ?? `${context.appURL}/oauth/complete`,
      httpTimeoutMs,
      cookieSecret,
      cookieSecretIsEphemeral,
      secureCookies: context.environment !== "development",
      hostPrefixedCookies: new URL(context.appURL).protocol === "https:",
    },
  };
}
