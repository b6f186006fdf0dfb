import { createHash } from "node:crypto";
import { type HashingLimits, parseEncryptionKey } from "@superoauth/adapter-crypto";
import { defaultReauthMaxAgeMs, type LockoutPolicy } from "@superoauth/domain";
import { Type } from "typebox";
import { durationPattern, parseDuration } from "./duration.ts";

/** Lockout, re-authentication and two-factor settings. */
export interface SecurityConfig {
  readonly lockout: LockoutPolicy;
  /** How recent a session's last proof must be for sensitive changes (ADR 0012). */
  readonly reauthMaxAgeMs: number;
  /** AES-256-GCM key for TOTP secrets at rest (32 bytes). */
  readonly totpEncryptionKey: Uint8Array;
  readonly totpEncryptionKeyIsEphemeral: boolean;
  /** The name authenticator apps show next to the account. */
  readonly totpIssuer: string;
  /** How many argon2id operations run at once and wait (ADR 0010). */
  readonly hashing: HashingLimits;
}

/** The variables of lockout and 2FA, for the environment schema. */
export const securityEnvironmentProperties = {
  LOCKOUT_THRESHOLD: Type.Optional(Type.String({ pattern: "^\\d+$" })),
  LOCKOUT_WINDOW: Type.Optional(Type.String({ pattern: durationPattern })),
  LOCKOUT_DURATION: Type.Optional(Type.String({ pattern: durationPattern })),
  REAUTH_MAX_AGE: Type.Optional(Type.String({ pattern: durationPattern })),
  // No pattern: a schema error would echo the value, and this one is a key.
  TOTP_ENCRYPTION_KEY: Type.Optional(Type.String()),
  TOTP_ISSUER: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[^:]+$" })),
  UV_THREADPOOL_SIZE: Type.Optional(Type.String({ pattern: "^\\d+$" })),
  ARGON2_MAX_QUEUE: Type.Optional(Type.String({ pattern: "^\\d+$" })),
};

/** What each lockout and 2FA variable is for. */
export const securityEnvironmentHelp: Record<
  keyof typeof securityEnvironmentProperties,
  { default: string; meaning: string }
> = {
  LOCKOUT_THRESHOLD: {
    default: "5",
    meaning: "failed sign-ins (passwords or 2FA codes) within LOCKOUT_WINDOW that lock the account",
  },
  LOCKOUT_WINDOW: { default: "15m", meaning: "how long a failed sign-in counts toward the lockout" },
  LOCKOUT_DURATION: {
    default: "30m",
    meaning: "how long a lockout lasts (devices that signed in before are not locked by others' failures)",
  },
  REAUTH_MAX_AGE: {
    default: `${defaultReauthMaxAgeMs / 60_000}m`,
    meaning:
      "how recent a session's sign-in or re-authentication must be to change the password, 2FA or linked providers",
  },
  TOTP_ENCRYPTION_KEY: {
    default: "(random per process in development/test)",
    meaning:
      "32-byte key (64 hex digits or base64) encrypting TOTP secrets and grace-period refresh tokens at rest; required in production",
  },
  TOTP_ISSUER: { default: "SuperOAuth", meaning: "issuer name shown by authenticator apps" },
  UV_THREADPOOL_SIZE: {
    default: "4",
    meaning:
      "Node's libuv thread pool, read by Node at start (set it in the environment, not .env); argon2 hashes run at most this many at once",
  },
  ARGON2_MAX_QUEUE: {
    default: "64",
    meaning:
      "argon2 hashes that may wait for a thread; beyond, requests get SERVICE_UNAVAILABLE (503) at once",
  },
};

type SecurityEnvironment = { [K in keyof typeof securityEnvironmentProperties]?: string | undefined };

/** Reads the lockout and 2FA settings; problems stop the start, warnings are logged. */
export function parseSecurityConfig(
  e: SecurityEnvironment,
  context: { environment: "development" | "production" | "test"; makeSecret: () => string },
): { config: SecurityConfig; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const threshold = Number(e.LOCKOUT_THRESHOLD ?? "5");
  if (threshold < 1) problems.push("LOCKOUT_THRESHOLD is invalid: must be at least 1");
  const windowMs = parseDuration(e.LOCKOUT_WINDOW ?? "15m") ?? 0;
  if (windowMs < 1000) problems.push("LOCKOUT_WINDOW is invalid: must be at least 1s");
  const durationMs = parseDuration(e.LOCKOUT_DURATION ?? "30m") ?? 0;
  if (durationMs < 1000) problems.push("LOCKOUT_DURATION is invalid: must be at least 1s");
  const reauthMaxAgeMs =
    e.REAUTH_MAX_AGE === undefined ? defaultReauthMaxAgeMs : (parseDuration(e.REAUTH_MAX_AGE) ?? 0);
  if (reauthMaxAgeMs < 1000) problems.push("REAUTH_MAX_AGE is invalid: must be at least 1s");
  const maxConcurrent = Number(e.UV_THREADPOOL_SIZE ?? securityEnvironmentHelp.UV_THREADPOOL_SIZE.default);
  // libuv's own bounds for its pool (1 to 1024).
  if (maxConcurrent < 1 || maxConcurrent > 1024) {
    problems.push("UV_THREADPOOL_SIZE is invalid: must be from 1 to 1024");
  }
  const maxQueue = Number(e.ARGON2_MAX_QUEUE ?? securityEnvironmentHelp.ARGON2_MAX_QUEUE.default);

  let key: Uint8Array | null = null;
  let ephemeral = false;
  if (e.TOTP_ENCRYPTION_KEY === undefined) {
    if (context.environment === "production") {
      problems.push(
        "TOTP_ENCRYPTION_KEY is required in production: 32 random bytes, e.g. `openssl rand -base64 32`",
      );
    } else {
      // 32 bytes from the injected secret source, so tests stay deterministic.
      key = createHash("sha256").update(context.makeSecret()).digest();
      ephemeral = true;
      warnings.push(
        "TOTP_ENCRYPTION_KEY is not set: using a random key for this process; two-factor secrets stored now will not decrypt after a restart",
      );
    }
  } else {
    key = parseEncryptionKey(e.TOTP_ENCRYPTION_KEY);
    if (key === null) {
      problems.push(
        "TOTP_ENCRYPTION_KEY is invalid: must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)",
      );
    }
  }
  return {
    problems,
    warnings,
    config: {
      lockout: { threshold, windowMs, durationMs },
      reauthMaxAgeMs,
      totpEncryptionKey: key ?? new Uint8Array(32),
      totpEncryptionKeyIsEphemeral: ephemeral,
      totpIssuer: e.TOTP_ISSUER ?? "SuperOAuth",
      hashing: { maxConcurrent, maxQueue },
    },
  };
}
