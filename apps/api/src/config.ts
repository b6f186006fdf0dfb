import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { TrustProxy } from "@superoauth/adapter-http";
import type { Theme } from "@superoauth/adapter-web/theme";
import { isLoopbackHost } from "@superoauth/domain";
import { brandVariables, parseBrandConfig } from "./brand-config.ts";
import {
  type DatabaseLocation,
  parseDatabaseURL,
  sqliteFileToCreate,
  storageURL,
  whoCreatesSQLiteFile,
} from "./database-url.ts";
import {
  type DevelopmentSecretName,
  developmentSecretNames,
  developmentSecretsFile,
  readDevelopmentSecrets,
} from "./development-secrets.ts";
import { cookieSecretFrom, type OAuthConfig, oauthVariables, parseOAuthConfig } from "./oauth-config.ts";
import {
  type ObservabilityConfig,
  observabilityVariables,
  parseObservabilityConfig,
} from "./observability-config.ts";
import { parseSecurityConfig, type SecurityConfig, securityVariables } from "./security-config.ts";
import { parseTrustProxy } from "./trust-proxy.ts";
import {
  duration,
  flag,
  integer,
  listenHost,
  oneOf,
  optional,
  origins,
  type Reading,
  readVariables,
  secret,
  siteURL,
  text,
  timerDuration,
  url,
  withDefault,
} from "./variables.ts";

const nonEmpty = text({ pattern: /\S/, expected: "non-empty" });

/**
 * Every environment variable the service reads: default, meaning and parser of each, written
 * once. Parsing, `pnpm config:validate`, `.env.example` and the README's table all come from here
 * (config-docs.ts; a test keeps the two files in step).
 */
/**
 * A rate-limit budget (`RATE_LIMIT_*_MAX`): at least 1. Zero was taken and refused every request of
 * its group with 429 (the operator's walk set RATE_LIMIT_LOGIN_MAX=0, as "no limit" reads in many
 * tools, and nobody could sign in); turning the limits off is RATE_LIMIT_ENABLED=false.
 */
const rateLimitBudget = integer({
  min: 1,
  belowMin: "0 would refuse every request it counts (RATE_LIMIT_ENABLED=false turns the limits off)",
});

export const environmentVariables = {
  NODE_ENV: withDefault({
    default: "development",
    meaning: "`development`, `production` or `test`",
    parse: oneOf(["development", "production", "test"]),
  }),
  HOST: withDefault({
    default: "127.0.0.1",
    meaning: "Interface to listen on (`0.0.0.0` in containers)",
    parse: listenHost,
  }),
  PORT: withDefault({ default: "3000", meaning: "Port to listen on", parse: integer({ max: 65_535 }) }),
  SHUTDOWN_DELAY: withDefault({
    default: "0s",
    meaning:
      "After SIGTERM, answer `/ready` 503 and keep serving this long before closing the port, so a load balancer that follows `/ready` stops sending first (e.g. `10s` under Kubernetes; docs/operations.md, Rolling restarts)",
    parse: timerDuration("0ms"),
  }),
  DATABASE_URL: withDefault({
    default: "sqlite:./data/superoauth.db",
    meaning:
      "`sqlite:<path>` (relative to the working directory; file and folder created), `sqlite::memory:` (tests), or `mysql://user:password@host:3306/database` for MySQL 8 / MariaDB 10.11 (the database is created if missing; `?ssl=true` for TLS); SQLite serves one instance",
    parse: parseDatabaseURL,
  }),
  MIGRATE_ON_START: withDefault({
    default: "true",
    meaning: "Apply pending migrations at start (else run `pnpm db:migrate`)",
    parse: flag,
  }),
  DATABASE_CONNECT_TIMEOUT: withDefault({
    default: "5s",
    meaning:
      "Wait at most this long for a database connection (pooled or new); then `503 SERVICE_UNAVAILABLE`",
    parse: timerDuration("100ms"),
  }),
  DATABASE_QUERY_TIMEOUT: withDefault({
    default: "5s",
    meaning: "Let one query take at most this long; then its connection is dropped and the request gets 503",
    parse: timerDuration("100ms"),
  }),
  JWT_SECRET: secret({
    unset: "development: kept in `secrets.json` beside the SQLite file (docs/operations.md)",
    meaning:
      "Master secret, >= 32 bytes: encrypts the stored signing keys and signs MFA tokens (ADR 0021); **required outside development**; weak values refused in production",
    minBytes: 32,
  }),
  JWT_ISSUER: withDefault({ default: "superoauth", meaning: "`iss` of access tokens", parse: nonEmpty }),
  JWT_AUDIENCE: withDefault({
    default: "superoauth-api",
    meaning: "`aud` of access tokens",
    parse: nonEmpty,
  }),
  ACCESS_TOKEN_TTL: withDefault({
    default: "5m",
    meaning: "Access-token lifetime (`ms`, `s`, `m`, `h`, `d`; bare numbers are seconds)",
    parse: duration("1s"),
  }),
  OIDC_ID_TOKEN_TTL: withDefault({
    default: "1h",
    meaning:
      "ID-token lifetime of the OpenID provider; a replaced signing key keeps verifying for this long (or the access-token lifetime, if longer) plus a minute",
    parse: duration("1m"),
  }),
  REFRESH_TOKEN_TTL: withDefault({ default: "7d", meaning: "Refresh-token lifetime", parse: duration("1s") }),
  REFRESH_REUSE_GRACE: withDefault({
    default: "10s",
    meaning:
      "How long a just-rotated refresh token may be exchanged again (two tabs); for apps at /oidc/token, how long one is refused without revoking its grant",
    parse: duration("0s"),
  }),
  SESSION_MAX_AGE: withDefault({
    default: "30d",
    meaning: "Absolute session lifetime from sign-in, however often refreshed; then sign in again",
    parse: duration("1m"),
  }),
  STAFF_SESSION_MAX_AGE: withDefault({
    default: "12h",
    meaning:
      "The same for the sessions of staff (`support`, `admin`), at most `SESSION_MAX_AGE`: a stolen staff session or console cookie is worth hours, not a month (docs/admin.md)",
    parse: duration("1m"),
  }),
  MAX_SESSIONS_PER_USER: withDefault({
    default: "50",
    meaning: "Live sessions one account may have; a new sign-in ends the least recently used (ASVS 7.1.2)",
    parse: integer({ min: 1 }),
  }),
  RATE_LIMIT_ENABLED: withDefault({
    default: "true",
    meaning: "Per-IP limits; turn off only behind a gateway that limits (logs a warning)",
    parse: flag,
  }),
  RATE_LIMIT_WINDOW: withDefault({ default: "15m", meaning: "Rate-limit window", parse: duration("1s") }),
  RATE_LIMIT_LOGIN_MAX: withDefault({
    default: "5",
    meaning: "Login attempts per IP per window",
    parse: rateLimitBudget,
  }),
  RATE_LIMIT_REGISTER_MAX: withDefault({
    default: "3",
    meaning: "Registrations per IP per window",
    parse: rateLimitBudget,
  }),
  RATE_LIMIT_GENERAL_MAX: withDefault({
    default: "100",
    meaning: "Other API requests per IP per window",
    parse: rateLimitBudget,
  }),
  TRUST_PROXY: withDefault({
    default: "false",
    meaning:
      "Behind proxies: their number (`1`) or addresses/CIDRs (`10.0.0.0/8,fd00::/8`); the client IP is the right-most untrusted `X-Forwarded-For` entry; `true` trusts all and is warned; off with an https `APP_URL` is refused in production (docs/operations.md)",
    parse: (text): Reading<{ value: TrustProxy; warning?: string }> => {
      const parsed = parseTrustProxy(text);
      // parseTrustProxy names the variable itself; readVariables adds the name to every problem.
      return parsed.problem === undefined
        ? { value: parsed }
        : { problem: parsed.problem.replace(/^TRUST_PROXY is invalid: /, "") };
    },
  }),
  REDIS_URL: optional({
    unset: "in-memory counters",
    meaning:
      "Redis for rate-limit counters shared by several instances on MySQL; with SQLite it is allowed but warned, as SQLite serves one instance (docs/operations.md)",
    parse: url(["redis", "rediss"], { decodesCredentials: true }),
  }),
  REDIS_KEY_PREFIX: withDefault({
    default: "superoauth-rl:",
    meaning:
      "The start of every rate-limit key in Redis: give two deployments that share one Redis database (staging and production, say) prefixes of their own, or they share each address's budget; the same on every instance of one deployment",
    parse: text({
      pattern: /^[A-Za-z0-9_.:-]{1,64}$/,
      expected: "1 to 64 letters, digits or _ . : -",
    }),
  }),
  LOG_LEVEL: withDefault({
    default: "info",
    meaning: "`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`",
    parse: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  }),
  LOG_FILE: withDefault({
    default: "logs/superoauth.log",
    meaning: "Logs are also written here (read by `pnpm logs`); empty to disable",
    parse: nonEmpty,
  }),
  LOG_FORMAT: withDefault({
    default: "json",
    meaning:
      "Standard output's log lines: `json`, or `pretty` for people (`pnpm dev` sets it); the `LOG_FILE` stays JSON",
    parse: oneOf(["json", "pretty"]),
  }),
  ...oauthVariables,
  ...securityVariables,
  ...brandVariables,
  ...observabilityVariables,
  APP_URL: optional({
    unset: "http://localhost:<PORT>",
    meaning:
      "Public address (an origin: a path prefix is refused) of mailed links (`/verify-email`, `/reset-password`, `/confirm-email`), provider callbacks and the OpenID issuer; the service serves those pages itself",
    parse: siteURL,
  }),
  CORS_ORIGINS: optional({
    unset: "none",
    meaning:
      "Web apps' origins that may call `/api/v1` from a browser, comma-separated (`https://app.example.com,http://localhost:5173`); a front end on the service's own origin needs none",
    parse: origins,
  }),
  OIDC_ISSUER: optional({
    unset: "APP_URL",
    meaning:
      "Issuer of the OpenID Connect provider (no path, refused: its discovery documents live at the root `/.well-known/`)",
    parse: siteURL,
  }),
  SMTP_URL: optional({
    unset: "mails go to OUTBOX_DIR",
    meaning:
      "SMTP server for mail (`smtp://user:pass@host:587`, `smtps://...:465`); a server off this machine must take STARTTLS unless the URL ends with `?requireTLS=false` (docs/operations.md, Mail)",
    parse: url(["smtp", "smtps"]),
  }),
  MAIL_FROM: optional({
    unset: "BRAND_NAME <no-reply@host of APP_URL>",
    meaning:
      "From address of every mail; the default names the brand and APP_URL's host (a mail from localhost fails SPF and DMARC: set this, or APP_URL, in production)",
    parse: text({ pattern: /^.{3,}$/, expected: "at least 3 characters" }),
  }),
  OUTBOX_DIR: withDefault({
    default: "outbox",
    meaning:
      "Without `SMTP_URL`, each mail is written here as `.txt` and `.html` (development); kept a week, the longest a mailed link lives",
    parse: nonEmpty,
  }),
  EXPORT_DIR: withDefault({
    default: "./data/exports",
    meaning:
      "Where data-export archives are written (relative to the working directory; created); instances that share the work need one shared directory ([docs/account-export.md](docs/account-export.md))",
    parse: nonEmpty,
  }),
  EXPORT_TTL: withDefault({
    default: "7d",
    meaning: "How long a finished data export can be downloaded before its archive is deleted",
    parse: duration("1m"),
  }),
  EXPORT_LEASE: withDefault({
    default: "1m",
    meaning:
      "How long a claimed data export stays its worker's without a renewal (renewed every third of it): a worker that died is replaced after at most this; must match across instances",
    parse: duration("1s"),
  }),
  REQUIRE_EMAIL_VERIFICATION: withDefault({
    default: "false",
    meaning: "Refuse sign-in with `EMAIL_NOT_VERIFIED` until the address is verified",
    parse: flag,
  }),
  RATE_LIMIT_EMAIL_MAX: withDefault({
    default: "5",
    meaning: "Mail-sending requests (resend verification, forgot password) per IP per window",
    parse: rateLimitBudget,
  }),
  RATE_LIMIT_PROTOCOL_MAX: withDefault({
    default: "1000",
    meaning:
      "OpenID Connect requests of apps' servers per IP per window: token, introspection, revocation, pushed-request, device-authorization, userinfo, JWKS and discovery (an app's backend counts as one IP)",
    parse: rateLimitBudget,
  }),
  RATE_LIMIT_PAGES_MAX: withDefault({
    default: "600",
    meaning:
      "Views of the hosted pages (their GETs: the account center, an app's sign-in and consent, the admin console) per IP per window; their forms' POSTs draw from the other budgets",
    parse: rateLimitBudget,
  }),
  RATE_LIMIT_DEVICE_CODE_MAX: withDefault({
    default: "20",
    meaning:
      "Visits of the device-code page (`/oidc/device`: its form, each code typed in) per IP per window; a user code is short enough to guess (RFC 8628 §5.1)",
    parse: rateLimitBudget,
  }),
};

export interface Config {
  readonly environment: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  /** SHUTDOWN_DELAY: how long a stopping instance answers /ready 503 while still serving. */
  readonly shutdownDelayMs: number;
  /** What the storage is opened with: `sqlite:<absolute path>`, `sqlite::memory:` or `mysql://...`. */
  readonly databaseURL: string;
  /** The same, taken apart for the start's log line and the secrets file. */
  readonly database: DatabaseLocation;
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
  readonly idTokenTtlSeconds: number;
  /** OIDC_ISSUER, APP_URL when unset; without a trailing slash. */
  readonly oidcIssuer: string;
  readonly refreshTokenTtlMs: number;
  readonly refreshReuseGraceMs: number;
  readonly sessionMaxAgeMs: number;
  /** STAFF_SESSION_MAX_AGE, at most sessionMaxAgeMs. */
  readonly staffSessionMaxAgeMs: number;
  readonly maxSessionsPerUser: number;
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly windowMs: number;
    readonly loginMax: number;
    readonly registerMax: number;
    readonly generalMax: number;
    readonly emailMax: number;
    readonly protocolMax: number;
    readonly deviceCodeMax: number;
    readonly pagesMax: number;
    /** REDIS_KEY_PREFIX: the start of every counter's key in Redis. */
    readonly redisKeyPrefix: string;
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
  /** Origins of web apps that may call `/api/v1` from a browser (CORS_ORIGINS). */
  readonly corsOrigins: readonly string[];
  /** Data exports: where archives go, how long they are kept, and how long a worker's claim lasts. */
  readonly dataExport: { readonly directory: string; readonly ttlMs: number; readonly leaseMs: number };
  /** Social sign-in (see oauth-config.ts). */
  readonly oauth: OAuthConfig;
  /** Lockout and two-factor authentication (see security-config.ts). */
  readonly security: SecurityConfig;
  /** The hosted pages' look (BRAND_*). */
  readonly brand: Theme;
  readonly redisURL: string | undefined;
  readonly logLevel: string;
  readonly logFile: string | undefined;
  readonly logFormat: "json" | "pretty";
  /** Metrics, DEBUG namespaces and the status page (see observability-config.ts). */
  readonly observability: ObservabilityConfig;
}

export type ConfigResult =
  | {
      ok: true;
      config: Config;
      warnings: string[];
      /** Where the development secrets came from, when a file supplied any (logged once at start). */
      developmentSecrets: DevelopmentSecretsSource | undefined;
    }
  | { ok: false; problems: string[] };

export interface DevelopmentSecretsSource {
  readonly file: string;
  /** created: written by this start; read: kept from an earlier one; absent: `pnpm start` would create it. */
  readonly state: "created" | "read" | "absent";
  /** The variables the file supplies (those not set in the environment). */
  readonly names: readonly DevelopmentSecretName[];
}

export interface ParseOptions {
  /**
   * What a development start does about unset JWT_SECRET, TOTP_ENCRYPTION_KEY and COOKIE_SECRET:
   * `create` reads the secrets file and writes it first if missing (pnpm start), `read` only reads
   * it (config:validate), and `none` (the default, for tests) draws them from `makeSecret`.
   */
  readonly developmentSecrets?: "create" | "read" | "none";
  /** The cores the process may use; os.availableParallelism() unless a test says otherwise. */
  readonly cores?: number;
}

const placeholderSecrets = [
  "changeme",
  "change-me",
  "secret",
  "your-secret",
  "your_jwt_secret",
  "jwt_secret",
];

/** Edit distance (insertions, deletions, substitutions) between two names, for misspelledVariables. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Variables set in the environment (or a `.env` file) whose name is one or two letters away from
 * one of ours (one for names under 8 characters, so HOME is not taken for HOST): nothing reads
 * them, and the setting meant keeps its default (the operator's walk set DATABSE_URL in production,
 * which then ran on SQLite, "valid"). Names of other programs are left alone: only near misses.
 */
export function misspelledVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = Object.keys(environmentVariables);
  const found: string[] = [];
  for (const name of Object.keys(env)) {
    if (name in environmentVariables || !/^[A-Z][A-Z0-9_]{3,}$/.test(name)) continue;
    const meant = known.find(
      (candidate) => editDistance(name, candidate) <= (Math.min(name.length, candidate.length) >= 8 ? 2 : 1),
    );
    if (meant !== undefined)
      found.push(`${name} is not a variable of this service and is ignored: did you mean ${meant}?`);
  }
  return found;
}

/** Validates the environment once and turns it into typed configuration, or lists every problem at once. */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  makeSecret: () => string,
  options: ParseOptions = {},
): ConfigResult {
  const read = readVariables(environmentVariables, env);
  const problems = read.problems;
  const e = read.values;
  const warnings: string[] = [];
  const environment = e.NODE_ENV;

  let developmentSecrets: DevelopmentSecretsSource | undefined;
  const unsetSecrets = developmentSecretNames.filter((name) => (env[name] ?? "") === "");
  const mode = options.developmentSecrets ?? "none";
  const secretsFile = developmentSecretsFile(e.DATABASE_URL);
  // The start (the one caller that creates secrets) would refuse a new SQLite file it may not
  // migrate, after creating it and the secrets beside it: refused here, before it writes anything.
  const fileNotToCreate =
    mode === "create" && !read.invalid.has("DATABASE_URL") && e.MIGRATE_ON_START === false
      ? sqliteFileToCreate(e.DATABASE_URL)
      : undefined;
  if (fileNotToCreate !== undefined) problems.push(whoCreatesSQLiteFile(fileNotToCreate, false));
  if (
    fileNotToCreate === undefined &&
    environment === "development" &&
    mode !== "none" &&
    unsetSecrets.length > 0 &&
    // An invalid DATABASE_URL names no folder: write nothing beside the default one.
    !read.invalid.has("DATABASE_URL") &&
    secretsFile !== undefined
  ) {
    const reading = readDevelopmentSecrets({ file: secretsFile, create: mode === "create" });
    if ("problem" in reading) {
      problems.push(reading.problem);
    } else if ("absent" in reading) {
      developmentSecrets = { file: secretsFile, state: "absent", names: unsetSecrets };
    } else {
      const fromFile = readVariables(
        {
          JWT_SECRET: environmentVariables.JWT_SECRET,
          TOTP_ENCRYPTION_KEY: environmentVariables.TOTP_ENCRYPTION_KEY,
          COOKIE_SECRET: environmentVariables.COOKIE_SECRET,
        },
        Object.fromEntries(unsetSecrets.map((name) => [name, reading.secrets[name]])),
      );
      problems.push(...fromFile.problems.map((problem) => `${problem} in ${secretsFile}`));
      for (const name of unsetSecrets) Object.assign(e, { [name]: fromFile.values[name] });
      developmentSecrets = {
        file: secretsFile,
        state: reading.created ? "created" : "read",
        names: unsetSecrets,
      };
    }
  }

  let secret = e.JWT_SECRET;
  let secretIsEphemeral = false;
  if (read.invalid.has("JWT_SECRET")) {
    // Already reported as invalid.
  } else if (secret === undefined) {
    if (environment !== "development") {
      problems.push(
        `JWT_SECRET is required outside development (NODE_ENV=${environment}): set it to at least 32 random bytes (e.g. \`openssl rand -base64 48\`)`,
      );
    } else {
      secret = makeSecret();
      secretIsEphemeral = true;
      // An absent file is reported by config:validate on its own line.
      if (developmentSecrets === undefined) {
        warnings.push(
          "JWT_SECRET is not set: using a random secret for this process; tokens will not survive a restart",
        );
      }
    }
  } else {
    const weakness = describeWeakSecret(secret);
    if (weakness !== null) {
      const text = `JWT_SECRET is weak: ${weakness}`;
      if (environment === "production") problems.push(text);
      else warnings.push(`${text} (refused in production)`);
    }
  }

  const trustProxy = e.TRUST_PROXY;
  if (trustProxy.warning !== undefined) warnings.push(trustProxy.warning);
  // Without APP_URL, links point at this server itself, which serves the pages they open.
  const appURL = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  const untrustedProxy = untrustedTLSProxyWarning({ appURL, trustProxy: trustProxy.value });
  // Always a mistake (the service speaks plain HTTP, so a proxy is there), and in production one
  // that shares every client's rate limit: refused there, as a weak JWT_SECRET is.
  if (untrustedProxy !== null) {
    if (environment === "production") problems.push(untrustedProxy);
    else warnings.push(`${untrustedProxy} (refused in production)`);
  }
  const oauth = parseOAuthConfig(e, {
    environment,
    appURL,
    makeSecret,
    invalid: read.invalid,
    ...(environment === "production" && secret !== undefined && !secretIsEphemeral
      ? { derivedCookieSecret: cookieSecretFrom(secret) }
      : {}),
  });
  problems.push(...oauth.problems);
  warnings.push(...(developmentSecrets === undefined ? oauth.warnings : oauth.warnings.filter(notAbout)));
  const security = parseSecurityConfig(e, {
    environment,
    makeSecret,
    cores: options.cores ?? availableParallelism(),
    invalid: read.invalid,
    brandName: e.BRAND_NAME,
  });
  problems.push(...security.problems);
  warnings.push(
    ...(developmentSecrets === undefined ? security.warnings : security.warnings.filter(notAbout)),
  );
  const observability = parseObservabilityConfig(e);
  problems.push(...observability.problems);
  warnings.push(...observability.warnings);
  // A misspelled name is read by nobody: said beside the problems it may explain (JWT_SECRETS set,
  // JWT_SECRET "required"), else as a warning (DATABSE_URL set, production quietly on SQLite).
  const misspelled = misspelledVariables(env);
  if (problems.length > 0 || secret === undefined)
    return { ok: false, problems: [...problems, ...misspelled] };
  warnings.unshift(...misspelled);

  if (e.SMTP_URL === undefined && environment === "production") {
    warnings.push(
      "SMTP_URL is not set in production: verification and password-reset mails are only written to OUTBOX_DIR",
    );
  }
  // The default names this process's own port: a real deployment mails links to localhost, and two
  // instances on different PORTs differ in APP_URL and OIDC_ISSUER (found comparing two instances).
  if (e.APP_URL === undefined && environment === "production") {
    warnings.push(
      `APP_URL is not set in production: mailed links, provider callbacks and the OpenID issuer use ${appURL}; set it to the service's public address, the same on every instance`,
    );
  }
  // A production address in plain HTTP: the sign-in cookies go without Secure, mailed links and
  // the OpenID issuer say http://, and apps that reach the service over https find an issuer that
  // does not match. This machine's own address (a trial, the compose file's) is left alone.
  if (
    e.APP_URL !== undefined &&
    environment === "production" &&
    new URL(appURL).protocol === "http:" &&
    !isLoopbackHost(new URL(appURL).hostname)
  ) {
    warnings.push(
      `APP_URL is http in production (${appURL}): the sign-in cookies are sent without Secure, and mailed links and the OpenID issuer say http://; serve it through a proxy that terminates TLS and set APP_URL to its https:// address (docs/operations.md, "TLS termination and TRUST_PROXY")`,
    );
  }
  if (!e.RATE_LIMIT_ENABLED) {
    warnings.push(
      "RATE_LIMIT_ENABLED=false: no per-IP limits; only run like this behind a gateway that limits",
    );
  }
  // Redis holds only the rate-limit counters; what it suggests (several instances) SQLite cannot do.
  if (e.REDIS_URL !== undefined && e.DATABASE_URL.kind !== "mysql") {
    warnings.push(
      "REDIS_URL is set with a SQLite DATABASE_URL: Redis only shares rate-limit counters; SQLite serves ONE instance, so never start a second one on this file (use MySQL to run several; docs/operations.md)",
    );
  }
  // MySQL is how one runs several instances; their rate-limit counters are shared only through Redis.
  if (
    e.REDIS_URL === undefined &&
    e.DATABASE_URL.kind === "mysql" &&
    environment === "production" &&
    e.RATE_LIMIT_ENABLED
  ) {
    warnings.push(
      "REDIS_URL is not set: each instance counts its own rate limits, so N instances allow N times each budget (with one instance, nothing to do; docs/operations.md)",
    );
  }
  return {
    ok: true,
    warnings,
    developmentSecrets,
    config: {
      environment,
      host: e.HOST,
      port: e.PORT,
      shutdownDelayMs: e.SHUTDOWN_DELAY,
      databaseURL: storageURL(e.DATABASE_URL, env.DATABASE_URL ?? ""),
      database: e.DATABASE_URL,
      migrateOnStart: e.MIGRATE_ON_START,
      databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT,
      databaseQueryTimeoutMs: e.DATABASE_QUERY_TIMEOUT,
      jwt: { secret, secretIsEphemeral, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
      accessTokenTtlSeconds: Math.floor(e.ACCESS_TOKEN_TTL / 1000),
      idTokenTtlSeconds: Math.floor(e.OIDC_ID_TOKEN_TTL / 1000),
      oidcIssuer: (e.OIDC_ISSUER ?? appURL).replace(/\/+$/, ""),
      refreshTokenTtlMs: e.REFRESH_TOKEN_TTL,
      refreshReuseGraceMs: e.REFRESH_REUSE_GRACE,
      sessionMaxAgeMs: e.SESSION_MAX_AGE,
      staffSessionMaxAgeMs: Math.min(e.STAFF_SESSION_MAX_AGE, e.SESSION_MAX_AGE),
      maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
      rateLimit: {
        enabled: e.RATE_LIMIT_ENABLED,
        windowMs: e.RATE_LIMIT_WINDOW,
        loginMax: e.RATE_LIMIT_LOGIN_MAX,
        registerMax: e.RATE_LIMIT_REGISTER_MAX,
        generalMax: e.RATE_LIMIT_GENERAL_MAX,
        emailMax: e.RATE_LIMIT_EMAIL_MAX,
        protocolMax: e.RATE_LIMIT_PROTOCOL_MAX,
        deviceCodeMax: e.RATE_LIMIT_DEVICE_CODE_MAX,
        pagesMax: e.RATE_LIMIT_PAGES_MAX,
        redisKeyPrefix: e.REDIS_KEY_PREFIX,
      },
      mail: {
        appURL,
        smtpURL: e.SMTP_URL,
        from: e.MAIL_FROM ?? defaultMailFrom({ brandName: e.BRAND_NAME, appURL }),
        outboxDirectory: e.OUTBOX_DIR,
        requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
      },
      trustProxy: trustProxy.value,
      corsOrigins: e.CORS_ORIGINS ?? [],
      dataExport: { directory: e.EXPORT_DIR, ttlMs: e.EXPORT_TTL, leaseMs: e.EXPORT_LEASE },
      oauth: oauth.config,
      security: security.config,
      brand: parseBrandConfig(e),
      redisURL: e.REDIS_URL,
      logLevel: e.LOG_LEVEL,
      logFile: env.LOG_FILE === "" ? undefined : e.LOG_FILE,
      logFormat: e.LOG_FORMAT,
      observability: observability.config,
    },
  };
}

/** Drops the "X is not set: using a random ..." warnings when the secrets file reports instead. */
function notAbout(warning: string): boolean {
  return !/^(TOTP_ENCRYPTION_KEY|COOKIE_SECRET) is not set/.test(warning);
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

/**
 * The service speaks plain HTTP, so an https APP_URL means a proxy terminates TLS in front of it.
 * Without TRUST_PROXY every request comes from the proxy's address: the rate limits and the lockout
 * by network count every client as one, and the logs name no client. (The OpenID endpoints, which
 * refused to set their Secure cookies over that plain http hop, set them: their issuer is APP_URL.)
 * A start refusal in production, a warning elsewhere, and `pnpm run doctor`'s `proxy` line; null
 * when APP_URL is http or the proxy is trusted.
 */
export function untrustedTLSProxyWarning(input: { appURL: string; trustProxy: TrustProxy }): string | null {
  const https = new URL(input.appURL).protocol === "https:";
  const trusted = input.trustProxy !== false && input.trustProxy !== 0;
  return https && !trusted ? untrustedTLSProxyMessage : null;
}

/** untrustedTLSProxyWarning's words (`pnpm run doctor` gives them in its `proxy` line only). */
export const untrustedTLSProxyMessage =
  "APP_URL is https but TRUST_PROXY is off: the proxy that terminates TLS must be trusted (TRUST_PROXY=<the proxy's address>, e.g. 127.0.0.1; a hop count such as 1 lets a client that reaches the service directly choose its own address), or every request comes from the proxy's address: all clients share one rate-limit budget and one lockout by network, and the logs name no client";

/**
 * The From address when MAIL_FROM is unset: the brand's name, so the inbox shows the name the mail
 * signs with (a quoted phrase, whatever it holds), at `no-reply@` APP_URL's host; `localhost` for a
 * host that is an IP address or has no dot.
 */
export function defaultMailFrom(input: { brandName: string; appURL: string }): string {
  const host = new URL(input.appURL).hostname;
  // URL gives an internationalised host in its ASCII (punycode) form: `auth.xn--e1afmkfd.xn--p1ai`
  // for auth.пример.рф, whose top-level label is an `xn--` one.
  const domain = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.(?:[a-z]{2,}|xn--[a-z0-9-]+)$/i.test(host) ? host : "localhost";
  return `"${input.brandName.replace(/["\\]/g, "\\$&")}" <no-reply@${domain}>`;
}
