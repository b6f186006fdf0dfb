import type {
  BackupCode,
  Email,
  EmailToken,
  EmailTokenId,
  EmailTokenPurpose,
  LinkedProvider,
  LockoutPolicy,
  LoginFailures,
  OAuthProviderId,
  RefreshToken,
  RefreshTokenId,
  Result,
  SecurityEvent,
  Session,
  SessionId,
  TOTPFactor,
  TwoFactorStatus,
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

/** How easy a new password is to guess; when it is, why, as a sentence for the user. */
export type PasswordAssessment =
  | { readonly guessable: false }
  | { readonly guessable: true; readonly reason: string };

/**
 * Estimates how easy a new password is to guess: common passwords, words, names, keyboard
 * patterns, dates and repeats, with l33t and reversed variants, and the account's own words
 * (zxcvbn-ts in production; offline, dictionaries loaded once). Asked only when a password is
 * set, never at sign-in (docs/decisions/0014-password-screening.md).
 */
export interface PasswordStrengthChecker {
  assessPassword(input: { password: string; accountWords: readonly string[] }): PasswordAssessment;
}

/** Fast hashing for high-entropy secrets (refresh tokens): SHA-256 and a constant-time comparison. */
export interface SecretHasher {
  hashSecret(secret: string): string;
  secretMatchesHash(input: { secret: string; hash: string }): boolean;
  /** The S256 `code_challenge` of a PKCE verifier: BASE64URL(SHA-256(ASCII(verifier))), RFC 7636 section 4.2. */
  codeChallengeOf(codeVerifier: string): string;
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
  /** Marks the user's address verified (idempotent). */
  markEmailVerified(input: { userId: UserId; now: Date }): Promise<void>;
}

/** A refresh token found by id, with its session and the token that replaced it, if any. */
export interface StoredRefreshToken {
  readonly token: RefreshToken;
  readonly session: Session;
  readonly successor: RefreshToken | null;
  /** The successor's secret, encrypted, while it is kept for the grace period; else null. */
  readonly encryptedSuccessorSecret: string | null;
}

/** Which of a user's live sessions a new sign-in ends (the cap on sessions), as createSession applies it. */
export interface SessionsToEnd {
  /** Sessions not revoked and used at or after this instant are live. */
  readonly usedSince: Date;
  /** The domain's rule: the ids of the live sessions to end. */
  readonly choose: (liveSessions: readonly Session[]) => readonly SessionId[];
}

/** Sessions and their rotating refresh tokens. */
export interface SessionRepository {
  /**
   * Stores a new session and its first refresh token. With `endSessions`, first revokes
   * (at the session's `createdAt`) the user's sessions that `choose` (the domain's cap) picks
   * among those not revoked and used at or after `usedSince`: sign-ins of one user take
   * turns here, so concurrent ones cannot all fit into the same free place. Answers the ids
   * it revoked. Without `endSessions` nothing is revoked (tests seeding a store).
   */
  createSession(input: {
    session: Session;
    refreshToken: RefreshToken;
    endSessions?: SessionsToEnd;
  }): Promise<readonly SessionId[]>;
  findSession(id: SessionId): Promise<Session | null>;
  /**
   * The user and, if it belongs to them, the session, in one read: what every authenticated
   * request needs. `session` is null when unknown or someone else's; `user` null when deleted.
   */
  findSessionWithUser(input: { sessionId: SessionId; userId: UserId }): Promise<{
    user: User | null;
    session: Session | null;
  }>;
  findRefreshToken(id: RefreshTokenId): Promise<StoredRefreshToken | null>;
  /**
   * Marks `rotatedId` rotated and stores `replacement` with its encrypted secret (kept until
   * `replacementSecret.expiresAt`, the end of the grace period; null keeps none), atomically,
   * only if `rotatedId` was not rotated yet. Of concurrent calls for one token exactly one
   * answers "rotated", and a reader sees the replacement and its secret together or neither.
   * The kept secret of `rotatedId` itself is forgotten: it is no longer anyone's live token.
   */
  rotateRefreshToken(input: {
    rotatedId: RefreshTokenId;
    replacement: RefreshToken;
    replacementSecret: { encrypted: string; expiresAt: Date } | null;
    now: Date;
  }): Promise<"rotated" | "already-rotated">;
  revokeSession(input: { sessionId: SessionId; now: Date }): Promise<void>;
  /**
   * Records that the session's person proved a factor again at `now` (its `authenticatedAt`),
   * only while the session is live; never moves it back.
   */
  recordReauthentication(input: { sessionId: SessionId; now: Date }): Promise<void>;
  /** Revokes every live session of the user but `exceptSessionId`. */
  revokeSessionsOfUser(input: { userId: UserId; now: Date; exceptSessionId?: SessionId }): Promise<void>;
  /**
   * The user's sessions that are not revoked and were last used at or after
   * `usedSince` (older ones have no unexpired refresh token left), most recently used first.
   */
  listLiveSessionsOfUser(input: { userId: UserId; usedSince: Date }): Promise<Session[]>;
}

/** Single-use tokens sent by mail (verification, password reset). Only hashes of their secrets are stored. */
export interface EmailTokenRepository {
  /**
   * Stores a new token and marks every other unused token of its user and purpose used (at its
   * `createdAt`), atomically: a newer link supersedes the older ones, and of concurrent issues for
   * one user and purpose at most one token stays usable (OWASP Forgot Password Cheat Sheet).
   */
  issueEmailToken(token: EmailToken): Promise<void>;
  findEmailToken(id: EmailTokenId): Promise<EmailToken | null>;
  /**
   * Sets `usedAt` only if the token was not used yet. Of concurrent calls for one
   * token exactly one answers "used"; the others answer "already-used".
   */
  useEmailToken(input: { id: EmailTokenId; now: Date }): Promise<"used" | "already-used">;
  /** Marks every unused token of the user and purpose used, so older links die with the newest. */
  useAllEmailTokensOfUser(input: { userId: UserId; purpose: EmailTokenPurpose; now: Date }): Promise<void>;
  /** How many tokens of the purpose were issued to the user at or after `since` (the per-address mail allowance). */
  countEmailTokensIssuedSince(input: {
    userId: UserId;
    purpose: EmailTokenPurpose;
    since: Date;
  }): Promise<number>;
}

/** A mail to one recipient, with a plain-text and an HTML body. */
export interface OutgoingMail {
  readonly to: Email;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Sends mail. `sendMail` resolves once the mail is accepted for delivery; an
 * adapter that cannot deliver at once retries in the background and logs a
 * final failure, so a slow or failing mail server never fails the user's request.
 */
export interface Mailer {
  sendMail(mail: OutgoingMail): Promise<void>;
}

/** Work to run after the reply: `name` says what it is in logs (never an address or a secret). */
export interface BackgroundTask {
  readonly name: string;
  run(): Promise<void>;
}

/**
 * Runs work after the reply, in this process, so a request does the same work whatever the
 * account it names (OWASP Forgot Password Cheat Sheet: "consistent response time"). A task's
 * failure is logged, never the request's. Bounded: past its capacity it refuses a task ("full")
 * and never runs it, so a flood cannot grow memory without limit; queued tasks are lost on a crash.
 */
export interface BackgroundTasks {
  enqueue(task: BackgroundTask): "queued" | "full";
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

/** What a provider says about the person who signed in, the same shape for every provider. */
export interface ProviderProfile {
  readonly provider: OAuthProviderId;
  /** The provider's stable user id. */
  readonly subject: string;
  /** As the provider gives it (not normalised); null when it gives none. */
  readonly email: string | null;
  /** Whether the provider vouches that the person controls `email`. */
  readonly emailVerified: boolean;
  readonly displayName: string | null;
  readonly avatarURL: string | null;
}

/**
 * One configured identity provider (Arctic in production). Every upstream
 * failure comes back as a result, translated by the adapter; it never throws
 * for the provider's misbehaviour.
 */
export interface OAuthProviderGateway {
  readonly provider: OAuthProviderId;
  /** Whether the provider takes a PKCE code verifier (RFC 7636, S256). */
  readonly supportsPKCE: boolean;
  /** The URL to send the browser to; scopes and redirect URI are the gateway's configuration. */
  createAuthorizationURL(input: { state: string; codeVerifier: string | null }): string;
  exchangeCodeForProfile(input: {
    code: string;
    codeVerifier: string | null;
  }): Promise<
    Result<ProviderProfile, "INVALID_AUTHORIZATION_CODE" | "TOKEN_EXCHANGE_FAILED" | "USER_INFO_FAILED">
  >;
}

/**
 * Provider identities linked to users. Uniqueness is the store's: one user per
 * (provider, subject) and one identity per (user, provider), by unique index.
 */
export interface LinkedProviderRepository {
  linkProvider(link: LinkedProvider): Promise<Result<void, "PROVIDER_ALREADY_LINKED">>;
  /**
   * Creates the user and links the identity to it, atomically: both or neither,
   * so a failed link never leaves an account nobody can sign in to. USER_EXISTS
   * when the email is taken (checked first), PROVIDER_ALREADY_LINKED when the identity is.
   */
  createUserWithLinkedProvider(input: {
    user: User;
    link: LinkedProvider;
  }): Promise<Result<void, "USER_EXISTS" | "PROVIDER_ALREADY_LINKED">>;
  findLinkedProvider(input: { provider: OAuthProviderId; subject: string }): Promise<LinkedProvider | null>;
  /** Oldest link first. */
  listLinkedProvidersOfUser(userId: UserId): Promise<LinkedProvider[]>;
  /**
   * Removes the user's link to `provider` if `mayUnlink` (the domain's rule)
   * allows it, judged on the account as it is at that moment: removals for one
   * user take turns, so two at once cannot each count on the other's provider.
   */
  unlinkProvider(input: {
    userId: UserId;
    provider: OAuthProviderId;
    mayUnlink: (account: SignInMethods) => Result<void, "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">;
  }): Promise<Result<void, "USER_NOT_FOUND" | "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">>;
}

/** An account's ways to sign in, as the "keep at least one" rule sees them. */
export interface SignInMethods {
  readonly hasPassword: boolean;
  readonly linked: readonly LinkedProvider[];
}

/** A trip to a provider that has not come back yet, stored under a hash of its `state`. */
export interface OAuthAuthorization {
  readonly stateHash: string;
  readonly provider: OAuthProviderId;
  /** The signed-in user who asked to link; null for signing in. */
  readonly linkUserId: UserId | null;
  /** Hash of the front end's S256 `code_challenge`, handed on to the login code; null when linking. */
  readonly codeChallengeHash: string | null;
  /** The session that asked to re-authenticate through the provider; null otherwise. */
  readonly reauthenticateSessionId: SessionId | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A one-time code that a browser trades for tokens after signing in through a provider. */
export interface OAuthLoginCode {
  readonly codeHash: string;
  readonly userId: UserId;
  readonly provider: OAuthProviderId;
  /** Hash of the `code_challenge` the sign-in started with: only its verifier may trade the code. */
  readonly codeChallengeHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The single-use records of the OAuth flow: authorization states and login codes. */
export interface OAuthFlowRepository {
  saveAuthorization(authorization: OAuthAuthorization): Promise<void>;
  /**
   * Removes and returns the authorization if it exists and has not expired at
   * `now`. Of concurrent calls for one state at most one gets it: a state works once.
   */
  consumeAuthorization(input: { stateHash: string; now: Date }): Promise<OAuthAuthorization | null>;
  saveLoginCode(code: OAuthLoginCode): Promise<void>;
  /** Like consumeAuthorization: a login code works once, and only before it expires. */
  consumeLoginCode(input: { codeHash: string; now: Date }): Promise<OAuthLoginCode | null>;
}

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) for authenticator apps (otplib in
 * production). Time always comes from the caller, so tests control it.
 */
export interface TOTPService {
  /** A new random secret, base32, at least 160 bits. */
  generateTOTPSecret(): string;
  /** The `otpauth://totp/...` URI an authenticator app reads from the QR code. */
  createOtpauthURL(input: { secret: string; accountName: string }): string;
  /** The URI as a QR code image, a `data:image/...` URL. */
  renderQRCode(otpauthURL: string): Promise<string>;
  /**
   * The time step whose code `code` is, looking one step back and one ahead of
   * `now` (clock drift); null when it is none of them. Replay is the caller's concern.
   */
  findTOTPTimeStep(input: { secret: string; code: string; now: Date }): Promise<number | null>;
}

/**
 * Encrypts small secrets at rest (AES-256-GCM in production). `associatedData`
 * binds a ciphertext to its owner: decrypting it for anyone else fails.
 * Decryption of a tampered or foreign ciphertext throws: that is broken data, not an expected outcome.
 */
export interface SecretCipher {
  encryptSecret(input: { plaintext: string; associatedData: string }): string;
  decryptSecret(input: { ciphertext: string; associatedData: string }): string;
}

/** What an MFA token stands for: a user who passed the first factor, and how. */
export interface MFAChallenge {
  /** Unique per token (its `jti`): completing the challenge records it, so a token signs in once. */
  readonly challengeId: string;
  readonly userId: UserId;
  /** The first factor: "password" or a provider id. */
  readonly method: string;
}

/**
 * Short-lived, single-purpose tokens between the first factor and the second.
 * They are not access tokens and must never verify as one (or as a refresh token).
 */
export interface MFATokenIssuer {
  readonly mfaTokenTtlSeconds: number;
  issueMFAToken(input: MFAChallenge & { now: Date }): Promise<string>;
  /** The challenge of a valid token, with the instant it expires. */
  verifyMFAToken(input: {
    token: string;
    now: Date;
  }): Promise<Result<MFAChallenge & { expiresAt: Date }, "INVALID_MFA_TOKEN">>;
}

/** Users' TOTP factors and backup codes. */
export interface TwoFactorRepository {
  findTOTPFactor(userId: UserId): Promise<TOTPFactor | null>;
  /** Stores a new pending factor, replacing a pending one; never replaces an enabled one ("already-enabled"). */
  savePendingTOTPFactor(input: {
    userId: UserId;
    encryptedSecret: string;
    now: Date;
  }): Promise<"saved" | "already-enabled">;
  /**
   * Turns the pending factor on, records `usedStep` as its last used step and
   * stores the backup codes, atomically. "not-pending" when there is no pending
   * factor any more (enabled meanwhile, or never set up); "secret-changed" when the
   * pending secret is no longer `confirmedSecret` (a new setup replaced the one the
   * code was checked against), so a secret whose code nobody confirmed is never turned on.
   */
  enableTOTPFactor(input: {
    userId: UserId;
    confirmedSecret: string;
    usedStep: number;
    backupCodes: readonly BackupCode[];
    now: Date;
  }): Promise<"enabled" | "not-pending" | "secret-changed">;
  /**
   * Records that a code of `step` was used, only if no code of this step or a
   * later one was used before. Of concurrent calls with one step exactly one
   * answers true: a TOTP code works once.
   */
  useTOTPStep(input: { userId: UserId; step: number }): Promise<boolean>;
  /** Removes the factor and every backup code of the user. */
  deleteTwoFactor(userId: UserId): Promise<void>;
  /** The user's backup codes not used yet. */
  listUnusedBackupCodes(userId: UserId): Promise<BackupCode[]>;
  /** The user's unused backup code with this lookup id (a user's lookup ids are distinct), or null. */
  findUnusedBackupCode(input: { userId: UserId; lookupId: string }): Promise<BackupCode | null>;
  /** Marks a code used only if it was not; of concurrent calls exactly one answers true. */
  useBackupCode(input: { id: string; now: Date }): Promise<boolean>;
  /** Replaces every backup code of the user with new ones, atomically. */
  replaceBackupCodes(input: { userId: UserId; backupCodes: readonly BackupCode[] }): Promise<void>;
  /** Whether 2FA is on and how many backup codes are left, in one indexed read. */
  findTwoFactorStatus(userId: UserId): Promise<TwoFactorStatus>;
  /**
   * Records that an MFA challenge was completed, only if it was not before: of
   * concurrent calls for one challenge exactly one answers true, so an MFA token
   * opens one session. Records of challenges expired before `now` may be forgotten.
   */
  completeMFAChallenge(input: {
    challengeId: string;
    userId: UserId;
    expiresAt: Date;
    now: Date;
  }): Promise<boolean>;
}

/**
 * Failed-sign-in counters and the sources accounts signed in from
 * (docs/decisions/0008-lockout-design.md). `account` is the normalised email,
 * so unknown addresses lock like real ones and a lock reveals nothing.
 */
export interface LockoutRepository {
  /** The counters of these sources of the account (absent ones are missing from the map). */
  findLoginFailures(input: {
    account: string;
    sources: readonly string[];
  }): Promise<Map<string, LoginFailures>>;
  /**
   * Reads the counters of these sources of the account and writes what
   * `update(current)` returns, as one atomic step: concurrent updates sharing a
   * counter are applied one after the other, none lost, so a rule `update`
   * applies (reserving an attempt under a threshold) holds under any parallelism.
   * `current` lacks absent counters; the returned map holds the counters to write
   * (only of `sources`; empty: write nothing). `update` is pure and may be called
   * again if the store retries. Returns the counters as they are after the update.
   */
  updateLoginFailures(input: {
    account: string;
    sources: readonly string[];
    update: (current: ReadonlyMap<string, LoginFailures>) => ReadonlyMap<string, LoginFailures>;
  }): Promise<ReadonlyMap<string, LoginFailures>>;
  /** Forgets the counters of these sources of the account, or all of them when `sources` is absent (unlock). */
  clearLoginFailures(input: { account: string; sources?: readonly string[] }): Promise<void>;
  /** Remembers that the user signed in from this source at `now`. */
  rememberSignInSource(input: { userId: UserId; source: string; now: Date }): Promise<void>;
  /** Of these sources, those the user signed in from at or after `since`. */
  findKnownSignInSources(input: {
    userId: UserId;
    sources: readonly string[];
    since: Date;
  }): Promise<string[]>;
}

/** Everything the use cases need from the outside, plus their tunables. */
export interface Dependencies {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly passwordHasher: PasswordHasher;
  readonly passwordStrength: PasswordStrengthChecker;
  readonly secretHasher: SecretHasher;
  readonly accessTokens: AccessTokenIssuer;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly securityEvents: SecurityEventLog;
  readonly totp: TOTPService;
  readonly secretCipher: SecretCipher;
  readonly mfaTokens: MFATokenIssuer;
  readonly twoFactor: TwoFactorRepository;
  readonly lockout: LockoutRepository;
  /** The configured identity providers; one without credentials is absent. */
  readonly oauthProviders: Readonly<Partial<Record<OAuthProviderId, OAuthProviderGateway>>>;
  readonly linkedProviders: LinkedProviderRepository;
  readonly oauthFlows: OAuthFlowRepository;
  readonly emailTokens: EmailTokenRepository;
  readonly mailer: Mailer;
  readonly backgroundTasks: BackgroundTasks;
  readonly settings: {
    /** Refresh-token lifetime in milliseconds (contract: 7 days). */
    readonly refreshTokenTtlMs: number;
    /** How long a just-rotated refresh token may be exchanged again (default 10 s). */
    readonly refreshReuseGraceMs: number;
    /** Absolute session lifetime from sign-in, however often it is refreshed (default 30 days). */
    readonly sessionMaxAgeMs: number;
    /** Live sessions one user may have; a new one ends the least recently used (default 50). */
    readonly maxSessionsPerUser: number;
    /** Failed sign-ins that lock, within what window, for how long (LOCKOUT_*). */
    readonly lockout: LockoutPolicy;
    /** Base URL of the app that opens the links in mails (APP_URL), without a trailing slash. */
    readonly appURL: string;
    /** Refuse sign-in to accounts whose address is not verified (REQUIRE_EMAIL_VERIFICATION). */
    readonly requireEmailVerification: boolean;
    /** How recent a session's last proof must be for a sensitive change (REAUTH_MAX_AGE, default 5 min). */
    readonly reauthMaxAgeMs: number;
  };
}
