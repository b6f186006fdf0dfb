import {
  createArgon2PasswordHasher,
  createSecureRandomSource,
  createSHA256SecretHasher,
} from "@superoauth/adapter-crypto";
import { buildHttpApp, type HttpApp } from "@superoauth/adapter-http";
import {
  createDatabase,
  createSecurityEventLog,
  createSessionRepository,
  createUserRepository,
  type DatabaseConnection,
  ensureDatabaseExists,
  migrateToLatest,
  pingDatabase,
} from "@superoauth/adapter-mysql";
import { createJWTAccessTokenIssuer } from "@superoauth/adapter-tokens";
import { createUseCases, type Dependencies } from "@superoauth/application";
import type { Logger } from "pino";
import type { Config } from "./config.ts";

export interface Service {
  readonly app: HttpApp;
  readonly db: DatabaseConnection;
  /** Stops accepting requests, finishes those in flight, then closes the database pool. */
  close(): Promise<void>;
}

/** Builds the whole service from configuration: database, adapters, use cases, HTTP app. */
export async function composeService(config: Config, logger: Logger | undefined): Promise<Service> {
  await ensureDatabaseExists(config.databaseURL);
  const db = createDatabase({ url: config.databaseURL });
  try {
    if (config.migrateOnStart) await migrateToLatest(db);
    const deps: Dependencies = {
      clock: { now: () => new Date() },
      random: createSecureRandomSource(),
      passwordHasher: createArgon2PasswordHasher(),
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
      settings: {
        refreshTokenTtlMs: config.refreshTokenTtlMs,
        refreshReuseGraceMs: config.refreshReuseGraceMs,
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
    });
    return {
      app,
      db,
      async close() {
        await app.close();
        await db.destroy();
      },
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
