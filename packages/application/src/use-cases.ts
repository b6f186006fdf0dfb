import type { Dependencies } from "./ports/index.ts";
import { authenticateAccessToken } from "./use-cases/authenticate-access-token.ts";
import { createCodeVerifier } from "./use-cases/create-code-verifier.ts";
import { disableTwoFactor } from "./use-cases/disable-two-factor.ts";
import { enableTwoFactor } from "./use-cases/enable-two-factor.ts";
import { exchangeOAuthLoginCode } from "./use-cases/exchange-oauth-login-code.ts";
import { finishOAuthAuthorization } from "./use-cases/finish-oauth-authorization.ts";
import { getTwoFactorStatus } from "./use-cases/get-two-factor-status.ts";
import { listLinkedProviders } from "./use-cases/list-linked-providers.ts";
import { listOAuthProviders } from "./use-cases/list-oauth-providers.ts";
import { listSecurityEvents } from "./use-cases/list-security-events.ts";
import { listSessions } from "./use-cases/list-sessions.ts";
import { logInWithPassword } from "./use-cases/log-in-with-password.ts";
import { logOut, logOutEverywhere } from "./use-cases/log-out.ts";
import { reauthenticate } from "./use-cases/reauthenticate.ts";
import { startProviderReauthentication } from "./use-cases/reauthenticate-with-provider.ts";
import { refreshSession } from "./use-cases/refresh-session.ts";
import { regenerateBackupCodes } from "./use-cases/regenerate-backup-codes.ts";
import { registerWithPassword } from "./use-cases/register-with-password.ts";
import { resendVerification } from "./use-cases/request-email-verification.ts";
import { requestPasswordReset } from "./use-cases/request-password-reset.ts";
import { resetPassword } from "./use-cases/reset-password.ts";
import { revokeSession } from "./use-cases/revoke-session.ts";
import { setPassword } from "./use-cases/set-password.ts";
import { setUpTwoFactor } from "./use-cases/set-up-two-factor.ts";
import { startLinkingProvider } from "./use-cases/start-linking-provider.ts";
import { startOAuthAuthorization } from "./use-cases/start-oauth-authorization.ts";
import { unlinkProvider } from "./use-cases/unlink-provider.ts";
import { verifyEmail } from "./use-cases/verify-email.ts";
import { verifyTwoFactorLogin } from "./use-cases/verify-two-factor-login.ts";

type Bound<F> = F extends (deps: Dependencies, input: infer I) => infer O ? (input: I) => O : never;

/** The use cases bound to their dependencies: what the HTTP adapter calls. */
export interface UseCases {
  readonly registerWithPassword: Bound<typeof registerWithPassword>;
  readonly logInWithPassword: Bound<typeof logInWithPassword>;
  readonly authenticateAccessToken: Bound<typeof authenticateAccessToken>;
  readonly refreshSession: Bound<typeof refreshSession>;
  readonly logOut: Bound<typeof logOut>;
  readonly logOutEverywhere: Bound<typeof logOutEverywhere>;
  readonly setPassword: Bound<typeof setPassword>;
  readonly setUpTwoFactor: Bound<typeof setUpTwoFactor>;
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
  readonly startLinkingProvider: Bound<typeof startLinkingProvider>;
  readonly startProviderReauthentication: Bound<typeof startProviderReauthentication>;
}

/** Binds every use case to its dependencies once, at start-up. */
export function createUseCases(deps: Dependencies): UseCases {
  return {
    registerWithPassword: (input) => registerWithPassword(deps, input),
    logInWithPassword: (input) => logInWithPassword(deps, input),
    authenticateAccessToken: (input) => authenticateAccessToken(deps, input),
    refreshSession: (input) => refreshSession(deps, input),
    logOut: (input) => logOut(deps, input),
    logOutEverywhere: (input) => logOutEverywhere(deps, input),
    setPassword: (input) => setPassword(deps, input),
    setUpTwoFactor: (input) => setUpTwoFactor(deps, input),
    enableTwoFactor: (input) => enableTwoFactor(deps, input),
    verifyTwoFactorLogin: (input) => verifyTwoFactorLogin(deps, input),
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
    startLinkingProvider: (input) => startLinkingProvider(deps, input),
    startProviderReauthentication: (input) => startProviderReauthentication(deps, input),
  };
}
