import { timeSince } from "./clock.ts";
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
  /**
   * Its sign-in or last refresh: the newest refresh token was issued then, so the session is live
   * (some token of it still exchangeable) for the refresh-token lifetime after it.
   */
  readonly lastUsedAt: Date;
  /**
   * When a hosted page (the account center, a sign-in for an app) last recognised this session as
   * its browser's, moved at most once per `sessionSeenIntervalMs`; null if never. A browser session
   * is never refreshed, so this is how its use shows; it does not keep the session live longer.
   */
  readonly lastSeenAt: Date | null;
  readonly revokedAt: Date | null;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /**
   * When the person last proved a factor in this session: its sign-in (password, provider, 2FA),
   * or a re-authentication since. Refreshing does not move it (see hasFreshProof).
   */
  readonly authenticatedAt: Date;
  /**
   * How the person proved who they are at `authenticatedAt` (the sign-in, or the re-authentication
   * that moved it), for an ID token's `amr`. Empty for sessions older than the record.
   */
  readonly authenticationMethods: readonly AuthenticationMethod[];
}

/**
 * A way of proving who one is, as an ID token's `amr` names it (RFC 8176): a password, a one-time
 * code (TOTP or backup code), more than one factor; and "fed", a sign-in through another
 * identity provider, which RFC 8176 does not name (the common extension).
 */
export type AuthenticationMethod = "pwd" | "otp" | "mfa" | "fed";

const authenticationMethodNames: ReadonlySet<string> = new Set<AuthenticationMethod>([
  "pwd",
  "otp",
  "mfa",
  "fed",
]);

/** Whether `name` is one of the methods above (stored values are read back through this). */
export function isAuthenticationMethod(name: string): name is AuthenticationMethod {
  return authenticationMethodNames.has(name);
}

/**
 * The methods of a sign-in: its first factor ("password", or the id of the provider that
 * vouched), and the second when one was proven.
 */
export function signInAuthenticationMethods(input: {
  firstFactor: string;
  secondFactor: boolean;
}): AuthenticationMethod[] {
  const first: AuthenticationMethod = input.firstFactor === "password" ? "pwd" : "fed";
  return input.secondFactor ? [first, "otp", "mfa"] : [first];
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

/**
 * What to do with a presented refresh token. `keptSecret` is the successor's secret
 * as the store keeps it during the grace period (encrypted; opaque here).
 */
export type RefreshDecision =
  | { readonly kind: "rotate" }
  | {
      readonly kind: "return-current-successor";
      readonly successor: RefreshToken;
      readonly keptSecret: string;
    }
  | { readonly kind: "reuse-detected" }
  | {
      readonly kind: "reject";
      readonly reason:
        | "revoked"
        | "expired"
        | "session-too-old"
        | "successor-unavailable"
        | "rotated-ahead-of-the-clock";
    };

/**
 * Decides a refresh (RFC 9700 section 4.14.2, refresh token rotation). A session
 * has at most one live refresh token: a live token rotates into its successor; a
 * rotated token presented again means it leaked, and its whole session is revoked,
 * except that the immediate predecessor of the live token, presented again within
 * `graceMs` of its rotation, is answered with that same live successor (never a new
 * token), so two tabs refreshing at once share one token instead of being logged out.
 * Supabase Auth answers a parent token's reuse the same way.
 *
 * `successor` is the token that replaced `token` (null if not rotated);
 * `keptSuccessorSecret` is its secret as kept for the grace period, null when the
 * store keeps none (a zero grace period): then the duplicate gets a plain refusal,
 * and the session lives on.
 *
 * Refreshing extends a session, so on its own a session used every few days would
 * never end; `maxSessionAgeMs` is the absolute limit from its sign-in (OWASP Session
 * Management Cheat Sheet, "Absolute Timeout"), after which the person signs in again.
 */
export function decideRefresh(input: {
  token: RefreshToken;
  session: Session;
  successor: RefreshToken | null;
  keptSuccessorSecret: string | null;
  now: Date;
  graceMs: number;
  maxSessionAgeMs: number;
}): RefreshDecision {
  const { token, session, successor, now } = input;
  if (session.revokedAt !== null) return { kind: "reject", reason: "revoked" };
  // A sign-in dated ahead of this clock is as old as it is far ahead (timeSince): a session opened
  // by a clock a year fast is not young for a year.
  if (timeSince(session.createdAt, now) >= input.maxSessionAgeMs) {
    return { kind: "reject", reason: "session-too-old" };
  }
  if (now.getTime() >= token.expiresAt.getTime()) return { kind: "reject", reason: "expired" };
  if (token.rotatedAt === null) return { kind: "rotate" };
  const sinceRotation = now.getTime() - token.rotatedAt.getTime();
  if (sinceRotation > input.graceMs) return { kind: "reuse-detected" };
  // Rotated further ahead of this clock than the grace period (this clock stepped back since, or
  // the instance that rotated it is fast): how long ago is not known, so neither the successor
  // (measured plainly, the grace would last until this clock caught up) nor the session's end (a
  // request racing the step may be the owner's): a plain refusal, as for a token nobody can use.
  if (sinceRotation < -input.graceMs) return { kind: "reject", reason: "rotated-ahead-of-the-clock" };
  // Within the grace period only the immediate predecessor of the live token is forgiven:
  // an older generation was presented after a newer token was already used.
  if (successor !== null && successor.rotatedAt !== null) return { kind: "reuse-detected" };
  if (successor === null || input.keptSuccessorSecret === null) {
    return { kind: "reject", reason: "successor-unavailable" };
  }
  return { kind: "return-current-successor", successor, keptSecret: input.keptSuccessorSecret };
}

/** How often a browser session's `lastSeenAt` is written at most: once a minute, not every page. */
export const sessionSeenIntervalMs = 60_000;

/** When the session was last used, by a refresh, a sign-in or a hosted page: what its owner sees. */
export function lastActivityOf(session: Session): Date {
  const { lastUsedAt, lastSeenAt } = session;
  return lastSeenAt !== null && lastSeenAt.getTime() > lastUsedAt.getTime() ? lastSeenAt : lastUsedAt;
}

/** Whether a hosted page that recognised `session` at `now` records it (lastSeenAt is a minute old or more). */
export function shouldRecordSessionSeen(session: Session, now: Date): boolean {
  // timeSince: a time seen ahead of this clock is written again, not left until the clock reaches it.
  return session.lastSeenAt === null || timeSince(session.lastSeenAt, now) >= sessionSeenIntervalMs;
}

/**
 * Which of a user's live sessions to end so that one more fits under `maxSessions`
 * (OWASP ASVS 5.0 7.1.2, a limit on concurrent sessions): the least recently used
 * (lastActivityOf: a browser session in use on a page counts as used) first, ties broken by the
 * older sign-in, then by id.
 */
export function chooseSessionsToEnd(input: {
  liveSessions: readonly Session[];
  maxSessions: number;
}): SessionId[] {
  const excess = input.liveSessions.length + 1 - input.maxSessions;
  if (excess <= 0) return [];
  return [...input.liveSessions]
    .sort(
      (a, b) =>
        lastActivityOf(a).getTime() - lastActivityOf(b).getTime() ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, excess)
    .map((session) => session.id);
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
