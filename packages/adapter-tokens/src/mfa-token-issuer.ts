import { createSecretKey } from "node:crypto";
import type { MFAChallenge, MFATokenIssuer } from "@superoauth/application";
import { err, ok, type Result, type UserId } from "@superoauth/domain";
import { errors, jwtVerify, SignJWT } from "jose";

/**
 * How MFA tokens are signed: HS256 with JWT_SECRET. They never leave this service (only it verifies
 * them), so they need no published key (ADR 0021); the type header keeps them apart from access tokens.
 */
export interface MFATokenSettings {
  /** HMAC key, at least 32 bytes. */
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  /** Lifetime in seconds (default 300). */
  readonly ttlSeconds?: number;
}

const algorithm = "HS256";
// A type of its own: the access-token verifier pins `at+jwt`, this one pins `mfa+jwt`,
// so neither kind passes for the other (RFC 8725 section 3.11, explicit typing).
const mfaTokenType = "mfa+jwt";

/** Signs and verifies the short-lived tokens between the first and second sign-in factors, with jose. */
export function createJWTMFATokenIssuer(settings: MFATokenSettings): MFATokenIssuer {
  const secretBytes = new TextEncoder().encode(settings.secret);
  // A KeyObject made once: given raw bytes, jose would import the key again on every call.
  const key = createSecretKey(secretBytes);
  if (secretBytes.byteLength < 32) throw new Error("The JWT secret must be at least 32 bytes");
  const ttlSeconds = settings.ttlSeconds ?? 300;
  const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
  const invalid = err("INVALID_MFA_TOKEN", "The MFA token is invalid or expired; sign in again");

  return {
    mfaTokenTtlSeconds: ttlSeconds,

    issueMFAToken({ challengeId, userId, method, credential, now }) {
      return new SignJWT({ amr: method, pwf: credential })
        .setProtectedHeader({ alg: algorithm, typ: mfaTokenType })
        .setJti(challengeId)
        .setSubject(userId)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(seconds(now))
        .setExpirationTime(seconds(now) + ttlSeconds)
        .sign(key);
    },

    async verifyMFAToken({
      token,
      now,
    }): Promise<Result<MFAChallenge & { issuedAt: Date; expiresAt: Date }, "INVALID_MFA_TOKEN">> {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [algorithm],
          typ: mfaTokenType,
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ["jti", "sub", "exp", "iat", "amr", "pwf"],
          currentDate: now,
        });
        const { jti, sub, amr, pwf, iat, exp } = payload;
        if (typeof jti !== "string" || typeof sub !== "string" || typeof amr !== "string") return invalid;
        if (typeof pwf !== "string" || typeof iat !== "number" || typeof exp !== "number") return invalid;
        // Issued its lifetime or more ahead of this clock (one that was fast, ADR 0055): its exp
        // alone would keep it for as long as the clock was ahead.
        if (iat - seconds(now) >= ttlSeconds) return invalid;
        return ok({
          challengeId: jti,
          userId: sub as UserId,
          method: amr,
          credential: pwf,
          issuedAt: new Date(iat * 1000),
          expiresAt: new Date(exp * 1000),
        });
      } catch (error) {
        // Every jose failure (expired, forged, wrong type) is the same answer; anything else is a bug.
        if (error instanceof errors.JOSEError) return invalid;
        throw error;
      }
    },
  };
}
