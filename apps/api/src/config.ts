import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { TrustProxy } from "@superoauth/adapter-http";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { durationPattern, parseDuration } from "./duration.ts";
import {
  type OAuthConfig,
  oauthEnvironmentHelp,
  oauthEnvironmentProperties,
  parseOAuthConfig,
} from "./oauth-config.ts";
import { redactSetting } from "./redact.ts";
import {
  parseSecurityConfig,
  type SecurityConfig,
  securityEnvironmentHelp,
  securityEnvironmentProperties,
} from "./security-config.ts";
import { parseTrustProxy } from "./trust-proxy.ts";

const booleanPattern = "^(true|false|1|0|yes|no)$";
const integerPattern = "^\\d+$";

/**
 * Every environment variable the service reads, with its default. This schema
 * is the single source for validation, `pnpm config:validate` and the README table.
 */
export const environmentSchema = Type.Object({
  NODE_ENV: Type.Optional(
    Type.Union([Type.Literal("development"), Type.Literal("production"), Type.Literal("test")]),
  ),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  PORT: Type.Optional(Type.String({ pattern: integerPattern })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: "^(mysql://|sqlite:)" })),
  MIGRATE_ON_START: Type.Optional(Type.String({ pattern: booleanPattern })),
  DATABASE_CONNECT_TIMEOUT: Type.Optional(Type.String({ pattern: durationPattern })),
  DATABASE_QUERY_TIMEOUT: Type.Optional(Type.String({ pattern: durationPattern })),
  JWT_SECRET: Type.Optional(Type.String()),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  ACCESS_TOKEN_TTL: Type.Optional(Type.String({ pattern: durationPattern })),
  REFRESH_TOKEN_TTL: Type.Optional(Type.String({ pattern: durationPattern })),
  REFRESH_REUSE_GRACE: Type.Optional(Type.String({ pattern: durationPattern })),
  SESSION_MAX_AGE: Type.Optional(Type.String({ pattern: durationPattern })),
  MAX_SESSIONS_PER_USER: Type.Optional(Type.String({ pattern: integerPattern })),
  RATE_LIMIT_ENABLED: Type.Optional(Type.String({ pattern: booleanPattern })),
  RATE_LIMIT_WINDOW: Type.Optional(Type.String({ pattern: durationPattern })),
  RATE_LIMIT_LOGIN_MAX: Type.Optional(Type.String({ pattern: integerPattern })),
  RATE_LIMIT_REGISTER_MAX: Type.Optional(Type.String({ pattern: integerPattern })),
  RATE_LIMIT_GENERAL_MAX: Type.Optional(Type.String({ pattern: integerPattern })),
  // Checked by parseTrustProxy: a flag, a hop count or a list of addresses.
  TRUST_PROXY: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.Optional(Type.String({ pattern: "^rediss?://" })),
  LOG_LEVEL: Type.Optional(
    Type.Union(["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l))),
  ),
  LOG_FILE: Type.Optional(Type.String()),
  ...oauthEnvironmentProperties,
  ...securityEnvironmentProperties,
  APP_URL: Type.Optional(Type.String({ pattern: "^https?://[^\\s]+$" })),
  SMTP_URL: Type.Optional(Type.String({ pattern: "^smtps?://" })),
  MAIL_FROM: Type.Optional(Type.String({ minLength: 3 })),
  OUTBOX_DIR: Type.Optional(Type.String({ minLength: 1 })),
  REQUIRE_EMAIL_VERIFICATION: Type.Optional(Type.String({ pattern: booleanPattern })),
  RATE_LIMIT_EMAIL_MAX: Type.Optional(Type.String({ pattern: integerPattern })),
});

export type Environment = Static<typeof environmentSchema>;

/** What each variable is for, shown by config:validate and mirrored in the README. */
export const environmentHelp: Record<keyof Environment, { default: string; meaning: string }> = {
  NODE_ENV: { default: "development", meaning: "development, production or test" },
  HOST: { default: "127.0.0.1", meaning: "interface to listen on (0.0.0.0 in containers)" },
  PORT: { default: "3000", meaning: "port to listen on" },
  DATABASE_URL: {
    default: "mysql://root@127.0.0.1:3306/superoauth",
    meaning: "MySQL 8 / MariaDB 10.11; the database is created if missing",
  },
  MIGRATE_ON_START: { default: "true", meaning: "apply pending migrations when the server starts" },
  DATABASE_CONNECT_TIMEOUT: {
    default: "5s",
    meaning:
      "how long a request waits for a database connection (free in the pool, or newly opened); then 503",
  },
  DATABASE_QUERY_TIMEOUT: {
    default: "5s",
    meaning: "how long one database query may take; then its connection is dropped and the request gets 503",
  },
  JWT_SECRET: {
    default: "(random per process in development)",
    meaning: "HMAC key for access tokens, at least 32 bytes; required outside development",
  },
  JWT_ISSUER: { default: "superoauth", meaning: "iss claim of access tokens" },
  JWT_AUDIENCE: { default: "superoauth-api", meaning: "aud claim of access tokens" },
  ACCESS_TOKEN_TTL: {
    default: "5m",
    meaning: "access-token lifetime (ms, s, m, h, d; bare numbers are seconds)",
  },
  REFRESH_TOKEN_TTL: { default: "7d", meaning: "refresh-token lifetime" },
  REFRESH_REUSE_GRACE: {
    default: "10s",
    meaning: "how long a just-rotated refresh token may be exchanged again",
  },
  SESSION_MAX_AGE: {
    default: "30d",
    meaning: "absolute session lifetime from sign-in, however often it is refreshed; then sign in again",
  },
  MAX_SESSIONS_PER_USER: {
    default: "50",
    meaning: "live sessions one account may have; a new sign-in ends the least recently used",
  },
  RATE_LIMIT_ENABLED: {
    default: "true",
    meaning: "turn per-IP rate limits off only behind a gateway that limits (a warning is logged)",
  },
  RATE_LIMIT_WINDOW: { default: "15m", meaning: "rate-limit window" },
  RATE_LIMIT_LOGIN_MAX: { default: "5", meaning: "login attempts per IP per window" },
  RATE_LIMIT_REGISTER_MAX: { default: "3", meaning: "registrations per IP per window" },
  RATE_LIMIT_GENERAL_MAX: { default: "100", meaning: "other API requests per IP per window" },
  TRUST_PROXY: {
    default: "false",
    meaning:
      "behind proxies: their number (1) or addresses/CIDRs (10.0.0.0/8,fd00::/8); the client IP is the right-most untrusted X-Forwarded-For entry (true trusts all: warned)",
  },
  REDIS_URL: {
    default: "(unset: in-memory counters)",
    meaning: "Redis for rate-limit counters shared by several instances",
  },
  LOG_LEVEL: { default: "info", meaning: "fatal, error, warn, info, debug, trace or silent" },
  LOG_FILE: {
    default: "logs/superoauth.log",
    meaning: "file the logs are also written to (read by pnpm logs); empty to disable",
  },
  ...oauthEnvironmentHelp,
  ...securityEnvironmentHelp,
  APP_URL: {
    default: "http://localhost:<PORT>",
    meaning: "base URL of the app that opens the links in mails (/verify-email, /reset-password)",
  },
  SMTP_URL: {
    default: "(unset: mails go to OUTBOX_DIR)",
    meaning: "SMTP server for mail, e.g. smtp://user:pass@host:587 or smtps://...:465",
  },
  MAIL_FROM: { default: "SuperOAuth <no-reply@localhost>", meaning: "From address of every mail" },
  OUTBOX_DIR: {
    default: "outbox",
    meaning: "without SMTP_URL, mails are written here as .txt and .html files",
  },
  REQUIRE_EMAIL_VERIFICATION: {
    default: "false",
    meaning: "refuse sign-in (EMAIL_NOT_VERIFIED) until the account's address is verified",
  },
  RATE_LIMIT_EMAIL_MAX: {
    default: "5",
    meaning: "requests that send mail (resend verification, forgot password) per IP per window",
  },
};

export interface Config {
  readonly environment: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  readonly databaseURL: string;
  readonly migrateOnStart: boolean;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseQueryTimeoutMs: number;
  readonly jwt: {
    readonly secret: string;
    readonly secretIsEphemeral: boolean;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlMs: number;
  readonly refreshReuseGraceMs: number;
  readonly sessionMaxAgeMs: number;
  readonly maxSessionsPerUser: number;
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly windowMs: number;
    readonly loginMax: number;
    readonly registerMax: number;
    readonly generalMax: number;
    readonly emailMax: number;
  };
  readonly mail: {
    /** Base URL for links in mails, without a trailing slash. */
    readonly appURL: string;
    /** SMTP connection URL; undefined writes mails to `outboxDirectory`. */
    readonly smtpURL: string | undefined;
    readonly from: string;
    readonly outboxDirectory: string;
    readonly requireEmailVerification: boolean;
  };
  readonly trustProxy: TrustProxy;
  /** Social sign-in (see oauth-config.ts). */
  readonly oauth: OAuthConfig;
  /** Lockout and two-factor authentication (see security-config.ts). */
  readonly security: SecurityConfig;
  readonly redisURL: string | undefined;
  readonly logLevel: string;
  readonly logFile: string | undefined;
}

export type ConfigResult =
  | { ok: true; config: Config; warnings: string[] }
  | { ok: false; problems: string[] };

const placeholderSecrets = [
  "changeme",
  "change-me",
  "secret",
  "your-secret",
  "your_jwt_secret",
  "jwt_secret",
];

/** Validates the environment once and turns it into typed configuration, or lists every problem. */
export function parseConfig(env: Record<string, string | undefined>, makeSecret: () => string): ConfigResult {
  const known = Object.fromEntries(
    Object.keys(environmentSchema.properties)
      .filter((name) => env[name] !== undefined && env[name] !== "")
      .map((name) => [name, env[name]]),
  );
  const problems = Value.Errors(environmentSchema, known).map((error) => {
    const name = error.instancePath.replace(/^\//, "");
    // Never echo a credential: secrets are not shown at all, URLs lose their password.
    const shown = /(_SECRET|_KEY)$/.test(name) ? "" : ` (got "${redactSetting(name, String(known[name]))}")`;
    return `${name} is invalid: ${error.message}${shown}`;
  });
  const trustProxy = parseTrustProxy(known.TRUST_PROXY);
  if (trustProxy.problem !== undefined) problems.push(trustProxy.problem);
  if (problems.length > 0) return { ok: false, problems };
  const e = known as Environment;
  const warnings: string[] = [];
  const environment = e.NODE_ENV ?? "development";
  const flag = (value: string | undefined, fallback: boolean): boolean =>
    value === undefined ? fallback : ["true", "1", "yes"].includes(value);
  const duration = (value: string | undefined, fallback: string): number =>
    parseDuration(value ?? fallback) ?? 0;

  let secret = e.JWT_SECRET;
  let secretIsEphemeral = false;
  if (secret === undefined) {
    if (environment !== "development") {
      problems.push(
        `JWT_SECRET is required outside development (NODE_ENV=${environment}): set it to at least 32 random bytes (e.g. \`openssl rand -base64 48\`)`,
      );
    } else {
      secret = makeSecret();
      secretIsEphemeral = true;
      warnings.push(
        "JWT_SECRET is not set: using a random secret for this process; tokens will not survive a restart",
      );
    }
  } else {
    const weakness = describeWeakSecret(secret);
    if (Buffer.byteLength(secret) < 32) {
      problems.push("JWT_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 48`)");
    } else if (weakness !== null) {
      const text = `JWT_SECRET is weak: ${weakness}`;
      if (environment === "production") problems.push(text);
      else warnings.push(`${text} (refused in production)`);
    }
  }

  const port = Number(e.PORT ?? "3000");
  if (port > 65_535) problems.push(`PORT is invalid: must be at most 65535 (got "${e.PORT}")`);
  const accessTokenTtlMs = duration(e.ACCESS_TOKEN_TTL, "5m");
  if (accessTokenTtlMs < 1000) problems.push("ACCESS_TOKEN_TTL is invalid: must be at least 1s");
  const sessionMaxAgeMs = duration(e.SESSION_MAX_AGE, "30d");
  if (sessionMaxAgeMs < 60_000) problems.push("SESSION_MAX_AGE is invalid: must be at least 1m");
  const maxSessionsPerUser = Number(e.MAX_SESSIONS_PER_USER ?? environmentHelp.MAX_SESSIONS_PER_USER.default);
  if (maxSessionsPerUser < 1) problems.push("MAX_SESSIONS_PER_USER is invalid: must be at least 1");
  const windowMs = duration(e.RATE_LIMIT_WINDOW, "15m");
  if (windowMs < 1000) problems.push("RATE_LIMIT_WINDOW is invalid: must be at least 1s");
  const databaseConnectTimeoutMs = duration(e.DATABASE_CONNECT_TIMEOUT, "5s");
  if (databaseConnectTimeoutMs < 100)
    problems.push("DATABASE_CONNECT_TIMEOUT is invalid: must be at least 100ms");
  const databaseQueryTimeoutMs = duration(e.DATABASE_QUERY_TIMEOUT, "5s");
  if (databaseQueryTimeoutMs < 100)
    problems.push("DATABASE_QUERY_TIMEOUT is invalid: must be at least 100ms");
  if (trustProxy.warning !== undefined) warnings.push(trustProxy.warning);
  // Without APP_URL, links point at this server itself, which serves the pages they open.
  const appURL = (e.APP_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const oauth = parseOAuthConfig(e, {
    environment,
    appURL,
    makeSecret,
  });
  problems.push(...oauth.problems);
  warnings.push(...oauth.warnings);
  const security = parseSecurityConfig(e, { environment, makeSecret });
  problems.push(...security.problems);
  warnings.push(...security.warnings);
  if (problems.length > 0 || secret === undefined) return { ok: false, problems };

  if (e.SMTP_URL === undefined && environment === "production") {
    warnings.push(
      "SMTP_URL is not set in production: verification and password-reset mails are only written to OUTBOX_DIR",
    );
  }
  const rateLimitEnabled = flag(e.RATE_LIMIT_ENABLED, true);
  if (!rateLimitEnabled) {
    warnings.push(
      "RATE_LIMIT_ENABLED=false: no per-IP limits; only run like this behind a gateway that limits",
    );
  }
  return {
    ok: true,
    warnings,
    config: {
      environment,
      host: e.HOST ?? "127.0.0.1",
      port,
      databaseURL: e.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/superoauth",
      migrateOnStart: flag(e.MIGRATE_ON_START, true),
      databaseConnectTimeoutMs,
      databaseQueryTimeoutMs,
      jwt: {
        secret,
        secretIsEphemeral,
        issuer: e.JWT_ISSUER ?? "superoauth",
        audience: e.JWT_AUDIENCE ?? "superoauth-api",
      },
      accessTokenTtlSeconds: Math.floor(accessTokenTtlMs / 1000),
      refreshTokenTtlMs: duration(e.REFRESH_TOKEN_TTL, "7d"),
      refreshReuseGraceMs: duration(e.REFRESH_REUSE_GRACE, "10s"),
      sessionMaxAgeMs,
      maxSessionsPerUser,
      rateLimit: {
        enabled: rateLimitEnabled,
        windowMs,
        loginMax: Number(e.RATE_LIMIT_LOGIN_MAX ?? "5"),
        registerMax: Number(e.RATE_LIMIT_REGISTER_MAX ?? "3"),
        generalMax: Number(e.RATE_LIMIT_GENERAL_MAX ?? "100"),
        emailMax: Number(e.RATE_LIMIT_EMAIL_MAX ?? "5"),
      },
      mail: {
        appURL,
        smtpURL: e.SMTP_URL,
        from: e.MAIL_FROM ?? "SuperOAuth <no-reply@localhost>",
        outboxDirectory: e.OUTBOX_DIR ?? "outbox",
        requireEmailVerification: flag(e.REQUIRE_EMAIL_VERIFICATION, false),
      },
      trustProxy: trustProxy.value,
      oauth: oauth.config,
      security: security.config,
      redisURL: e.REDIS_URL,
      logLevel: e.LOG_LEVEL ?? "info",
      logFile: env.LOG_FILE === "" ? undefined : (e.LOG_FILE ?? "logs/superoauth.log"),
    },
  };
}

/** Why a secret is too weak to sign tokens with, or null. */
export function describeWeakSecret(secret: string): string | null {
  if (Buffer.byteLength(secret) < 32) return "shorter than 32 bytes";
  if (placeholderSecrets.some((p) => secret.toLowerCase().includes(p))) return "looks like a placeholder";
  if (new Set(secret).size < 10) return "too few distinct characters";
  return null;
}

/**
 * Loads `.env` files (the working directory's, then the repository root's)
 * without overriding variables already set, as Node's loader does.
 */
export function loadDotEnvFiles(): void {
  const candidates = [resolve(process.cwd(), ".env"), resolve(import.meta.dirname, "../../../.env")];
  for (const file of new Set(candidates)) {
    if (existsSync(file)) process.loadEnvFile(file);
  }
}
