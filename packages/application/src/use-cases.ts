import type { Dependencies } from "./ports/index.ts";
import { confirmEmailChange } from "./use-cases/account/confirm-email-change.ts";
import { deleteAccount } from "./use-cases/account/delete-account.ts";
import { findPendingEmailChange } from "./use-cases/account/find-pending-email-change.ts";
import { sessionHasFreshProof } from "./use-cases/account/has-fresh-proof.ts";
import { reauthenticate } from "./use-cases/account/reauthenticate.ts";
import { requestEmailChange } from "./use-cases/account/request-email-change.ts";
import { setPassword } from "./use-cases/account/set-password.ts";
import { startProviderReauthentication } from "./use-cases/account/start-provider-reauthentication.ts";
import { undoEmailChange } from "./use-cases/account/undo-email-change.ts";
import { updateProfile } from "./use-cases/account/update-profile.ts";
import { changeUserRole } from "./use-cases/admin/change-user-role.ts";
import { changeUserStatus } from "./use-cases/admin/change-user-status.ts";
import { deleteUser } from "./use-cases/admin/delete-user.ts";
import { getUserDetails } from "./use-cases/admin/get-user-details.ts";
import { listAdminAudit } from "./use-cases/admin/list-admin-audit.ts";
import { findMaintenanceNotice, setMaintenanceNotice } from "./use-cases/admin/maintenance-notice.ts";
import { requireNewPassword } from "./use-cases/admin/require-new-password.ts";
import { resendUserVerification } from "./use-cases/admin/resend-user-verification.ts";
import { resetUserTwoFactor } from "./use-cases/admin/reset-user-two-factor.ts";
import { revokeUserSessions } from "./use-cases/admin/revoke-user-sessions.ts";
import { searchUsers } from "./use-cases/admin/search-users.ts";
import { sendUserPasswordReset } from "./use-cases/admin/send-user-password-reset.ts";
import { checkStaffAccess } from "./use-cases/admin/steps/authorize-staff-action.ts";
import { unlinkUserProvider } from "./use-cases/admin/unlink-user-provider.ts";
import { unlockUser } from "./use-cases/admin/unlock-user.ts";
import { verifyUserEmail } from "./use-cases/admin/verify-user-email.ts";
import { listAuthorizedApps, revokeAppAuthorization } from "./use-cases/apps/authorized-apps.ts";
import { deleteApp } from "./use-cases/apps/delete-app.ts";
import { getApp } from "./use-cases/apps/get-app.ts";
import { listApps } from "./use-cases/apps/list-apps.ts";
import {
  findAppGrant,
  findClient,
  findClientSecretReplacement,
  forgetAppGrant,
  recordAppConsent,
  recordAppGrant,
  recordAppTokenReuse,
  touchAppGrant,
} from "./use-cases/apps/provider-clients.ts";
import { registerApp } from "./use-cases/apps/register-app.ts";
import { rotateAppSecret } from "./use-cases/apps/rotate-app-secret.ts";
import { updateApp } from "./use-cases/apps/update-app.ts";
import { expireDataExports } from "./use-cases/data-export/expire-data-exports.ts";
import { getDataExport } from "./use-cases/data-export/get-data-export.ts";
import { getDataExportAllowance } from "./use-cases/data-export/get-data-export-allowance.ts";
import { listDataExports } from "./use-cases/data-export/list-data-exports.ts";
import { openDataExportArchive } from "./use-cases/data-export/open-data-export-archive.ts";
import { requestDataExport } from "./use-cases/data-export/request-data-export.ts";
import { runNextDataExport } from "./use-cases/data-export/run-next-data-export.ts";
import { sweepOrphanedExportArchives } from "./use-cases/data-export/sweep-orphaned-export-archives.ts";
import { resendVerification } from "./use-cases/email-verification/resend-verification.ts";
import { verifyEmail } from "./use-cases/email-verification/verify-email.ts";
import { findOIDCAccount } from "./use-cases/oidc/find-oidc-account.ts";
import { requestPasswordReset } from "./use-cases/recovery/request-password-reset.ts";
import { resetPassword } from "./use-cases/recovery/reset-password.ts";
import { listSecurityEvents } from "./use-cases/security-log/list-security-events.ts";
import {
  authenticateAccessToken,
  authenticateCaller,
  authenticateCallerWithTwoFactorStatus,
} from "./use-cases/sessions/authenticate-access-token.ts";
import { authenticateBrowserSession } from "./use-cases/sessions/authenticate-browser-session.ts";
import { listSessions } from "./use-cases/sessions/list-sessions.ts";
import { logOut } from "./use-cases/sessions/log-out.ts";
import { logOutEverywhere } from "./use-cases/sessions/log-out-everywhere.ts";
import { refreshSession } from "./use-cases/sessions/refresh-session.ts";
import { revokeSession } from "./use-cases/sessions/revoke-session.ts";
import { logInWithPassword } from "./use-cases/sign-in/log-in-with-password.ts";
import {
  registerAwaitingVerification,
  registerWithPassword,
} from "./use-cases/sign-in/register-with-password.ts";
import { observeSignIn } from "./use-cases/sign-in/steps/observe-sign-in.ts";
import { verifyTwoFactorLogin } from "./use-cases/sign-in/verify-two-factor-login.ts";
import { createCodeVerifier } from "./use-cases/social/create-code-verifier.ts";
import { exchangeOAuthLoginCode } from "./use-cases/social/exchange-oauth-login-code.ts";
import { finishOAuthAuthorization } from "./use-cases/social/finish-oauth-authorization.ts";
import { listLinkedProviders } from "./use-cases/social/list-linked-providers.ts";
import { listOAuthProviders } from "./use-cases/social/list-oauth-providers.ts";
import { startLinkingProvider } from "./use-cases/social/start-linking-provider.ts";
import { startOAuthAuthorization } from "./use-cases/social/start-oauth-authorization.ts";
import { unlinkProvider } from "./use-cases/social/unlink-provider.ts";
import { disableTwoFactor } from "./use-cases/two-factor/disable-two-factor.ts";
import { enableTwoFactor } from "./use-cases/two-factor/enable-two-factor.ts";
import { getTwoFactorStatus } from "./use-cases/two-factor/get-two-factor-status.ts";
import { regenerateBackupCodes } from "./use-cases/two-factor/regenerate-backup-codes.ts";
import { findPendingTwoFactorSetup, setUpTwoFactor } from "./use-cases/two-factor/set-up-two-factor.ts";

type Bound<F> = F extends (deps: Dependencies, input: infer I) => infer O ? (input: I) => O : never;

/** The use cases bound to their dependencies: what the HTTP adapter calls. */
export interface UseCases {
  readonly registerWithPassword: Bound<typeof registerWithPassword>;
  readonly registerAwaitingVerification: Bound<typeof registerAwaitingVerification>;
  readonly logInWithPassword: Bound<typeof logInWithPassword>;
  readonly authenticateAccessToken: Bound<typeof authenticateAccessToken>;
  readonly authenticateCaller: Bound<typeof authenticateCaller>;
  readonly authenticateCallerWithTwoFactorStatus: Bound<typeof authenticateCallerWithTwoFactorStatus>;
  readonly authenticateBrowserSession: Bound<typeof authenticateBrowserSession>;
  readonly refreshSession: Bound<typeof refreshSession>;
  readonly logOut: Bound<typeof logOut>;
  readonly logOutEverywhere: Bound<typeof logOutEverywhere>;
  readonly setPassword: Bound<typeof setPassword>;
  readonly setUpTwoFactor: Bound<typeof setUpTwoFactor>;
  readonly findPendingTwoFactorSetup: Bound<typeof findPendingTwoFactorSetup>;
  readonly enableTwoFactor: Bound<typeof enableTwoFactor>;
  readonly verifyTwoFactorLogin: Bound<typeof verifyTwoFactorLogin>;
  readonly disableTwoFactor: Bound<typeof disableTwoFactor>;
  readonly regenerateBackupCodes: Bound<typeof regenerateBackupCodes>;
  readonly getTwoFactorStatus: Bound<typeof getTwoFactorStatus>;
  readonly listOAuthProviders: Bound<typeof listOAuthProviders>;
  readonly startOAuthAuthorization: Bound<typeof startOAuthAuthorization>;
  readonly createCodeVerifier: Bound<typeof createCodeVerifier>;
  readonly finishOAuthAuthorization: Bound<typeof finishOAuthAuthorization>;
  readonly exchangeOAuthLoginCode: Bound<typeof exchangeOAuthLoginCode>;
  readonly listLinkedProviders: Bound<typeof listLinkedProviders>;
  readonly unlinkProvider: Bound<typeof unlinkProvider>;
  readonly verifyEmail: Bound<typeof verifyEmail>;
  readonly resendVerification: Bound<typeof resendVerification>;
  readonly requestPasswordReset: Bound<typeof requestPasswordReset>;
  readonly resetPassword: Bound<typeof resetPassword>;
  readonly listSessions: Bound<typeof listSessions>;
  readonly revokeSession: Bound<typeof revokeSession>;
  readonly listSecurityEvents: Bound<typeof listSecurityEvents>;
  readonly reauthenticate: Bound<typeof reauthenticate>;
  readonly sessionHasFreshProof: Bound<typeof sessionHasFreshProof>;
  readonly startLinkingProvider: Bound<typeof startLinkingProvider>;
  readonly startProviderReauthentication: Bound<typeof startProviderReauthentication>;
  readonly registerApp: Bound<typeof registerApp>;
  readonly listApps: Bound<typeof listApps>;
  readonly getApp: Bound<typeof getApp>;
  readonly updateApp: Bound<typeof updateApp>;
  readonly deleteApp: Bound<typeof deleteApp>;
  readonly rotateAppSecret: Bound<typeof rotateAppSecret>;
  readonly listAuthorizedApps: Bound<typeof listAuthorizedApps>;
  readonly revokeAppAuthorization: Bound<typeof revokeAppAuthorization>;
  readonly findClient: Bound<typeof findClient>;
  readonly findClientSecretReplacement: Bound<typeof findClientSecretReplacement>;
  readonly findOIDCAccount: Bound<typeof findOIDCAccount>;
  readonly findAppGrant: Bound<typeof findAppGrant>;
  readonly forgetAppGrant: Bound<typeof forgetAppGrant>;
  readonly recordAppGrant: Bound<typeof recordAppGrant>;
  readonly recordAppConsent: Bound<typeof recordAppConsent>;
  readonly recordAppTokenReuse: Bound<typeof recordAppTokenReuse>;
  readonly touchAppGrant: Bound<typeof touchAppGrant>;
  readonly requestDataExport: Bound<typeof requestDataExport>;
  readonly getDataExport: Bound<typeof getDataExport>;
  readonly listDataExports: Bound<typeof listDataExports>;
  readonly getDataExportAllowance: Bound<typeof getDataExportAllowance>;
  readonly openDataExportArchive: Bound<typeof openDataExportArchive>;
  /** For the export worker loop (apps/api), not the HTTP adapter. */
  readonly runNextDataExport: Bound<typeof runNextDataExport>;
  /** For the scheduled prune. */
  readonly expireDataExports: Bound<typeof expireDataExports>;
  /** For the scheduled prune, after the expiry. */
  readonly sweepOrphanedExportArchives: Bound<typeof sweepOrphanedExportArchives>;
  readonly deleteAccount: Bound<typeof deleteAccount>;
  readonly updateProfile: Bound<typeof updateProfile>;
  readonly requestEmailChange: Bound<typeof requestEmailChange>;
  readonly confirmEmailChange: Bound<typeof confirmEmailChange>;
  readonly undoEmailChange: Bound<typeof undoEmailChange>;
  readonly findPendingEmailChange: Bound<typeof findPendingEmailChange>;
  readonly searchUsers: Bound<typeof searchUsers>;
  readonly checkStaffAccess: Bound<typeof checkStaffAccess>;
  readonly getUserDetails: Bound<typeof getUserDetails>;
  readonly changeUserStatus: Bound<typeof changeUserStatus>;
  readonly changeUserRole: Bound<typeof changeUserRole>;
  readonly unlockUser: Bound<typeof unlockUser>;
  readonly resetUserTwoFactor: Bound<typeof resetUserTwoFactor>;
  readonly unlinkUserProvider: Bound<typeof unlinkUserProvider>;
  readonly verifyUserEmail: Bound<typeof verifyUserEmail>;
  readonly resendUserVerification: Bound<typeof resendUserVerification>;
  readonly sendUserPasswordReset: Bound<typeof sendUserPasswordReset>;
  readonly requireNewPassword: Bound<typeof requireNewPassword>;
  readonly revokeUserSessions: Bound<typeof revokeUserSessions>;
  readonly deleteUser: Bound<typeof deleteUser>;
  readonly listAdminAudit: Bound<typeof listAdminAudit>;
  readonly setMaintenanceNotice: Bound<typeof setMaintenanceNotice>;
  readonly findMaintenanceNotice: Bound<typeof findMaintenanceNotice>;
}

/** Binds every use case to its dependencies once, at start-up. */
export function createUseCases(deps: Dependencies): UseCases {
  return {
    registerWithPassword: (input) => registerWithPassword(deps, input),
    registerAwaitingVerification: (input) => registerAwaitingVerification(deps, input),
    logInWithPassword: async (input) => observeSignIn(deps, "password", await logInWithPassword(deps, input)),
    authenticateAccessToken: (input) => authenticateAccessToken(deps, input),
    authenticateCaller: (input) => authenticateCaller(deps, input),
    authenticateCallerWithTwoFactorStatus: (input) => authenticateCallerWithTwoFactorStatus(deps, input),
    authenticateBrowserSession: (input) => authenticateBrowserSession(deps, input),
    refreshSession: (input) => refreshSession(deps, input),
    logOut: (input) => logOut(deps, input),
    logOutEverywhere: (input) => logOutEverywhere(deps, input),
    setPassword: (input) => setPassword(deps, input),
    setUpTwoFactor: (input) => setUpTwoFactor(deps, input),
    findPendingTwoFactorSetup: (input) => findPendingTwoFactorSetup(deps, input),
    enableTwoFactor: (input) => enableTwoFactor(deps, input),
    verifyTwoFactorLogin: async (input) =>
      observeSignIn(
        deps,
        input.backupCode === undefined ? "totp" : "backup_code",
        await verifyTwoFactorLogin(deps, input),
      ),
    disableTwoFactor: (input) => disableTwoFactor(deps, input),
    regenerateBackupCodes: (input) => regenerateBackupCodes(deps, input),
    getTwoFactorStatus: (input) => getTwoFactorStatus(deps, input),
    listOAuthProviders: (input) => listOAuthProviders(deps, input),
    startOAuthAuthorization: (input) => startOAuthAuthorization(deps, input),
    createCodeVerifier: (input) => createCodeVerifier(deps, input),
    finishOAuthAuthorization: (input) => finishOAuthAuthorization(deps, input),
    exchangeOAuthLoginCode: (input) => exchangeOAuthLoginCode(deps, input),
    listLinkedProviders: (input) => listLinkedProviders(deps, input),
    unlinkProvider: (input) => unlinkProvider(deps, input),
    verifyEmail: (input) => verifyEmail(deps, input),
    resendVerification: (input) => resendVerification(deps, input),
    requestPasswordReset: (input) => requestPasswordReset(deps, input),
    resetPassword: (input) => resetPassword(deps, input),
    listSessions: (input) => listSessions(deps, input),
    revokeSession: (input) => revokeSession(deps, input),
    listSecurityEvents: (input) => listSecurityEvents(deps, input),
    reauthenticate: (input) => reauthenticate(deps, input),
    sessionHasFreshProof: (input) => sessionHasFreshProof(deps, input),
    startLinkingProvider: (input) => startLinkingProvider(deps, input),
    startProviderReauthentication: (input) => startProviderReauthentication(deps, input),
    registerApp: (input) => registerApp(deps, input),
    listApps: (input) => listApps(deps, input),
    getApp: (input) => getApp(deps, input),
    updateApp: (input) => updateApp(deps, input),
    deleteApp: (input) => deleteApp(deps, input),
    rotateAppSecret: (input) => rotateAppSecret(deps, input),
    listAuthorizedApps: (input) => listAuthorizedApps(deps, input),
    revokeAppAuthorization: (input) => revokeAppAuthorization(deps, input),
    findClient: (input) => findClient(deps, input),
    findClientSecretReplacement: (input) => findClientSecretReplacement(deps, input),
    findOIDCAccount: (input) => findOIDCAccount(deps, input),
    findAppGrant: (input) => findAppGrant(deps, input),
    forgetAppGrant: (input) => forgetAppGrant(deps, input),
    recordAppGrant: (input) => recordAppGrant(deps, input),
    recordAppConsent: (input) => recordAppConsent(deps, input),
    recordAppTokenReuse: (input) => recordAppTokenReuse(deps, input),
    touchAppGrant: (input) => touchAppGrant(deps, input),
    requestDataExport: (input) => requestDataExport(deps, input),
    getDataExport: (input) => getDataExport(deps, input),
    listDataExports: (input) => listDataExports(deps, input),
    getDataExportAllowance: (input) => getDataExportAllowance(deps, input),
    openDataExportArchive: (input) => openDataExportArchive(deps, input),
    runNextDataExport: (input) => runNextDataExport(deps, input),
    expireDataExports: (input) => expireDataExports(deps, input),
    sweepOrphanedExportArchives: (input) => sweepOrphanedExportArchives(deps, input),
    deleteAccount: (input) => deleteAccount(deps, input),
    updateProfile: (input) => updateProfile(deps, input),
    requestEmailChange: (input) => requestEmailChange(deps, input),
    confirmEmailChange: (input) => confirmEmailChange(deps, input),
    undoEmailChange: (input) => undoEmailChange(deps, input),
    findPendingEmailChange: (input) => findPendingEmailChange(deps, input),
    searchUsers: (input) => searchUsers(deps, input),
    checkStaffAccess: (input) => checkStaffAccess(deps, input),
    getUserDetails: (input) => getUserDetails(deps, input),
    changeUserStatus: (input) => changeUserStatus(deps, input),
    changeUserRole: (input) => changeUserRole(deps, input),
    unlockUser: (input) => unlockUser(deps, input),
    resetUserTwoFactor: (input) => resetUserTwoFactor(deps, input),
    unlinkUserProvider: (input) => unlinkUserProvider(deps, input),
    verifyUserEmail: (input) => verifyUserEmail(deps, input),
    resendUserVerification: (input) => resendUserVerification(deps, input),
    sendUserPasswordReset: (input) => sendUserPasswordReset(deps, input),
    requireNewPassword: (input) => requireNewPassword(deps, input),
    revokeUserSessions: (input) => revokeUserSessions(deps, input),
    deleteUser: (input) => deleteUser(deps, input),
    listAdminAudit: (input) => listAdminAudit(deps, input),
    setMaintenanceNotice: (input) => setMaintenanceNotice(deps, input),
    findMaintenanceNotice: (input) => findMaintenanceNotice(deps, input),
  };
}
