// The ports the use cases need, one file per area with the records each port speaks in
// (docs/architecture.md). `Dependencies` gathers them, with the tunables, for createUseCases.

export type {
  AccountAdministration,
  AccountChange,
  GuardedAccount,
  LockedAccount,
  MaintenanceNotices,
  ThirdPartyGrants,
  UserExports,
} from "./admin.ts";
export type {
  AppAuthorization,
  AppAuthorizationRepository,
  AppRepository,
  AuthorizationVersion,
  AuthorizedApp,
  ReplacedSecret,
  StoredApp,
  ThirdPartyAccessToken,
  ThirdPartyAccessTokens,
} from "./apps.ts";
export { authorizationTouchIntervalMs } from "./apps.ts";
export type {
  EnqueuedExport,
  ExportAllowanceWindow,
  ExportArchiveEntry,
  ExportArchiveFile,
  ExportArchiveStore,
  ExportJobRepository,
  ExportWorkerSignal,
  StoredExportArchive,
} from "./data-export.ts";
export type { Dependencies, StorageRepositoryName } from "./dependencies.ts";
export { storageRepositoryNames } from "./dependencies.ts";
export type {
  PasswordAssessment,
  PasswordHasher,
  PasswordStrengthChecker,
  UserRepository,
} from "./identity.ts";
export type { LockoutRepository } from "./lockout.ts";
export type {
  AccountLinkMark,
  EmailTokenIssue,
  EmailTokenRepository,
  MailAllowance,
  MailBrand,
  Mailer,
  MailKind,
  OutgoingMail,
} from "./mail.ts";
export { mailKinds } from "./mail.ts";
export type {
  ObservedEvent,
  ObservedProviderExchangeResult,
  ObservedRegistrationMethod,
  ObservedRegistrationResult,
  ObservedSignInMethod,
  Observer,
} from "./observability.ts";
export type { OIDCModelName, OIDCModelRecord, OIDCModelStore, OIDCPayload } from "./oidc.ts";
export {
  accountOfOIDCPayload,
  clientOfOIDCPayload,
  signInUnderWayOIDCModel,
  storedOIDCIdPrefix,
  tokenBearingOIDCModels,
} from "./oidc.ts";
export type {
  ConsentClient,
  InteractionClient,
  InteractionDetails,
  OIDCBrowserSessions,
  OIDCInteractions,
  ProviderFlow,
  ProviderPages,
} from "./oidc-interactions.ts";
export { interactionPathOf } from "./oidc-interactions.ts";
export type { RateLimitGroup, RateLimitRefusal } from "./rate-limits.ts";
export type { SecretCipher, SecretHasher } from "./secrets.ts";
export type { EntryFold, SecurityEventLog, StaffAllowance, StaffEntryRecord } from "./security-log.ts";
export type {
  AccessTokenClaims,
  AccessTokenIssuer,
  SessionEndings,
  SessionHolder,
  SessionRepository,
  SessionsToEnd,
  StoredRefreshToken,
} from "./sessions.ts";
export type {
  GeneratedSigningKey,
  JWK,
  SigningAlgorithm,
  SigningKeyGenerator,
  SigningKeyStore,
  StoredSigningKey,
} from "./signing-keys.ts";
export { signingAlgorithms } from "./signing-keys.ts";
export type {
  LinkedProviderRepository,
  LinkGuard,
  LinkHolder,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
  ProviderProfile,
  SignInMethods,
} from "./social.ts";
export type { BackgroundTask, BackgroundTasks, Clock, RandomSource } from "./system.ts";
export type { TransactionalRepositories, Transactions } from "./transactions.ts";
export type { MFAChallenge, MFATokenIssuer, TOTPService, TwoFactorRepository } from "./two-factor.ts";
