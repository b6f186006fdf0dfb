import type { SessionId, UserId } from "@superoauth/domain";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createJWTMFATokenIssuer } from "./mfa-token-issuer.ts";
import { testAccessTokenIssuer, testKeyDatabase } from "./test-keys.ts";

const settings = {
  secret: "a-test-secret-that-is-at-least-32-bytes-long",
  issuer: "superoauth-test",
  audience: "superoauth-api",
};
const mfaTokens = createJWTMFATokenIssuer(settings);
const now = new Date("2026-05-01T10:00:00.000Z");
const { issuer: accessTokens } = await testAccessTokenIssuer(testKeyDatabase(now), now);
const userId = "0190a000-0000-7000-8000-000000000001" as UserId;
const challengeId = "0190a000-0000-7000-8000-0000000000c1";
const credential = "fingerprint-of-the-password-hash";

/** An MFA-typed token without a jti, signed with `secret`: what an attacker or an old issuer would make. */
function signMFAShapedToken(secret: string): Promise<string> {
  return new SignJWT({ amr: "password" })
    .setProtectedHeader({ alg: "HS256", typ: "mfa+jwt" })
    .setSubject(userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
    .sign(new TextEncoder().encode(secret));
}

describe("JWT MFA tokens", () => {
  it("verify to their challenge id (jti), user, first-factor method, password fingerprint, issue time and expiry, with typ mfa+jwt", async () => {
    const token = await mfaTokens.issueMFAToken({ challengeId, userId, method: "password", credential, now });
    expect(JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString())).toMatchObject({
      typ: "mfa+jwt",
    });
    expect(await mfaTokens.verifyMFAToken({ token, now })).toEqual({
      ok: true,
      value: {
        challengeId,
        userId,
        method: "password",
        credential,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 300_000),
      },
    });
  });

  it("expire after five minutes with INVALID_MFA_TOKEN", async () => {
    const token = await mfaTokens.issueMFAToken({ challengeId, userId, method: "password", credential, now });
    expect((await mfaTokens.verifyMFAToken({ token, now: new Date(now.getTime() + 299_000) })).ok).toBe(true);
    expect(await mfaTokens.verifyMFAToken({ token, now: new Date(now.getTime() + 300_000) })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
  });

  it("refuse a token issued its lifetime or more ahead of this clock (a clock that was fast), not seconds ahead", async () => {
    const token = await mfaTokens.issueMFAToken({ challengeId, userId, method: "password", credential, now });
    expect((await mfaTokens.verifyMFAToken({ token, now: new Date(now.getTime() - 5_000) })).ok).toBe(true);
    for (const aheadMs of [300_000, 365 * 24 * 3600_000]) {
      expect(await mfaTokens.verifyMFAToken({ token, now: new Date(now.getTime() - aheadMs) })).toMatchObject(
        {
          ok: false,
          error: "INVALID_MFA_TOKEN",
        },
      );
    }
  });

  it("are refused as access tokens, and access tokens are refused as MFA tokens", async () => {
    const mfaToken = await mfaTokens.issueMFAToken({
      challengeId,
      userId,
      method: "password",
      credential,
      now,
    });
    expect(await accessTokens.verifyAccessToken({ token: mfaToken, now })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    const accessToken = await accessTokens.issueAccessToken({ userId, sessionId: "s-1" as SessionId, now });
    expect(await mfaTokens.verifyMFAToken({ token: accessToken, now })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
  });

  it("refuse a token of the right key and type without a jti: it could not be made single-use", async () => {
    const withoutId = await signMFAShapedToken(settings.secret);
    expect(await mfaTokens.verifyMFAToken({ token: withoutId, now })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
  });

  it("refuse a token of the right key and type without the password's fingerprint (pwf): a change of password could not end it", async () => {
    const withoutFingerprint = await new SignJWT({ amr: "password" })
      .setProtectedHeader({ alg: "HS256", typ: "mfa+jwt" })
      .setJti(challengeId)
      .setSubject(userId)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .sign(new TextEncoder().encode(settings.secret));
    expect(await mfaTokens.verifyMFAToken({ token: withoutFingerprint, now })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
  });

  it("refuse a token signed with another key, tampered with, or not a JWT", async () => {
    const forged = await signMFAShapedToken("another-secret-that-is-32-bytes-long!!");
    const token = await mfaTokens.issueMFAToken({ challengeId, userId, method: "password", credential, now });
    const [header, , signature] = token.split(".");
    const otherUser = Buffer.from(JSON.stringify({ sub: "someone-else", amr: "password" })).toString(
      "base64url",
    );
    for (const candidate of [forged, `${header}.${otherUser}.${signature}`, "not-a-jwt", ""]) {
      expect(await mfaTokens.verifyMFAToken({ token: candidate, now })).toMatchObject({
        ok: false,
        error: "INVALID_MFA_TOKEN",
      });
    }
  });
});
