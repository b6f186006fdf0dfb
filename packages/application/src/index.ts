export { DeletedMeanwhileError } from "./deleted-meanwhile-error.ts";
export { OverloadedError } from "./overloaded-error.ts";
export type {
  AccessTokenClaims,
  AccessTokenIssuer,
  AccountAdministration,
  AccountChange,
  AccountLinkMark,
  AppAuthorization,
  AppAuthorizationRepository,
  AppRepository,
  AuthorizationVersion,
  AuthorizedApp,
  BackgroundTask,
  BackgroundTasks,
  Clock,
  ConsentClient,
  Dependencies,
  EmailTokenIssue,
  EmailTokenRepository,
  EnqueuedExport,
  EntryFold,
  ExportAllowanceWindow,
  ExportArchiveEntry,
  ExportArchiveFile,
  ExportArchiveStore,
  ExportJobRepository,
  ExportWorkerSignal,
  GeneratedSigningKey,
  GuardedAccount,
  InteractionClient,
  InteractionDetails,
  JWK,
  LinkedProviderRepository,
  LinkGuard,
  LinkHolder,
  LockedAccount,
  LockoutRepository,
  MailAllowance,
  MailBrand,
  Mailer,
  MailKind,
  MaintenanceNotices,
  MFAChallenge,
  MFATokenIssuer,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
  ObservedEvent,
  ObservedProviderExchangeResult,
  ObservedRegistrationMethod,
  ObservedRegistrationResult,
  ObservedSignInMethod,
  Observer,
  OIDCBrowserSessions,
  OIDCInteractions,
  OIDCModelName,
  OIDCModelRecord,
  OIDCModelStore,
  OIDCPayload,
  OutgoingMail,
  PasswordAssessment,
  PasswordHasher,
  PasswordStrengthChecker,
  ProviderFlow,
  ProviderPages,
  ProviderProfile,
  RandomSource,
  RateLimitGroup,
  RateLimitRefusal,
  ReplacedSecret,
  SecretCipher,
  SecretHasher,
  SecurityEventLog,
  SessionEndings,
  SessionHolder,
  SessionRepository,
  SessionsToEnd,
  SignInMethods,
  SigningAlgorithm,
  SigningKeyGenerator,
  SigningKeyStore,
  StaffAllowance,
  StaffEntryRecord,
  StoredApp,
  StoredExportArchive,
  StoredRefreshToken,
  StoredSigningKey,
  ThirdPartyAccessToken,
  ThirdPartyAccessTokens,
  ThirdPartyGrants,
  TOTPService,
  TransactionalRepositories,
  Transactions,
  TwoFactorRepository,
  UserExports,
  UserRepository,
} from "./ports/index.ts";
export {
  accountOfOIDCPayload,
  authorizationTouchIntervalMs,
  clientOfOIDCPayload,
  interactionPathOf,
  mailKinds,
  signInUnderWayOIDCModel,
  signingAlgorithms,
  storedOIDCIdPrefix,
  tokenBearingOIDCModels,
} from "./ports/index.ts";
export { tellingSessionEndings, tellingSessionEndingsOfTransactions } from "./session-endings.ts";
export { StorageUnavailableError, unavailableRetryAfterSeconds } from "./storage-unavailable.ts";
export { missingFreshProof } from "./use-cases/account/reauthenticate.ts";
export type { AdminCreated } from "./use-cases/admin/create-admin.ts";
export { createAdmin } from "./use-cases/admin/create-admin.ts";
export type { UserDetails } from "./use-cases/admin/get-user-details.ts";
export type { AuditPage } from "./use-cases/admin/list-admin-audit.ts";
export type { UserPage } from "./use-cases/admin/search-users.ts";
export { maxUserPageSize } from "./use-cases/admin/search-users.ts";
export type { StaffUnlinkOutcome } from "./use-cases/admin/unlink-user-provider.ts";
export type { OwnedApp } from "./use-cases/apps/present-app.ts";
export type { OIDCClientRecord } from "./use-cases/apps/provider-clients.ts";
export type { RegisteredApp } from "./use-cases/apps/register-app.ts";
export { attemptBudget, type MissingField } from "./use-cases/attempt-budget.ts";
export type { DataExportArchive } from "./use-cases/data-export/open-data-export-archive.ts";
export { dataExportDownloadHeaders } from "./use-cases/data-export/open-data-export-archive.ts";
export type { DataExportRun } from "./use-cases/data-export/run-next-data-export.ts";
export type { DataExportSummary } from "./use-cases/data-export/steps/export-summary.ts";
export type { SecurityEventPage } from "./use-cases/security-log/list-security-events.ts";
export { maxSecurityEventPageSize } from "./use-cases/security-log/list-security-events.ts";
export type { Authenticated, AuthenticatedApp } from "./use-cases/sessions/authenticate-access-token.ts";
export type { SessionSummary } from "./use-cases/sessions/list-sessions.ts";
export type { ClientInfo, SignedIn, TokenPair } from "./use-cases/sessions/steps/start-session.ts";
export { missingSignInField } from "./use-cases/sign-in/log-in-with-password.ts";
export {
  type AwaitingVerification,
  missingSignUpField,
} from "./use-cases/sign-in/register-with-password.ts";
export type { MFARequired, SignInOutcome } from "./use-cases/sign-in/steps/continue-after-first-factor.ts";
export type { AccountLocked } from "./use-cases/sign-in/steps/sign-in-lockout.ts";
export { unlockAccount } from "./use-cases/sign-in/steps/sign-in-lockout.ts";
export { missingSecondStepCode } from "./use-cases/sign-in/verify-two-factor-login.ts";
export { loadSigningKeys } from "./use-cases/signing-keys/load-signing-keys.ts";
export type { SigningKeyRotation } from "./use-cases/signing-keys/rotate-signing-keys.ts";
export { rotateSigningKeys } from "./use-cases/signing-keys/rotate-signing-keys.ts";
export type {
  JWKS,
  SigningKey,
  SigningKeyDependencies,
  SigningKeySet,
} from "./use-cases/signing-keys/signing-key-set.ts";
export {
  activeSigningKey,
  privateJWKS,
  publicJWKS,
} from "./use-cases/signing-keys/signing-key-set.ts";
export type {
  OAuthAuthorizationFinished,
  OAuthFailureReason,
  OAuthStateCookie,
} from "./use-cases/social/finish-oauth-authorization.ts";
export {
  oauthFailureReason,
  parseOAuthFailureReason,
  providerUnavailableWords,
} from "./use-cases/social/finish-oauth-authorization.ts";
export type { OAuthAuthorizationStarted } from "./use-cases/social/steps/start-provider-trip.ts";
export {
  checkSecretKeyOpensStoredSecrets,
  SecretKeyMismatchError,
} from "./use-cases/two-factor/check-secret-key.ts";
export {
  type ReencryptionReport,
  reencryptTwoFactorSecrets,
} from "./use-cases/two-factor/reencrypt-two-factor-secrets.ts";
export type { TwoFactorSetup } from "./use-cases/two-factor/set-up-two-factor.ts";
export { missingSecondFactorCode } from "./use-cases/two-factor/steps/prove-second-factor.ts";
export type { UseCases } from "./use-cases.ts";
export { createUseCases } from "./use-cases.ts";
