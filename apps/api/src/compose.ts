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
import {
  createDatabase,
  createEmailTokenRepository,
  createLinkedProviderRepository,
  createLockoutRepository,
  createOAuthFlowRepository,
  createSecurityEventLog,
  createSessionRepository,
  createTwoFactorRepository,
  createUserRepository,
  type DatabaseConnection,
  ensureDatabaseExists,
  migrateToLatest,
  pingDatabase,
  pruneExpiredRecords,
} from "@superoauth/adapter-sql";
import { createJWTAccessTokenIssuer, createJWTMFATokenIssuer } from "@superoauth/adapter-tokens";
import { type Clock, createUseCases, type Dependencies, type PasswordHasher } from "@superoauth/application";
import { knownSourceLifetimeMs } from "@superoauth/domain";
import type { Logger } from "pino";
import { createBackgroundTaskQueue, type TaskLog } from "./background-tasks.ts";
import type { Config } from "./config.ts";
import { composeMailer } from "./mail.ts";

export interface Service {
  readonly app: HttpApp;
  readonly db: DatabaseConnection;
  /** Stops accepting requests, finishes those in flight, then closes the database pool. */
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
  await ensureDatabaseExists(config.databaseURL);
  if (config.migrateOnStart) {
    // On a pool of its own without the query timeout: a migration's DDL may rightly run for minutes.
    const administration = createDatabase({ url: config.databaseURL, queryTimeoutMs: null });
    try {
      await migrateToLatest(administration);
    } finally {
      await administration.destroy();
    }
  }
  const db = createDatabase({
    url: config.databaseURL,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
  });
  try {
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
      users: createUserRepository(db),
      sessions: createSessionRepository(db),
      securityEvents: createSecurityEventLog(db),
      oauthProviders: createOAuthProviderGateways({
        providers: config.oauth.providers,
        timeoutMs: config.oauth.httpTimeoutMs,
        ...(logger === undefined ? {} : { logger: logger.child({ component: "oauth" }) }),
      }),
      linkedProviders: createLinkedProviderRepository(db),
      oauthFlows: createOAuthFlowRepository(db),
      emailTokens: createEmailTokenRepository(db),
      mailer: mail.mailer,
      backgroundTasks,
      totp: createOTPLibTOTPService({ issuer: config.security.totpIssuer }),
      secretCipher: createAESGCMSecretCipher(config.security.totpEncryptionKey),
      mfaTokens: createJWTMFATokenIssuer({
        secret: config.jwt.secret,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }),
      twoFactor: createTwoFactorRepository(db),
      lockout: createLockoutRepository(db),
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
        await pingDatabase(db);
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
      db,
      clock: deps.clock,
      loginFailureWindowMs: config.security.lockout.windowMs,
      logger,
    });
    return {
      app,
      db,
      async close() {
        clearInterval(housekeeping);
        await app.close();
        // The queued work may still write and mail: let it finish before the mailer and the pool close.
        const { pending } = await backgroundTasks.drain({ timeoutMs: 5_000 });
        if (pending > 0)
          logger?.error({ pending }, "shutting down with background tasks unfinished; they are lost");
        await mail.close();
        await db.destroy();
      },
    };
  } catch (error) {
    await db.destroy();
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
  db: DatabaseConnection;
  clock: Clock;
  loginFailureWindowMs: number;
  logger: Logger | undefined;
}): NodeJS.Timeout {
  const prune = async () => {
    try {
      const pruned = await pruneExpiredRecords(input.db, {
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
