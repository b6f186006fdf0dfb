import type { UserId } from "./user.ts";

declare const sessionIdBrand: unique symbol;
/** A session: one sign-in on one device, the family of refresh tokens that rotate from it. */
export type SessionId = string & { readonly [sessionIdBrand]: true };

declare const refreshTokenIdBrand: unique symbol;
export type RefreshTokenId = string & { readonly [refreshTokenIdBrand]: true };

export interface Session {
  readonly id: SessionId;
  readonly userId: UserId;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly revokedAt: Date | null;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /**
   * When the person last proved a factor in this session: its sign-in (password, provider, 2FA),
   * or a re-authentication since. Refreshing does not move it (see hasFreshProof).
   */
  readonly authenticatedAt: Date;
}

/**
 * One refresh token of a session. Only a hash of its secret is kept. A token is
 * "rotated" once exchanged; `replacedById` names the token that replaced it.
 */
export interface RefreshToken {
  readonly id: RefreshTokenId;
  readonly sessionId: SessionId;
  readonly secretHash: string;
  readonly parentId: RefreshTokenId | null;
  readonly replacedById: RefreshTokenId | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly rotatedAt: Date | null;
}

/** What to do with a presented refresh token. */
export type RefreshDecision =
  | { readonly kind: "rotate" }
  | { readonly kind: "reissue-within-grace" }
  | { readonly kind: "reuse-detected" }
  | { readonly kind: "reject"; readonly reason: "revoked" | "expired" | "session-too-old" };

/**
 * Decides a refresh (RFC 9700 section 4.14.2, refresh token rotation):
 * a live token rotates; a rotated token presented again means it leaked, and its
 * whole session is revoked, except that the immediate predecessor of the live
 * token may be exchanged again within `graceMs`, so two tabs refreshing at once
 * are not both logged out.
 *
 * `successor` is the token that replaced `token` (null if not rotated, or if the
 * replacement is still being written by a concurrent request).
 *
 * Refreshing extends a session, so on its own a session used every few days would
 * never end; `maxSessionAgeMs` is the absolute limit from its sign-in (OWASP Session
 * Management Cheat Sheet, "Absolute Timeout"), after which the person signs in again.
 */
export function decideRefresh(input: {
  token: RefreshToken;
  session: Session;
  successor: RefreshToken | null;
  now: Date;
  graceMs: number;
  maxSessionAgeMs: number;
}): RefreshDecision {
  const { token, session, successor, now, graceMs } = input;
  if (session.revokedAt !== null) return { kind: "reject", reason: "revoked" };
  if (now.getTime() - session.createdAt.getTime() >= input.maxSessionAgeMs) {
    return { kind: "reject", reason: "session-too-old" };
  }
  if (now.getTime() >= token.expiresAt.getTime()) return { kind: "reject", reason: "expired" };
  if (token.rotatedAt === null) return { kind: "rotate" };
  const withinGrace = now.getTime() - token.rotatedAt.getTime() <= graceMs;
  const successorIsLive = successor === null || successor.rotatedAt === null;
  return withinGrace && successorIsLive ? { kind: "reissue-within-grace" } : { kind: "reuse-detected" };
}

/** A refresh token as handed to clients: `<token id>.<secret>`. */
export function formatRefreshToken(input: { id: RefreshTokenId; secret: string }): string {
  return `${input.id}.${input.secret}`;
}

const refreshTokenPattern = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43,})$/;

/** Splits a presented refresh token; null when it does not have the shape of one (a JWT does not). */
export function parseRefreshToken(raw: string): { id: RefreshTokenId; secret: string } | null {
  const match = refreshTokenPattern.exec(raw);
  if (match === null) return null;
  const [, id, secret] = match;
  if (id === undefined || secret === undefined) return null;
  return { id: id as RefreshTokenId, secret };
}
