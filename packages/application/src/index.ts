export { OverloadedError } from "./overloaded-error.ts";
export type {
  AccessTokenClaims,
  AccessTokenIssuer,
  AccountAdministration,
  BackgroundTask,
  BackgroundTasks,
  Clock,
  Dependencies,
  EmailTokenRepository,
  GuardedAccount,
  LinkedProviderRepository,
  LockoutRepository,
  Mailer,
  MFAChallenge,
  MFATokenIssuer,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
  OIDCModelName,
  OIDCModelRecord,
  OIDCModelStore,
  OIDCPayload,
  OutgoingMail,
  PasswordAssessment,
  PasswordHasher,
  PasswordStrengthChecker,
  ProviderProfile,
  RandomSource,
  SecretCipher,
  SecretHasher,
  SecurityEventLog,
  SessionRepository,
  SessionsToEnd,
  SignInMethods,
  StoredRefreshToken,
  ThirdPartyGrants,
  TOTPService,
  TwoFactorRepository,
  UserExports,
  UserRepository,
} from "./ports/index.ts";
export { storedOIDCIdPrefix, tokenBearingOIDCModels } from "./ports/index.ts";
export { StorageUnavailableError } from "./storage-unavailable.ts";
export type { AdminCreated } from "./use-cases/admin/create-admin.ts";
export { createAdmin } from "./use-cases/admin/create-admin.ts";
export type { UserDetails } from "./use-cases/admin/get-user-details.ts";
export type { AuditPage } from "./use-cases/admin/list-admin-audit.ts";
export type { UserPage } from "./use-cases/admin/search-users.ts";
export { maxUserPageSize } from "./use-cases/admin/search-users.ts";
export type { SecurityEventPage } from "./use-cases/security-log/list-security-events.ts";
export { maxSecurityEventPageSize } from "./use-cases/security-log/list-security-events.ts";
export type { Authenticated } from "./use-cases/sessions/authenticate-access-token.ts";
export type { SessionSummary } from "./use-cases/sessions/list-sessions.ts";
export type { ClientInfo, SignedIn, TokenPair } from "./use-cases/sessions/steps/start-session.ts";
export type { MFARequired, SignInOutcome } from "./use-cases/sign-in/steps/continue-after-first-factor.ts";
export type { AccountLocked } from "./use-cases/sign-in/steps/sign-in-lockout.ts";
export { unlockAccount } from "./use-cases/sign-in/steps/sign-in-lockout.ts";
export type {
  OAuthAuthorizationFinished,
  OAuthStateCookie,
} from "./use-cases/social/finish-oauth-authorization.ts";
export type { OAuthAuthorizationStarted } from "./use-cases/social/steps/start-provider-trip.ts";
export type { TwoFactorSetup } from "./use-cases/two-factor/set-up-two-factor.ts";
export type { UseCases } from "./use-cases.ts";
export { createUseCases } from "./use-cases.ts";
