import type { SessionId, UserId } from "@superoauth/domain";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createJWTAccessTokenIssuer } from "./access-token-issuer.ts";

const settings = {
  secret: "a-test-secret-that-is-at-least-32-bytes-long",
  issuer: "superoauth-test",
  audience: "superoauth-api",
  ttlSeconds: 300,
};
const issuer = createJWTAccessTokenIssuer(settings);
const now = new Date("2026-05-01T10:00:00.000Z");
const claims = { userId: "u-1" as UserId, sessionId: "s-1" as SessionId };
const key = new TextEncoder().encode(settings.secret);

function expectError(result: { ok: boolean; error?: string }, code: string): void {
  expect(result.ok).toBe(false);
  expect(result.error).toBe(code);
}

describe("JWT access tokens", () => {
  it("verifies a token it issued and returns its user and session", async () => {
    const token = await issuer.issueAccessToken({ ...claims, now });
    expect(await issuer.verifyAccessToken({ token, now })).toEqual({ ok: true, value: claims });
  });

  it("answers TOKEN_EXPIRED once the lifetime has passed, and not a second before", async () => {
    const token = await issuer.issueAccessToken({ ...claims, now });
    const justBefore = new Date(now.getTime() + 299_000);
    expect((await issuer.verifyAccessToken({ token, now: justBefore })).ok).toBe(true);
    expectError(
      await issuer.verifyAccessToken({ token, now: new Date(now.getTime() + 300_000) }),
      "TOKEN_EXPIRED",
    );
  });

  it("rejects a tampered payload as INVALID_TOKEN", async () => {
    const token = await issuer.issueAccessToken({ ...claims, now });
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ sub: "someone-else", sid: "s-1", exp: 9e9, iat: 1 }),
    ).toString("base64url");
    expectError(
      await issuer.verifyAccessToken({ token: `${header}.${forged}.${signature}`, now }),
      "INVALID_TOKEN",
    );
  });

  it("rejects a token signed with another key", async () => {
    const other = createJWTAccessTokenIssuer({
      ...settings,
      secret: "another-secret-that-is-also-32-bytes-long!",
    });
    const token = await other.issueAccessToken({ ...claims, now });
    expectError(await issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
  });

  it("rejects alg: none", async () => {
    const token = new UnsecuredJWT({ sid: "s-1" })
      .setSubject("u-1")
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .encode();
    expectError(await issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
  });

  it("rejects a token of another type, issuer or audience even when correctly signed", async () => {
    const base = (typ: string, iss: string, aud: string) =>
      new SignJWT({ sid: "s-1" })
        .setProtectedHeader({ alg: "HS256", typ })
        .setSubject("u-1")
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
        .sign(key);
    expectError(
      await issuer.verifyAccessToken({
        token: await base("mfa+jwt", settings.issuer, settings.audience),
        now,
      }),
      "INVALID_TOKEN",
    );
    expectError(
      await issuer.verifyAccessToken({ token: await base("at+jwt", "evil", settings.audience), now }),
      "INVALID_TOKEN",
    );
    expectError(
      await issuer.verifyAccessToken({ token: await base("at+jwt", settings.issuer, "other-api"), now }),
      "INVALID_TOKEN",
    );
  });

  it("rejects a token signed with another HMAC algorithm", async () => {
    const token = await new SignJWT({ sid: "s-1" })
      .setProtectedHeader({ alg: "HS512", typ: "at+jwt" })
      .setSubject("u-1")
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
      .sign(new TextEncoder().encode(`${settings.secret}${settings.secret}`));
    expectError(await issuer.verifyAccessToken({ token, now }), "INVALID_TOKEN");
  });

  it("rejects garbage and refresh-token-shaped strings", async () => {
    expectError(await issuer.verifyAccessToken({ token: "not-a-jwt", now }), "INVALID_TOKEN");
    expectError(
      await issuer.verifyAccessToken({
        token: "0190a000-0000-7000-8000-000000000001.c2VjcmV0c2VjcmV0c2VjcmV0",
        now,
      }),
      "INVALID_TOKEN",
    );
  });

  it("refuses to start with a secret shorter than 32 bytes", () => {
    expect(() => createJWTAccessTokenIssuer({ ...settings, secret: "short" })).toThrow(/at least 32 bytes/);
  });
});
