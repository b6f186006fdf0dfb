import type {
  AuthenticationMethod,
  ErrorCode,
  RefreshToken,
  RefreshTokenId,
  Result,
  Session,
  SessionId,
  TwoFactorStatus,
  User,
  UserId,
  UserStatus,
} from "@superoauth/domain";

export interface AccessTokenClaims {
  readonly userId: UserId;
  readonly sessionId: SessionId;
}

/** Signs and verifies short-lived access tokens. */
export interface AccessTokenIssuer {
  /** Lifetime of the tokens it issues, in seconds. */
  readonly accessTokenTtlSeconds: number;
  issueAccessToken(input: { userId: UserId; sessionId: SessionId; now: Date }): Promise<string>;
  verifyAccessToken(input: {
    token: string;
    now: Date;
  }): Promise<Result<AccessTokenClaims, "TOKEN_EXPIRED" | "INVALID_TOKEN">>;
}

/** A refresh token found by id, with its session, their user and the token that replaced it, if any. */
export interface StoredRefreshToken {
  readonly token: RefreshToken;
  readonly session: Session;
  readonly user: User;
  readonly successor: RefreshToken | null;
  /** The successor's secret, encrypted, while it is kept for the grace period; else null. */
  readonly encryptedSuccessorSecret: string | null;
}

/** Which of a user's live sessions a new sign-in ends (the cap on sessions), as createSession applies it. */
export interface SessionsToEnd {
  /** Sessions not revoked and used at or after this instant are live. */
  readonly usedSince: Date;
  /** When given, only sessions opened at or after this instant are live (SESSION_MAX_AGE). */
  readonly createdSince?: Date;
  /** The domain's rule: the ids of the live sessions to end. */
  readonly choose: (liveSessions: readonly Session[]) => readonly SessionId[];
}

/** The user's row as a new session's transaction reads it, under the user's lock. */
export interface SessionHolder {
  readonly status: UserStatus;
  readonly passwordHash: string | null;
}

/**
 * Told which sessions ended, once the write that ended them has committed: the OpenID provider
 * sends the apps the person signed in to within them a logout token (Back-Channel Logout, ADR
 * 0073). It reads what it needs of its own records before it resolves (an account's deletion then
 * removes them), sends in the background, and never rejects: a sign-out's answer waits on no app
 * and does not depend on what it does.
 */
export interface SessionEndings {
  ended(sessionIds: readonly SessionId[]): Promise<void>;
}

/** Sessions and their rotating refresh tokens. */
export interface SessionRepository {
  /**
   * Stores a new session and its first refresh token. With `endSessions`, first revokes
   * (at the session's `createdAt`) the user's sessions that `choose` (the domain's cap) picks
   * among those not revoked and used at or after `usedSince`: sign-ins of one user take
   * turns here, so concurrent ones cannot all fit into the same free place. Answers the ids
   * it revoked: not one a sign-out ended meanwhile, which that sign-out answers (and logs). Without
   * `endSessions` nothing is revoked (tests seeding a store).
   *
   * With `holder`, the user's row is read under the same lock first (null: deleted) and the guard
   * decides whether the session may open at all: a refusal writes nothing. A change that ends every
   * session (a disable, a password change or reset, a deletion) then either commits before, and
   * the guard sees it, or after, and ends this session too: none is opened on a proof it undid.
   */
  createSession<E extends ErrorCode = never>(input: {
    session: Session;
    refreshToken: RefreshToken;
    endSessions?: SessionsToEnd;
    holder?: (holder: SessionHolder | null) => Result<void, E>;
  }): Promise<Result<readonly SessionId[], E>>;
  findSession(id: SessionId): Promise<Session | null>;
  /**
   * The user and, if it belongs to them, the session, in one read: what every authenticated
   * request needs. `session` is null when unknown or someone else's; `user` null when deleted.
   */
  findSessionWithUser(input: { sessionId: SessionId; userId: UserId }): Promise<{
    user: User | null;
    session: Session | null;
  }>;
  /**
   * findSessionWithUser with the user's 2FA status, still in one read: what GET /auth/me needs.
   * The status of an unknown user is "not enabled, no codes".
   */
  findSessionWithUserAndTwoFactorStatus(input: { sessionId: SessionId; userId: UserId }): Promise<{
    user: User | null;
    session: Session | null;
    twoFactor: TwoFactorStatus;
  }>;
  findRefreshToken(id: RefreshTokenId): Promise<StoredRefreshToken | null>;
  /**
   * Marks `rotatedId` rotated and stores `replacement` with its encrypted secret (kept until
   * `replacementSecret.expiresAt`, the end of the grace period; null keeps none), only if
   * `rotatedId` was not rotated yet, and touches the session. Of concurrent calls for one token
   * exactly one answers "rotated" and only its replacement stays; a reader sees the link to the
   * replacement, the replacement and its secret together or none of them.
   * The kept secret of `rotatedId` itself is forgotten: it is no longer anyone's live token.
   */
  rotateRefreshToken(input: {
    rotatedId: RefreshTokenId;
    replacement: RefreshToken;
    replacementSecret: { encrypted: string; expiresAt: Date } | null;
    now: Date;
  }): Promise<"rotated" | "already-rotated">;
  /**
   * Ends the session, unless it has ended already (its first end's time stays). Answers whether
   * this call ended it: of any number at once, exactly one (one conditional update).
   */
  revokeSession(input: { sessionId: SessionId; now: Date }): Promise<boolean>;
  /**
   * Records that the session's person proved a factor again at `now` (its `authenticatedAt`), by
   * `methods` (its `authenticationMethods`), only while the session is live; never moves it back.
   */
  recordReauthentication(input: {
    sessionId: SessionId;
    now: Date;
    methods: readonly AuthenticationMethod[];
  }): Promise<void>;
  /**
   * Records that a hosted page recognised the session as its browser's at `now` (its
   * `lastSeenAt`); never moves it back. Liveness is unchanged (it follows `lastUsedAt`).
   */
  recordSessionSeen(input: { sessionId: SessionId; now: Date }): Promise<void>;
  /**
   * Revokes every session of the user not yet revoked but `exceptSessionId`; answers how many it
   * revoked, or, with `live` (liveSessionWindow), how many of those were live: one expired but not
   * yet pruned is revoked too and not counted, as it signed nobody in.
   */
  revokeSessionsOfUser(input: {
    userId: UserId;
    now: Date;
    exceptSessionId?: SessionId;
    live?: { usedSince: Date; createdSince: Date };
  }): Promise<number>;
  /**
   * The user's sessions that are not revoked and were last used at or after
   * `usedSince` (older ones have no unexpired refresh token left) and, when `createdSince` is
   * given, opened at or after it (older ones are past their maximum age), most recently used first.
   */
  listLiveSessionsOfUser(input: { userId: UserId; usedSince: Date; createdSince?: Date }): Promise<Session[]>;
}
