import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";

const makeSecret = () => "generated-secret-generated-secret-0123456789";
const strongSecret = "k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u";

function config(env: Record<string, string>) {
  const parsed = parseConfig(env, makeSecret);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed;
}

describe("OAuth configuration", () => {
  it("enables no provider by default and derives URLs from APP_URL", () => {
    const { config: c, warnings } = config({ APP_URL: "https://id.example.com/" });
    expect(c.oauth.providers).toEqual({});
    expect(c.oauth.successRedirectURL).toBe("https://id.example.com/oauth/complete");
    expect(c.oauth.httpTimeoutMs).toBe(10_000);
    expect(c.oauth.secureCookies).toBe(false);
    expect(c.oauth.hostPrefixedCookies).toBe(true);
    expect(warnings.join()).not.toContain("COOKIE_SECRET");
  });

  it("enables a provider with id and secret, with the seed's default scopes and redirect URI", () => {
    const { config: c, warnings } = config({
      GITHUB_CLIENT_ID: "id",
      GITHUB_CLIENT_SECRET: "secret",
      DISCORD_CLIENT_ID: "d",
      DISCORD_CLIENT_SECRET: "ds",
      DISCORD_SCOPES: "identify email",
      OAUTH_HTTP_TIMEOUT: "2s",
      NODE_ENV: "test",
      JWT_SECRET: strongSecret,
    });
    expect(c.oauth.providers).toEqual({
      github: {
        clientId: "id",
        clientSecret: "secret",
        redirectURI: "http://localhost:3000/api/v1/oauth/github/callback",
        scopes: ["user:email"],
      },
      discord: {
        clientId: "d",
        clientSecret: "ds",
        redirectURI: "http://localhost:3000/api/v1/oauth/discord/callback",
        scopes: ["identify", "email"],
      },
    });
    expect(c.oauth.httpTimeoutMs).toBe(2000);
    expect(c.oauth.secureCookies).toBe(true);
    expect(c.oauth.hostPrefixedCookies).toBe(false);
    expect(c.oauth.cookieSecretIsEphemeral).toBe(true);
    expect(warnings.join()).toContain("COOKIE_SECRET is not set");
  });

  it("refuses an id without its secret, and the other way round", () => {
    const parsed = parseConfig({ TWITCH_CLIENT_ID: "id", GOOGLE_CLIENT_SECRET: "s" }, makeSecret);
    expect(parsed.ok ? "" : parsed.problems.join()).toMatch(/TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET/);
    expect(parsed.ok ? "" : parsed.problems.join()).toMatch(/GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
  });

  it("requires a COOKIE_SECRET of 32 bytes in production once a provider is enabled, without echoing secrets", () => {
    const production = {
      NODE_ENV: "production",
      JWT_SECRET: strongSecret,
      TOTP_ENCRYPTION_KEY: "a1".repeat(32),
      GOOGLE_CLIENT_ID: "g",
    };
    const missing = parseConfig({ ...production, GOOGLE_CLIENT_SECRET: "hunter2-google" }, makeSecret);
    expect(missing.ok ? "" : missing.problems.join()).toContain("COOKIE_SECRET is required in production");
    const short = parseConfig(
      { ...production, GOOGLE_CLIENT_SECRET: "hunter2-google", COOKIE_SECRET: "short-cookie-secret" },
      makeSecret,
    );
    expect(short.ok ? "" : short.problems.join()).toContain(
      "COOKIE_SECRET is invalid: must be at least 32 bytes",
    );
    expect(short.ok ? "" : short.problems.join()).not.toMatch(/hunter2|short-cookie-secret/);
    const good = config({ ...production, GOOGLE_CLIENT_SECRET: "s", COOKIE_SECRET: strongSecret });
    expect(good.config.oauth).toMatchObject({ cookieSecret: strongSecret, cookieSecretIsEphemeral: false });
  });

  it("keys the hosted pages' forms alike on every production instance when COOKIE_SECRET is unset", () => {
    const production = {
      NODE_ENV: "production",
      JWT_SECRET: strongSecret,
      TOTP_ENCRYPTION_KEY: "a1".repeat(32),
    };
    // Two instances (or two starts of one) draw different random secrets.
    const first = parseConfig(production, () => "first-instance-secret-first-instance-secret");
    const second = parseConfig(production, () => "other-instance-secret-other-instance-secret");
    if (!first.ok || !second.ok) throw new Error("production configuration refused");

    expect(first.config.oauth.cookieSecretIsEphemeral).toBe(false);
    expect(second.config.oauth.cookieSecret).toBe(first.config.oauth.cookieSecret);
    expect(first.config.oauth.cookieSecret).not.toBe(strongSecret);
    expect(first.warnings.join()).not.toContain("COOKIE_SECRET");
    // Another JWT_SECRET keys them otherwise; a COOKIE_SECRET that is set wins.
    expect(
      config({ ...production, JWT_SECRET: "Zp4Wq8Lm2Xv6Nb0Rt3Yk7Hc1Gf5Js9Da" }).config.oauth.cookieSecret,
    ).not.toBe(first.config.oauth.cookieSecret);
    expect(config({ ...production, COOKIE_SECRET: strongSecret }).config.oauth.cookieSecret).toBe(
      strongSecret,
    );
  });

  it("rejects a redirect URI that is not a URL", () => {
    const parsed = parseConfig({ GITHUB_REDIRECT_URI: "localhost/cb" }, makeSecret);
    expect(parsed.ok ? "" : parsed.problems.join()).toContain("GITHUB_REDIRECT_URI");
  });
});
