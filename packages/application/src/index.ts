export { OverloadedError } from "./overloaded-error.ts";
export type {
  AccessTokenClaims,
  AccessTokenIssuer,
  BackgroundTask,
  BackgroundTasks,
  Clock,
  Dependencies,
  EmailTokenRepository,
  LinkedProviderRepository,
  LockoutRepository,
  Mailer,
  MFAChallenge,
  MFATokenIssuer,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
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
  TOTPService,
  TwoFactorRepository,
  UserRepository,
} from "./ports/index.ts";
export { StorageUnavailableError } from "./storage-unavailable.ts";
export type { Authenticated } from "./use-cases/authenticate-access-token.ts";
export type { MFARequired, SignInOutcome } from "./use-cases/complete-sign-in.ts";
export type { OAuthAuthorizationFinished, OAuthStateCookie } from "./use-cases/finish-oauth-authorization.ts";
export type { SecurityEventPage } from "./use-cases/list-security-events.ts";
export { maxSecurityEventPageSize } from "./use-cases/list-security-events.ts";
export type { SessionSummary } from "./use-cases/list-sessions.ts";
export type { TwoFactorSetup } from "./use-cases/set-up-two-factor.ts";
export type { AccountLocked } from "./use-cases/sign-in-lockout.ts";
export { unlockAccount } from "./use-cases/sign-in-lockout.ts";
export type { OAuthAuthorizationStarted } from "./use-cases/start-oauth-authorization.ts";
export type { ClientInfo, SignedIn, TokenPair } from "./use-cases/start-session.ts";
export type { UseCases } from "./use-cases.ts";
export { createUseCases } from "./use-cases.ts";
