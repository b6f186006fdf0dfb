import { createHmac } from "node:crypto";
import { type OAuthProviderId, oauthProviderIds } from "@superoauth/domain";
import {
  optional,
  secret,
  text,
  timerDuration,
  url,
  type ValuesOf,
  type Variable,
  withDefault,
} from "./variables.ts";

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

type Prefix = Uppercase<OAuthProviderId>;
type ProviderVariables = Record<
  `${Prefix}_${"CLIENT_ID" | "CLIENT_SECRET" | "REDIRECT_URI"}`,
  Variable<string | undefined>
> &
  Record<`${Prefix}_SCOPES`, Variable<string>>;

const prefixOf = (provider: OAuthProviderId) => provider.toUpperCase() as Prefix;
const anyText = text({ pattern: /\S/, expected: "non-empty" });

/** The variables of social sign-in: default, meaning and parser of each, written once. */
export const oauthVariables = {
  ...(Object.fromEntries(
    oauthProviderIds.flatMap((provider) => {
      const prefix = prefixOf(provider);
      return [
        [
          `${prefix}_CLIENT_ID`,
          optional({ unset: "provider disabled", meaning: `${provider} OAuth client id`, parse: anyText }),
        ],
        [
          `${prefix}_CLIENT_SECRET`,
          optional({
            unset: "provider disabled",
            meaning: `${provider} OAuth client secret; with the id, enables ${provider}`,
            parse: anyText,
            secret: true,
          }),
        ],
        [
          `${prefix}_REDIRECT_URI`,
          optional({
            unset: `(APP_URL)/api/v1/oauth/${provider}/callback`,
            meaning: `Callback URL registered at ${provider}, exactly as registered`,
            parse: url(["http", "https"]),
          }),
        ],
        [
          `${prefix}_SCOPES`,
          withDefault({
            default: defaultOAuthScopes[provider],
            meaning: `Scopes asked of ${provider}, comma-separated`,
            parse: text({ pattern: /^[\w:./, -]+$/, expected: "scope names separated by commas" }),
          }),
        ],
      ];
    }),
  ) as ProviderVariables),
  OAUTH_SUCCESS_REDIRECT: optional({
    unset: "(APP_URL)/oauth/complete",
    meaning:
      "Front-end page browsers land on after provider sign-in (`?code=`), linking (`?linked=`) or re-authentication (`?reauthenticated=`)",
    parse: url(["http", "https"]),
  }),
  OAUTH_HTTP_TIMEOUT: withDefault({
    default: "10s",
    meaning:
      "Timeout of every call to a provider (the connection, the headers, each wait in the body; a sign-in makes two, so up to twice this); answers over 1 MiB are refused",
    parse: timerDuration("1ms"),
  }),
  COOKIE_SECRET: secret({
    unset:
      "development: kept in `secrets.json` beside the SQLite file; production: derived from `JWT_SECRET`; test: random per process",
    meaning:
      "Signs the OAuth state cookie and keys the hosted pages' form (CSRF) tokens, >= 32 bytes; **required in production once a provider is enabled**",
    minBytes: 32,
  }),
};

/** Reads the OAuth variables; the caller adds `problems` and `warnings` to its own. */
export function parseOAuthConfig(
  env: ValuesOf<typeof oauthVariables>,
  context: {
    environment: "development" | "production" | "test";
    appURL: string;
    makeSecret: () => string;
    /** Variables already reported invalid. */
    invalid: ReadonlySet<string>;
    /**
     * Production: what stands for an unset COOKIE_SECRET, derived from JWT_SECRET, so every
     * instance (and every restart) keys the hosted pages' forms alike (cookieSecretFrom).
     */
    derivedCookieSecret?: string;
  },
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
      scopes: env[`${prefix}_SCOPES`].split(/[\s,]+/).filter((s) => s !== ""),
    };
  }
  const httpTimeoutMs = env.OAUTH_HTTP_TIMEOUT;

  let cookieSecret = env.COOKIE_SECRET;
  let cookieSecretIsEphemeral = false;
  const anyProvider = Object.keys(providers).length > 0;
  if (cookieSecret === undefined) {
    if (context.environment === "production" && anyProvider && !context.invalid.has("COOKIE_SECRET")) {
      problems.push(
        "COOKIE_SECRET is required in production when an OAuth provider is enabled: at least 32 random bytes (e.g. `openssl rand -base64 48`)",
      );
    } else if (anyProvider) {
      warnings.push(
        "COOKIE_SECRET is not set: using a random secret; OAuth sign-ins in flight fail after a restart",
      );
    }
    // A random one per process would differ between instances: a form shown by one and sent to
    // another would be refused as expired, and every restart would expire the open ones.
    if (context.derivedCookieSecret === undefined) {
      cookieSecret = context.makeSecret();
      cookieSecretIsEphemeral = true;
    } else {
      cookieSecret = context.derivedCookieSecret;
    }
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

/**
 * The COOKIE_SECRET of a production start that sets none (no provider needs one): an HMAC of
 * JWT_SECRET under its own label, the same on every instance and across restarts, and not
 * JWT_SECRET itself. Rotating JWT_SECRET rotates it too (docs/operations.md).
 */
export function cookieSecretFrom(jwtSecret: string): string {
  return createHmac("sha256", jwtSecret).update("superoauth cookie secret v1").digest("base64url");
}
