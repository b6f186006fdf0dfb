import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { UserId } from "@superoauth/domain";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { listenComposedService } from "./test-config.ts";

// The composed service as an OpenID provider (issue 9): an app registered through /api/v1/apps
// works with openid-client against the running server, and an authorization lands on the hosted
// sign-in page.

const database = useTestDatabase();
let service: Service;
let issuer: string;

beforeAll(async () => {
  ({ service, url: issuer } = await listenComposedService(database.url()));
});

afterAll(async () => {
  await service.close();
});

async function api(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${issuer}/api/v1${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: Record<string, unknown> };
  if (!response.ok || json.data === undefined)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json.data;
}

describe("the composed OpenID provider", () => {
  it("lets a browser app on any origin read discovery and the signing keys (CORS)", async () => {
    const headers = { origin: "http://localhost:3113" };
    const [discovery, jwks] = await Promise.all([
      fetch(`${issuer}/.well-known/openid-configuration`, { headers }),
      fetch(`${issuer}/oidc/jwks`, { headers }),
    ]);

    expect(discovery.headers.get("access-control-allow-origin")).toBe("http://localhost:3113");
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("access-control-allow-origin")).toBe("http://localhost:3113");
    expect(jwks.headers.get("vary")).toMatch(/origin/i);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it("serves discovery, client credentials and introspection to an app registered through the API", async () => {
    const registered = await api("/auth/register", {
      email: "owner@example.com",
      password: "Str0ng-Passw0rd!x",
      nickname: "owner",
    });
    const accessToken = String(
      (registered.tokens as { accessToken?: string } | undefined)?.accessToken ?? registered.accessToken,
    );
    // Verified, as its mailed link would: registering an app waits for that.
    const userId = (registered.user as { id: UserId }).id;
    await service.storage.users.markEmailVerified({ userId, now: new Date() });
    const created = await api(
      "/apps",
      {
        name: "Printer",
        redirectURIs: ["https://printer.example/callback"],
        allowedScopes: ["openid", "profile", "user:read"],
        type: "confidential",
      },
      accessToken,
    );
    const clientId = String((created.app as { clientId: string }).clientId);
    const config = await oidc.discovery(
      new URL(issuer),
      clientId,
      undefined,
      oidc.ClientSecretBasic(String(created.clientSecret)),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    expect(config.serverMetadata().issuer).toBe(issuer);

    const tokens = await oidc.clientCredentialsGrant(config, { scope: "user:read" });
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: clientId,
    });

    const authorization = oidc.buildAuthorizationUrl(config, {
      redirect_uri: "https://printer.example/callback",
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const redirect = await fetch(authorization, { redirect: "manual" });
    const signIn = new URL(redirect.headers.get("location") ?? "", issuer);
    expect(signIn.pathname).toMatch(/^\/interaction\//);
    const page = await fetch(signIn, {
      headers: {
        cookie: redirect.headers
          .getSetCookie()
          .map((c) => c.split(";")[0])
          .join("; "),
      },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
  });

  it("tells an app that presents a rotated-out secret that it was replaced, and when; an older or a wrong one reads as wrong", async () => {
    const registered = await api("/auth/register", {
      email: "rotator@example.com",
      password: "Str0ng-Passw0rd!x",
      nickname: "rotator",
    });
    const accessToken = String(registered.accessToken);
    await service.storage.users.markEmailVerified({
      userId: (registered.user as { id: UserId }).id,
      now: new Date(),
    });
    const created = await api(
      "/apps",
      {
        name: "Rotated",
        redirectURIs: ["https://rotated.example/cb"],
        allowedScopes: ["openid", "user:read"],
        type: "confidential",
      },
      accessToken,
    );
    const clientId = String((created.app as { clientId: string }).clientId);
    const first = String(created.clientSecret);
    // The fresh proof a rotation asks for: the registration's session has it.
    const second = String((await api(`/apps/${clientId}/secret`, undefined, accessToken)).clientSecret);
    const third = String((await api(`/apps/${clientId}/secret`, undefined, accessToken)).clientSecret);
    const replacedAt = await service.storage.apps.findReplacedSecret(clientId);
    const tokenWith = async (secret: string) => {
      const response = await fetch(`${issuer}/oidc/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
        },
        body: "grant_type=client_credentials&scope=user%3Aread",
      });
      return {
        status: response.status,
        body: (await response.json()) as { error?: string; error_description?: string },
        challenge: response.headers.get("www-authenticate"),
      };
    };
    const replaced = await tokenWith(second);
    const description = `client authentication failed: this client secret was replaced at ${replacedAt?.replacedAt.toISOString()} (the app's secret was rotated): use the secret made then`;
    expect(replaced).toMatchObject({
      status: 401,
      body: { error: "invalid_client", error_description: description },
    });
    // openid-client reports a Basic attempt's challenge, which says the same.
    expect(replaced.challenge).toContain(`error_description="${description}"`);
    // Only the last replaced secret is known: the first reads as any wrong secret, as does a typo.
    for (const wrong of [first, `${third}x`]) {
      expect(await tokenWith(wrong)).toMatchObject({
        status: 401,
        body: { error: "invalid_client", error_description: "client authentication failed" },
      });
    }
    expect((await tokenWith(third)).status).toBe(200);
  });

  it("takes only a browser form's body at the hosted forms (415 UNSUPPORTED_MEDIA_TYPE), and JSON at the API as before", async () => {
    const sent = (path: string, type: string, body: string) =>
      fetch(`${issuer}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": type, accept: "application/json" },
        body,
      });
    const json = JSON.stringify({ email: "owner@example.com", password: "Str0ng-Passw0rd!x" });
    for (const path of ["/interaction/any-uid/login", "/account/sign-in", "/forgot-password"]) {
      const refused = await sent(path, "application/json", json);
      await expectError(refused, "UNSUPPORTED_MEDIA_TYPE", 415);
      expect(refused.headers.get("accept-post")).toBe("application/x-www-form-urlencoded");
    }
    // A form's body reaches the form (its CSRF check refuses this one: no token, no cookie).
    const form = await sent("/account/sign-in", "application/x-www-form-urlencoded", "email=a%40b.example");
    expect(form.status).toBe(403);
    // The API's routes are unchanged: JSON, and a form's body there is the contract's VALIDATION_ERROR.
    await expectError(
      await sent("/api/v1/auth/login", "application/x-www-form-urlencoded", "email=a%40b.example"),
      "VALIDATION_ERROR",
      400,
    );
  });
});

/** The contract's envelope with `code` and `status` (a fetch answer). */
async function expectError(response: Response, code: string, status: number): Promise<void> {
  expect({ status: response.status, body: await response.json() }).toEqual({
    status,
    body: { success: false, error: code, message: expect.stringMatching(/\S/) },
  });
}

describe("the composed service's device-code page and API CORS", () => {
  let limited: Service;
  let limitedURL: string;
  beforeAll(async () => {
    ({ service: limited, url: limitedURL } = await listenComposedService(database.url(), {
      env: { RATE_LIMIT_DEVICE_CODE_MAX: "3", CORS_ORIGINS: "https://app.example" },
    }));
  });
  afterAll(async () => {
    await limited.close();
  });

  it("limits tries at the device-code page (RFC 8628 §5.1) with a page, and the token endpoint keeps its own budget", async () => {
    const visits = [];
    for (let i = 0; i < 4; i++) {
      visits.push(
        await fetch(`${limitedURL}/oidc/device?user_code=BCDF-GHJK`, { headers: { accept: "text/html" } }),
      );
    }
    expect(visits.slice(0, 3).map((response) => response.status)).not.toContain(429);
    const refused = visits[3];
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get("content-type")).toContain("text/html");
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused?.headers.get("content-security-policy")).toContain("form-action");
    expect(await refused?.text()).toContain("Too many codes were tried from your network");
    // The library's router would take other spellings of the page, outside its budget: not served.
    for (const spelling of ["/oidc/device/", "/oidc/Device", "/oidc/DEVICE/"]) {
      const other = await fetch(`${limitedURL}${spelling}?user_code=BCDF-GHJK`, {
        headers: { accept: "application/json" },
      });
      expect(other.status, spelling).toBe(404);
      expect(((await other.json()) as { error: string }).error).toBe("NOT_FOUND");
    }
    const token = await fetch(`${limitedURL}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    // Refused for what it is (no client authentication), not by a rate limit.
    expect(token.status).toBe(401);
    expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
  });

  it("answers a listed origin's API calls with CORS (CORS_ORIGINS reaches the app)", async () => {
    const response = await fetch(`${limitedURL}/api/v1/oauth/providers`, {
      headers: { origin: "https://app.example" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${limitedURL}/api/v1/oauth/providers`, {
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
