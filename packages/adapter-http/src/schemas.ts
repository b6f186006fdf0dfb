import type { TwoFactorStatus, User } from "@superoauth/domain";
import { type Static, type TSchema, Type } from "typebox";

/** The success envelope around a route's data. */
export function successEnvelope<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), data }, { description: "Success" });
}

/**
 * A redirect, described for the API reference: no body, the target in `Location`. Fastify sends a
 * redirect without serializing anything, so the schema only documents it.
 */
export function redirectResponse(description: string) {
  return Type.Null({ description });
}

/**
 * What a client may see of a user. Response schemas are allow-lists: the
 * serializer drops every property not named here, so hashes cannot leak.
 */
export const publicUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  nickname: Type.String(),
  hasPassword: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
});

/** The signed-in user as /auth/me answers: a user with their two-factor status, always both fields. */
export const currentUser = Type.Object({
  ...publicUser.properties,
  twoFactorEnabled: Type.Boolean(),
  /** Unused backup codes (0 without 2FA). */
  backupCodesRemaining: Type.Integer(),
});

export function presentUser(user: User): Static<typeof publicUser> {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    hasPassword: user.passwordHash !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function presentCurrentUser(user: User, twoFactor: TwoFactorStatus): Static<typeof currentUser> {
  return {
    ...presentUser(user),
    twoFactorEnabled: twoFactor.enabled,
    backupCodesRemaining: twoFactor.backupCodesRemaining,
  };
}

export const tokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal("Bearer"),
});

export const signedIn = Type.Object({
  user: publicUser,
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal("Bearer"),
});

// Bounds well above any valid value: they only keep huge strings away from argon2.
export const boundedString = (maxLength: number) => Type.String({ maxLength });

/**
 * A page's `limit` in a query string: text (query values are never coerced), read as a number by
 * the use case, which answers "limit must be an integer from 1 to N" for anything else (`abc`, `0`,
 * `1000`), one message for every wrong limit rather than a regular expression.
 */
export const pageLimit = () =>
  Type.String({ maxLength: 12, description: "An integer from 1 to the page's maximum" });
