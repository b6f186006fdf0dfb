import {
  createAESGCMSecretCipher,
  createArgon2PasswordHasher,
  createOTPLibTOTPService,
  createSecureRandomSource,
  createSHA256SecretHasher,
  limitHashingConcurrency,
} from "@superoauth/adapter-crypto";
import { buildHttpApp, type HttpApp } from "@superoauth/adapter-http";
import { createOAuthProviderGateways } from "@superoauth/adapter-oauth";
import { createZxcvbnPasswordStrengthChecker } from "@superoauth/adapter-password-strength";
import { openStorage, type Storage } from "@superoauth/adapter-sql";
import { createJWTAccessTokenIssuer, createJWTMFATokenIssuer } from "@superoauth/adapter-tokens";
import { type Clock, createUseCases, type Dependencies, type PasswordHasher } from "@superoauth/application";
import { knownSourceLifetimeMs } from "@superoauth/domain";
import type { Logger } from "pino";
import { createBackgroundTaskQueue, type TaskLog } from "./background-tasks.ts";
import type { Config } from "./config.ts";
import { composeMailer } from "./mail.ts";

export interface Service {
  readonly app: HttpApp;
  readonly storage: Storage;
  /** Stops accepting requests, finishes those in flight, then closes the storage. */
  close(): Promise<void>;
}

/** Builds the whole service from configuration: database, adapters, use cases, HTTP app. */
export async function composeService(
  config: Config,
  logger: Logger | undefined,
  /**
   * Tests pass a clock they move by hand (TOTP steps, lockout, expiry), and an argon2id
   * hasher that counts its work (it is still limited by UV_THREADPOOL_SIZE and ARGON2_MAX_QUEUE).
   */
  options: { clock?: Clock; passwordHasher?: PasswordHasher } = {},
): Promise<Service> {
  const storage = await openStorage({
    url: config.databaseURL,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
  });
  try {
    // Creates the database if missing, and migrates it without the query timeout.
    if (config.migrateOnStart) await storage.migrate();
    const mail = composeMailer(config.mail, logger);
    const backgroundTasks = createBackgroundTaskQueue({
      ...backgroundQueueLimits,
      log: logger?.child({ component: "background" }) ?? silentTaskLog,
    });
    const deps: Dependencies = {
      clock: options.clock ?? { now: () => new Date() },
      random: createSecureRandomSource(),
      passwordHasher: limitHashingConcurrency(
        options.passwordHasher ?? createArgon2PasswordHasher(),
        config.security.hashing,
      ),
      passwordStrength: createZxcvbnPasswordStrengthChecker(),
      secretHasher: createSHA256SecretHasher(),
      accessTokens: createJWTAccessTokenIssuer({
        secret: config.jwt.secret,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
        ttlSeconds: config.accessTokenTtlSeconds,
      }),
      users: storage.users,
      sessions: storage.sessions,
      securityEvents: storage.securityEvents,
      oauthProviders: createOAuthProviderGateways({
        providers: config.oauth.providers,
        timeoutMs: config.oauth.httpTimeoutMs,
        ...(logger === undefined ? {} : { logger: logger.child({ component: "oauth" }) }),
      }),
      linkedProviders: storage.linkedProviders,
      oauthFlows: storage.oauthFlows,
      emailTokens: storage.emailTokens,
      mailer: mail.mailer,
      backgroundTasks,
      totp: createOTPLibTOTPService({ issuer: config.security.totpIssuer }),
      secretCipher: createAESGCMSecretCipher(config.security.totpEncryptionKey),
      mfaTokens: createJWTMFATokenIssuer({
        secret: config.jwt.secret,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }),
      twoFactor: storage.twoFactor,
      lockout: storage.lockout,
      accountAdministration: storage.accountAdministration,
      thirdPartyGrants: storage.thirdPartyGrants,
      // Data exports (issue 10) are not on this branch: there is nothing to remove yet. The export
      // feature's store replaces this (docs/admin.md, "Deletion").
      userExports: { removeExportsOfUser: async () => {} },
      settings: {
        refreshTokenTtlMs: config.refreshTokenTtlMs,
        refreshReuseGraceMs: config.refreshReuseGraceMs,
        sessionMaxAgeMs: config.sessionMaxAgeMs,
        maxSessionsPerUser: config.maxSessionsPerUser,
        appURL: config.mail.appURL,
        requireEmailVerification: config.mail.requireEmailVerification,
        lockout: config.security.lockout,
        reauthMaxAgeMs: config.security.reauthMaxAgeMs,
      },
    };
    const app = await buildHttpApp({
      useCases: createUseCases(deps),
      rateLimit: { ...config.rateLimit, redisURL: config.redisURL },
      trustProxy: config.trustProxy,
      checkReadiness: async () => {
        await storage.ping();
        return true;
      },
      ...(logger === undefined ? {} : { logger }),
      cookieSecret: config.oauth.cookieSecret,
      oauth: {
        successRedirectURL: config.oauth.successRedirectURL,
        secureCookies: config.oauth.secureCookies,
        hostPrefixedCookies: config.oauth.hostPrefixedCookies,
      },
    });
    const housekeeping = startHousekeeping({
      storage,
      clock: deps.clock,
      loginFailureWindowMs: config.security.lockout.windowMs,
      logger,
    });
    return {
      app,
      storage,
      async close() {
        clearInterval(housekeeping);
        await app.close();
        // The queued work may still write and mail: let it finish before the mailer and the pool close.
        const { pending } = await backgroundTasks.drain({ timeoutMs: 5_000 });
        if (pending > 0)
          logger?.error({ pending }, "shutting down with background tasks unfinished; they are lost");
        await mail.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/**
 * The work queued by forgot-password and resend-verification (docs/operations.md): 4 at once
 * leaves most of the 10 pooled connections to requests; 1,000 waiting tasks is a few hundred
 * kilobytes, and far more than the email rate limit lets honest traffic queue.
 */
const backgroundQueueLimits = { capacity: 1_000, concurrency: 4 };

const silentTaskLog: TaskLog = { warn: () => {}, error: () => {} };

/** How often expired single-use records are pruned (and once at start). */
const housekeepingIntervalMs = 60 * 60_000;

/**
 * Prunes expired records now and every hour, in the background: a failure is logged and tried
 * again next time, never fatal. The timer does not keep the process alive.
 */
function startHousekeeping(input: {
  storage: Storage;
  clock: Clock;
  loginFailureWindowMs: number;
  logger: Logger | undefined;
}): NodeJS.Timeout {
  const prune = async () => {
    try {
      const pruned = await input.storage.prune({
        now: input.clock.now(),
        loginFailureWindowMs: input.loginFailureWindowMs,
        knownSourceLifetimeMs,
      });
      input.logger?.debug({ pruned }, "pruned expired records");
    } catch (error) {
      input.logger?.warn({ err: error }, "pruning expired records failed; will retry");
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), housekeepingIntervalMs);
  timer.unref();
  return timer;
}
