import { createLocalExportArchiveStore } from "@superoauth/adapter-archive";
import {
  createAESGCMSecretCipher,
  createArgon2PasswordHasher,
  createOTPLibTOTPService,
  createSecureRandomSource,
  createSHA256SecretHasher,
  limitHashingConcurrency,
} from "@superoauth/adapter-crypto";
import {
  buildHttpApp,
  buildMetricsApp,
  cachedCheck,
  createHostedProviderTrips,
  createMetrics,
  currentRequestId,
  type DependencyCheck,
  type HttpApp,
  type StartGate,
} from "@superoauth/adapter-http";
import { createOAuthProviderGateways } from "@superoauth/adapter-oauth";
import {
  createOIDCProvider,
  createThirdPartyAccessTokens,
  type ProviderOptions,
} from "@superoauth/adapter-oidc";
import {
  createPasswordScreeningPool,
  type PasswordScreeningPool,
} from "@superoauth/adapter-password-strength";
import { openStorage, SchemaOfANewerReleaseError, type Storage } from "@superoauth/adapter-sql";
import { createJWTAccessTokenIssuer, createJWTMFATokenIssuer } from "@superoauth/adapter-tokens";
import {
  createAccountPages,
  createAdminPages,
  createBrowserSessions,
  createHostedPages,
  createMailedLinkPages,
  createPageAssets,
  createProviderPages,
  createServicePages,
  formAccountOf,
} from "@superoauth/adapter-web";
import {
  type Clock,
  checkSecretKeyOpensStoredSecrets,
  createUseCases,
  type Dependencies,
  type JWKS,
  loadSigningKeys,
  type PasswordHasher,
  privateJWKS,
  publicJWKS,
  type SessionEndings,
  tellingSessionEndings,
  tellingSessionEndingsOfTransactions,
  type UseCases,
} from "@superoauth/application";
import { defaultExportMaxAttempts, knownSourceLifetimeMs } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createBackgroundTaskQueue, type TaskLog } from "./background-tasks.ts";
import type { Config } from "./config.ts";
import { diskSpaceCheck } from "./disk-space-check.ts";
import { createExportWorker, type ExportWorker } from "./export-worker.ts";
import { type InstanceSettingsWatch, releaseOf, watchInstanceSettings } from "./instance-settings.ts";
import { carryingRequestId, componentLogger, type DebugArea, debugAreasOf } from "./logger.ts";
import { type ComposedMailer, composeMailer } from "./mail.ts";
import { serviceVersion } from "./service-version.ts";
import { signingKeyDependencies, signingKeyReloading } from "./signing-keys.ts";
import { SchemaNotMigratedError } from "./start-failure.ts";
import { userExportsOf } from "./user-exports.ts";

export interface Service {
  readonly app: HttpApp;
  /** The /metrics listener of its own when METRICS_PORT is set (main.ts listens on it). */
  readonly metricsApp: HttpApp | undefined;
  readonly storage: Storage;
  /**
   * The signing keys as read at start (ADR 0021), newest first: the private JWKS is what the OIDC
   * provider signs with (`jwks`), the public one what `/oidc/jwks` publishes.
   */
  readonly signingKeys: { readonly privateJWKS: JWKS; readonly publicJWKS: JWKS };
  /** This instance's data-export worker (started unless the options say otherwise). */
  readonly exportWorker: ExportWorker;
  /** This instance's row among the running instances, and what differs from the others (docs/operations.md). */
  readonly instanceSettings: InstanceSettingsWatch;
  /**
   * Marks the instance as stopping (SHUTDOWN_DELAY, before close): /ready answers 503 while every
   * request is still served.
   */
  drain(): void;
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
  options: {
    clock?: Clock;
    passwordHasher?: PasswordHasher;
    /** Tests drive the export worker themselves (false) or with a short poll. */
    exportWorker?: { start?: boolean; pollIntervalMs?: number };
  } = {},
): Promise<Service> {
  // DEBUG=superoauth:<area> raises that area's logger to debug (docs/operations.md).
  const debug = debugAreasOf(config.observability.debug);
  // The areas whose lines are written away from a request's own logger carry its id (reqId).
  const areaLogger = (area: DebugArea) =>
    logger === undefined ? undefined : componentLogger(logger, area, debug, currentRequestId);
  const dbLogger = debug.has("db") ? areaLogger("db") : undefined;
  const metrics = config.observability.metricsEnabled ? createMetrics() : undefined;
  const storage = await openStorage({
    url: config.databaseURL,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    // SQLite's checkpoints (the log copied into the file, and its fsync) off the event loop: ADR 0040.
    checkpointOnThread: true,
    ...(dbLogger === undefined ? {} : { onQuery: (query) => dbLogger.debug(query, "query") }),
  });
  let metricsApp: HttpApp | undefined;
  let passwordScreen: PasswordScreeningPool | undefined;
  let startGate: StartGate | undefined;
  let instanceSettings: InstanceSettingsWatch | undefined;
  try {
    // Creates the database if missing, and migrates it without the query timeout. A schema a newer
    // release made is refused whether or not this start migrates (ADR 0046): migrate() refuses it.
    if (config.migrateOnStart) {
      const applied = await storage.migrate();
      // The operator's record of what this start changed in the schema (pnpm db:migrate prints the same).
      if (applied.length > 0) {
        logger?.info({ migrations: applied }, appliedMigrationsMessage(applied));
      }
    } else {
      const newer = await storage.migrationsOfANewerRelease();
      if (newer.length > 0) throw new SchemaOfANewerReleaseError(newer);
      // Pending migrations leave /ready at 503 until `pnpm db:migrate` runs; none applied at all
      // leaves nothing to start on (no signing keys table): say so in one line.
      const migrations = await storage.migrationStatus();
      if (migrations.every((migration) => migration.executedAt === null)) {
        throw new SchemaNotMigratedError({ databaseURL: config.databaseURL, pending: migrations.length });
      }
      // Some pending: every request but /health, /ready, /status and /metrics is a 503 until they
      // are applied (by `pnpm db:migrate` or another instance), not a 500 per missing column.
      const pending = migrations.filter((migration) => migration.executedAt === null).length;
      if (pending > 0) {
        startGate = pendingMigrationsGate(storage, () =>
          // The warning's counterpart: the log says when the 503s end, not only why they began.
          logger?.info("no migration pending any more: this instance serves every request now"),
        );
        // Said once here: otherwise the log shows only a 503 on every request line, with no reason.
        logger?.warn(
          { pending },
          `${pending} migration(s) pending and MIGRATE_ON_START=false: every request but /health, /ready, /status and /metrics answers 503 until pnpm db:migrate applies them`,
        );
      }
    }
    // This instance's row, and its must-match settings compared with the other instances' (docs/operations.md).
    instanceSettings = await watchInstanceSettings({
      instances: storage.runningInstances,
      config,
      releaseVersion: releaseOf(serviceVersion, await storage.migrationStatus()),
      log: logger?.child({ component: "instances" }),
      // With migrations pending the table may not exist yet: announce once the gate opens.
      ...(startGate === undefined ? {} : { schemaReady: gateIsOpen(startGate) }),
    });
    const watchedSettings = instanceSettings;
    metrics?.watchSettingDifferences(() => watchedSettings.differences().length);
    const mail = composeMailer(config.mail, areaLogger("mail"), metrics?.recordMailDelivery);
    metrics?.watchDatabasePool(() => storage.poolUsage());
    // SQLite: the room left on the file's disk (a full disk refuses every write); MySQL reports none.
    const watchesDisk = (await storage.diskSpace()) !== null;
    if (watchesDisk) metrics?.watchDatabaseDisk(() => storage.diskSpace());
    metrics?.exportJobs.watchQueueDepth(() => storage.exportJobs.countActiveExportJobs());
    const backgroundTasks = createBackgroundTaskQueue({
      ...backgroundQueueLimits,
      // A task's lines carry the id of the request that queued it, when that id is kept (DEBUG).
      log:
        logger?.child({ component: "background" }, { formatters: carryingRequestId(currentRequestId) }) ??
        silentTaskLog,
      ...(metrics === undefined ? {} : { onOutcome: metrics.recordBackgroundTask }),
    });
    const clock: Clock = options.clock ?? { now: () => new Date() };
    // Read (and on the first start generated) once; the access-token issuer keeps the imported keys
    // and reads them again only when they are due (signing-keys.ts).
    const signingKeys = signingKeyDependencies({ storage, config, clock });
    const keySet = await loadSigningKeys(signingKeys);
    const secretCipher = createAESGCMSecretCipher(
      config.security.totpEncryptionKey,
      config.security.totpPreviousEncryptionKeys,
      "TOTP_ENCRYPTION_KEY",
    );
    // As the signing keys check JWT_SECRET: a TOTP_ENCRYPTION_KEY that opens none of the stored
    // secrets stops the start in one line, rather than answering 500 at the first 2FA sign-in.
    await checkSecretKeyOpensStoredSecrets({ twoFactor: storage.twoFactor, secretCipher });
    // Bound below, once the use cases exist; the worker only calls it after start().
    let useCases: UseCases | undefined;
    const exportWorker = createExportWorker({
      runNext: (input) => {
        if (useCases === undefined) throw new Error("the export worker started before the use cases");
        return useCases.runNextDataExport(input);
      },
      pollIntervalMs: options.exportWorker?.pollIntervalMs ?? exportPollIntervalMs,
      log: logger?.child({ component: "export" }) ?? silentExportLog,
      ...(metrics === undefined ? {} : { onJobEnded: metrics.exportJobs.recordJob }),
    });
    const exportArchives = createLocalExportArchiveStore({
      directory: config.dataExport.directory,
      onMissingArchive: (fileKey) =>
        logger?.warn(
          { component: "export", fileKey, directory: config.dataExport.directory },
          "the archive of a ready data export is missing (answered EXPORT_EXPIRED): is EXPORT_DIR shared by every instance?",
        ),
    });
    // Its thread starts now and builds the dictionaries while the rest is composed.
    passwordScreen = createPasswordScreeningPool();
    const accessTokens = createJWTAccessTokenIssuer({
      keys: {
        initial: keySet,
        loadedAt: clock.now(),
        reload: () => loadSigningKeys(signingKeys),
        ...signingKeyReloading,
        onReloadError: (error) =>
          logger?.warn({ err: error }, "reading the signing keys again failed; keeping the ones held"),
      },
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
    });
    // Every session ended is told to the OpenID provider, which sends its apps' logout tokens
    // (ADR 0073); the provider is composed after the use cases it reads through, so it is named here
    // once it exists.
    let sessionsEnded: ((sessionIds: readonly string[]) => Promise<void>) | undefined;
    const sessionEndings: SessionEndings = { ended: async (sessionIds) => sessionsEnded?.(sessionIds) };
    const deps: Dependencies = {
      clock,
      random: createSecureRandomSource(),
      passwordHasher: limitHashingConcurrency(
        options.passwordHasher ?? createArgon2PasswordHasher(),
        config.security.hashing,
        metrics?.recordHashingQueueWait,
      ),
      passwordStrength: passwordScreen,
      secretHasher: createSHA256SecretHasher(),
      accessTokens,
      users: storage.users,
      sessions: tellingSessionEndings(storage.sessions, sessionEndings),
      securityEvents: storage.securityEvents,
      oauthProviders: createOAuthProviderGateways({
        providers: config.oauth.providers,
        timeoutMs: config.oauth.httpTimeoutMs,
        ...(logger === undefined
          ? {}
          : { logger: componentLogger(logger, "oauth", debug, currentRequestId) }),
      }),
      linkedProviders: storage.linkedProviders,
      oauthFlows: storage.oauthFlows,
      emailTokens: storage.emailTokens,
      mailer: mail.mailer,
      // The notices' account-center links carry the pages' own mark of their account, which the
      // signed-in gate compares with the browser's (docs/hosted-pages.md).
      accountLinkMark: formAccountOf,
      backgroundTasks,
      totp: createOTPLibTOTPService({ issuer: config.security.totpIssuer }),
      secretCipher,
      mfaTokens: createJWTMFATokenIssuer({
        secret: config.jwt.secret,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }),
      twoFactor: storage.twoFactor,
      lockout: storage.lockout,
      apps: storage.apps,
      appAuthorizations: storage.appAuthorizations,
      oidcModels: storage.oidcModels,
      // Apps' access tokens from the OpenID provider, at the routes of our API they may call (ADR 0020).
      thirdPartyAccessTokens: createThirdPartyAccessTokens({ store: storage.oidcModels }),
      exportJobs: storage.exportJobs,
      exportArchives,
      exportWorker,
      ...(metrics === undefined ? {} : { observer: metrics.observer }),
      accountAdministration: storage.accountAdministration,
      thirdPartyGrants: storage.thirdPartyGrants,
      maintenanceNotices: storage.maintenanceNotices,
      transactions: tellingSessionEndingsOfTransactions(storage.transactions, sessionEndings),
      userExports: userExportsOf(storage.exportJobs, exportArchives),
      settings: {
        refreshTokenTtlMs: config.refreshTokenTtlMs,
        refreshReuseGraceMs: config.refreshReuseGraceMs,
        sessionMaxAgeMs: config.sessionMaxAgeMs,
        staffSessionMaxAgeMs: config.staffSessionMaxAgeMs,
        maxSessionsPerUser: config.maxSessionsPerUser,
        appURL: config.mail.appURL,
        brand: { name: config.brand.name, supportURL: config.brand.supportURL ?? null },
        requireEmailVerification: config.mail.requireEmailVerification,
        lockout: config.security.lockout,
        reauthMaxAgeMs: config.security.reauthMaxAgeMs,
        staffRequireTwoFactor: config.security.staffRequireTwoFactor,
        staffReadsPerHour: config.security.staffReadsPerHour,
        staffMailsPerHour: config.security.staffMailsPerHour,
        dataExport: {
          ttlMs: config.dataExport.ttlMs,
          leaseMs: config.dataExport.leaseMs,
          maxAttempts: defaultExportMaxAttempts,
        },
      },
    };
    useCases = createUseCases(deps);
    const oidc = composeOIDC({
      config,
      deps,
      useCases,
      storage,
      privateKeys: privateJWKS(keySet, clock.now()),
      // What the access tokens are signed with now (read again after a rotation), and the keys the
      // provider signs ID tokens with until a restart, which may since have been pruned (ADR 0021).
      publishedKeys: async () =>
        keysOfEither(publicJWKS(await accessTokens.currentKeySet(clock.now())), publicJWKS(keySet)),
      ...(metrics === undefined
        ? {}
        : {
            onRefresh: metrics.recordThirdPartyRefresh,
            onBackchannelLogout: metrics.recordBackchannelLogout,
          }),
      ...(logger === undefined ? {} : { log: logger.child({ component: "oidc" }) }),
    });
    sessionsEnded = oidc.sessionsEnded;
    /** Set by drain(): the instance stops soon (SHUTDOWN_DELAY). */
    let draining = false;
    const app = await buildHttpApp({
      useCases,
      plugins: oidc.plugins,
      rateLimit: { ...config.rateLimit, redisURL: config.redisURL },
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      ...(startGate === undefined ? {} : { startGate }),
      // Only the debug lines of these areas are written during requests, away from their logger.
      requestContext: debug.has("db") || debug.has("oauth") || debug.has("mail"),
      checkReadiness: async () => {
        await storage.ping();
        return true;
      },
      draining: () => draining,
      dependencyChecks: [
        ...dependencyChecksOf(storage, mail, logger),
        ...(watchesDisk ? [diskSpaceCheck(() => storage.diskSpace())] : []),
        instanceSettings.check,
      ],
      status: { maintenanceNotice: () => config.observability.maintenanceNotice ?? null },
      brandName: config.brand.name,
      pages: createServicePages({ theme: config.brand }),
      ...(logger === undefined ? {} : { logger: componentLogger(logger, "http", debug) }),
      ...(metrics === undefined
        ? {}
        : { metrics, serveMetrics: config.observability.metricsPort === undefined }),
      cookieSecret: config.oauth.cookieSecret,
      apiDocs: { version: serviceVersion, serverURL: config.mail.appURL },
      oauth: {
        successRedirectURL: config.oauth.successRedirectURL,
        secureCookies: config.oauth.secureCookies,
        hostPrefixedCookies: config.oauth.hostPrefixedCookies,
      },
    });
    if (metrics !== undefined && config.observability.metricsPort !== undefined)
      metricsApp = await buildMetricsApp(metrics, { trustProxy: config.trustProxy });
    const housekeeping = startHousekeeping({
      storage,
      clock: deps.clock,
      loginFailureWindowMs: config.security.lockout.windowMs,
      refreshTokenTtlMs: config.refreshTokenTtlMs,
      sessionMaxAgeMs: config.sessionMaxAgeMs,
      securityLogRetentionMs: config.security.securityLogRetentionMs,
      expireDataExports: async () => {
        const expired = await (useCases as UseCases).expireDataExports({});
        for (let i = 0; i < (expired.ok ? expired.value.expired : 0); i++)
          metrics?.exportJobs.recordJob("expired");
        const swept = await (useCases as UseCases).sweepOrphanedExportArchives({});
        if (swept.ok && swept.value.removed > 0)
          logger?.warn(
            { exports: swept.value.removed, directory: config.dataExport.directory },
            "removed the archives of exports that no longer exist (left by an interrupted deletion or expiry)",
          );
      },
      pruneOutbox: mail.pruneOutbox,
      logger,
    });
    if (options.exportWorker?.start ?? true) exportWorker.start();
    return {
      app,
      metricsApp,
      storage,
      signingKeys: { privateJWKS: privateJWKS(keySet, clock.now()), publicJWKS: publicJWKS(keySet) },
      exportWorker,
      instanceSettings: watchedSettings,
      drain() {
        draining = true;
      },
      async close() {
        clearInterval(housekeeping);
        await app.close();
        // An export in progress goes back to the queue (its attempt given back) for the next start.
        await exportWorker.stop();
        await metricsApp?.close();
        // The queued work may still write and mail: let it finish before the mailer and the pool close.
        const { pending } = await backgroundTasks.drain({ timeoutMs: 5_000 });
        if (pending > 0)
          logger?.error({ pending }, "shutting down with background tasks unfinished; they are lost");
        await mail.close();
        await passwordScreen?.close();
        await watchedSettings.stop();
        await storage.close();
      },
    };
  } catch (error) {
    await instanceSettings?.stop();
    await metricsApp?.close();
    await passwordScreen?.close();
    await storage.close();
    throw error;
  }
}

/**
 * What /ready and /status check besides the database (and Redis, which the HTTP app checks):
 * pending migrations (required: the code expects the schema they make) and, with SMTP_URL, the
 * mail server (not required: mail is delivered in the background and retried; its handshake is
 * asked at most every 30 s).
 */
/** How long the start gate trusts its last look at the migrations. */
const pendingMigrationsRecheckMs = 2_000;

/**
 * Closed while migrations are pending, looked at again at most every 2 s; open for good once none
 * are, when `onOpen` is told (once).
 */
function pendingMigrationsGate(storage: Storage, onOpen: () => void): StartGate {
  let lookedAt = Number.NEGATIVE_INFINITY;
  let reason: string | null = "migrations pending";
  return async () => {
    if (reason === null || Date.now() - lookedAt < pendingMigrationsRecheckMs) return reason;
    lookedAt = Date.now();
    const pending = (await storage.migrationStatus()).filter((m) => m.executedAt === null).length;
    reason = pending === 0 ? null : `${pending} migration(s) pending: run pnpm db:migrate`;
    if (reason === null) onOpen();
    return reason;
  };
}

/** Whether a start gate lets requests through (it looks again at most every 2 s, then stays open). */
function gateIsOpen(gate: StartGate): () => Promise<boolean> {
  return async () => (await gate()) === null;
}

function dependencyChecksOf(
  storage: Storage,
  mail: ComposedMailer,
  logger: Logger | undefined,
): DependencyCheck[] {
  /** The newest migration of a newer release already said in the log (once each, not per probe). */
  let newerSaid: string | undefined;
  const checks: DependencyCheck[] = [
    {
      name: "migrations",
      required: true,
      async check() {
        // A newer release migrated the database while this one runs (an upgrade that did not stop
        // this instance first, ADR 0046): not ready, so the load balancer drains it. The start gate
        // stays open (it is on every request's path); the start refuses such a database outright.
        const newer = await storage.migrationsOfANewerRelease();
        if (newer.length > 0) {
          // Said in this instance's own log too, once: its request lines alone showed only /ready's
          // 503s (the operator's walk, docs/reliability.md).
          if (newer.at(-1) !== newerSaid) {
            newerSaid = newer.at(-1);
            logger?.warn(
              { migrations: newer },
              `a newer release migrated this database (${newerSaid}) while this instance runs: /ready answers 503, but the requests that still reach it are served by code that does not know the new schema; stop this instance (docs/operations.md, "Upgrades and migrations")`,
            );
          }
          return {
            status: "down",
            detail: `migrated by a newer release (${newer.at(-1)}): stop this release`,
          };
        }
        const pending = (await storage.migrationStatus()).filter((m) => m.executedAt === null).length;
        return pending === 0
          ? { status: "up" }
          : { status: "down", detail: `${pending} pending: run pnpm db:migrate` };
      },
    },
  ];
  const { verifySMTP } = mail;
  if (verifySMTP !== undefined) {
    checks.push(
      cachedCheck(
        {
          name: "smtp",
          required: false,
          async check() {
            await verifySMTP();
            return { status: "up" };
          },
        },
        30_000,
        (error) => logger?.error({ err: error, dependency: "smtp" }, "readiness check failed"),
      ),
    );
  }
  return checks;
}

/**
 * The OpenID Connect provider (adapter-oidc) and its hosted pages (adapter-web), wired to each
 * other through plain functions: the pages finish the provider's interactions, the provider renders
 * through the pages and asks the pages' browser session who is signed in (issue 9, ADR 0018).
 */
function composeOIDC(input: {
  config: Config;
  deps: Dependencies;
  useCases: UseCases;
  storage: Storage;
  privateKeys: JWKS;
  publishedKeys: () => Promise<JWKS>;
  onRefresh?: ProviderOptions["onRefresh"];
  onBackchannelLogout?: ProviderOptions["onBackchannelLogout"];
  log?: ProviderOptions["log"];
}): {
  plugins: ((app: FastifyInstance) => Promise<void>)[];
  sessionsEnded: (sessionIds: readonly string[]) => Promise<void>;
} {
  const { config, deps, useCases, storage } = input;
  const cookies = {
    secureCookies: config.oauth.secureCookies,
    hostPrefixedCookies: config.oauth.hostPrefixedCookies,
  };
  const browserSessions = createBrowserSessions({
    useCases,
    cookies,
    maxAgeSeconds: Math.floor(config.refreshTokenTtlMs / 1000),
  });
  const provider = createOIDCProvider({
    issuer: config.oidcIssuer,
    findClient: (clientId) => useCases.findClient({ clientId }),
    verifyClientSecret: (secret) => deps.secretHasher.secretMatchesHash(secret),
    findClientSecretReplacement: (input) => useCases.findClientSecretReplacement(input),
    findAccount: (accountId) => useCases.findOIDCAccount({ accountId }),
    grants: {
      find: (owner) => useCases.findAppGrant(owner),
      record: (grant) => useCases.recordAppGrant(grant),
      forget: (grant) => useCases.forgetAppGrant(grant),
      touch: (owner) => useCases.touchAppGrant(owner),
      consented: (consent) => useCases.recordAppConsent(consent),
      reused: (reuse) => useCases.recordAppTokenReuse(reuse),
    },
    jwks: { keys: input.privateKeys.keys },
    publishedJWKS: input.publishedKeys,
    pages: createProviderPages({ theme: config.brand }),
    browserSessions,
    store: storage.oidcModels,
    clock: deps.clock,
    masterSecret: config.jwt.secret,
    refreshReuseGraceMs: config.refreshReuseGraceMs,
    ...(input.onRefresh === undefined ? {} : { onRefresh: input.onRefresh }),
    ...(input.onBackchannelLogout === undefined ? {} : { onBackchannelLogout: input.onBackchannelLogout }),
    ...(input.log === undefined ? {} : { log: input.log }),
    // ADR 0073: in production a logout token never goes to a private, loopback or link-local address.
    backchannelLogoutToPrivateAddresses: config.environment !== "production",
    sessionMaxAgeSeconds: Math.ceil(config.sessionMaxAgeMs / 1000),
    lifetimes: {
      accessTokenSeconds: config.accessTokenTtlSeconds,
      idTokenSeconds: config.idTokenTtlSeconds,
      refreshTokenSeconds: Math.floor(config.refreshTokenTtlMs / 1000),
    },
  });
  const pageSecret = config.oauth.cookieSecret ?? config.jwt.secret;
  const hostedPages = createHostedPages({
    useCases,
    interactions: provider.interactions,
    browserSessions,
    theme: config.brand,
    cookies,
    secret: pageSecret,
    requireEmailVerification: config.mail.requireEmailVerification,
    clock: deps.clock,
  });
  // The account center shares the browser session and the CSRF key with the interaction pages.
  const accountPages = createAccountPages({
    useCases,
    browserSessions,
    theme: config.brand,
    cookies,
    secret: pageSecret,
    requireEmailVerification: config.mail.requireEmailVerification,
    // The API's callback reads these cookies: the same settings and secret as buildHttpApp's.
    providerTrips: createHostedProviderTrips({
      ...cookies,
      cookiesCanBeSigned: config.oauth.cookieSecret !== undefined,
    }),
    clock: deps.clock,
    oidcIssuer: config.oidcIssuer,
  });
  // The admin console: staff sign in at /account/sign-in, one browser session for every area.
  const adminPages = createAdminPages({
    useCases,
    browserSessions,
    theme: config.brand,
    cookies,
    secret: pageSecret,
  });
  return {
    plugins: [
      provider.plugin,
      createPageAssets({ theme: config.brand }),
      hostedPages,
      accountPages,
      adminPages,
      // The pages account mails link to, and the forms that mail such links.
      createMailedLinkPages({ useCases, theme: config.brand, cookies, secret: pageSecret, browserSessions }),
    ],
    sessionsEnded: provider.sessionsEnded,
  };
}

/**
 * The work queued by forgot-password and resend-verification (docs/operations.md): 4 at once
 * leaves most of the 10 pooled connections to requests; 1,000 waiting tasks is a few hundred
 * kilobytes, and far more than the email rate limit lets honest traffic queue.
 */
const backgroundQueueLimits = { capacity: 1_000, concurrency: 4 };

const silentTaskLog: TaskLog = { warn: () => {}, error: () => {} };
const silentExportLog = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * How long an idle export worker waits before looking at the queue again (a request on the same
 * instance wakes it at once). How long a claimed export stays its worker's is EXPORT_LEASE.
 */
const exportPollIntervalMs = 5_000;

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
  refreshTokenTtlMs: number;
  sessionMaxAgeMs: number;
  securityLogRetentionMs: number;
  expireDataExports: () => Promise<unknown>;
  /** Without SMTP_URL: deletes the development outbox's mails past their use (ComposedMailer). */
  pruneOutbox: ((now: Date) => Promise<number>) | undefined;
  logger: Logger | undefined;
}): NodeJS.Timeout {
  const prune = async () => {
    try {
      const pruned = await input.storage.prune({
        now: input.clock.now(),
        loginFailureWindowMs: input.loginFailureWindowMs,
        knownSourceLifetimeMs,
        refreshTokenTtlMs: input.refreshTokenTtlMs,
        sessionMaxAgeMs: input.sessionMaxAgeMs,
        securityLogRetentionMs: input.securityLogRetentionMs,
      });
      input.logger?.debug({ pruned }, "pruned expired records");
      // Exports past EXPORT_TTL: their archives are deleted, the jobs marked expired; then the
      // archives no job owns any more (sweepOrphanedExportArchives).
      await input.expireDataExports();
      const outboxFiles = await input.pruneOutbox?.(input.clock.now());
      if (outboxFiles !== undefined && outboxFiles > 0)
        input.logger?.debug({ files: outboxFiles }, "deleted outbox mails past their links' lifetime");
    } catch (error) {
      input.logger?.warn({ err: error }, "pruning expired records failed; will retry");
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), housekeepingIntervalMs);
  timer.unref();
  return timer;
}

/** The keys of `first`, then those of `second` whose kid `first` lacks. */
function keysOfEither(first: JWKS, second: JWKS): JWKS {
  const kids = new Set(first.keys.map((key) => key.kid));
  return { keys: [...first.keys, ...second.keys.filter((key) => !kids.has(key.kid))] };
}

/** The start's line naming the migrations it applied: all of them when few, else the first and last. */
function appliedMigrationsMessage(applied: readonly string[]): string {
  const named = applied.length <= 3 ? applied.join(", ") : `${applied[0]} to ${applied.at(-1)}`;
  return `applied ${applied.length} migration(s) at start (MIGRATE_ON_START=true): ${named}`;
}
