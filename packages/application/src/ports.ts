import type {
  Email,
  RefreshToken,
  RefreshTokenId,
  Result,
  SecurityEvent,
  Session,
  SessionId,
  User,
  UserId,
} from "@superoauth/domain";

/** The current time. Tests pass a clock they move by hand. */
export interface Clock {
  now(): Date;
}

/** Identifiers and secrets. Secrets carry at least 256 bits of entropy. */
export interface RandomSource {
  /** A new, time-ordered unique id (UUIDv7). */
  generateId(): string;
  /** A new secret, base64url, at least 43 characters (256 bits). */
  generateSecret(): string;
}

/** Slow, salted hashing for passwords (argon2id in production). */
export interface PasswordHasher {
  hashPassword(password: string): Promise<string>;
  verifyPassword(input: { hash: string; password: string }): Promise<boolean>;
  /**
   * Costs what verifyPassword costs, against a hash no password matches. Called
   * for unknown accounts so the response time does not reveal whether an email exists.
   */
  verifyDummyPassword(password: string): Promise<void>;
}

/** Fast hashing for high-entropy secrets (refresh tokens): SHA-256 and a constant-time comparison. */
export interface SecretHasher {
  hashSecret(secret: string): string;
  secretMatchesHash(input: { secret: string; hash: string }): boolean;
}

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

/** Users. Uniqueness of the email is the store's unique index, never a read before the write. */
export interface UserRepository {
  insertUser(user: User): Promise<Result<void, "USER_EXISTS">>;
  findUserById(id: UserId): Promise<User | null>;
  findUserByEmail(email: Email): Promise<User | null>;
  updatePasswordHash(input: { userId: UserId; passwordHash: string; now: Date }): Promise<void>;
}

/** A refresh token found by id, with its session and the token that replaced it, if any. */
export interface StoredRefreshToken {
  readonly token: RefreshToken;
  readonly session: Session;
  readonly successor: RefreshToken | null;
}

/** Sessions and their rotating refresh tokens. */
export interface SessionRepository {
  createSession(input: { session: Session; refreshToken: RefreshToken }): Promise<void>;
  findSession(id: SessionId): Promise<Session | null>;
  findRefreshToken(id: RefreshTokenId): Promise<StoredRefreshToken | null>;
  /**
   * Marks `rotatedId` rotated and stores `replacement`, atomically, only if
   * `rotatedId` was not rotated yet. Of concurrent calls for one token exactly
   * one answers "rotated".
   */
  rotateRefreshToken(input: {
    rotatedId: RefreshTokenId;
    replacement: RefreshToken;
    now: Date;
  }): Promise<"rotated" | "already-rotated">;
  /** Adds a token to a live session without rotating another (grace-period reissue). */
  addRefreshToken(input: { token: RefreshToken; now: Date }): Promise<void>;
  revokeSession(input: { sessionId: SessionId; now: Date }): Promise<void>;
  /** Revokes every live session of the user but `exceptSessionId`. */
  revokeSessionsOfUser(input: { userId: UserId; now: Date; exceptSessionId?: SessionId }): Promise<void>;
}

/** The account security log. Entries are never changed once written. */
export interface SecurityEventLog {
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /** Newest first; `beforeId` continues a listing after the last entry of the previous page. */
  listSecurityEventsOfUser(input: {
    userId: UserId;
    limit: number;
    beforeId?: string;
  }): Promise<SecurityEvent[]>;
}

/** Everything the use cases need from the outside, plus their tunables. */
export interface Dependencies {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly passwordHasher: PasswordHasher;
  readonly secretHasher: SecretHasher;
  readonly accessTokens: AccessTokenIssuer;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly securityEvents: SecurityEventLog;
  readonly settings: {
    /** Refresh-token lifetime in milliseconds (contract: 7 days). */
    readonly refreshTokenTtlMs: number;
    /** How long a just-rotated refresh token may be exchanged again (default 10 s). */
    readonly refreshReuseGraceMs: number;
  };
}
