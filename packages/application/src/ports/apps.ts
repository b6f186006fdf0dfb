import type { AppScope, AppSettings, UserId } from "@superoauth/domain";

/** A registered third-party app (an OAuth 2.0 / OpenID Connect client), as stored. */
export interface StoredApp extends AppSettings {
  /** Random, at least 22 base64url characters: not guessable, though not secret. */
  readonly clientId: string;
  readonly ownerId: UserId;
  /** SHA-256 of the client secret (SecretHasher); null for a public client. */
  readonly secretHash: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A client secret a rotation replaced: its SHA-256 (SecretHasher), and when. */
export interface ReplacedSecret {
  readonly hash: string;
  readonly replacedAt: Date;
}

/** The apps users register (docs/decisions/0020-third-party-apps.md). */
export interface AppRepository {
  /** Stores a new app; its client id is new (a collision is broken randomness: it throws). */
  createApp(app: StoredApp): Promise<void>;
  findApp(clientId: string): Promise<StoredApp | null>;
  /** The owner's apps, oldest first. */
  listAppsByOwner(ownerId: UserId): Promise<readonly StoredApp[]>;
  /**
   * Replaces the settings of the owner's app if nothing wrote it since it was read (its
   * `updatedAt` is still `readAt`), in one conditional write, and sets `updatedAt` to `now`:
   * "changed" when another write came first (nothing written: read again), "not-found" when the
   * owner has no such app. Of concurrent calls with one `readAt`, one answers "updated".
   */
  updateApp(input: {
    clientId: string;
    ownerId: UserId;
    settings: AppSettings;
    readAt: Date;
    now: Date;
  }): Promise<"updated" | "changed" | "not-found">;
  /**
   * Replaces the secret hash of the owner's app as updateApp replaces its settings: only if nothing
   * wrote the app since it was read (`readAt`), setting `updatedAt` to `now`. Of concurrent calls
   * with one `readAt`, one answers "updated". The hash it replaces, if any, is kept as the app's
   * replaced secret, replaced at `now` (findReplacedSecret), in the same write.
   */
  replaceSecretHash(input: {
    clientId: string;
    ownerId: UserId;
    secretHash: string;
    readAt: Date;
    now: Date;
  }): Promise<"updated" | "changed" | "not-found">;
  /**
   * The SHA-256 of the secret the app's last rotation replaced, and when; null for an app never
   * rotated, or no such app. Only the last one is kept. Read when a presented secret did not match
   * the current one, to say it was replaced rather than wrong (docs/oidc.md, "7. Errors").
   */
  findReplacedSecret(clientId: string): Promise<ReplacedSecret | null>;
  /** Deletes the owner's app; false when the owner has no such app. */
  deleteApp(input: { clientId: string; ownerId: UserId }): Promise<boolean>;
}

/** A user's consent to an app: one per (user, app), naming the provider's Grant that carries it. */
export interface AppAuthorization {
  readonly userId: UserId;
  readonly clientId: string;
  /** The id of oidc-provider's Grant for this (account, client). */
  readonly grantId: string;
  readonly scopes: readonly AppScope[];
  readonly grantedAt: Date;
  readonly lastUsedAt: Date;
}

/** An authorization with what the user sees of its app. */
export interface AuthorizedApp extends AppAuthorization {
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
}

/** How often touchAuthorization writes one row at most: a cheap "last used", not an audit trail. */
export const authorizationTouchIntervalMs = 60_000;

/** What a consent read of the (user, app) authorization it will replace: its grant and scopes. */
export interface AuthorizationVersion {
  readonly grantId: string;
  readonly scopes: readonly AppScope[];
}

/** The grants users gave apps (ADR 0020: our own table beside the library's Grant). */
export interface AppAuthorizationRepository {
  /**
   * Creates the (user, app) authorization or replaces its grant and scopes (a new consent), only
   * while it is as the consent read it: `replacing` is the grant id and scopes it found (as
   * findAuthorization answered them), or null when it found none. A replaced one keeps its
   * grantedAt. grantedAt and lastUsedAt are `now` for a new one, lastUsedAt is `now` for a replaced
   * one. False, writing nothing, when another consent recorded (or a revoke deleted) meanwhile: of
   * any number of records at once from one read, exactly one is made (one statement decides).
   */
  recordAuthorization(input: {
    userId: UserId;
    clientId: string;
    grantId: string;
    scopes: readonly AppScope[];
    now: Date;
    replacing: AuthorizationVersion | null;
  }): Promise<boolean>;
  findAuthorization(input: { userId: UserId; clientId: string }): Promise<AppAuthorization | null>;
  /** Sets lastUsedAt to `now` unless it was set less than authorizationTouchIntervalMs before. */
  touchAuthorization(input: { userId: UserId; clientId: string; now: Date }): Promise<void>;
  /** The user's authorizations of apps that still exist, most recently used first. */
  listAuthorizedApps(userId: UserId): Promise<readonly AuthorizedApp[]>;
  /**
   * Deletes the one authorization (with `grantId`, only while it names that grant: one statement,
   * so a newer consent's record is never taken); false when there was none.
   */
  deleteAuthorization(input: { userId: UserId; clientId: string; grantId?: string }): Promise<boolean>;
  deleteAuthorizationsOfClient(clientId: string): Promise<void>;
  deleteAuthorizationsOfUser(userId: UserId): Promise<void>;
}

/** What a third-party access token presented at our API stands for. */
export interface ThirdPartyAccessToken {
  readonly userId: UserId;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

/**
 * Access tokens oidc-provider issued to apps, checked where the library would check them (found,
 * live, Bearer rather than sender-constrained, grant still there); null for any other string.
 */
export interface ThirdPartyAccessTokens {
  verify(input: { token: string; now: Date }): Promise<ThirdPartyAccessToken | null>;
}
