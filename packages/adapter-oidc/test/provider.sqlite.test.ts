import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Clock, OIDCModelStore } from "@superoauth/application";
import { SignJWT } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOIDCAdapter } from "../src/oidc-adapter.ts";

// A real oidc-provider on 127.0.0.1, storing through createOIDCAdapter over SQLite: proof that the
// adapter is what the library expects, and that its single-use consumption holds under the
// library's own check-then-consume. The library reads the system time itself, so the adapter does too.

const database = useSQLiteTestDatabase();
const systemClock: Clock = { now: () => new Date() };
const client = { id: "app", secret: "app-secret-0123456789" };
const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/**
 * The store, with a switch: once `holdReads(model, n)` is called, the next `n` reads of that model
 * (finds, and the claims replay detection reads with) are held until all of them have read, so
 * every request sees what the others saw: the worst interleaving of the library's check-then-act
 * (a refresh token's check-then-consume, a proof's check-then-save).
 */
function withHeldReads(store: OIDCModelStore): {
  store: OIDCModelStore;
  holdReads(model: string, parties: number): void;
} {
  let held: {
    model: string;
    parties: number;
    arrived: number;
    allRead: Promise<void>;
    release(): void;
  } | null = null;
  const heldUntilAllRead = async <T>(model: string, read: Promise<T>): Promise<T> => {
    const found = await read;
    const barrier = held;
    if (barrier !== null && model === barrier.model) {
      barrier.arrived += 1;
      if (barrier.arrived === barrier.parties) {
        held = null;
        barrier.release();
      }
      await barrier.allRead;
    }
    return found;
  };
  return {
    store: {
      ...store,
      find: (input) => heldUntilAllRead(input.model, store.find(input)),
      claim: (input) => heldUntilAllRead(input.model, store.claim(input)),
    },
    holdReads(model, parties) {
      let release = () => {};
      const allRead = new Promise<void>((resolve) => {
        release = resolve;
      });
      held = { model, parties, arrived: 0, allRead, release };
    },
  };
}

let server: Server;
let provider: Provider;
let issuer: string;
let holdReads: (model: string, parties: number) => void;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const held = withHeldReads(database.storage().oidcModels);
  holdReads = held.holdReads;
  provider = new Provider(issuer, {
    adapter: createOIDCAdapter({
      store: held.store,
      clock: systemClock,
    }),
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ["client_credentials", "refresh_token", "authorization_code"],
        redirect_uris: ["https://app.example/callback"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "test", alg: "ES256", use: "sig" }] },
    cookies: { keys: ["test-cookie-key-0123456789"] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, caller, token) => token.clientId === caller.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, caller, token) => token.clientId === caller.clientId,
      },
    },
    rotateRefreshToken: true,
    ttl: { AccessToken: 300, ClientCredentials: 300, RefreshToken: 7 * 24 * 3600, Grant: 14 * 24 * 3600 },
  });
  server.on("request", provider.callback());
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}${path}`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

const dpopKey = generateKeyPairSync("ec", { namedCurve: "P-256" });

/** A DPoP proof (RFC 9449 §4.2) of one key, with a fresh jti. */
async function dpopProof(claims: { htm: string; htu: string }): Promise<string> {
  const { d: _private, ...jwk } = dpopKey.privateKey.export({ format: "jwk" });
  return new SignJWT({ ...claims, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
    .sign(dpopKey.privateKey);
}

/** A refresh token of a fresh grant, as the authorization code exchange would have issued it. */
async function issueRefreshToken(): Promise<{ token: string; grantId: string }> {
  const found = await provider.Client.find(client.id);
  if (found === undefined) throw new Error("client missing");
  const grant = new provider.Grant({ accountId: "user-1", clientId: client.id });
  grant.addOIDCScope("offline_access");
  const grantId = await grant.save();
  const refreshToken = new provider.RefreshToken({
    accountId: "user-1",
    client: found,
    grantId,
    gty: "authorization_code",
    scope: "offline_access",
  });
  return { token: await refreshToken.save(), grantId };
}

describe("oidc-provider on the SQL adapter", () => {
  it("issues a client_credentials token, stores only its hash, introspects and revokes it", async () => {
    const issued = await post("/token", { grant_type: "client_credentials" });
    expect(issued.status).toBe(200);
    const token = issued.body.access_token;
    if (typeof token !== "string") throw new Error("no access token");

    const rows = await database
      .db()
      .selectFrom("oidc_models")
      .select(["id", "payload", "client_id"])
      .where("model", "=", "ClientCredentials")
      .execute();
    expect(rows.map((r) => r.id)).toContain(sha256(token));
    expect(rows.every((r) => !r.id.includes(token) && !r.payload.includes(token))).toBe(true);

    expect((await post("/token/introspection", { token })).body).toMatchObject({
      active: true,
      client_id: client.id,
      token_type: "Bearer",
    });
    expect((await post("/token/revocation", { token })).status).toBe(200);
    expect((await post("/token/introspection", { token })).body).toEqual({ active: false });
  });

  it("of three concurrent refreshes with one rotating token exactly one gets a successor", async () => {
    const { token, grantId } = await issueRefreshToken();

    holdReads("RefreshToken", 3);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => post("/token", { grant_type: "refresh_token", refresh_token: token })),
    );

    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 400, 400]);
    expect(outcomes.filter((o) => o.status === 400).map((o) => o.body.error)).toEqual([
      "invalid_grant",
      "invalid_grant",
    ]);
    const successor = outcomes.find((o) => o.status === 200)?.body.refresh_token;
    if (typeof successor !== "string") throw new Error("no successor");
    const liveRefreshTokens = await database
      .db()
      .selectFrom("oidc_models")
      .select("id")
      .where("model", "=", "RefreshToken")
      .where("grant_id", "=", grantId)
      .where("consumed_at", "is", null)
      .execute();
    expect(liveRefreshTokens).toEqual([{ id: sha256(successor) }]);
  });

  it("of three concurrent token requests with one DPoP proof exactly one is answered", async () => {
    // RFC 9449 §11.1: a proof is good for one request. The library checks its jti, then saves it;
    // held here until all three have checked, each would find it unseen without the atomic claim.
    const proof = await dpopProof({ htm: "POST", htu: `${issuer}/token` });
    holdReads("ReplayDetection", 3);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => post("/token", { grant_type: "client_credentials" }, { DPoP: proof })),
    );

    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 400, 400]);
    expect(outcomes.find((o) => o.status === 200)?.body.token_type).toBe("DPoP");
    // The library answers a replayed proof at the token endpoint as invalid_grant ("DPoP proof JWT
    // Replay detected" in its log, not in the response).
    const refused = { error: "invalid_grant", error_description: "grant request is invalid" };
    expect(outcomes.filter((o) => o.status === 400).map((o) => o.body)).toEqual([refused, refused]);
    // And later, alone: still a replay.
    expect(await post("/token", { grant_type: "client_credentials" }, { DPoP: proof })).toEqual({
      status: 400,
      body: refused,
    });
    // A fresh proof of the same key is fine.
    const fresh = await post(
      "/token",
      { grant_type: "client_credentials" },
      { DPoP: await dpopProof({ htm: "POST", htu: `${issuer}/token` }) },
    );
    expect(fresh.status).toBe(200);
  });

  it("revokes the whole grant when a used refresh token comes back", async () => {
    const { token } = await issueRefreshToken();
    const first = await post("/token", { grant_type: "refresh_token", refresh_token: token });
    expect(first.status).toBe(200);
    const successor = first.body.refresh_token;
    const accessToken = first.body.access_token;
    if (typeof successor !== "string" || typeof accessToken !== "string") throw new Error("no tokens");

    const reuse = await post("/token", { grant_type: "refresh_token", refresh_token: token });
    expect(reuse).toMatchObject({ status: 400, body: { error: "invalid_grant" } });

    const afterReuse = await post("/token", { grant_type: "refresh_token", refresh_token: successor });
    expect(afterReuse).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await post("/token/introspection", { token: accessToken })).body).toEqual({ active: false });
  });
});
