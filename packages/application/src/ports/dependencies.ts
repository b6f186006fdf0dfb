import type { LockoutPolicy, OAuthProviderId } from "@superoauth/domain";
import type { AccountAdministration, MaintenanceNotices, ThirdPartyGrants, UserExports } from "./admin.ts";
import type { AppAuthorizationRepository, AppRepository, ThirdPartyAccessTokens } from "./apps.ts";
import type { ExportArchiveStore, ExportJobRepository, ExportWorkerSignal } from "./data-export.ts";
import type { PasswordHasher, PasswordStrengthChecker, UserRepository } from "./identity.ts";
import type { LockoutRepository } from "./lockout.ts";
import type { AccountLinkMark, EmailTokenRepository, MailBrand, Mailer } from "./mail.ts";
import type { Observer } from "./observability.ts";
import type { OIDCModelStore } from "./oidc.ts";
import type { SecretCipher, SecretHasher } from "./secrets.ts";
import type { SecurityEventLog } from "./security-log.ts";
import type { AccessTokenIssuer, SessionRepository } from "./sessions.ts";
import type { LinkedProviderRepository, OAuthFlowRepository, OAuthProviderGateway } from "./social.ts";
import type { BackgroundTasks, Clock, RandomSource } from "./system.ts";
import type { Transactions } from "./transactions.ts";
import type { MFATokenIssuer, TOTPService, TwoFactorRepository } from "./two-factor.ts";

/** The dependencies that storage provides, one repository each (the SQL adapter, or the in-memory store). */
export const storageRepositoryNames = [
  "users",
  "sessions",
  "securityEvents",
  "linkedProviders",
  "oauthFlows",
  "emailTokens",
  "twoFactor",
  "lockout",
  "apps",
  "appAuthorizations",
  "oidcModels",
  "accountAdministration",
  "thirdPartyGrants",
  "maintenanceNotices",
] as const;
export type StorageRepositoryName = (typeof storageRepositoryNames)[number];

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
  /** The mark of an account its mails' account-center links carry (the hosted pages' own). */
  readonly accountLinkMark: AccountLinkMark;
  readonly backgroundTasks: BackgroundTasks;
  readonly apps: AppRepository;
  readonly appAuthorizations: AppAuthorizationRepository;
  /** oidc-provider's stored models: revoking an app's tokens (ADR 0020). */
  readonly oidcModels: OIDCModelStore;
  /** Access tokens the provider issued to apps, as presented at our API. */
  readonly thirdPartyAccessTokens: ThirdPartyAccessTokens;
  /** Data exports: the job queue, where archives are kept, and the nudge to this process's worker. */
  readonly exportJobs: ExportJobRepository;
  readonly exportArchives: ExportArchiveStore;
  readonly exportWorker: ExportWorkerSignal;
  /** Where the use cases report sign-in outcomes, lockouts and refreshes for metrics; none: nowhere. */
  readonly observer?: Observer;
  readonly accountAdministration: AccountAdministration;
  readonly thirdPartyGrants: ThirdPartyGrants;
  readonly userExports: UserExports;
  /** The status page's maintenance notice, shared by every instance. */
  readonly maintenanceNotices: MaintenanceNotices;
  /** Writes through several of the repositories above that land together or not at all (ADR 0056). */
  readonly transactions: Transactions;
  readonly settings: {
    /** Refresh-token lifetime in milliseconds (contract: 7 days). */
    readonly refreshTokenTtlMs: number;
    /** How long a just-rotated refresh token may be exchanged again (default 10 s). */
    readonly refreshReuseGraceMs: number;
    /** Absolute session lifetime from sign-in, however often it is refreshed (default 30 days). */
    readonly sessionMaxAgeMs: number;
    /** The same for staff (`support`, `admin`) sessions, at most sessionMaxAgeMs (default 12 h). */
    readonly staffSessionMaxAgeMs: number;
    /** Live sessions one user may have; a new one ends the least recently used (default 50). */
    readonly maxSessionsPerUser: number;
    /** Failed sign-ins that lock, within what window, for how long (LOCKOUT_*). */
    readonly lockout: LockoutPolicy;
    /** Base URL of the app that opens the links in mails (APP_URL), without a trailing slash. */
    readonly appURL: string;
    /** The name the mails sign with (BRAND_NAME) and the help address they give (SUPPORT_URL). */
    readonly brand: MailBrand;
    /** Refuse sign-in to accounts whose address is not verified (REQUIRE_EMAIL_VERIFICATION). */
    readonly requireEmailVerification: boolean;
    /** How recent a session's last proof must be for a sensitive change (REAUTH_MAX_AGE, default 5 min). */
    readonly reauthMaxAgeMs: number;
    /** Staff act on others' accounts only with 2FA on (STAFF_REQUIRE_2FA; docs/admin.md). */
    readonly staffRequireTwoFactor: boolean;
    /** Directory reads one member of staff may record per hour (STAFF_READS_PER_HOUR; docs/admin.md). */
    readonly staffReadsPerHour: number;
    /** Links one member of staff may have mailed per hour to accounts' own addresses (STAFF_MAILS_PER_HOUR; docs/admin.md). */
    readonly staffMailsPerHour: number;
    /** Data exports: how long an archive is kept (EXPORT_TTL), a worker's lease, attempts per job. */
    readonly dataExport: {
      readonly ttlMs: number;
      readonly leaseMs: number;
      readonly maxAttempts: number;
    };
  };
}
