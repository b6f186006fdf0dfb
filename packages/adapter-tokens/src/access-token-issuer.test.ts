import { createHmac } from "node:crypto";
import {
  activeSigningKey,
  loadSigningKeys,
  publicJWKS,
  rotateSigningKeys,
  type SigningKeyDependencies,
  type SigningKeySet,
} from "@superoauth/application";
import type { SessionId, UserId } from "@superoauth/domain";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportSPKI,
  importJWK,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type AccessTokenKeys, createJWTAccessTokenIssuer } from "./access-token-issuer.ts";
import { testAccessTokenIssuer, testKeyDatabase, testTokenSettings } from "./test-keys.ts";

const now = new Date("2026-05-01T10:00:00.000Z");
const claims = { userId: "u-1" as UserId, sessionId: "s-1" as SessionId };
const oldJWTSecret = "a-test-secret-that-is-at-least-32-bytes-long";

const { maxAgeMs, unknownKidReloadGapMs } = testTokenSettings;
const keyDatabase = () => testKeyDatabase(now);
const instance = (database: SigningKeyDependencies) => testAccessTokenIssuer(database, now);

function expectError(result: { ok: boolean; error?: string }, code: string): void {
  expect(result.ok).toBe(false);
  expect(result.error).toBe(code);
}

const later = (ms: number) => new Date(now.getTime() + ms);

describe("JWT access tokens", () => {
  let database: ReturnType<typeof keyDatabase>;
  let one: Awaited<ReturnType<typeof instance>>;
  let keys: SigningKeySet;
  beforeAll(async () => {
    database = keyDatabase();
    one = await instance(database);
    keys = one.initial;
  });
  const base = (input: { typ?: string; iss?: string; aud?: string; alg?: string; kid?: string }) =>
    new SignJWT({ sid: "s-1" })
      .setProtectedHeader({
        alg: input.alg ?? "ES256",
        typ: input.typ ?? "at+jwt",
        kid: input.kid ?? activeSigningKey(keys, "ES256", now)?.kid ?? "",
      })
      .setSubject("u-1")
      .setIssuer(input.iss ?? one.settings.issuer)
      .setAudience(input.aud ?? one.settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300);
  const privateKeyOf = (algorithm: "ES256" | "RS256") =>
    importJWK({ ...activeSigningKey(keys, algorithm, now)?.privateJWK }, algorithm);

  it("signs with the ES256 key, its kid and typ at+jwt in the header, and verifies what it issued", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "ES256",
      kid: activeSigningKey(keys, "ES256", now)?.kid,
      typ: "at+jwt",
    });
    expect(await one.issuer.verifyAccessToken({ token, now })).toEqual({ ok: true, value: claims });
  });

  it("issues tokens another service verifies with the public JWKS alone", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [...publicJWKS(keys).keys] }), {
      issuer: one.settings.issuer,
      audience: one.settings.audience,
      typ: "at+jwt",
      algorithms: ["ES256"],
      currentDate: now,
    });
    expect(payload).toMatchObject({ sub: "u-1", sid: "s-1" });
  });

  it("accepts a token signed with the RS256 key under its kid", async () => {
    const token = await base({ alg: "RS256", kid: activeSigningKey(keys, "RS256", now)?.kid ?? "" }).sign(
      await privateKeyOf("RS256"),
    );
    expect(await one.issuer.verifyAccessToken({ token, now })).toEqual({ ok: true, value: claims });
  });

  it("answers TOKEN_EXPIRED once the lifetime has passed, and not a second before", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    expect((await one.issuer.verifyAccessToken({ token, now: later(299_000) })).ok).toBe(true);
    expectError(await one.issuer.verifyAccessToken({ token, now: later(300_000) }), "TOKEN_EXPIRED");
  });

  // This clock stepped back since the token was issued (NTP correcting it), or a fast instance issued it.
  it("accepts a token issued a few seconds ahead of this clock, and not one issued its lifetime ahead", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    expect((await one.issuer.verifyAccessToken({ token, now: later(-5_000) })).ok).toBe(true);
    // Before, its exp alone decided: after a step back of a year, it lived a year more.
    expectError(await one.issuer.verifyAccessToken({ token, now: later(-300_000) }), "TOKEN_EXPIRED");
    expectError(
      await one.issuer.verifyAccessToken({ token, now: later(-365 * 24 * 3600_000) }),
      "TOKEN_EXPIRED",
    );
    const fresh = await one.issuer.issueAccessToken({ ...claims, now: later(1000) });
    expectError(await one.issuer.verifyAccessToken({ token: fresh, now: later(-3600_000) }), "TOKEN_EXPIRED");
  });

  it("a token verified before still expires at its exp, and its tampered copies are still refused", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    for (const ms of [0, 1000, 299_999]) {
      expect(await one.issuer.verifyAccessToken({ token, now: later(ms) })).toEqual({
        ok: true,
        value: claims,
      });
    }
    const [header, payload, signature = ""] = token.split(".");
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    expectError(
      await one.issuer.verifyAccessToken({ token: `${header}.${payload}.${flipped}`, now }),
      "INVALID_TOKEN",
    );
    expectError(await one.issuer.verifyAccessToken({ token, now: later(300_000) }), "TOKEN_EXPIRED");
    expectError(await one.issuer.verifyAccessToken({ token, now: later(300_001) }), "TOKEN_EXPIRED");
  });

  it("rejects a tampered payload as INVALID_TOKEN", async () => {
    const token = await one.issuer.issueAccessToken({ ...claims, now });
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ sub: "someone-else", sid: "s-1", exp: 9e9, iat: 1 }),
    ).toString("base64url");
    expectError(
      await one.issuer.verifyAccessToken({ token: `${header}.${forged}.${signature}`, now }),
      "INVALID_TOKEN",
    );
  });

  it("rejects a token of another database's key, even under one of our kids", async () => {
    const other = await instance(keyDatabase());
    const token = await other.issuer.issueAccessToken({ ...claims, now });
    expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
    const [, payload, signature] = token.split(".");
    const ourHeader = Buffer.from(
      JSON.stringify({ alg: "ES256", kid: activeSigningKey(keys, "ES256", now)?.kid, typ: "at+jwt" }),
    ).toString("base64url");
    expectError(
      await one.issuer.verifyAccessToken({ token: `${ourHeader}.${payload}.${signature}`, now }),
      "INVALID_TOKEN",
    );
  });

  it("rejects a token signed with the RS256 key but labelled with the ES256 kid (one algorithm per key)", async () => {
    const token = await base({ alg: "RS256" }).sign(await privateKeyOf("RS256"));
    expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
  });

  it("rejects alg: none", async () => {
    const token = new UnsecuredJWT({ sid: "s-1" })
      .setSubject("u-1")
      .setIssuer(one.settings.issuer)
      .setAudience(one.settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .encode();
    expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
  });

  it("rejects HS256 signed with our public key (algorithm confusion), as PEM and as JWK text", async () => {
    const es = activeSigningKey(keys, "ES256", now);
    const publicPEM = await exportSPKI(
      (await importJWK({ ...es?.publicJWK }, "ES256", { extractable: true })) as never,
    );
    for (const secret of [publicPEM, JSON.stringify(es?.publicJWK)]) {
      const token = await base({ alg: "HS256" }).sign(new TextEncoder().encode(secret));
      expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
    }
    // Also by hand, in case a library normalised the header: the signature is an HMAC over the input.
    const header = Buffer.from(JSON.stringify({ alg: "HS256", kid: es?.kid, typ: "at+jwt" })).toString(
      "base64url",
    );
    const body = Buffer.from(
      JSON.stringify({
        sub: "u-1",
        sid: "s-1",
        iss: one.settings.issuer,
        aud: one.settings.audience,
        iat: 1,
        exp: 9e9,
      }),
    ).toString("base64url");
    const mac = createHmac("sha256", publicPEM).update(`${header}.${body}`).digest("base64url");
    expectError(
      await one.issuer.verifyAccessToken({ token: `${header}.${body}.${mac}`, now }),
      "INVALID_TOKEN",
    );
  });

  it("rejects a token signed HS256 with the old JWT_SECRET, as every token issued before this change was", async () => {
    for (const header of [
      { alg: "HS256", typ: "at+jwt" },
      { alg: "HS256", typ: "at+jwt", kid: activeSigningKey(keys, "ES256", now)?.kid },
    ]) {
      const token = await new SignJWT({ sid: "s-1" })
        .setProtectedHeader(header)
        .setSubject("u-1")
        .setIssuer(one.settings.issuer)
        .setAudience(one.settings.audience)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
        .sign(new TextEncoder().encode(oldJWTSecret));
      expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
    }
  });

  it("rejects a token of another type, issuer or audience even when correctly signed", async () => {
    const key = await privateKeyOf("ES256");
    for (const token of [
      await base({ typ: "mfa+jwt" }).sign(key),
      await base({ iss: "evil" }).sign(key),
      await base({ aud: "other-api" }).sign(key),
    ]) {
      expectError(await one.issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
    }
  });

  it("rejects garbage, refresh-token-shaped strings and tokens without a kid", async () => {
    expectError(await one.issuer.verifyAccessToken({ token: "not-a-jwt", now }), "INVALID_TOKEN");
    expectError(
      await one.issuer.verifyAccessToken({
        token: "0190a000-0000-7000-8000-000000000001.c2VjcmV0c2VjcmV0c2VjcmV0",
        now,
      }),
      "INVALID_TOKEN",
    );
    const withoutKid = await new SignJWT({ sid: "s-1" })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt" })
      .setSubject("u-1")
      .setIssuer(one.settings.issuer)
      .setAudience(one.settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .sign(await privateKeyOf("ES256"));
    expectError(await one.issuer.verifyAccessToken({ token: withoutKid, now }), "INVALID_TOKEN");
  });

  it("rejects a token of ours without an expiry, or whose sid is not a string", async () => {
    const key = await privateKeyOf("ES256");
    const kid = activeSigningKey(keys, "ES256", now)?.kid ?? "";
    const claims = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
        .setSubject("u-1")
        .setIssuer(one.settings.issuer)
        .setAudience(one.settings.audience)
        .setIssuedAt(Math.floor(now.getTime() / 1000));
    const withoutExpiry = await claims({ sid: "s-1" }).sign(key);
    expectError(await one.issuer.verifyAccessToken({ token: withoutExpiry, now }), "INVALID_TOKEN");
    const numericSid = await claims({ sid: 7 })
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .sign(key);
    expectError(await one.issuer.verifyAccessToken({ token: numericSid, now }), "INVALID_TOKEN");
  });
});

describe("access tokens across instances and rotations", () => {
  it("an unknown kid reads the key set again, at most once per gap: another instance's rotation is picked up", async () => {
    const database = keyDatabase();
    const a = await instance(database);
    const rotation = await rotateSigningKeys(database);
    if (!rotation.ok) throw new Error(rotation.error);
    // An instance that read the keys after the rotation signs with the new key.
    const fresh = await instance(database);
    const token = await fresh.issuer.issueAccessToken({ ...claims, now });
    expect(decodeProtectedHeader(token).kid).toBe(rotation.value.added[0]?.kid);

    // Right after start the gap has not passed: an unknown kid is refused without reading.
    expectError(await a.issuer.verifyAccessToken({ token, now: later(1) }), "INVALID_TOKEN");
    expect(a.counter.reloads).toBe(0);
    expect(await a.issuer.verifyAccessToken({ token, now: later(unknownKidReloadGapMs) })).toEqual({
      ok: true,
      value: claims,
    });
    expect(a.counter.reloads).toBe(1);
    // A made-up kid right after does not read again; once the gap has passed, it does.
    const unknown = await new SignJWT({ sid: "s-1" })
      .setProtectedHeader({ alg: "ES256", kid: "made-up", typ: "at+jwt" })
      .sign(await importJWK({ ...activeSigningKey(a.initial, "ES256", now)?.privateJWK }, "ES256"));
    expectError(
      await a.issuer.verifyAccessToken({ token: unknown, now: later(unknownKidReloadGapMs + 1) }),
      "INVALID_TOKEN",
    );
    expect(a.counter.reloads).toBe(1);
    expectError(
      await a.issuer.verifyAccessToken({ token: unknown, now: later(2 * unknownKidReloadGapMs) }),
      "INVALID_TOKEN",
    );
    expect(a.counter.reloads).toBe(2);
  });

  it("a retired key keeps verifying; a removed key stops verifying once the key set is read again", async () => {
    const database = keyDatabase();
    const a = await instance(database);
    const oldToken = await a.issuer.issueAccessToken({ ...claims, now });
    const oldKid = decodeProtectedHeader(oldToken).kid ?? "";
    await rotateSigningKeys(database);
    // Past the key set's age, a reads it again before signing: it signs with the new key, the old still verifies.
    const newToken = await a.issuer.issueAccessToken({ ...claims, now: later(maxAgeMs) });
    expect(a.counter.reloads).toBe(1);
    expect(decodeProtectedHeader(newToken).kid).not.toBe(oldKid);
    expect((await a.issuer.verifyAccessToken({ token: oldToken, now: later(maxAgeMs + 1) })).ok).toBe(true);

    const removal = await rotateSigningKeys(database, { remove: oldKid });
    expect(removal.ok && removal.value.removed).toBe(oldKid);
    expect((await a.issuer.verifyAccessToken({ token: oldToken, now: later(maxAgeMs + 2) })).ok).toBe(true);
    expectError(
      await a.issuer.verifyAccessToken({ token: oldToken, now: later(2 * maxAgeMs) }),
      "INVALID_TOKEN",
    );
    expect(a.counter.reloads).toBe(2);
    expect((await a.issuer.verifyAccessToken({ token: newToken, now: later(2 * maxAgeMs) })).ok).toBe(true);
  });

  it("a rotated-in key is published at once and signs from the lead's end, switched by each token's time", async () => {
    // Shorter than two key-set ages here, so the switch below happens between two reads.
    const lead = 90_000;
    const database = testKeyDatabase(now, lead);
    const a = await instance(database);
    const oldKid = decodeProtectedHeader(await a.issuer.issueAccessToken({ ...claims, now })).kid;
    const rotation = await rotateSigningKeys(database);
    if (!rotation.ok) throw new Error(rotation.error);
    const newKid = rotation.value.added.find((key) => key.algorithm === "ES256")?.kid;
    // Read again (past the key set's age): the new key is published, the old one still signs.
    const published = publicJWKS(await a.issuer.currentKeySet(later(maxAgeMs))).keys.map((key) => key.kid);
    expect(published).toEqual(expect.arrayContaining([newKid, oldKid]));
    const kidAt = async (ms: number) =>
      decodeProtectedHeader(await a.issuer.issueAccessToken({ ...claims, now: later(ms) })).kid;
    expect(await kidAt(maxAgeMs)).toBe(oldKid);
    expect(await kidAt(lead - 1)).toBe(oldKid);
    // From the lead's end the new key signs, with no further read of the keys.
    const reads = a.counter.reloads;
    expect(await kidAt(lead)).toBe(newKid);
    expect(a.counter.reloads).toBe(reads);
  });

  it("keeps its keys when reading them again fails, and tries again only after the key set's age", async () => {
    const database = keyDatabase();
    const initial = await loadSigningKeys(database);
    const failures: unknown[] = [];
    let reads = 0;
    const issuer = issuerReading(initial, {
      reload: async () => {
        reads++;
        throw new Error("database down");
      },
      onReloadError: (error) => failures.push(error),
    });
    const token = await issuer.issueAccessToken({ ...claims, now: later(maxAgeMs) });
    expect(await issuer.verifyAccessToken({ token, now: later(maxAgeMs + 1) })).toEqual({
      ok: true,
      value: claims,
    });
    expect([reads, failures.length]).toEqual([1, 1]);
  });

  it("a read of the key set that hangs (a database not answering) holds a request at most reloadWaitMs; its keys arrive when it ends", async () => {
    const database = keyDatabase();
    const initial = await loadSigningKeys(database);
    let finishRead: (() => void) | undefined;
    let reads = 0;
    const issuer = issuerReading(initial, {
      reload: async () => {
        reads++;
        await new Promise<void>((resolve) => (finishRead = resolve));
        return loadSigningKeys(database);
      },
      reloadWaitMs: 50,
    });
    const oldToken = await issuer.issueAccessToken({ ...claims, now });
    const oldKid = decodeProtectedHeader(oldToken).kid;
    const rotation = await rotateSigningKeys(database);
    if (!rotation.ok) throw new Error(rotation.error);
    const startedAt = performance.now();
    // Due by age, the read hangs: signing and verifying go on with the keys held, after 50 ms each.
    const duringHang = await issuer.issueAccessToken({ ...claims, now: later(maxAgeMs) });
    expect(decodeProtectedHeader(duringHang).kid).toBe(oldKid);
    expect((await issuer.verifyAccessToken({ token: oldToken, now: later(maxAgeMs + 1) })).ok).toBe(true);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(reads).toBe(1);
    // The read ends: the rotation is seen (the new key published), with no second read.
    finishRead?.();
    await vi.waitFor(async () =>
      expect(publicJWKS(await issuer.currentKeySet(later(maxAgeMs + 2))).keys.length).toBeGreaterThan(
        publicJWKS(initial).keys.length,
      ),
    );
    expect(reads).toBe(1);
  });
});

/** An issuer started on `initial` at `now`, reading its keys again through `keys.reload`. */
function issuerReading(
  initial: SigningKeySet,
  keys: Pick<AccessTokenKeys, "reload" | "onReloadError" | "reloadWaitMs">,
): ReturnType<typeof createJWTAccessTokenIssuer> {
  return createJWTAccessTokenIssuer({
    keys: { initial, loadedAt: now, maxAgeMs, unknownKidReloadGapMs, ...keys },
    issuer: "superoauth-test",
    audience: "superoauth-api",
    ttlSeconds: 300,
  });
}
