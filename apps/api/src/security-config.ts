import { createHash } from "node:crypto";
import { type HashingLimits, parseEncryptionKey } from "@superoauth/adapter-crypto";
import {
  defaultReauthMaxAgeMs,
  defaultStaffMailsPerHour,
  defaultStaffReadsPerHour,
  type LockoutPolicy,
} from "@superoauth/domain";
import { duration, flag, integer, optional, text, type ValuesOf, withDefault } from "./variables.ts";

/** Lockout, re-authentication and two-factor settings. */
export interface SecurityConfig {
  readonly lockout: LockoutPolicy;
  /** How recent a session's last proof must be for sensitive changes (ADR 0012). */
  readonly reauthMaxAgeMs: number;
  /** Staff (support, admin) act on others' accounts only with 2FA on (STAFF_REQUIRE_2FA). */
  readonly staffRequireTwoFactor: boolean;
  /** How many directory reads (search pages, account views) one member of staff may make per hour (STAFF_READS_PER_HOUR). */
  readonly staffReadsPerHour: number;
  /** How many verification or password-reset links one member of staff may have mailed per hour (STAFF_MAILS_PER_HOUR). */
  readonly staffMailsPerHour: number;
  /** How long a security event is kept (SECURITY_LOG_RETENTION); the hourly prune deletes older ones. */
  readonly securityLogRetentionMs: number;
  /** AES-256-GCM key for TOTP secrets at rest (32 bytes). */
  readonly totpEncryptionKey: Uint8Array;
  readonly totpEncryptionKeyIsEphemeral: boolean;
  /** Keys the secrets were encrypted under before a rotation, still read until `pnpm totp:rekey` ran. */
  readonly totpPreviousEncryptionKeys: readonly Uint8Array[];
  /** The name authenticator apps show next to the account. */
  readonly totpIssuer: string;
  /** How many argon2id operations run at once and wait (ADR 0010). */
  readonly hashing: HashingLimits;
}

/** The variables of lockout and 2FA: default, meaning and parser of each, written once. */
export const securityVariables = {
  LOCKOUT_THRESHOLD: withDefault({
    default: "5",
    meaning:
      "Failed sign-ins (passwords or 2FA codes) within `LOCKOUT_WINDOW` that lock the account ([ADR 0008](docs/decisions/0008-lockout-design.md))",
    parse: integer({ min: 1 }),
  }),
  LOCKOUT_WINDOW: withDefault({
    default: "15m",
    meaning:
      "The lockout's counting window: it opens at a first failed sign-in, and the count starts again once it has passed",
    parse: duration("1s"),
  }),
  LOCKOUT_DURATION: withDefault({
    default: "30m",
    meaning: "How long a lockout lasts; devices that signed in before are not locked by others' failures",
    parse: duration("1s"),
  }),
  REAUTH_MAX_AGE: withDefault({
    default: `${defaultReauthMaxAgeMs / 60_000}m`,
    meaning:
      "How recent a sign-in or re-authentication must be to change the password, 2FA or linked providers",
    parse: duration("1s"),
  }),
  STAFF_REQUIRE_2FA: optional({
    unset: "`true` in production, `false` elsewhere",
    meaning:
      "Staff (`support`, `admin`) may use the admin API and console only with two-factor authentication on (`403 TWO_FACTOR_REQUIRED` until they turn it on in their account; docs/admin.md)",
    parse: flag,
  }),
  STAFF_READS_PER_HOUR: withDefault({
    default: String(defaultStaffReadsPerHour),
    meaning:
      'Directory reads one member of staff may make in any hour: pages of a user search and views of an account, in the admin API and console together (a repeated view, or the same first page of a query with no `@` and at most 64 characters, within 10 minutes is not counted again). More are refused `429 RATE_LIMIT_EXCEEDED` with `Retry-After`, so a stolen staff session cannot page out the user directory (docs/admin.md, "Read allowance")',
    parse: integer({ min: 1 }),
  }),
  STAFF_MAILS_PER_HOUR: withDefault({
    default: String(defaultStaffMailsPerHour),
    meaning:
      "Verification and password-reset links one member of staff may have mailed to accounts' own addresses in any hour (`resend-verification`, `send-password-reset`, in the admin API and console together; each still counts against the address's own 3 an hour). More are refused `429 RATE_LIMIT_EXCEEDED` with `Retry-After`, so a stolen staff session cannot spend every person's own allowance of such mails (docs/admin.md, \"Mail allowance\")",
    parse: integer({ min: 1 }),
  }),
  SECURITY_LOG_RETENTION: withDefault({
    default: "365d",
    meaning:
      "How long security events (sign-ins, changes, staff actions, with their IP address and browser) are kept: the account's activity page and the admin's audit go back this far; older events are deleted hourly",
    parse: duration("1d"),
  }),
  TOTP_ENCRYPTION_KEY: optional({
    unset: "development: kept in `secrets.json` beside the SQLite file; test: random per process",
    meaning:
      "32-byte key (64 hex digits or base64) encrypting TOTP secrets and grace-period refresh tokens at rest; **required in production**",
    secret: true,
    parse: (text) => {
      const key = parseEncryptionKey(text);
      return key === null
        ? { problem: "must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)" }
        : { value: key };
    },
  }),
  TOTP_ENCRYPTION_KEY_PREVIOUS: optional({
    unset: "no rotation under way",
    meaning:
      "While rotating `TOTP_ENCRYPTION_KEY`: the former key (or several, comma-separated), still read, never written; remove it once `pnpm totp:rekey` has re-encrypted every secret (docs/operations.md)",
    secret: true,
    parse: (text) => {
      const keys = text.split(",").map((part) => parseEncryptionKey(part));
      return keys.some((key) => key === null) || keys.length === 0
        ? { problem: "must be keys of 32 bytes as 64 hex digits or base64, comma-separated" }
        : { value: keys.filter((key): key is Uint8Array => key !== null) };
    },
  }),
  TOTP_ISSUER: optional({
    unset: "BRAND_NAME (its colons as spaces)",
    meaning: "Issuer name authenticator apps show beside the account",
    parse: text({ pattern: /^[^:]{1,64}$/, expected: "1 to 64 characters without a colon" }),
  }),
  UV_THREADPOOL_SIZE: withDefault({
    default: "4",
    meaning:
      "Node's libuv thread pool, read by Node at start (set it in the environment, not `.env`); argon2 hashes run at most this many at once, and at most one per core ([ADR 0010](docs/decisions/0010-bounded-hashing-and-backup-code-lookup.md))",
    // libuv's own bounds for its pool.
    parse: integer({ min: 1, max: 1024 }),
  }),
  ARGON2_MAX_QUEUE: withDefault({
    default: "64",
    meaning:
      "Argon2 hashes that may wait for a thread; beyond it requests get `SERVICE_UNAVAILABLE` (503) with `Retry-After: 1`",
    parse: integer(),
  }),
};

/** Reads the lockout and 2FA settings; problems stop the start, warnings are logged. */
export function parseSecurityConfig(
  e: ValuesOf<typeof securityVariables>,
  context: {
    environment: "development" | "production" | "test";
    makeSecret: () => string;
    /** The cores the process may use (os.availableParallelism()). */
    cores: number;
    /** Variables already reported invalid. */
    invalid: ReadonlySet<string>;
    /** BRAND_NAME: what authenticator apps show unless TOTP_ISSUER says otherwise. */
    brandName: string;
  },
): { config: SecurityConfig; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  let key = e.TOTP_ENCRYPTION_KEY;
  let ephemeral = false;
  if (key === undefined && !context.invalid.has("TOTP_ENCRYPTION_KEY")) {
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
  }
  return {
    problems,
    warnings,
    config: {
      lockout: {
        threshold: e.LOCKOUT_THRESHOLD,
        windowMs: e.LOCKOUT_WINDOW,
        durationMs: e.LOCKOUT_DURATION,
      },
      reauthMaxAgeMs: e.REAUTH_MAX_AGE,
      staffRequireTwoFactor: e.STAFF_REQUIRE_2FA ?? context.environment === "production",
      staffReadsPerHour: e.STAFF_READS_PER_HOUR,
      staffMailsPerHour: e.STAFF_MAILS_PER_HOUR,
      securityLogRetentionMs: e.SECURITY_LOG_RETENTION,
      totpEncryptionKey: key ?? new Uint8Array(32),
      totpEncryptionKeyIsEphemeral: ephemeral,
      totpPreviousEncryptionKeys: e.TOTP_ENCRYPTION_KEY_PREVIOUS ?? [],
      // The otpauth URI's label is "issuer:account": an issuer holds no colon.
      totpIssuer: e.TOTP_ISSUER ?? context.brandName.replaceAll(":", " "),
      // One hash per core at most: more run no faster (each is CPU-bound) but hold 19 MiB more each
      // and keep thread-pool threads from file and DNS work (docs/performance.md).
      hashing: {
        maxConcurrent: Math.min(e.UV_THREADPOOL_SIZE, context.cores),
        maxQueue: e.ARGON2_MAX_QUEUE,
      },
    },
  };
}
