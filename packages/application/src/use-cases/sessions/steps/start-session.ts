import {
  type AuthenticationMethod,
  chooseSessionsToEnd,
  type ErrorCode,
  formatRefreshToken,
  ok,
  type RefreshToken,
  type RefreshTokenId,
  type Result,
  type Session,
  type SessionId,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, SessionHolder } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import { liveSessionWindow } from "./live-since.ts";

/** The tokens handed to a client. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly tokenType: "Bearer";
}

/** A successful sign-in: the user, their new tokens, and how they proved who they are (the session's). */
export interface SignedIn extends TokenPair {
  readonly user: User;
  readonly authenticationMethods: readonly AuthenticationMethod[];
  /** The session opened: the security log names it on the sign-in, as it does when the session ends. */
  readonly sessionId: SessionId;
}

/** Where a request came from, kept on the session so the user can recognise it. */
export interface ClientInfo {
  readonly userAgent?: string | undefined;
  readonly ip?: string | undefined;
  /** The device cookie's value, when the client keeps one (lockout: a device the account signed in from). */
  readonly deviceId?: string | undefined;
}

/** A new refresh token for a session, and the secret to give the client (only its hash is stored). */
export function mintRefreshToken(
  deps: Pick<Dependencies, "random" | "secretHasher" | "settings">,
  input: { sessionId: SessionId; parentId: RefreshTokenId | null; now: Date },
): { token: RefreshToken; secret: string; presented: string } {
  const id = deps.random.generateId() as RefreshTokenId;
  const secret = deps.random.generateSecret();
  const token: RefreshToken = {
    id,
    sessionId: input.sessionId,
    secretHash: deps.secretHasher.hashSecret(secret),
    parentId: input.parentId,
    replacedById: null,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + deps.settings.refreshTokenTtlMs),
    rotatedAt: null,
  };
  return { token, secret, presented: formatRefreshToken({ id, secret }) };
}

/** Signs an access token and pairs it with a refresh token. */
export async function pairTokens(
  deps: Pick<Dependencies, "accessTokens">,
  input: { userId: UserId; sessionId: SessionId; refreshToken: string; now: Date },
): Promise<TokenPair> {
  const accessToken = await deps.accessTokens.issueAccessToken({
    userId: input.userId,
    sessionId: input.sessionId,
    now: input.now,
  });
  return {
    accessToken,
    refreshToken: input.refreshToken,
    expiresIn: deps.accessTokens.accessTokenTtlSeconds,
    tokenType: "Bearer",
  };
}

/** A session stored for a user who just proved who they are, its access token not signed yet. */
export interface StoredSession {
  readonly user: User;
  readonly sessionId: SessionId;
  /** The refresh token to hand the client (only its hash is stored). */
  readonly refreshToken: string;
  readonly authenticationMethods: readonly AuthenticationMethod[];
  readonly now: Date;
}

/**
 * Stores a new session for a user who just proved who they are. A user has at most
 * `maxSessionsPerUser` live sessions: the least recently used ones end to make room. `holder`,
 * asked under the user's lock before anything is written, may refuse (SessionRepository). Only
 * writes: it runs inside a sign-in's transaction (ADR 0056), and `handOverSession` signs the access
 * token once that committed.
 */
export async function storeNewSession<E extends ErrorCode = never>(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    now: Date;
    /** How the person proved who they are (RFC 8176), kept for the ID tokens of single sign-on. */
    authenticationMethods: readonly AuthenticationMethod[];
    holder?: (holder: SessionHolder | null) => Result<void, E>;
  },
): Promise<Result<StoredSession, E>> {
  const { user, client, now } = input;
  const session: Session = {
    id: deps.random.generateId() as SessionId,
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    lastSeenAt: null,
    revokedAt: null,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
    ip: client.ip ?? null,
    // Opening a session is a proof: whatever signed in (password, provider, 2FA) was just checked.
    authenticatedAt: now,
    authenticationMethods: input.authenticationMethods,
  };
  const refresh = mintRefreshToken(deps, { sessionId: session.id, parentId: null, now });
  const ended = await deps.sessions.createSession({
    session,
    refreshToken: refresh.token,
    endSessions: {
      ...liveSessionWindow(deps),
      choose: (liveSessions) =>
        chooseSessionsToEnd({ liveSessions, maxSessions: deps.settings.maxSessionsPerUser }),
    },
    ...(input.holder === undefined ? {} : { holder: input.holder }),
  });
  if (!ended.ok) return ended;
  for (const sessionId of ended.value) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "session_revoked",
      client,
      details: { sessionId, reason: "session_limit" },
    });
  }
  return ok({
    user,
    sessionId: session.id,
    refreshToken: refresh.presented,
    authenticationMethods: session.authenticationMethods,
    now,
  });
}

/**
 * Signs the access token of a stored session and hands both tokens over. After the transaction
 * that stored the session: signing may first read the key set again (a minute old), through the
 * storage's own connection, which on SQLite a transaction holds.
 */
export async function handOverSession(
  deps: Pick<Dependencies, "accessTokens">,
  stored: StoredSession,
): Promise<SignedIn> {
  const tokens = await pairTokens(deps, {
    userId: stored.user.id,
    sessionId: stored.sessionId,
    refreshToken: stored.refreshToken,
    now: stored.now,
  });
  return {
    user: stored.user,
    ...tokens,
    authenticationMethods: stored.authenticationMethods,
    sessionId: stored.sessionId,
  };
}
