// The API's request and response data, written by hand to match the routes' TypeBox schemas
// (packages/adapter-http/src/routes/*.ts on the server; docs/api.md). One place for all of them.
// Dates are ISO 8601 strings in UTC, as they travel.

/** What a client sees of a user. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly nickname: string;
  readonly hasPassword: boolean;
  readonly createdAt: string;
}

/** The signed-in user as `auth.me()` answers: a user with their two-factor status. */
export interface UserWithTwoFactorStatus extends User {
  readonly twoFactorEnabled: boolean;
  /** Unused backup codes (0 without 2FA). */
  readonly backupCodesRemaining: number;
}

/** A new access token and the rotated refresh token (`POST /auth/refresh`). */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** The access token's lifetime in seconds. */
  readonly expiresIn: number;
  readonly tokenType: "Bearer";
}

/** A completed sign-in: the user and a token pair. */
export interface SignedIn extends TokenPair {
  readonly user: User;
}

/** The second-factor step: send a code with `mfaToken` to `twoFactor.verify()`. */
export interface MFARequired {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  readonly expiresIn: number;
}

/** What a first sign-in step answers: a session, or the second-factor step. */
export type SignInOutcome = SignedIn | MFARequired;

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly nickname: string;
}

export interface LogInInput {
  readonly email: string;
  readonly password: string;
}

/** One proof of a factor: a password, a TOTP code or a backup code. */
export interface FactorProof {
  readonly password?: string;
  readonly code?: string;
  readonly backupCode?: string;
}

/**
 * What turning 2FA off takes: the factor itself, a current code or a backup code (the password
 * alone is not enough), and the password too when the session's last proof is not fresh.
 */
export type TwoFactorDisableProof = { readonly password?: string } & (
  | { readonly code: string; readonly backupCode?: undefined }
  | { readonly backupCode: string; readonly code?: undefined }
);

export interface TwoFactorVerifyInput {
  readonly mfaToken: string;
  readonly code?: string;
  readonly backupCode?: string;
}

export interface TwoFactorSetup {
  readonly secret: string;
  readonly otpauthURL: string;
  /** A data: URL of the QR code of `otpauthURL`. */
  readonly qrCode: string;
}

export interface BackupCodes {
  /** Shown once: store them somewhere safe. */
  readonly backupCodes: readonly string[];
}

export interface Session {
  readonly id: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  /** The session of the access token that asked. */
  readonly current: boolean;
}

export interface SecurityEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /** A sentence for the account holder. */
  readonly description: string;
}

export interface SecurityEventPage {
  readonly events: readonly SecurityEvent[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly nextBefore: string | null;
}

/** The answer of the requests that may send a mail: the same whatever happened. */
export interface MailRequested {
  readonly requested: true;
  readonly message: string;
}

export interface SocialProvider {
  /** `discord`, `twitch`, `google` or `github`. */
  readonly id: string;
  readonly name: string;
  /** Path of the sign-in start, relative to the server (`/api/v1/oauth/github`). */
  readonly startURL: string;
}

export interface LinkedProvider {
  readonly provider: string;
  readonly name: string;
  readonly displayName: string | null;
  readonly email: string | null;
  readonly linkedAt: string;
}

/** What the provider's callback answers a client that asks for JSON. */
export type SocialCallbackOutcome =
  | SignInOutcome
  | { readonly linked: true; readonly provider: string }
  | { readonly reauthenticated: true; readonly provider: string };

export type AppType = "confidential" | "public";

/** A third-party app as its owner sees it. */
export interface App {
  readonly clientId: string;
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly type: string;
  readonly tokenEndpointAuthMethod: string;
  /** How the app's ID tokens are signed: `ES256` or `RS256`. */
  readonly idTokenSigningAlg: string;
  /** Whether its authorization requests must carry a PKCE challenge (always for a public app). */
  readonly requirePKCE: boolean;
  /** Where logout tokens are POSTed (OpenID Connect Back-Channel Logout 1.0); null: none. */
  readonly backchannelLogoutURI: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AppSettings {
  readonly name: string;
  readonly logoURL?: string | null;
  readonly homepageURL?: string | null;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs?: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly type: AppType;
  /** `client_secret_basic` (default for confidential apps), `client_secret_post` or `none`. */
  readonly tokenEndpointAuthMethod?: string;
  /** `ES256` (default) or `RS256`, for a relying-party library that accepts RS256 only. */
  readonly idTokenSigningAlg?: "ES256" | "RS256";
  /** `true` (default); `false` lets a confidential app's library send no PKCE challenge. */
  readonly requirePKCE?: boolean;
  /** An https URL (http only on loopback) the provider POSTs logout tokens to; null removes it. */
  readonly backchannelLogoutURI?: string | null;
}

export interface RegisteredApp {
  readonly app: App;
  /** A confidential app's secret, shown once; null for a public app. */
  readonly clientSecret: string | null;
}

/** An app the user authorized (consented to). */
export interface AuthorizedApp {
  readonly clientId: string;
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
  readonly scopes: readonly string[];
  readonly grantedAt: string;
  readonly lastUsedAt: string;
}

export type DataExportStatus = "pending" | "running" | "ready" | "failed" | "expired";

export interface DataExport {
  readonly exportId: string;
  readonly status: DataExportStatus;
  /** 0-100. */
  readonly progress: number;
  readonly recordsWritten: number;
  readonly requestedAt: string;
  readonly finishedAt: string | null;
  readonly sizeBytes: number | null;
  /** Hex SHA-256 of the archive. */
  readonly sha256: string | null;
  readonly expiresAt: string | null;
}

export interface RequestedDataExport extends DataExport {
  /** False when an export already in progress was returned instead of a new one. */
  readonly created: boolean;
}

/** A downloadable export archive (a ZIP), streamed. */
export interface DataExportArchive {
  readonly fileName: string;
  readonly sizeBytes: number | null;
  /** Hex SHA-256 of the whole archive (`X-Content-SHA256`): check it after saving. */
  readonly sha256: string | null;
  readonly body: ReadableStream<Uint8Array>;
}

export type Role = "user" | "support" | "admin";

/** Whether an account may sign in: staff disable and enable it. */
export type UserStatus = "active" | "disabled";

/** What staff see of an account in a list. */
export interface AdminUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly nickname: string;
  readonly hasPassword: boolean;
  readonly status: UserStatus;
  readonly role: Role;
  readonly createdAt: string;
}

export interface AdminUserDetails extends AdminUser {
  readonly twoFactorEnabled: boolean;
  readonly linkedProviders: readonly {
    readonly provider: string;
    readonly email: string | null;
    readonly displayName: string | null;
    readonly linkedAt: string;
  }[];
  /**
   * Why staff disabled the account, in their words (never shown to the person); null while it is
   * active, and for an account disabled before reasons were kept.
   */
  readonly disabledReason: string | null;
  readonly sessionCount: number;
  readonly locked: boolean;
  readonly lockedUntil: string | null;
  /** The account's latest 20 security events, newest first, as its holder's log shows them. */
  readonly recentActivity: readonly {
    readonly id: string;
    readonly type: string;
    readonly occurredAt: string;
    readonly description: string;
    readonly ip: string | null;
    readonly userAgent: string | null;
    /** The member of staff who did it; null for the holder's own. */
    readonly actorId: string | null;
  }[];
}

export interface AdminUserPage {
  readonly users: readonly AdminUser[];
  readonly nextCursor: string | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  /**
   * The member of staff who acted (a pseudonym once their account is deleted); null for an admin
   * made by `pnpm admin:create` on the server (`details.via: "admin:create"`).
   */
  readonly actorId: string | null;
  /** The account acted on (a pseudonym once it is deleted). */
  readonly userId: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  readonly description: string;
  /** `read`: staff looked at personal data (a user's details, a search); `change`: they acted. */
  readonly kind: "read" | "change";
  /** Where the member of staff's request came from; null when not recorded. Never shown to the account acted on. */
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface AuditPage {
  readonly actions: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

/** The public status page's maintenance notice (admin.setMaintenanceNotice); null when none. */
export interface MaintenanceNoticeState {
  readonly notice: {
    readonly message: string;
    readonly setAt: string;
    /** The admin who set it. */
    readonly setBy: string;
  } | null;
}

// The small answers: acknowledgements and lists, by the method that returns them.

/** The signed-in user, with their two-factor status (`auth.me`). */
export interface CurrentUser {
  readonly user: UserWithTwoFactorStatus;
}

/** The user after a profile change (`user.updateProfile`, `user.confirmEmailChange`). */
export interface ChangedUser {
  readonly user: User;
}

export interface LoggedOut {
  readonly loggedOut: true;
}

export interface Reauthenticated {
  readonly reauthenticatedAt: string;
}

export interface EmailVerified {
  readonly emailVerified: true;
  /** The link had been used before (or a newer one since) and the address was already verified: nothing changed. */
  readonly alreadyVerified: boolean;
}

export interface PasswordReset {
  readonly passwordReset: true;
  readonly sessionsEnded: true;
}

/** `user.undoEmailChange`: the account is back on the address it left, with the new password. */
export interface EmailChangeUndone {
  readonly emailRestored: true;
  readonly sessionsEnded: true;
}

export interface TwoFactorEnabled {
  readonly enabled: true;
  /** Shown once: store them somewhere safe. */
  readonly backupCodes: readonly string[];
}

export interface TwoFactorDisabled {
  readonly disabled: true;
}

export interface SessionList {
  readonly sessions: readonly Session[];
}

export interface Revoked {
  readonly revoked: true;
}

export interface PasswordChanged {
  readonly passwordChanged: true;
  readonly otherSessionsEnded: true;
}

export interface EmailChangePending {
  readonly pending: true;
}

export interface Deleted {
  readonly deleted: true;
}

export interface SocialProviderList {
  readonly providers: readonly SocialProvider[];
}

export interface LinkedProviderList {
  readonly providers: readonly LinkedProvider[];
}

/** Where to send the browser, and the PKCE verifier to keep for `oauth.exchangeLoginCode`. */
export interface SocialSignInStart {
  readonly url: string;
  readonly codeVerifier: string;
}

/** Where to send the browser to link or re-authenticate with a provider. */
export interface ProviderAuthorization {
  readonly authorizationURL: string;
}

export interface ProviderUnlinked {
  readonly unlinked: true;
  readonly provider: string;
}

export interface AppList {
  readonly apps: readonly App[];
}

export interface AppData {
  readonly app: App;
}

/** A confidential app's new secret, shown once. */
export interface RotatedSecret {
  readonly clientSecret: string;
}

export interface AuthorizedAppList {
  readonly apps: readonly AuthorizedApp[];
}

export interface AdminUserData {
  readonly user: AdminUserDetails;
}

export interface UserDisabled {
  readonly status: "disabled";
  /**
   * The reason that stands on the account now: the one sent when this call disabled it; else the
   * one it was disabled with before (null for an account disabled before reasons were kept).
   */
  readonly disabledReason: string | null;
  /**
   * True when the account was disabled already: nothing changed or was recorded, and the reason
   * sent was dropped (to change it, enable the account, then disable it with the new reason).
   */
  readonly alreadyDisabled: boolean;
}

export interface UserEnabled {
  readonly status: "active";
  /** True when the account was active already: nothing was changed, recorded or mailed. */
  readonly alreadyActive: boolean;
}

export interface UserUnlocked {
  readonly unlocked: true;
  /** True when no sign-in lock was in force (lifted by someone else already): nothing was cleared or recorded. */
  readonly alreadyUnlocked: boolean;
}

export interface UserEmailVerified {
  readonly emailVerified: true;
}

export interface VerificationResent {
  readonly verificationSent: true;
}

export interface PasswordResetSent {
  readonly passwordResetSent: true;
}

export interface NewPasswordRequired {
  readonly newPasswordRequired: true;
  /** False when an unused reset link under a minute old was on its way (a double click): nothing more was mailed. */
  readonly linkMailed: boolean;
}

export interface TwoFactorReset {
  readonly twoFactorEnabled: false;
}

/** A provider unlinked from someone's account by staff, and how the account can sign in now. */
export interface UserProviderUnlinked {
  readonly provider: string;
  /** False when it was not linked (unlinked already): nothing was recorded or mailed. */
  readonly unlinked: boolean;
  /**
   * Whether the account has a password, and the providers still linked. With neither, the person
   * sets a password with a reset link (`admin.sendPasswordReset`, or /forgot-password), once the
   * account is active.
   */
  readonly remainingSignIn: { readonly password: boolean; readonly providers: readonly string[] };
  /** A disabled account signs in with nothing, and gets no password-reset link, until an admin enables it. */
  readonly accountStatus: UserStatus;
}

export interface SessionsRevoked {
  readonly sessionsRevoked: true;
  /** True when the account had no session left to end (ended by someone else already): nothing was recorded or mailed. */
  readonly alreadySignedOut: boolean;
}

export interface RoleChanged {
  readonly role: Role;
}
