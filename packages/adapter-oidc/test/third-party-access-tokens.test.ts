import { generateKeyPairSync } from "node:crypto";
import type { Clock } from "@superoauth/application";
import { InMemoryOIDCModelStore } from "@superoauth/application/testing";
import Provider from "oidc-provider";
import { beforeEach, describe, expect, it } from "vitest";
import { createOIDCAdapter } from "../src/oidc-adapter.ts";
import { createThirdPartyAccessTokens } from "../src/third-party-access-tokens.ts";

// Tokens stored by the library itself: a real Provider saves its models through createOIDCAdapter
// into an in-memory store, and the verifier reads them back as our API would. The library stamps
// iat/exp from the system time, so the checks run at the system time too.

const systemClock: Clock = { now: () => new Date() };
const accountId = "0190a000-0000-7000-8000-000000000001";
const clientId = "app-client";

let store: InMemoryOIDCModelStore;
let provider: Provider;

beforeEach(() => {
  store = new InMemoryOIDCModelStore();
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  provider = new Provider("http://127.0.0.1:1", {
    adapter: createOIDCAdapter({ store, clock: systemClock }),
    clients: [
      {
        client_id: clientId,
        client_secret: "s".repeat(32),
        redirect_uris: ["https://app.example/cb"],
        grant_types: ["authorization_code", "client_credentials"],
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "k", alg: "ES256", use: "sig" }] },
    scopes: ["openid", "offline_access", "user:read"],
    features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
    ttl: { AccessToken: 3600, Grant: 3600, ClientCredentials: 600, Session: 3600 },
  });
});

async function saveGrant(input: { account?: string; client?: string } = {}): Promise<string> {
  const grant = new provider.Grant({
    accountId: input.account ?? accountId,
    clientId: input.client ?? clientId,
  });
  grant.addOIDCScope("openid user:read");
  return grant.save();
}

async function saveAccessToken(
  grantId: string,
  extra: Record<string, unknown> = {},
  before?: (token: InstanceType<Provider["AccessToken"]>) => void,
): Promise<string> {
  const client = await provider.Client.find(clientId);
  if (client === undefined) throw new Error("The test client is configured");
  const token = new provider.AccessToken({
    accountId,
    client,
    grantId,
    scope: "openid user:read",
    gty: "authorization_code",
    ...extra,
  });
  before?.(token);
  return token.save();
}

/** Session#save takes the lifetime in seconds (lib/models/session.js); the published types leave it out. */
async function saveSession(session: InstanceType<Provider["Session"]>): Promise<void> {
  await (session.save as unknown as (this: typeof session, ttl: number) => Promise<string>).call(
    session,
    3600,
  );
}

const verifier = () => createThirdPartyAccessTokens({ store });

describe("third-party access tokens at our API", () => {
  it("answers the user, the client and the scopes of a token the library issued", async () => {
    const token = await saveAccessToken(await saveGrant());
    expect(await verifier().verify({ token, now: new Date() })).toEqual({
      userId: accountId,
      clientId,
      scopes: ["openid", "user:read"],
    });
  });

  it("refuses an unknown token, an empty one and a very long one", async () => {
    await saveAccessToken(await saveGrant());
    for (const token of ["unknown-token-value-0123456789abcdefghijklmn", "", "x".repeat(513)]) {
      expect(await verifier().verify({ token, now: new Date() })).toBeNull();
    }
  });

  it("refuses a token once it expired", async () => {
    const token = await saveAccessToken(await saveGrant());
    const later = new Date(Date.now() + 2 * 3600 * 1000);
    expect(await verifier().verify({ token, now: later })).toBeNull();
  });

  it("refuses a DPoP-bound (jkt) or certificate-bound token presented as Bearer", async () => {
    const grantId = await saveGrant();
    const dpop = await saveAccessToken(grantId, {}, (t) => t.setThumbprint("jkt", "some-jwk-thumbprint"));
    expect((await store.find({ model: "AccessToken", id: dpop, now: new Date() }))?.payload.jkt).toBe(
      "some-jwk-thumbprint",
    );
    expect(await verifier().verify({ token: dpop, now: new Date() })).toBeNull();
    const mtls = await saveAccessToken(grantId, { "x5t#S256": "cert-thumbprint" });
    expect(await verifier().verify({ token: mtls, now: new Date() })).toBeNull();
  });

  it("refuses a token whose grant was revoked, and one whose grant is another account's or client's", async () => {
    const grantId = await saveGrant();
    const token = await saveAccessToken(grantId);
    await store.destroy({ model: "Grant", id: grantId });
    expect(await verifier().verify({ token, now: new Date() })).toBeNull();

    const othersGrant = await saveGrant({ account: "someone-else" });
    expect(
      await verifier().verify({ token: await saveAccessToken(othersGrant), now: new Date() }),
    ).toBeNull();
    const otherClientsGrant = await saveGrant({ client: "other-client" });
    expect(
      await verifier().verify({ token: await saveAccessToken(otherClientsGrant), now: new Date() }),
    ).toBeNull();
  });

  it("refuses every token of an account and client once revoked by account and client", async () => {
    const token = await saveAccessToken(await saveGrant());
    await store.revokeByAccountAndClient({ accountId, clientId });
    expect(await verifier().verify({ token, now: new Date() })).toBeNull();
  });

  it("refuses a consumed token and a client-credentials token (no account)", async () => {
    const token = await saveAccessToken(await saveGrant());
    expect(await store.consume({ model: "AccessToken", id: token, now: new Date() })).toBe("consumed");
    expect(await verifier().verify({ token, now: new Date() })).toBeNull();
    const client = await provider.Client.find(clientId);
    if (client === undefined) throw new Error("The test client is configured");
    const cc = new provider.ClientCredentials({ client, scope: "user:read" });
    expect(await verifier().verify({ token: await cc.save(), now: new Date() })).toBeNull();
  });

  it("refuses a token for another resource server, and accepts one for ours when configured", async () => {
    const grantId = await saveGrant();
    const other = await saveAccessToken(grantId, { aud: "https://other.example" });
    expect(await verifier().verify({ token: other, now: new Date() })).toBeNull();
    const ours = await saveAccessToken(grantId, { aud: "https://api.example" });
    expect(await verifier().verify({ token: ours, now: new Date() })).toBeNull();
    expect(
      await createThirdPartyAccessTokens({ store, audience: "https://api.example" }).verify({
        token: ours,
        now: new Date(),
      }),
    ).toMatchObject({ userId: accountId });
  });

  it("refuses a token bound to a session once that session ended or changed its grant", async () => {
    const grantId = await saveGrant();
    const session = new provider.Session();
    session.accountId = accountId;
    session.uid = "session-uid-1";
    session.grantIdFor(clientId, grantId);
    await saveSession(session);
    const token = await saveAccessToken(grantId, { expiresWithSession: true, sessionUid: "session-uid-1" });
    expect(await verifier().verify({ token, now: new Date() })).toMatchObject({ clientId });

    session.grantIdFor(clientId, "another-grant");
    await saveSession(session);
    expect(await verifier().verify({ token, now: new Date() })).toBeNull();

    await session.destroy();
    expect(await verifier().verify({ token, now: new Date() })).toBeNull();
  });
});
