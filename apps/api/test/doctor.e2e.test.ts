import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { addressOffLoopback, type SMTPSink, startSMTPSink } from "@superoauth/adapter-mail/testing";
import { openStorage } from "@superoauth/adapter-sql";
import { createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { releaseOf, settingDigests } from "../src/instance-settings.ts";
import { serviceVersion } from "../src/service-version.ts";
import { closedPort } from "./ports.ts";
import { type CLIOutcome, runCLIProcess } from "./run-cli.ts";
import { startServerProcess } from "./server-process.ts";
import {
  startTLSMySQLServer,
  startTLSRedisServer,
  type TLSRedisServer,
  type TLSServer,
} from "./tls-servers.ts";

// `pnpm doctor` as a node process, with a configuration that works (MySQL, an SMTP server, Redis,
// GitHub sign-in at APP_URL, production secrets) and with one that is broken in every checked way.

const redisURL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

const doctorFile = resolve(import.meta.dirname, "../src/cli/doctor.ts");
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-doctor-"));

let database: TestDatabase;
let sink: SMTPSink;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: true });
  sink = await startSMTPSink();
});
afterAll(async () => {
  await sink?.close();
  await database?.drop();
  rmSync(workDirectory, { recursive: true, force: true });
});

const production = {
  NODE_ENV: "production",
  APP_URL: "https://auth.example.com",
  TRUST_PROXY: "1",
  JWT_SECRET: "Xq7v9Lm2Rt4pZw8kHn3bYc6dFj5sGu1aEo0iWy2x",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  COOKIE_SECRET: "Cb4n8Qw2Ze6rTy1uIo9pAs3dFg7hJk5lMx0vNc2b",
  GITHUB_CLIENT_ID: "github-client",
  GITHUB_CLIENT_SECRET: "github-secret-value",
};

function runDoctor(env: Record<string, string>): Promise<CLIOutcome> {
  return runCLIProcess({
    file: doctorFile,
    args: [],
    cwd: workDirectory,
    env: { PATH: process.env.PATH ?? "", LOG_FILE: "", ...env },
  });
}

/** The line of one check: its status and what it says. */
function line(outcome: CLIOutcome, check: string): string {
  const found = outcome.stdout.split("\n").filter((l) => l.slice(6).startsWith(`${check} `));
  expect(found, outcome.stdout).toHaveLength(1);
  return found[0] ?? "";
}

describe("pnpm doctor", () => {
  it("a working configuration: every check ok, exit 0", async () => {
    const outcome = await runDoctor({
      ...production,
      DATABASE_URL: database.url,
      SMTP_URL: sink.url,
      REDIS_URL: redisURL,
    });

    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(line(outcome, "configuration")).toBe("ok    configuration        valid (production)");
    expect(line(outcome, "database")).toMatch(
      /^ok {4}database +answers: (MySQL \d+\.\d+\.\d+(?!\S*MariaDB)|MariaDB \d+\.\d+\.\d+-MariaDB)\S*, database superoauth_test_/,
    );
    expect(line(outcome, "database-tls")).toMatch(/^ok {4}database-tls +the connection is /);
    expect(line(outcome, "migrations")).toMatch(/^ok {4}migrations +\d+ applied, none pending$/);
    expect(line(outcome, "clock")).toMatch(
      /^ok {4}clock +agrees with the database server's: off by -?\d+\.\d s/,
    );
    expect(line(outcome, "smtp")).toMatch(/^ok {4}smtp +smtp:\/\/127\.0\.0\.1:\d+ accepts us$/);
    expect(line(outcome, "redis")).toBe(`ok    redis                ${redisURL} answers PING`);
    expect(line(outcome, "redis-tls")).toMatch(/^ok {4}redis-tls +the connection is /);
    expect(line(outcome, "provider github")).toContain(
      "redirect URI https://auth.example.com/api/v1/oauth/github/callback",
    );
    for (const secret of ["JWT_SECRET", "TOTP_ENCRYPTION_KEY", "COOKIE_SECRET"]) {
      expect(line(outcome, secret)).toMatch(/^ok {4}\w+ +set$/);
    }
    expect(line(outcome, "proxy")).toMatch(/^ok {4}proxy +APP_URL is https, and TRUST_PROXY trusts/);
    expect(line(outcome, "instances")).toMatch(/^ok {4}instances +no instance is running on this database$/);
    expect(outcome.stdout).toMatch(/\n14 ok, 0 warning\(s\), 0 failure\(s\)\.\n$/);
    expect(sink.mails).toHaveLength(0);
  });

  it("a broken configuration: one failing line per problem, saying what to do, exit 1", async () => {
    const [databasePort, smtpPort, redisPort] = [await closedPort(), await closedPort(), await closedPort()];

    const outcome = await runDoctor({
      ...production,
      DATABASE_URL: `mysql://app:DbPassw0rd@127.0.0.1:${databasePort}/superoauth`,
      SMTP_URL: `smtp://mailer:MailPassw0rd@127.0.0.1:${smtpPort}`,
      REDIS_URL: `redis://default:RedisPassw0rd@127.0.0.1:${redisPort}`,
      GITHUB_REDIRECT_URI: "https://old-host.example.com/api/v1/oauth/github/callback",
    });

    expect(outcome.code).toBe(1);
    expect(line(outcome, "database")).toMatch(
      new RegExp(
        `^fail  database +mysql://app:\\*\\*\\*@127\\.0\\.0\\.1:${databasePort}/superoauth: Nothing answers`,
      ),
    );
    expect(line(outcome, "migrations")).toMatch(/^warn {2}migrations +not checked/);
    expect(line(outcome, "smtp")).toMatch(
      new RegExp(
        `^fail  smtp +smtp://mailer:\\*\\*\\*@127\\.0\\.0\\.1:${smtpPort}: nothing answers .*check host and port in SMTP_URL`,
      ),
    );
    expect(line(outcome, "redis")).toBe(
      `fail  redis                redis://default:***@127.0.0.1:${redisPort}: nothing answers at 127.0.0.1:${redisPort}: is Redis running? check host and port in REDIS_URL`,
    );
    expect(line(outcome, "provider github")).toMatch(
      /^fail {2}provider github +GITHUB_REDIRECT_URI is on https:\/\/old-host\.example\.com, APP_URL on https:\/\/auth\.example\.com: .*register https:\/\/auth\.example\.com\/api\/v1\/oauth\/github\/callback at github/,
    );
    expect(outcome.stdout).toMatch(/ 4 failure\(s\)\.\n$/);
    expect(outcome.stdout + outcome.stderr).not.toMatch(
      /DbPassw0rd|MailPassw0rd|RedisPassw0rd|github-secret-value/,
    );
  });

  it("a host whose must-match settings differ from a running instance's fails, naming them, never their values", async () => {
    const env = { ...production, DATABASE_URL: database.url, SMTP_URL: sink.url, REDIS_URL: redisURL };
    const running = parseConfig(
      { ...env, COOKIE_SECRET: "Rz5Tn1Wq8Yx4Lp7Kd2Vb9Hs3Gm6Jc0Fa-running" },
      () => "",
    );
    if (!running.ok) throw new Error(running.problems.join("; "));
    const storage = await openStorage({ url: database.url });
    try {
      await storage.runningInstances.announce(
        {
          id: "running-elsewhere",
          host: "api-2",
          releaseVersion: releaseOf(serviceVersion, await storage.migrationStatus()),
          startedAt: new Date(),
          settings: settingDigests(running.config),
        },
        new Date(),
      );
      const outcome = await runDoctor(env);
      expect(outcome.code).toBe(1);
      expect(line(outcome, "instances")).toMatch(
        /^fail {2}instances +differs from 1 running instance: COOKIE_SECRET \(api-2\); set the same values/,
      );
      expect(outcome.stdout).not.toContain("Rz5Tn1Wq8Yx4");
    } finally {
      await storage.runningInstances.withdraw("running-elsewhere");
      await storage.close();
    }
  });

  it("creates no SQLite file, and says who will", async () => {
    const file = join(workDirectory, "absent.db");

    const absent = await runDoctor({ ...production, DATABASE_URL: `sqlite:${file}` });

    expect(absent.code, absent.stdout).toBe(0);
    expect(line(absent, "database")).toMatch(/^warn {2}database +no SQLite file at .*absent\.db yet/);
    expect(existsSync(file)).toBe(false);

    // A start that may not migrate refuses such a file: a failure, naming what creates it.
    const refused = await runDoctor({
      ...production,
      DATABASE_URL: `sqlite:${file}`,
      MIGRATE_ON_START: "false",
    });
    expect(refused.code, refused.stdout).toBe(1);
    expect(line(refused, "database")).toMatch(
      /^fail {2}database +no SQLite file at .*absent\.db yet and MIGRATE_ON_START=false: run `pnpm db:migrate` to create it/,
    );
    expect(existsSync(file)).toBe(false);
  });

  it("pending migrations fail when the start will not apply them", async () => {
    const file = join(workDirectory, "pending.db");
    writeFileSync(file, "");

    const unmigrated = await runDoctor({
      ...production,
      DATABASE_URL: `sqlite:${file}`,
      MIGRATE_ON_START: "false",
    });

    expect(unmigrated.code).toBe(1);
    expect(line(unmigrated, "migrations")).toMatch(
      /^fail {2}migrations +\d+ pending and MIGRATE_ON_START=false: run pnpm db:migrate/,
    );
    expect(line(unmigrated, "clock")).toMatch(/^ok {4}clock +SQLite reads this machine's clock/);
    expect(line(unmigrated, "disk")).toMatch(
      /^ok {4}disk +[\d,]+ MiB free of [\d,]+ MiB on the database file's disk$/,
    );
  });

  it("an https APP_URL with no proxy trusted is said once, on the proxy's line (development: a warning)", async () => {
    const file = join(workDirectory, "absent-proxy.db");
    const outcome = await runDoctor({
      NODE_ENV: "development",
      APP_URL: "https://auth.example.com",
      DATABASE_URL: `sqlite:${file}`,
    });
    expect(outcome.stdout.match(/TRUST_PROXY is off/g), outcome.stdout).toHaveLength(1);
    expect(line(outcome, "proxy")).toMatch(/^warn {2}proxy +APP_URL is https but TRUST_PROXY is off/);
  });

  it("an invalid configuration fails alone, every problem on its line", async () => {
    const invalid = await runDoctor({ NODE_ENV: "production", PORT: "eighty" });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^fail {2}configuration +PORT is invalid: must be a whole number/m);
    expect(invalid.stdout).toMatch(/^fail {2}configuration +JWT_SECRET is required outside development/m);
  });
});

// A MySQL server reached over a network should be reached over TLS: `?ssl=true` encrypts and checks
// the certificate; the doctor says which it is, and warns of plain text to a server off this machine.
describe("pnpm doctor and the database connection's encryption", () => {
  let server: TLSServer;
  beforeAll(async () => {
    server = await startTLSMySQLServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("?ssl=true migrates and connects over TLS, the certificate checked against NODE_EXTRA_CA_CERTS", async () => {
    const url = `mysql://root@127.0.0.1:${server.port}/superoauth_tls?ssl=true`;
    const trusted = { NODE_EXTRA_CA_CERTS: server.certificateFile };
    const migrated = await runCLIProcess({
      file: resolve(import.meta.dirname, "../src/cli/db-migrate.ts"),
      args: [],
      cwd: workDirectory,
      env: { PATH: process.env.PATH ?? "", LOG_FILE: "", ...production, ...trusted, DATABASE_URL: url },
    });
    expect(migrated.code, migrated.stderr).toBe(0);
    const status = await runCLIProcess({
      file: resolve(import.meta.dirname, "../src/cli/db-status.ts"),
      args: [],
      cwd: workDirectory,
      env: { PATH: process.env.PATH ?? "", LOG_FILE: "", ...production, ...trusted, DATABASE_URL: url },
    });
    expect(status.stdout).toMatch(/\n {2}TLS: {6}TLS_\w+\n/);

    const outcome = await runDoctor({ ...production, ...trusted, DATABASE_URL: url });
    expect(line(outcome, "database")).toMatch(
      /^ok {4}database +answers: MariaDB .*, database superoauth_tls$/,
    );
    expect(line(outcome, "database-tls")).toMatch(
      /^ok {4}database-tls +the connection is encrypted \(TLS_\w+\)$/,
    );

    // A certificate nothing vouches for stops the connection, saying why.
    const untrusted = await runDoctor({ ...production, DATABASE_URL: url });
    expect(untrusted.code).toBe(1);
    expect(line(untrusted, "database")).toMatch(/^fail {2}database +.*self-signed certificate/);
  });

  it("warns of a plain-text connection to a server off this machine, and not of one on loopback", async () => {
    const remote = await runDoctor({
      ...production,
      DATABASE_URL: `mysql://root@${addressOffLoopback()}:${server.port}/superoauth_tls`,
    });
    expect(line(remote, "database-tls")).toBe(
      `warn  database-tls         the connection to ${addressOffLoopback()}:${server.port} is not encrypted: add ?ssl=true to DATABASE_URL (the server's certificate is checked; docs/operations.md, "Which database")`,
    );

    const local = await runDoctor({
      ...production,
      DATABASE_URL: `mysql://root@127.0.0.1:${server.port}/superoauth_tls`,
    });
    expect(line(local, "database-tls")).toBe(
      "ok    database-tls         the connection is not encrypted: the server is on this machine (loopback)",
    );
  });
});

// Redis holds the counters that hold sign-in guesses back, keyed by each client's address, and its
// password travels at every connection: rediss:// encrypts and checks the certificate; the doctor
// says which it is, and warns of plain text to a server off this machine.
describe("pnpm doctor and the Redis connection's encryption", () => {
  let server: TLSRedisServer;
  beforeAll(async () => {
    server = await startTLSRedisServer();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("rediss:// answers PING over TLS, the certificate checked against NODE_EXTRA_CA_CERTS", async () => {
    const url = `rediss://127.0.0.1:${server.port}`;

    const trusted = await runDoctor({
      ...production,
      NODE_EXTRA_CA_CERTS: server.certificateFile,
      REDIS_URL: url,
    });
    expect(line(trusted, "redis")).toBe(`ok    redis                ${url} answers PING`);
    expect(line(trusted, "redis-tls")).toBe(
      "ok    redis-tls            the connection is encrypted (rediss://, the server's certificate checked)",
    );

    // A certificate nothing vouches for stops the connection, saying why.
    const untrusted = await runDoctor({ ...production, REDIS_URL: url });
    expect(untrusted.code).toBe(1);
    expect(line(untrusted, "redis")).toMatch(/^fail {2}redis +.*self-signed certificate/);
    expect(untrusted.stdout).not.toMatch(/redis-tls/);
  });

  it("warns of a plain-text connection to a server off this machine, and not of one on loopback", async () => {
    const remote = await runDoctor({
      ...production,
      REDIS_URL: `redis://${addressOffLoopback()}:${server.plainPort}`,
    });
    expect(line(remote, "redis")).toMatch(/^ok {4}redis +/);
    expect(line(remote, "redis-tls")).toBe(
      `warn  redis-tls            the connection to ${addressOffLoopback()}:${server.plainPort} is not encrypted: use rediss:// in REDIS_URL (TLS, the server's certificate checked; docs/operations.md, "Redis")`,
    );

    const local = await runDoctor({ ...production, REDIS_URL: `redis://127.0.0.1:${server.plainPort}` });
    expect(line(local, "redis")).toMatch(/^ok {4}redis +/);
    expect(line(local, "redis-tls")).toBe(
      "ok    redis-tls            the connection is not encrypted: the server is on this machine (loopback)",
    );
  });

  it("says what a hang-up or a reset means: protected mode, or a TLS port reached without rediss://", async () => {
    const tlsPortInPlainText = await runDoctor({
      ...production,
      REDIS_URL: `redis://127.0.0.1:${server.port}`,
    });
    expect(line(tlsPortInPlainText, "redis")).toBe(
      `fail  redis                redis://127.0.0.1:${server.port}: 127.0.0.1:${server.port} reset the connection: a Redis port with TLS wants rediss:// in REDIS_URL`,
    );

    // Redis's default: with no password, clients off its own machine are refused.
    const setProtectedMode = (value: "yes" | "no") =>
      execFileSync("redis-cli", ["-p", String(server.plainPort), "CONFIG", "SET", "protected-mode", value]);
    setProtectedMode("yes");
    try {
      const remote = `${addressOffLoopback()}:${server.plainPort}`;
      const refused = await runDoctor({ ...production, REDIS_URL: `redis://${remote}` });
      expect(refused.code).toBe(1);
      expect(line(refused, "redis")).toBe(
        `fail  redis                redis://${remote}: ${remote} hung up before answering PING; a Redis with no password does so to clients from other machines (protected mode): set one (requirepass) and give it in REDIS_URL`,
      );
    } finally {
      setProtectedMode("no");
    }
  });

  it("the service itself counts its rate limits in that Redis over TLS", async () => {
    const service = await startServerProcess({
      env: {
        ...production,
        NODE_EXTRA_CA_CERTS: server.certificateFile,
        DATABASE_URL: database.url,
        REDIS_URL: `rediss://127.0.0.1:${server.port}`,
      },
    });
    try {
      const response = await fetch(`${service.baseURL}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "nobody@example.com", password: "Wrong-passw0rd!" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("x-ratelimit-remaining")).toBe("4");
      const keys = execFileSync(
        "redis-cli",
        ["--tls", "--cacert", server.certificateFile, "-p", String(server.port), "--scan"],
        { encoding: "utf8" },
      );
      expect(keys).toMatch(/^superoauth-rl:.*-login:127\.0\.0\.1$/m);
    } finally {
      await service.stop();
    }
  });
});
