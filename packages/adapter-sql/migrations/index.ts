import type { Migration } from "kysely/migration";
import * as createUsersAndSessions from "./2026-11-22T00-00_create-users-and-sessions.ts";
import * as createRefreshTokens from "./2026-11-22T00-01_create-refresh-tokens.ts";
import * as createSecurityEvents from "./2026-11-22T00-02_create-security-events.ts";
import * as createLinkedProviders from "./2026-11-22T01-00_create-linked-providers.ts";
import * as createEmailTokens from "./2026-11-22T02-00_create-email-tokens.ts";
import * as createTwoFactorAndLockout from "./2026-11-22T03-00_create-two-factor-and-lockout.ts";
import * as createCompletedMFAChallenges from "./2026-11-22T05-00_create-completed-mfa-challenges.ts";
import * as keepRefreshSecretsForTheGracePeriod from "./2026-11-30T01-00_keep-refresh-secrets-for-the-grace-period.ts";
import * as addBackupCodeLookupIds from "./2026-11-30T02-00_add-backup-code-lookup-ids.ts";
import * as addSessionAuthenticatedAt from "./2026-11-30T04-00_add-session-authenticated-at.ts";
import * as bindOAuthLoginCodes from "./2026-11-30T05-00_bind-oauth-login-codes.ts";
import * as createOIDCModels from "./2026-11-30T08-00_create-oidc-models.ts";
import * as bindLinkTripsToTheirSession from "./2026-11-30T09-00_bind-link-trips-to-their-session.ts";
import * as createApps from "./2026-11-30T10-00_create-apps.ts";
import * as indexOIDCModelsByAccountAndClient from "./2026-11-30T10-30_index-oidc-models-by-account-and-client.ts";
import * as createSigningKeys from "./2026-11-30T12-00_create-signing-keys.ts";
import * as createExportJobs from "./2026-11-30T13-00_create-export-jobs.ts";
import * as addRolesAndStaffActions from "./2026-11-30T13-30_add-roles-and-staff-actions.ts";
import * as addEmailTokenNewEmail from "./2026-11-30T14-00_add-email-token-new-email.ts";
import * as addUsersTwoFactorEnabled from "./2026-11-30T15-00_add-users-two-factor-enabled.ts";
import * as addSessionsAuthenticationMethods from "./2026-12-01T04-00_add-sessions-authentication-methods.ts";
import * as createMaintenanceNotices from "./2026-12-01T06-00_create-maintenance-notices.ts";
import * as indexEndedRecordsByAge from "./2026-12-01T08-00_index-ended-records-by-age.ts";
import * as resyncTwoFactorFlag from "./2026-12-01T10-00_resync-two-factor-flag.ts";
import * as asciiEmailDomains from "./2026-12-02T05-00_ascii-email-domains.ts";
import * as createRunningInstances from "./2026-12-02T08-00_create-running-instances.ts";
import * as indexExportJobsByUserAndRequest from "./2026-12-02T09-00_index-export-jobs-by-user-and-request.ts";
import * as addSessionsLastSeenAt from "./2026-12-03T02-00_add-sessions-last-seen-at.ts";
import * as addAppsIdTokenSigningAlg from "./2026-12-03T12-00_add-apps-id-token-signing-alg.ts";
import * as addAppsRequirePKCE from "./2026-12-03T18-00_add-apps-require-pkce.ts";
import * as indexSecurityEventsByType from "./2026-12-04T23-00_index-security-events-by-type.ts";
import * as indexOAuthTripsByReauthenticatingSession from "./2026-12-05T10-00_index-oauth-trips-by-reauthenticating-session.ts";
import * as indexPrunableRecordsByExpiry from "./2026-12-05T11-00_index-prunable-records-by-expiry.ts";
import * as addUsersDisabledReason from "./2026-12-06T04-00_add-users-disabled-reason.ts";
import * as addAppsBackchannelLogoutURI from "./2026-12-06T22-00_add-apps-backchannel-logout-uri.ts";
import * as keepAppsReplacedSecretHash from "./2026-12-06T23-00_keep-apps-replaced-secret-hash.ts";

/**
 * Every migration, by name. Listed by hand rather than read from the folder so
 * the set is fixed at build time and needs no file-system access at run time.
 * Names sort in the order they run.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "2026-11-22T00-00_create-users-and-sessions": createUsersAndSessions,
  "2026-11-22T00-01_create-refresh-tokens": createRefreshTokens,
  "2026-11-22T00-02_create-security-events": createSecurityEvents,
  "2026-11-22T01-00_create-linked-providers": createLinkedProviders,
  "2026-11-22T02-00_create-email-tokens": createEmailTokens,
  "2026-11-22T03-00_create-two-factor-and-lockout": createTwoFactorAndLockout,
  "2026-11-22T05-00_create-completed-mfa-challenges": createCompletedMFAChallenges,
  "2026-11-30T01-00_keep-refresh-secrets-for-the-grace-period": keepRefreshSecretsForTheGracePeriod,
  "2026-11-30T02-00_add-backup-code-lookup-ids": addBackupCodeLookupIds,
  "2026-11-30T04-00_add-session-authenticated-at": addSessionAuthenticatedAt,
  "2026-11-30T05-00_bind-oauth-login-codes": bindOAuthLoginCodes,
  "2026-11-30T08-00_create-oidc-models": createOIDCModels,
  "2026-11-30T09-00_bind-link-trips-to-their-session": bindLinkTripsToTheirSession,
  "2026-11-30T10-00_create-apps": createApps,
  "2026-11-30T10-30_index-oidc-models-by-account-and-client": indexOIDCModelsByAccountAndClient,
  "2026-11-30T12-00_create-signing-keys": createSigningKeys,
  "2026-11-30T13-00_create-export-jobs": createExportJobs,
  "2026-11-30T13-30_add-roles-and-staff-actions": addRolesAndStaffActions,
  "2026-11-30T14-00_add-email-token-new-email": addEmailTokenNewEmail,
  "2026-11-30T15-00_add-users-two-factor-enabled": addUsersTwoFactorEnabled,
  "2026-12-01T04-00_add-sessions-authentication-methods": addSessionsAuthenticationMethods,
  "2026-12-01T06-00_create-maintenance-notices": createMaintenanceNotices,
  "2026-12-01T08-00_index-ended-records-by-age": indexEndedRecordsByAge,
  "2026-12-01T10-00_resync-two-factor-flag": resyncTwoFactorFlag,
  "2026-12-02T05-00_ascii-email-domains": asciiEmailDomains,
  "2026-12-02T08-00_create-running-instances": createRunningInstances,
  "2026-12-02T09-00_index-export-jobs-by-user-and-request": indexExportJobsByUserAndRequest,
  "2026-12-03T02-00_add-sessions-last-seen-at": addSessionsLastSeenAt,
  "2026-12-03T12-00_add-apps-id-token-signing-alg": addAppsIdTokenSigningAlg,
  "2026-12-03T18-00_add-apps-require-pkce": addAppsRequirePKCE,
  "2026-12-04T23-00_index-security-events-by-type": indexSecurityEventsByType,
  "2026-12-05T10-00_index-oauth-trips-by-reauthenticating-session": indexOAuthTripsByReauthenticatingSession,
  "2026-12-05T11-00_index-prunable-records-by-expiry": indexPrunableRecordsByExpiry,
  "2026-12-06T04-00_add-users-disabled-reason": addUsersDisabledReason,
  "2026-12-06T22-00_add-apps-backchannel-logout-uri": addAppsBackchannelLogoutURI,
  "2026-12-06T23-00_keep-apps-replaced-secret-hash": keepAppsReplacedSecretHash,
};
