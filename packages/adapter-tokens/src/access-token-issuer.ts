import { createSecretKey } from "node:crypto";
import type { AccessTokenClaims, AccessTokenIssuer } from "@superoauth/application";
import { err, ok, type Result, type SessionId, type UserId } from "@superoauth/domain";
import { errors, jwtVerify, SignJWT } from "jose";

/** How access tokens are signed and what they claim. */
export interface AccessTokenSettings {
  /** HMAC key, at least 32 bytes. */
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

// The one algorithm we sign with and the only one we accept: pinning it is
// what makes `alg: none` and algorithm-confusion tokens fail (RFC 8725 section 3.1).
const algorithm = "HS256";
// RFC 9068 media type for JWT access tokens; other token kinds use other types,
// so one kind can never pass for another.
const accessTokenType = "at+jwt";
const minimumSecretBytes = 32;

/** Signs and verifies access tokens as JWTs with jose. */
export function createJWTAccessTokenIssuer(settings: AccessTokenSettings): AccessTokenIssuer {
  const secretBytes = new TextEncoder().encode(settings.secret);
  // A KeyObject made once: given raw bytes, jose would import the key again on every call.
  const key = createSecretKey(secretBytes);
  if (secretBytes.byteLength < minimumSecretBytes) {
    throw new Error(`The JWT secret must be at least ${minimumSecretBytes} bytes`);
  }
  const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

  return {
    accessTokenTtlSeconds: settings.ttlSeconds,

    issueAccessToken({ userId, sessionId, now }) {
      return new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: algorithm, typ: accessTokenType })
        .setSubject(userId)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(seconds(now))
        .setExpirationTime(seconds(now) + settings.ttlSeconds)
        .sign(key);
    },

    async verifyAccessToken({
      token,
      now,
    }): Promise<Result<AccessTokenClaims, "TOKEN_EXPIRED" | "INVALID_TOKEN">> {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [algorithm],
          typ: accessTokenType,
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ["sub", "sid", "exp", "iat"],
          currentDate: now,
        });
        if (typeof payload.sub !== "string" || typeof payload.sid !== "string") {
          return err("INVALID_TOKEN", "Token is malformed");
        }
        return ok({ userId: payload.sub as UserId, sessionId: payload.sid as SessionId });
      } catch (error) {
        return translateJoseError(error);
      }
    },
  };
}

/** Maps jose's failures by code; anything that is not a jose error is a bug and is rethrown. */
function translateJoseError(error: unknown): Result<never, "TOKEN_EXPIRED" | "INVALID_TOKEN"> {
  if (!(error instanceof errors.JOSEError)) throw error;
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return err("TOKEN_EXPIRED", "Access token has expired");
    default:
      return err("INVALID_TOKEN", "Token is malformed, invalid or of the wrong type");
  }
}
