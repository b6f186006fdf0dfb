import { createHmac, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DependencyCheck } from "@superoauth/adapter-http";
import type { RunningInstance, RunningInstances } from "@superoauth/adapter-sql";
import { oauthProviderIds } from "@superoauth/domain";
import type { Config } from "./config.ts";

/**
 * The settings that must be the same on every instance of a deployment (docs/operations.md,
 * "Several instances"), by variable name, as this instance parsed them (so `15m` and `900s` are
 * one value). A provider that is off has empty values, so "on here, off there" differs too.
 * JWT_SECRET is not listed: it keys the digests (settingDigests gives it an entry of its own), and
 * a start with another one is refused anyway (the stored signing keys do not open).
 */
export function mustMatchSettings(config: Config): Record<string, string> {
  const { lockout } = config.security;
  const settings: Record<string, string> = {
    JWT_ISSUER: config.jwt.issuer,
    JWT_AUDIENCE: config.jwt.audience,
    OIDC_ISSUER: config.oidcIssuer,
    APP_URL: config.mail.appURL,
    COOKIE_SECRET: config.oauth.cookieSecret,
    TOTP_ENCRYPTION_KEY: Buffer.from(config.security.totpEncryptionKey).toString("base64"),
    TOTP_ISSUER: config.security.totpIssuer,
    ACCESS_TOKEN_TTL: String(config.accessTokenTtlSeconds),
    OIDC_ID_TOKEN_TTL: String(config.idTokenTtlSeconds),
    REFRESH_TOKEN_TTL: String(config.refreshTokenTtlMs),
    REFRESH_REUSE_GRACE: String(config.refreshReuseGraceMs),
    SESSION_MAX_AGE: String(config.sessionMaxAgeMs),
    STAFF_SESSION_MAX_AGE: String(config.staffSessionMaxAgeMs),
    MAX_SESSIONS_PER_USER: String(config.maxSessionsPerUser),
    REAUTH_MAX_AGE: String(config.security.reauthMaxAgeMs),
    STAFF_REQUIRE_2FA: String(config.security.staffRequireTwoFactor),
    STAFF_READS_PER_HOUR: String(config.security.staffReadsPerHour),
    STAFF_MAILS_PER_HOUR: String(config.security.staffMailsPerHour),
    LOCKOUT_THRESHOLD: String(lockout.threshold),
    LOCKOUT_WINDOW: String(lockout.windowMs),
    LOCKOUT_DURATION: String(lockout.durationMs),
    SECURITY_LOG_RETENTION: String(config.security.securityLogRetentionMs),
    RATE_LIMIT_ENABLED: String(config.rateLimit.enabled),
    RATE_LIMIT_WINDOW: String(config.rateLimit.windowMs),
    RATE_LIMIT_LOGIN_MAX: String(config.rateLimit.loginMax),
    RATE_LIMIT_REGISTER_MAX: String(config.rateLimit.registerMax),
    RATE_LIMIT_GENERAL_MAX: String(config.rateLimit.generalMax),
    RATE_LIMIT_EMAIL_MAX: String(config.rateLimit.emailMax),
    RATE_LIMIT_PROTOCOL_MAX: String(config.rateLimit.protocolMax),
    RATE_LIMIT_DEVICE_CODE_MAX: String(config.rateLimit.deviceCodeMax),
    RATE_LIMIT_PAGES_MAX: String(config.rateLimit.pagesMax),
    REDIS_KEY_PREFIX: config.rateLimit.redisKeyPrefix,
    REQUIRE_EMAIL_VERIFICATION: String(config.mail.requireEmailVerification),
    TRUST_PROXY: JSON.stringify(config.trustProxy),
    CORS_ORIGINS: JSON.stringify(config.corsOrigins),
    EXPORT_TTL: String(config.dataExport.ttlMs),
    EXPORT_LEASE: String(config.dataExport.leaseMs),
  };
  for (const provider of oauthProviderIds) {
    const prefix = provider.toUpperCase();
    const on = config.oauth.providers[provider];
    settings[`${prefix}_CLIENT_ID`] = on?.clientId ?? "";
    settings[`${prefix}_CLIENT_SECRET`] = on?.clientSecret ?? "";
    settings[`${prefix}_REDIRECT_URI`] = on?.redirectURI ?? "";
    settings[`${prefix}_SCOPES`] = on?.scopes.join(" ") ?? "";
  }
  return settings;
}

/**
 * A digest of each must-match setting, keyed with JWT_SECRET: equal values give equal digests on
 * every instance (they share JWT_SECRET), and whoever reads the table without JWT_SECRET cannot
 * test guesses of a secret against them. 128 bits each, which no two different values share.
 */
export function settingDigests(config: Config): Record<string, string> {
  const digestOf = (name: string, value: string) =>
    createHmac("sha256", config.jwt.secret)
      .update(`superoauth instance setting\0${name}\0${value}`)
      .digest("base64url")
      .slice(0, 22);
  return {
    // The key's own entry (no value: it differs only when the key does), so a host with another
    // JWT_SECRET is told that, rather than that every other setting differs.
    [keySetting]: digestOf(keySetting, ""),
    ...Object.fromEntries(
      Object.entries(mustMatchSettings(config)).map(([name, value]) => [name, digestOf(name, value)]),
    ),
  };
}

/** The entry that keys every digest: when it differs, the others say nothing. */
const keySetting = "JWT_SECRET";

/**
 * What an instance names as its release: the package's version and the newest migration this code
 * knows (`0.1.0+2026-12-02T09-00`). The version alone is not bumped by every change, while two
 * codes that know different migrations are two releases whatever the version says (ADR 0046).
 */
export function releaseOf(version: string, knownMigrations: readonly { readonly name: string }[]): string {
  const newest = knownMigrations.at(-1)?.name.slice(0, "2026-12-02T09-00".length);
  return newest === undefined ? version : `${version}+${newest}`;
}

/** A setting (or `release`, the code version) that differs from running instances, and where. */
export interface SettingDifference {
  readonly setting: string;
  /** The other instances' hosts, each once. */
  readonly hosts: readonly string[];
}

/**
 * What differs between this instance and the `others`: each setting both know whose digests differ
 * (one only a newer release knows is not compared; JWT_SECRET alone when the key of the digests
 * differs), and `release` when the code versions differ.
 * In name order; `release` last.
 */
export function compareWithInstances(
  mine: { readonly settings: Readonly<Record<string, string>>; readonly releaseVersion: string },
  others: readonly RunningInstance[],
): SettingDifference[] {
  const hostsBySetting = new Map<string, Set<string>>();
  const add = (setting: string, host: string) => {
    const hosts = hostsBySetting.get(setting) ?? new Set<string>();
    hosts.add(host);
    hostsBySetting.set(setting, hosts);
  };
  for (const other of others) {
    const theirKey = other.settings[keySetting];
    if (theirKey !== undefined && theirKey !== mine.settings[keySetting]) add(keySetting, other.host);
    else
      for (const [name, digest] of Object.entries(mine.settings)) {
        const theirs = other.settings[name];
        if (theirs !== undefined && theirs !== digest) add(name, other.host);
      }
    if (other.releaseVersion !== mine.releaseVersion)
      add("release", `${other.host} (${other.releaseVersion})`);
  }
  return [...hostsBySetting.entries()]
    .sort(([a], [b]) => (a === "release" ? 1 : b === "release" ? -1 : a < b ? -1 : 1))
    .map(([setting, hosts]) => ({ setting, hosts: [...hosts].sort() }));
}

/** One line naming what differs and where: "COOKIE_SECRET (api-2), LOCKOUT_THRESHOLD (api-2, api-3)". */
export function describeDifferences(differences: readonly SettingDifference[]): string {
  return differences.map(({ setting, hosts }) => `${setting} (${hosts.join(", ")})`).join(", ");
}

/** How often an instance writes its row and compares; one not seen for three beats is gone. */
export const instanceBeatMs = 60_000;
export const instanceLiveMs = 3 * instanceBeatMs;

/**
 * The instances seen on the database in the last `instanceLiveMs` before `now`, or null when it
 * cannot tell: the database has no table for them yet (it comes with a migration, which a database
 * behind this version may not have). Read with migrations pending too, since that is when an
 * upgrade asks which instances of the old release still run (`db:status`, `db:migrate`, doctor).
 */
export async function liveInstances(
  instances: Pick<RunningInstances, "seenSince">,
  now: number,
): Promise<RunningInstance[] | null> {
  try {
    return await instances.seenSince({ since: new Date(now - instanceLiveMs) });
  } catch {
    return null;
  }
}

/**
 * What a start on SQLite does about the other instances seen on its file in the last three minutes
 * (docs/operations.md, "SQLite means one instance"; the operator's walk started a second one on
 * another PORT, and it served with nothing but a warning that APP_URL differed). Only one that
 * is provably running holds the start back: on this host, under another port, and that port
 * answers (`listening`). A row a crash left behind (it outlives its process by up to three minutes)
 * never does: under this instance's own name it is this instance restarted (two processes cannot
 * listen on one port), under another port of this host nothing answers there, and under another
 * host name (a container recreated, a pod rescheduled with the volume) nothing here can tell a
 * living instance from a killed one, so the start goes on and says so: refusing would keep an
 * auth service down for three minutes after every crash of that kind (ADR 0072).
 */
export async function secondInstanceOnSQLite(input: {
  others: readonly RunningInstance[];
  mine: { readonly host: string; readonly port: number; readonly file: string };
  /** Whether something accepts connections on this port of this machine. */
  listening: (port: number) => Promise<boolean>;
}): Promise<{ refusal: string } | { warning: string } | null> {
  const { others, mine } = input;
  const myName = instanceName(mine.host, mine.port);
  const seenOf = (instance: RunningInstance) =>
    `${instance.host} (last seen ${instance.seenAt.toISOString()})`;
  const advice = `SQLite serves one instance: stop that one first, or move to MySQL to run several (docs/operations.md, "SQLite means one instance")`;
  const elsewhere: RunningInstance[] = [];
  for (const instance of others) {
    if (instance.host === myName) continue;
    const { host, port } = hostAndPortOf(instance.host);
    if (host !== mine.host || port === undefined) {
      elsewhere.push(instance);
      continue;
    }
    if (await input.listening(port)) {
      return {
        refusal: `another instance serves the SQLite file ${mine.file}: ${seenOf(instance)}, and port ${port} of this machine answers. ${advice}.`,
      };
    }
  }
  if (elsewhere.length === 0) return null;
  return {
    warning: `another instance wrote to the SQLite file ${mine.file} in the last 3 minutes: ${elsewhere.map(seenOf).join(", ")}. If it still runs, ${advice}; if it was killed (a container recreated, say), nothing is wrong.`,
  };
}

/** An instance's name split back into its host and port (no port for an instance on `PORT=0`). */
function hostAndPortOf(name: string): { host: string; port?: number } {
  const colon = name.lastIndexOf(":");
  const port = colon === -1 ? Number.NaN : Number(name.slice(colon + 1));
  return Number.isInteger(port) && port > 0 ? { host: name.slice(0, colon), port } : { host: name };
}

/**
 * With migrations pending, the instances of another release still running on the database are the
 * release an upgrade stops before it migrates (ADR 0046): once migrated under them, they answer
 * /ready 503 but go on serving whoever reaches them, writing with code that does not know the new
 * schema. One sentence naming them, or null when none runs.
 */
export function olderReleasesStillRunning(
  running: readonly RunningInstance[],
  releaseVersion: string,
): string | null {
  const others = running.filter((instance) => instance.releaseVersion !== releaseVersion);
  if (others.length === 0) return null;
  const named = others.map((instance) => `${instance.host} (${instance.releaseVersion})`).join(", ");
  return `${others.length} instance(s) of another release ran on this database in the last ${instanceLiveMs / 60_000} minutes: ${named}. An upgrade stops every instance of the old release before migrating (docs/operations.md, "Upgrades and migrations"): migrated under it, an old instance answers /ready 503 but still serves whoever reaches it.`;
}

/** Where the watch reports: the service's logger, or nothing. */
export interface InstanceSettingsLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** This instance's row in `running_instances`, and what it last found differing from the others. */
export interface InstanceSettingsWatch {
  readonly id: string;
  /** What differed at the last comparison (empty: every running instance agrees, or none other runs). */
  differences(): readonly SettingDifference[];
  /** For /ready: degraded, naming the settings (never values), while something differs. */
  readonly check: DependencyCheck;
  /** Writes the row and compares now (the timer does it every minute). */
  beat(): Promise<void>;
  /** Stops the timer and deletes the row (after the beat under way, if any). */
  stop(): Promise<void>;
}

/**
 * Announces this instance in `running_instances` and compares its must-match settings with every
 * instance seen in the last three minutes, now and every minute: a difference is logged once as a
 * warning when it appears (and an info line when it is gone), shown by /ready and counted by the
 * metrics. A failed beat is logged and tried again at the next; it never stops the service.
 */
/**
 * How other instances, `db:status` and `doctor` name this one: its host name and port, so two
 * instances on one host (a port each) are told apart. PORT=0 (a port the system picks, as tests
 * use) names the host alone: the port is not known before the service listens.
 */
export function instanceName(host: string, port: number): string {
  return port === 0 ? host : `${host}:${port}`;
}

export async function watchInstanceSettings(input: {
  instances: RunningInstances;
  config: Config;
  releaseVersion: string;
  log: InstanceSettingsLog | undefined;
  /** Wall time (not a test's clock): instances compare when each was last seen. */
  now?: () => Date;
  intervalMs?: number;
  /**
   * Whether the schema the row needs is in place: false while migrations are pending (a start with
   * MIGRATE_ON_START=false before `pnpm db:migrate`, which docs/operations.md allows). Until it
   * answers true a beat writes and logs nothing, and it is asked every `schemaWaitMs`, so the
   * instance announces itself within seconds of the migration rather than at the next minute.
   */
  schemaReady?: () => Promise<boolean>;
  schemaWaitMs?: number;
}): Promise<InstanceSettingsWatch> {
  const now = input.now ?? (() => new Date());
  const id = randomUUID();
  const startedAt = now();
  const host = instanceName(hostname(), input.config.port);
  const settings = settingDigests(input.config);
  let differences: readonly SettingDifference[] = [];
  // Logged once until a beat succeeds again (a pending migration or an outage fails every beat).
  let failing = false;
  let waitingForSchema = input.schemaReady !== undefined;

  // One beat at a time (the schema wait's and the minute's timers may meet), and none after stop():
  // stop() waits for the one under way, so its write cannot land after the row is withdrawn.
  let beating: Promise<void> = Promise.resolve();
  let stopped = false;
  function beat(): Promise<void> {
    if (!stopped) beating = beating.then(beatOnce);
    return beating;
  }

  async function beatOnce(): Promise<void> {
    if (stopped) return;
    try {
      if (waitingForSchema) {
        if (!(await input.schemaReady?.())) return;
        waitingForSchema = false;
        clearInterval(schemaWait);
      }
      const at = now();
      await input.instances.announce(
        { id, host, releaseVersion: input.releaseVersion, startedAt, settings },
        at,
      );
      const others = await input.instances.seenSince({
        since: new Date(at.getTime() - instanceLiveMs),
        exceptId: id,
      });
      const found = compareWithInstances({ settings, releaseVersion: input.releaseVersion }, others);
      const line = describeDifferences(found);
      if (line !== describeDifferences(differences)) {
        if (found.length > 0)
          input.log?.warn(
            { differing: found.map((difference) => difference.setting) },
            `settings differ from other running instances: ${line}. Each must be the same on every instance (docs/operations.md, "Several instances"); during a rolling change this lasts until every instance runs the new value`,
          );
        else input.log?.info({}, "settings match every running instance again");
      }
      differences = found;
      failing = false;
    } catch (error) {
      if (!failing)
        input.log?.warn({ err: error }, "comparing settings with the other instances failed; will retry");
      failing = true;
    }
  }

  let schemaWait: ReturnType<typeof setInterval> | undefined;
  await beat();
  if (waitingForSchema) {
    schemaWait = setInterval(() => void beat(), input.schemaWaitMs ?? 2_000);
    schemaWait.unref();
  }
  const timer = setInterval(() => void beat(), input.intervalMs ?? instanceBeatMs);
  timer.unref();
  return {
    id,
    differences: () => differences,
    check: {
      name: "instances",
      required: false,
      async check() {
        if (differences.length === 0) return { status: "up" };
        return {
          status: "degraded",
          detail: `differs from another instance: ${differences.map((difference) => difference.setting).join(", ")}`,
        };
      },
    },
    beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(schemaWait);
      await beating;
      await input.instances.withdraw(id).catch(() => undefined);
    },
  };
}
