import type { DiskSpace, RunningInstance, RunningInstances } from "@superoauth/adapter-sql";
import { isLoopbackHost } from "@superoauth/domain";
import type { Config, DevelopmentSecretsSource } from "./config.ts";
import { describeWeakSecret, untrustedTLSProxyWarning } from "./config.ts";
import { describeDatabaseProblem } from "./database-problem.ts";
import { describeServerVersion } from "./database-url.ts";
import type { DevelopmentSecretName } from "./development-secrets.ts";
import { lowDiskSpaceBytes } from "./disk-space-check.ts";
import {
  compareWithInstances,
  describeDifferences,
  liveInstances,
  releaseOf,
  settingDigests,
} from "./instance-settings.ts";
import { maskURLCredentials } from "./redact.ts";
import { serviceVersion } from "./service-version.ts";

/** What `pnpm doctor` found for one check; any `fail` makes it exit 1. */
export type CheckStatus = "ok" | "warn" | "fail";
export interface CheckOutcome {
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found and, unless ok, what to do. */
  readonly detail: string;
}

/** The I/O the checks need; the CLI passes the real storage and SMTP client, tests may pass others. */
export interface DoctorProbes {
  /** null: not opened (a SQLite file not created yet), and the caller says so. */
  readonly database: {
    describe(): Promise<{
      dialect: "mysql" | "sqlite";
      version: string;
      location: string;
      /** MySQL: the connection's TLS cipher, null when not encrypted. */
      tlsCipher?: string | null;
    }>;
    migrationStatus(): Promise<readonly { name: string; executedAt: Date | null }[]>;
    /** Applied migrations this version does not know: a newer release migrated the database. */
    migrationsOfANewerRelease(): Promise<readonly string[]>;
    databaseTime(): Promise<Date>;
    /** SQLite: the room on the file's disk; null for MySQL (its server's disk). */
    diskSpace(): Promise<DiskSpace | null>;
    /** The instances serving the database (their rows in `running_instances`). */
    readonly runningInstances: Pick<RunningInstances, "seenSince">;
  } | null;
  verifySMTP(url: string): Promise<void>;
  /** Resolves when the Redis at `url` answers PING; rejects with why not (pingRedisServer). */
  pingRedis(url: string): Promise<void>;
  /** This machine's clock, epoch milliseconds. */
  now(): number;
}

/**
 * TOTP codes change every 30 s and we accept the previous and the next one (totp-service.ts): a clock
 * more than 30 s off refuses right codes. Past 5 s it is drifting, and NTP is not doing its job.
 */
const clockWarnMs = 5_000;
const clockFailMs = 30_000;

/** Runs every check the troubleshooting guide asks for, in order, one outcome each. */
export async function runDoctor(input: {
  config: Config;
  developmentSecrets: DevelopmentSecretsSource | undefined;
  probes: DoctorProbes;
}): Promise<CheckOutcome[]> {
  const { config, probes } = input;
  const outcomes: CheckOutcome[] = [];
  outcomes.push(...(await checkDatabase(config, probes)));
  outcomes.push(await checkSMTP(config, probes));
  outcomes.push(...(await checkRedis(config, probes)));
  outcomes.push(judgeProxy({ appURL: config.mail.appURL, trustProxy: config.trustProxy }));
  outcomes.push(...checkProviders(config));
  outcomes.push(...checkKeys(config, input.developmentSecrets));
  return outcomes;
}

async function checkDatabase(config: Config, probes: DoctorProbes): Promise<CheckOutcome[]> {
  const database = probes.database;
  if (database === null) return [];
  let description: Awaited<ReturnType<NonNullable<DoctorProbes["database"]>["describe"]>>;
  try {
    description = await database.describe();
  } catch (error) {
    const detail = `${maskURLCredentials(config.databaseURL)}: ${describeDatabaseProblem(error, config.databaseURL)}`;
    const notChecked = "not checked: the database does not answer";
    // ER_BAD_DB_ERROR: the server answers, and the next start (or pnpm db:migrate) creates the database.
    const missing = typeof error === "object" && error !== null && "errno" in error && error.errno === 1049;
    return [
      { check: "database", status: missing ? "warn" : "fail", detail },
      { check: "migrations", status: "warn", detail: notChecked },
      { check: "clock", status: "warn", detail: notChecked },
      { check: "instances", status: "warn", detail: notChecked },
    ];
  }
  const what =
    description.dialect === "mysql"
      ? `${describeServerVersion(description.version)}, database ${description.location}`
      : `SQLite ${description.version}, ${description.location}`;
  const migrations = await database.migrationStatus();
  const before = probes.now();
  const databaseTime = (await database.databaseTime()).getTime();
  const after = probes.now();
  return [
    { check: "database", status: "ok", detail: `answers: ${what}` },
    ...judgeDatabaseTransport(config, description.tlsCipher),
    judgeMigrations({
      applied: migrations.filter((m) => m.executedAt !== null).length,
      pending: migrations.filter((m) => m.executedAt === null).length,
      newer: await database.migrationsOfANewerRelease(),
      migrateOnStart: config.migrateOnStart,
    }),
    description.dialect === "sqlite"
      ? {
          check: "clock",
          status: "ok",
          detail: "SQLite reads this machine's clock: nothing to compare (keep NTP running: timedatectl)",
        }
      : judgeClock({ skewMs: databaseTime - (before + after) / 2, roundTripMs: after - before }),
    await checkInstances(config, {
      instances: database.runningInstances,
      releaseVersion: releaseOf(serviceVersion, migrations),
      now: probes.now(),
    }),
    ...judgeDiskSpace(await database.diskSpace()),
  ];
}

/**
 * Whether the MySQL connection is encrypted: said when it is; a warning when it is not and the
 * server is off this machine (the connection carries every account's data and its password hash).
 */
function judgeDatabaseTransport(config: Config, tlsCipher: string | null | undefined): CheckOutcome[] {
  if (config.database.kind !== "mysql" || tlsCipher === undefined) return [];
  return [
    judgeTransport({
      check: "database-tls",
      encryptedAs: tlsCipher,
      host: config.database.host,
      port: String(config.database.port),
      advice: `add ?ssl=true to DATABASE_URL (the server's certificate is checked; docs/operations.md, "Which database")`,
    }),
  ];
}

/**
 * One connection's encryption, for the doctor: ok when encrypted (`encryptedAs` says how), ok in
 * plain text to this machine (loopback: it crosses no network), else a warning with `advice`.
 */
function judgeTransport(input: {
  check: string;
  encryptedAs: string | null;
  host: string;
  port: string;
  advice: string;
}): CheckOutcome {
  const { check } = input;
  if (input.encryptedAs !== null) {
    return { check, status: "ok", detail: `the connection is encrypted (${input.encryptedAs})` };
  }
  if (isLoopbackHost(input.host)) {
    return {
      check,
      status: "ok",
      detail: "the connection is not encrypted: the server is on this machine (loopback)",
    };
  }
  return {
    check,
    status: "warn",
    detail: `the connection to ${input.host}:${input.port} is not encrypted: ${input.advice}`,
  };
}

/** SQLite's disk: how much room is left (the service calls the database degraded below 100 MiB). */
export function judgeDiskSpace(space: DiskSpace | null): CheckOutcome[] {
  if (space === null) return [];
  const mib = (bytes: number) => `${Math.floor(bytes / 2 ** 20).toLocaleString("en")} MiB`;
  const room = `${mib(space.availableBytes)} free of ${mib(space.totalBytes)} on the database file's disk`;
  if (space.availableBytes >= lowDiskSpaceBytes) return [{ check: "disk", status: "ok", detail: room }];
  return [
    space.availableBytes === 0
      ? {
          check: "disk",
          status: "fail",
          detail: `${room}: every write is refused (503); make room, and the service recovers by itself`,
        }
      : {
          check: "disk",
          status: "warn",
          detail: `${room}: writes are refused (503) once it is full; make room (pruned rows are reused, not returned: docs/operations.md)`,
        },
  ];
}

/** This host's must-match settings against those of the instances running now (instance-settings.ts). */
async function checkInstances(
  config: Config,
  input: { instances: Pick<RunningInstances, "seenSince">; releaseVersion: string; now: number },
): Promise<CheckOutcome> {
  const { instances, releaseVersion, now } = input;
  const running = await liveInstances(instances, now);
  // The table comes with a migration: a database behind this version has none yet.
  if (running === null)
    return { check: "instances", status: "warn", detail: "not checked: apply the pending migrations first" };
  return judgeInstances({ config, releaseVersion, running });
}

/**
 * Whether this host would serve the deployment like the instances running now: a must-match
 * setting that differs fails (sign-ins would fail on some requests only); another release warns.
 */
export function judgeInstances(input: {
  config: Config;
  releaseVersion: string;
  running: readonly RunningInstance[];
}): CheckOutcome {
  const { running } = input;
  if (running.length === 0)
    return { check: "instances", status: "ok", detail: "no instance is running on this database" };
  const differences = compareWithInstances(
    { settings: settingDigests(input.config), releaseVersion: input.releaseVersion },
    running,
  );
  const count = `${running.length} running instance${running.length === 1 ? "" : "s"}`;
  if (differences.length === 0)
    return { check: "instances", status: "ok", detail: `the settings that must match agree with ${count}` };
  const settings = differences.filter((difference) => difference.setting !== "release");
  if (settings.length === 0)
    return {
      check: "instances",
      status: "warn",
      detail: `${count}, another release: ${describeDifferences(differences)} (expected during an upgrade only)`,
    };
  return {
    check: "instances",
    status: "fail",
    detail: `differs from ${count}: ${describeDifferences(differences)}; set the same values as the running instances (docs/operations.md, "Several instances")`,
  };
}

export function judgeMigrations(input: {
  applied: number;
  pending: number;
  /** Applied migrations this version does not know (ADR 0046); none when left out. */
  newer?: readonly string[];
  migrateOnStart: boolean;
}): CheckOutcome {
  const { applied, pending, newer = [] } = input;
  if (newer.length > 0) {
    return {
      check: "migrations",
      status: "fail",
      detail: `${newer.length} applied by a newer release (the newest ${newer.at(-1)}): this version will not start on this database; run that release, or restore the backup taken before the upgrade`,
    };
  }
  if (pending === 0) return { check: "migrations", status: "ok", detail: `${applied} applied, none pending` };
  return input.migrateOnStart
    ? {
        check: "migrations",
        status: "warn",
        detail: `${pending} pending: the next start applies them (MIGRATE_ON_START=true), or run pnpm db:migrate now`,
      }
    : {
        check: "migrations",
        status: "fail",
        detail: `${pending} pending and MIGRATE_ON_START=false: run pnpm db:migrate before starting this version`,
      };
}

/** This machine's clock against the database server's, which other instances share. */
export function judgeClock(input: { skewMs: number; roundTripMs: number }): CheckOutcome {
  const skew = Math.abs(input.skewMs);
  const amount = `${(input.skewMs / 1000).toFixed(1)} s (measured within ${Math.ceil(input.roundTripMs / 2)} ms)`;
  if (skew < clockWarnMs) {
    return { check: "clock", status: "ok", detail: `agrees with the database server's: off by ${amount}` };
  }
  const advice = `sync both with NTP (timedatectl set-ntp true; chronyc tracking shows the offset)`;
  return skew < clockFailMs
    ? { check: "clock", status: "warn", detail: `differs from the database server's by ${amount}: ${advice}` }
    : {
        check: "clock",
        status: "fail",
        detail: `differs from the database server's by ${amount}: two-factor codes are refused past 30 s; ${advice}`,
      };
}

async function checkSMTP(config: Config, probes: DoctorProbes): Promise<CheckOutcome> {
  const url = config.mail.smtpURL;
  if (url === undefined) {
    return config.environment === "production"
      ? {
          check: "smtp",
          status: "warn",
          detail: `SMTP_URL is not set: mails are only written to ${config.mail.outboxDirectory}; set SMTP_URL`,
        }
      : { check: "smtp", status: "ok", detail: `not configured: mails go to ${config.mail.outboxDirectory}` };
  }
  return probed({
    check: "smtp",
    probe: () => probes.verifySMTP(url),
    ok: `${maskURLCredentials(url)} accepts us`,
    describe: (error) => describeSMTPProblem(error, url),
  });
}

/** A check that asks a server once: `ok` when `probe` resolves, `fail` saying why when it rejects. */
async function probed(input: {
  check: string;
  probe: () => Promise<void>;
  ok: string;
  describe: (error: unknown) => string;
}): Promise<CheckOutcome> {
  try {
    await input.probe();
    return { check: input.check, status: "ok", detail: input.ok };
  } catch (error) {
    return { check: input.check, status: "fail", detail: input.describe(error) };
  }
}

/** Why the SMTP server at `url` cannot be used, by nodemailer's error code. */
export function describeSMTPProblem(error: unknown, url: string): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const shown = maskURLCredentials(url);
  let where = "?";
  let user = "";
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port === "" ? (parsed.protocol === "smtps:" ? "465" : "587") : parsed.port}`;
    user = decodeURIComponent(parsed.username);
  } catch {}
  switch (code) {
    case "ECONNECTION":
    case "ESOCKET":
    case "EDNS":
      return `${shown}: nothing answers at ${where}: check host and port in SMTP_URL (smtps:// for port 465, smtp:// for 587 and 25)`;
    case "ETIMEDOUT":
      return `${shown}: ${where} did not answer in time: is a firewall in the way?`;
    case "EAUTH":
      return `${shown}: the server refused the login of user "${user}": check the user and password in SMTP_URL`;
    case "ETLS":
      // A server off this machine must take STARTTLS (ADR 0064): nodemailer asks, the server refuses.
      if (error instanceof Error && /STARTTLS/.test(error.message)) {
        return `${shown}: ${where} offers no STARTTLS, and mail to a server off this machine goes over TLS only: use its TLS port (smtps:// on 465, or smtp:// on 587 with STARTTLS), or end SMTP_URL with ?requireTLS=false for a relay on a network you trust`;
      }
      return `${shown}: TLS failed: smtps:// is for port 465, smtp:// (with STARTTLS) for 587`;
    default:
      return `${shown}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Redis, when REDIS_URL is set: without its counters every rate-limited request fails closed (503). */
async function checkRedis(config: Config, probes: DoctorProbes): Promise<CheckOutcome[]> {
  const url = config.redisURL;
  if (url === undefined) {
    return [
      {
        check: "redis",
        status: "ok",
        detail:
          "not configured: rate-limit counters are kept in each process (set REDIS_URL for several instances)",
      },
    ];
  }
  const reached = await probed({
    check: "redis",
    probe: () => probes.pingRedis(url),
    ok: `${maskURLCredentials(url)} answers PING`,
    describe: (error) => describeRedisProblem(error, url),
  });
  return reached.status === "ok" ? [reached, judgeRedisTransport(url)] : [reached];
}

/**
 * Whether the connection to Redis is encrypted. Over redis:// its password and every client's
 * address (the counters' keys) cross the network in plain text, and whoever is on the path can
 * reset the counters that hold sign-in guesses back: a warning when the server is off this machine.
 */
export function judgeRedisTransport(url: string): CheckOutcome {
  const parsed = new URL(url);
  return judgeTransport({
    check: "redis-tls",
    encryptedAs: parsed.protocol === "rediss:" ? "rediss://, the server's certificate checked" : null,
    host: parsed.hostname,
    port: parsed.port === "" ? "6379" : parsed.port,
    advice: `use rediss:// in REDIS_URL (TLS, the server's certificate checked; docs/operations.md, "Redis")`,
  });
}

/** Why the Redis at `url` cannot be used, by the socket's code or the server's error code. */
export function describeRedisProblem(error: unknown, url: string): string {
  const shown = maskURLCredentials(url);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  // A Redis error reply starts with its code: "NOAUTH Authentication required.", "WRONGPASS ...".
  const replyCode = name === "ReplyError" ? (message.split(" ")[0] ?? "") : "";
  let where = "?";
  let overTLS = false;
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port === "" ? "6379" : parsed.port}`;
    overTLS = parsed.protocol === "rediss:";
  } catch {}
  switch (code || replyCode || name) {
    case "ECONNREFUSED":
    case "EHOSTUNREACH":
      return `${shown}: nothing answers at ${where}: is Redis running? check host and port in REDIS_URL`;
    case "ECONNRESET":
      // Over rediss:// already, "use rediss://" would send the reader in a circle.
      return overTLS
        ? `${shown}: ${where} reset the connection: check the host and port in REDIS_URL`
        : `${shown}: ${where} reset the connection: a Redis port with TLS wants rediss:// in REDIS_URL`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${shown}: the host of REDIS_URL is not found (DNS): check the host name`;
    case "ETIMEDOUT":
      return `${shown}: ${where} did not answer PING in time: is a firewall in the way, or is it rediss:// (TLS)?`;
    case "NOAUTH":
    case "WRONGPASS":
      return `${shown}: Redis refused the login (${replyCode}): check the user and password in REDIS_URL`;
    case "ParserError":
      return `${shown}: what answers at ${where} does not speak Redis: check the port (and redis:// or rediss://) in REDIS_URL`;
    default:
      // ioredis's answer when the server hung up before any reply. Redis in protected mode (no
      // password set) does so to every client off its own machine; its DENIED is lost with the socket.
      if (message === "Connection is closed.") {
        return `${shown}: ${where} hung up before answering PING; a Redis with no password does so to clients from other machines (protected mode): set one (requirepass) and give it in REDIS_URL`;
      }
      return `${shown}: ${message}`;
  }
}

/**
 * The service speaks plain HTTP, so an https APP_URL means a proxy terminates TLS in front of it.
 * Without TRUST_PROXY every request comes from the proxy's address: the rate limits, the lockout
 * by network and the logs see one client (untrustedTLSProxyWarning).
 */
export function judgeProxy(input: { appURL: string; trustProxy: Config["trustProxy"] }): CheckOutcome {
  if (new URL(input.appURL).protocol !== "https:")
    return { check: "proxy", status: "ok", detail: "APP_URL is http: no proxy terminating TLS to trust" };
  const untrusted = untrustedTLSProxyWarning(input);
  return untrusted === null
    ? {
        check: "proxy",
        status: "ok",
        detail: "APP_URL is https, and TRUST_PROXY trusts the proxy that terminates TLS",
      }
    : { check: "proxy", status: "warn", detail: untrusted };
}

function checkProviders(config: Config): CheckOutcome[] {
  const enabled = Object.entries(config.oauth.providers);
  if (enabled.length === 0) {
    return [{ check: "providers", status: "ok", detail: "no social sign-in provider enabled" }];
  }
  return enabled.map(([provider, settings]) =>
    judgeRedirectURI({ provider, redirectURI: settings?.redirectURI ?? "", appURL: config.mail.appURL }),
  );
}

/** Each enabled provider's redirect URI must come back to this service, at APP_URL. */
export function judgeRedirectURI(input: {
  provider: string;
  redirectURI: string;
  appURL: string;
}): CheckOutcome {
  const { provider, redirectURI, appURL } = input;
  const check = `provider ${provider}`;
  const variable = `${provider.toUpperCase()}_REDIRECT_URI`;
  const expected = `${appURL}/api/v1/oauth/${provider}/callback`;
  const redirect = new URL(redirectURI);
  const app = new URL(appURL);
  if (redirect.origin !== app.origin) {
    return {
      check,
      status: "fail",
      detail: `${variable} is on ${redirect.origin}, APP_URL on ${app.origin}: the sign-in cookie set on one is not sent to the other; register ${expected} at ${provider} and set ${variable} to it (or unset it)`,
    };
  }
  if (!redirect.pathname.endsWith(`/api/v1/oauth/${provider}/callback`)) {
    return {
      check,
      status: "fail",
      detail: `${variable} ends in ${redirect.pathname}, not at the callback /api/v1/oauth/${provider}/callback: register ${expected} at ${provider}`,
    };
  }
  return {
    check,
    status: "ok",
    detail: `redirect URI ${redirectURI} (register exactly this one at ${provider})`,
  };
}

/** The secrets the service signs and encrypts with: set, strong, and lasting beyond this process. */
function checkKeys(config: Config, fromFile: DevelopmentSecretsSource | undefined): CheckOutcome[] {
  const secrets: {
    name: DevelopmentSecretName;
    ephemeral: boolean;
    lost: string;
    weakness?: string | null;
  }[] = [
    {
      name: "JWT_SECRET",
      ephemeral: config.jwt.secretIsEphemeral,
      lost: "access tokens die at every restart; set it (openssl rand -base64 48)",
      weakness: describeWeakSecret(config.jwt.secret),
    },
    {
      name: "TOTP_ENCRYPTION_KEY",
      ephemeral: config.security.totpEncryptionKeyIsEphemeral,
      lost: "two-factor secrets enrolled now will not decrypt after a restart; set it (openssl rand -base64 32)",
    },
  ];
  // The cookie secret signs the OAuth state cookie only: it matters once a provider is enabled.
  if (Object.keys(config.oauth.providers).length > 0) {
    secrets.push({
      name: "COOKIE_SECRET",
      ephemeral: config.oauth.cookieSecretIsEphemeral,
      lost: "social sign-ins in flight fail at a restart (and across instances); set it (openssl rand -base64 48)",
    });
  }
  return secrets.map(({ name, ephemeral, lost, weakness }): CheckOutcome => {
    if (fromFile?.names.includes(name)) {
      const detail =
        fromFile.state === "absent"
          ? `not set: pnpm start will generate it into ${fromFile.file} (development)`
          : `kept in ${fromFile.file} (development; set it in the environment in production)`;
      return { check: name, status: "ok", detail };
    }
    if (ephemeral) return { check: name, status: "warn", detail: `not set: random per process, so ${lost}` };
    if (weakness !== undefined && weakness !== null) {
      return {
        check: name,
        status: "warn",
        detail: `weak (${weakness}): production refuses it; openssl rand -base64 48`,
      };
    }
    return { check: name, status: "ok", detail: "set" };
  });
}

/** `ok    database    answers: ...`: one line per check, the status first so the eye finds failures. */
export function formatOutcome(outcome: CheckOutcome): string {
  return `${outcome.status.padEnd(5)} ${outcome.check.padEnd(20)} ${outcome.detail}`;
}
