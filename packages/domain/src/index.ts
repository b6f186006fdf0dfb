export { timeSince } from "./clock.ts";
export { parseCodeChallenge } from "./code-challenge.ts";
export type { ExportJob, ExportStatus } from "./data-export.ts";
export {
  countsTowardExportAllowance,
  createExportJob,
  decideAfterFailedAttempt,
  defaultExportMaxAttempts,
  expiredExportKeptMs,
  exportAllowanceAt,
  exportAllowanceSince,
  exportAllowanceWindowMs,
  exportStatusAt,
  exportStatuses,
  isActiveExport,
  leaseHasLapsed,
  maxExportsPerWindow,
} from "./data-export.ts";
export { durationInWords } from "./duration-in-words.ts";
export type { Email } from "./email.ts";
export { maskEmail, parseEmail, parseNewEmail } from "./email.ts";
export type { EmailToken, EmailTokenId, EmailTokenPurpose, EmailTokenState } from "./email-token.ts";
export {
  checkEmailTokenUsable,
  checkEmailVerifiedForSignIn,
  checkMailAllowance,
  createEmailToken,
  emailTokenLifetimeMs,
  emailTokenPurposes,
  formatEmailToken,
  mailAllowanceAt,
  mailAllowanceWindowMs,
  mailRepeatWindowMs,
  maxMailsPerAddress,
  parseEmailToken,
  requestedLinkAllowanceAt,
  supersedesOlderTokens,
  undoLinkAllowanceAt,
} from "./email-token.ts";
export type { ErrorCode } from "./error-code.ts";
export { errorCodes, isErrorCode } from "./error-code.ts";
export { defaultReauthMaxAgeMs, hasFreshProof } from "./fresh-proof.ts";
export type { LinkedProvider, OAuthProviderId } from "./linked-provider.ts";
export {
  checkMayUnlinkProvider,
  mayLinkByEmail,
  nicknameFromDisplayName,
  oauthProviderIds,
  oauthProviderNames,
  parseOAuthProvider,
  providerDisplayName,
  unsupportedProvider,
} from "./linked-provider.ts";
export type {
  LockedScope,
  LockoutDecision,
  LockoutPolicy,
  LoginAttemptReservation,
  LoginFailures,
} from "./lockout.ts";
export {
  accountWideSource,
  countFailedLogin,
  decideLockout,
  isLockedAt,
  knownSourceLifetimeMs,
  refundLoginAttempt,
  reserveLoginAttempt,
  secondsUntil,
} from "./lockout.ts";
export { isLoopbackHost } from "./loopback-host.ts";
export type { MaintenanceNotice } from "./maintenance-notice.ts";
export { maxMaintenanceNoticeLength, parseMaintenanceNoticeMessage } from "./maintenance-notice.ts";
export type { Nickname } from "./nickname.ts";
export { parseNickname } from "./nickname.ts";
export { hasControlCharacters } from "./one-line-text.ts";
export { checkPageCursor, isPageCursor } from "./page-cursor.ts";
export {
  checkPasswordPolicy,
  maxPasswordLength,
  minPasswordLength,
  passwordPolicyDescription,
  passwordSpecialCharacters,
} from "./password-policy.ts";
export { accountWordsOf, normalizePassword, passwordFormsToVerify } from "./password-screening.ts";
export type { Result } from "./result.ts";
export { err, ok } from "./result.ts";
export type { Role, StaffAction } from "./role.ts";
export {
  checkAnAdminRemains,
  checkStaffPermission,
  isActiveAdmin,
  isRoleRaised,
  mayPerform,
  parseRole,
  roles,
  staffActions,
  staffActionsNeedingFreshProof,
} from "./role.ts";
export type { SecurityEvent, SecurityEventType } from "./security-event.ts";
export {
  adminCreatedOnServer,
  asSeenByHolder,
  asSeenInAuditBy,
  defaultStaffMailsPerHour,
  defaultStaffReadsPerHour,
  isAdminCreatedOnServer,
  isAuditEntry,
  isStaffRead,
  recordsRefusedSignIn,
  refusedSignInEntriesPerWindow,
  refusedSignInFoldWindowMs,
  securityEventTypes,
  staffAllowanceTypesOf,
  staffMailTypes,
  staffReadAllowanceWindowMs,
  staffReadTypes,
  staffReasonDetail,
  staffViewFoldWindowMs,
} from "./security-event.ts";
export { describeSecurityEvent, describeStaffAction } from "./security-event-description.ts";
export type { SecurityNoticeEvent, SecurityNoticeType } from "./security-notice.ts";
export {
  lowBackupCodesThreshold,
  maxNoticesPerWindow,
  noticeAllowanceLeft,
  noticeEventsRead,
  noticeWindowMs,
  notifiesAccountHolder,
  securityNoticeTypes,
} from "./security-notice.ts";
export type {
  AuthenticationMethod,
  RefreshDecision,
  RefreshToken,
  RefreshTokenId,
  Session,
  SessionId,
} from "./session.ts";
export {
  chooseSessionsToEnd,
  decideRefresh,
  formatRefreshToken,
  isAuthenticationMethod,
  lastActivityOf,
  parseRefreshToken,
  sessionSeenIntervalMs,
  shouldRecordSessionSeen,
  signInAuthenticationMethods,
} from "./session.ts";
export type {
  APIScope,
  AppClientType,
  AppScope,
  AppSettings,
  AppSettingsInput,
  IdTokenSigningAlg,
  ThirdPartyAccess,
  TokenEndpointAuthMethod,
} from "./third-party-app.ts";
export {
  appClientTypes,
  appScopes,
  checkHasClientSecret,
  decideThirdPartyAccess,
  idTokenSigningAlgs,
  isNativeApp,
  maxAppNameLength,
  maxAppURLLength,
  maxRedirectURIs,
  parseAppScopes,
  parseAppSettings,
  parseRedirectURI,
  privateUseSchemeOf,
  privateUseSchemesOf,
  thirdPartyAPIRoutes,
  tokenEndpointAuthMethods,
} from "./third-party-app.ts";
export type { BackupCode, ParsedBackupCode, TOTPFactor, TwoFactorStatus } from "./two-factor.ts";
export {
  backupCodeCount,
  backupCodeFromRandom,
  backupCodeLookupIdLength,
  normalizeTOTPCode,
  parseBackupCode,
  totpDigits,
  totpPeriodSeconds,
  totpTimeStepAt,
  turningOnTwoFactor,
} from "./two-factor.ts";
export type { User, UserId, UserStatus } from "./user.ts";
export {
  checkAddressProven,
  checkUserMaySignIn,
  createUser,
  maxDisableReasonLength,
  parseDisableReason,
} from "./user.ts";
export { describeUserAgent } from "./user-agent.ts";
export { utcText } from "./utc-text.ts";
