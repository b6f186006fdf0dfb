export type { AccountStores } from "./account-administration.contract.ts";
export { accountAdministrationContract } from "./account-administration.contract.ts";
export { appRepositoryContract } from "./app-repository.contract.ts";
export type { DrainableBackgroundTasks } from "./background-tasks.contract.ts";
export { backgroundTasksContract } from "./background-tasks.contract.ts";
export { emailTokenRepositoryContract } from "./email-token-repository.contract.ts";
export { exportJobRepositoryContract } from "./export-job-repository.contract.ts";
export { at, makePublicApp, makeRefreshToken, makeSession, makeUser, t0, testId } from "./fixtures.ts";
export { passwordHasherContract, secretHasherContract } from "./hasher.contract.ts";
export {
  CountingPasswordHasher,
  createInMemoryDependencies,
  HeldPasswordHasher,
  InMemoryAccessTokenIssuer,
  InMemoryPasswordHasher,
  InMemorySecretHasher,
  InMemorySecurityEventLog,
  InMemorySessionRepository,
  InMemoryTransactions,
  InMemoryUserRepository,
  ManualClock,
  SequentialRandomSource,
} from "./in-memory.ts";
export {
  InMemoryAccountAdministration,
  InMemoryThirdPartyGrants,
  InMemoryUserExports,
} from "./in-memory-admin.ts";
export {
  authorizeAppForTest,
  InMemoryAppAuthorizationRepository,
  InMemoryAppRepository,
  ScriptedThirdPartyAccessTokens,
} from "./in-memory-apps.ts";

export { InMemoryBackgroundTasks } from "./in-memory-background-tasks.ts";
export type { InMemoryArchive } from "./in-memory-data-export.ts";
export {
  CountingExportWorkerSignal,
  InMemoryExportArchiveStore,
  InMemoryExportJobRepository,
} from "./in-memory-data-export.ts";
export { InMemoryEmailTokenRepository, InMemoryMailer, tokenFromMail } from "./in-memory-mail.ts";
export {
  InMemoryLinkedProviderRepository,
  InMemoryOAuthFlowRepository,
  ScriptedOAuthProviderGateway,
} from "./in-memory-oauth.ts";
export { InMemoryOIDCModelStore } from "./in-memory-oidc.ts";
export { InMemoryPasswordStrengthChecker } from "./in-memory-password-strength.ts";
export { FakeSigningKeyGenerator, InMemorySigningKeyStore } from "./in-memory-signing-keys.ts";
export {
  InMemoryLockoutRepository,
  InMemoryMFATokenIssuer,
  InMemorySecretCipher,
  InMemoryTOTPService,
  InMemoryTwoFactorRepository,
} from "./in-memory-two-factor.ts";
export { linkedProviderRepositoryContract } from "./linked-provider-repository.contract.ts";
export { lockoutRepositoryContract } from "./lockout-repository.contract.ts";
export { maintenanceNoticesContract } from "./maintenance-notices.contract.ts";
export { oauthFlowRepositoryContract } from "./oauth-flow-repository.contract.ts";
export { oidcModelStoreContract } from "./oidc-model-store.contract.ts";
export { RecordingObserver } from "./recording-observer.ts";
export { securityEventLogContract } from "./security-event-log.contract.ts";
export { sessionRepositoryContract } from "./session-repository.contract.ts";
export { signingKeyStoreContract } from "./signing-key-store.contract.ts";
export { transactionsContract } from "./transactions.contract.ts";
export { enableTwoFactorFor, enableTwoFactorOnUnverifiedAddress } from "./two-factor-helpers.ts";
export { twoFactorRepositoryContract } from "./two-factor-repository.contract.ts";
export { linkIdentity, verifyAddress } from "./use-case-helpers.ts";
export { userRepositoryContract } from "./user-repository.contract.ts";
