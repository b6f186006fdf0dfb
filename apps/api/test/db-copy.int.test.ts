import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { type SMTPSink, startSMTPSink } from "@superoauth/adapter-mail/testing";
import { type Database, openStorage } from "@superoauth/adapter-sql";
import { buildDatabaseURL, createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { type CLIOutcome, runCLIProcess } from "./run-cli.ts";
import { integrationTestConfig } from "./test-config.ts";

// `pnpm db:copy` as an operator runs it: a SQLite database filled through the service's own flows,
// copied by the CLI process into a fresh MySQL database, and the service started on the copy with the
// same secrets signs the same people in. Then the copy back to SQLite, and every refusal.

const cli = resolve(import.meta.dirname, "../src/cli/db-copy.ts");
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-db-copy-"));
const sqliteURL = `sqlite:${join(workDirectory, "superoauth.db")}`;
const clock = new ManualClock(new Date());
const password = "Integr4tion-pass!";

type Outcome = CLIOutcome;

function dbCopy(args: string[]): Promise<Outcome> {
  return runCLIProcess({ file: cli, args, cwd: workDirectory, env: { PATH: process.env.PATH ?? "" } });
}

/** The service on a database, with the secrets that must move with the data (docs/operations.md). */
async function startService(databaseURL: string): Promise<Service> {
  const config = integrationTestConfig({
    DATABASE_URL: databaseURL,
    SMTP_URL: sink.url,
    MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
    APP_URL: "https://app.superoauth.test",
  });
  return composeService(config, undefined, { clock });
}

function post(service: Service, url: string, payload?: Record<string, unknown>, token?: string) {
  return service.app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload }),
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });
}

/** Every row of every table, sorted, as Kysely reads them (Dates as Dates, booleans as 0/1). */
async function contents(url: string): Promise<Record<string, unknown[]>> {
  const storage = await openStorage({ url });
  try {
    const tables: Record<string, unknown[]> = {};
    for (const { name } of await storage.db.introspection.getTables()) {
      const rows = await storage.db
        .selectFrom(name as keyof Database)
        .selectAll()
        .execute();
      tables[name] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return tables;
  } finally {
    await storage.close();
  }
}

let sink: SMTPSink;
let mysql: TestDatabase;
let refreshToken = "";
let totpSecret = "";
let backupCodes: string[] = [];

beforeAll(async () => {
  sink = await startSMTPSink();
  // An empty database: db:copy migrates it.
  mysql = await createTestDatabase({ migrate: false });

  const service = await startService(sqliteURL);
  try {
    const alice = await post(service, "/auth/register", {
      email: "alice@example.com",
      password,
      nickname: "alice",
    });
    expect(alice.statusCode).toBe(201);
    ({ refreshToken } = alice.json().data);
    // A provider identity linked to Alice, and a password-reset token mailed to her (beside the
    // address-verification tokens both registrations mailed).
    const linked = await service.storage.linkedProviders.linkProvider({
      userId: alice.json().data.user.id as UserId,
      provider: "github",
      subject: "4242",
      email: null,
      displayName: "Alice on GitHub",
      linkedAt: clock.now(),
    });
    expect(linked.ok).toBe(true);
    // The status page's maintenance notice (one row), as an admin sets it.
    await service.storage.maintenanceNotices.replace({
      message: "Moving to MySQL tonight",
      setAt: clock.now(),
      setBy: alice.json().data.user.id as UserId,
    });
    expect((await post(service, "/auth/forgot-password", { email: "alice@example.com" })).statusCode).toBe(
      200,
    );

    const bob = await post(service, "/auth/register", {
      email: "bob@example.com",
      password,
      nickname: "bob",
    });
    expect(bob.statusCode).toBe(201);
    const token = bob.json().data.accessToken;
    // 2FA is turned on only on a verified address (as its mailed link would verify it).
    await service.storage.users.markEmailVerified({
      userId: bob.json().data.user.id as UserId,
      now: clock.now(),
    });
    const setup = await post(service, "/auth/2fa/setup", undefined, token);
    ({ secret: totpSecret } = setup.json().data);
    const code = await generateTOTPCode({ secret: totpSecret, now: clock.now() });
    const enabled = await post(service, "/auth/2fa/enable", { code }, token);
    expect(enabled.statusCode).toBe(200);
    backupCodes = enabled.json().data.backupCodes;
  } finally {
    // Stopped before copying, as docs/operations.md says.
    await service.close();
  }
});
afterAll(async () => {
  await mysql?.drop();
  await sink?.close();
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("pnpm db:copy from SQLite to MySQL", () => {
  it("migrates the empty target, copies every table with its row count, and leaves the same rows on both sides", async () => {
    const copied = await dbCopy(["--from", sqliteURL, "--to", mysql.url]);

    expect(copied.stderr).toBe("");
    expect(copied.code).toBe(0);
    expect(copied.stdout).toMatch(/^ {2}users +2$/m);
    expect(copied.stdout).toMatch(/^ {2}totp_factors +1$/m);
    expect(copied.stdout).toMatch(/^ {2}backup_codes +10$/m);
    expect(copied.stdout).toMatch(/^ {2}linked_providers +1$/m);
    expect(copied.stdout).toMatch(/^ {2}email_tokens +3$/m);
    expect(copied.stdout).toMatch(/^ {2}maintenance_notices +1$/m);
    expect(copied.stdout).toMatch(
      /Copied \d+ row\(s\) in 19 tables; the source and the target hold the same counts\./,
    );
    const source = await contents(sqliteURL);
    expect(await contents(mysql.url)).toEqual(source);
    for (const table of ["users", "sessions", "refresh_tokens", "security_events", "email_tokens"]) {
      expect(source[table]?.length, table).toBeGreaterThan(0);
    }
  });

  it("serves the copy: a password signs in, a copied refresh token refreshes, the 2FA secret still decrypts", async () => {
    const service = await startService(mysql.url);
    try {
      const login = await post(service, "/auth/login", { email: "alice@example.com", password });
      expect(login.statusCode).toBe(200);
      expect(login.json().data.user).toMatchObject({ email: "alice@example.com" });

      const refreshed = await post(service, "/auth/refresh", { refreshToken });
      expect(refreshed.statusCode).toBe(200);

      clock.advance(30_000);
      const challenge = await post(service, "/auth/login", { email: "bob@example.com", password });
      expect(challenge.json().data).toMatchObject({ mfaRequired: true });
      const code = await generateTOTPCode({ secret: totpSecret, now: clock.now() });
      const verified = await post(service, "/auth/2fa/verify", {
        mfaToken: challenge.json().data.mfaToken,
        code,
      });
      expect(verified.statusCode).toBe(200);

      const again = await post(service, "/auth/login", { email: "bob@example.com", password });
      const backup = await post(service, "/auth/2fa/verify", {
        mfaToken: again.json().data.mfaToken,
        backupCode: backupCodes[0],
      });
      expect(backup.statusCode).toBe(200);
    } finally {
      await service.close();
    }
  });

  it("copies MySQL back into a new SQLite file, row for row", async () => {
    const backupURL = `sqlite:${join(workDirectory, "backup", "copy.db")}`;

    const copied = await dbCopy(["--from", mysql.url, "--to", backupURL]);

    expect(copied.stderr).toBe("");
    expect(copied.code).toBe(0);
    expect(await contents(backupURL)).toEqual(await contents(mysql.url));
  });
});

describe("pnpm db:copy refuses, exit code 2, one line", () => {
  function expectRefusal(outcome: Outcome, message: RegExp): void {
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
  }

  it("a target that holds rows, and changes none of them", async () => {
    const before = await contents(mysql.url);

    const outcome = await dbCopy(["--from", sqliteURL, "--to", mysql.url]);

    expectRefusal(outcome, /^The target is not empty \(rows in .*users.*\): db:copy never overwrites/);
    expect(await contents(mysql.url)).toEqual(before);
  });

  it("a source with pending migrations, naming pnpm db:migrate and the source's URL, before creating the target", async () => {
    const file = join(workDirectory, "unmigrated.db");
    writeFileSync(file, "");
    const target = buildDatabaseURL(mysql.url, `${new URL(mysql.url).pathname.slice(1)}_never`);

    const outcome = await dbCopy(["--from", `sqlite:${file}`, "--to", target]);

    expectRefusal(
      outcome,
      /^The source has \d+ pending migration\(s\): run pnpm db:migrate with DATABASE_URL=sqlite:.*unmigrated\.db first\./,
    );
    const status = await dbCopy(["--from", target, "--to", `sqlite:${join(workDirectory, "other.db")}`]);
    expectRefusal(status, /^Cannot open the source .*_never: .*does not exist yet/);
  });

  it("a source a running service is using, naming its host; an instance that stopped without withdrawing no longer counts after three minutes", async () => {
    const target = `sqlite:${join(workDirectory, "while-running.db")}`;
    const service = await startService(sqliteURL);
    try {
      expectRefusal(
        await dbCopy(["--from", sqliteURL, "--to", target]),
        /^The source is in use: 1 instance\(s\) of the service seen in the last 3 minutes \(.+, last seen .+\)\. Stop the service first;/,
      );
    } finally {
      await service.close();
    }
    // A crash leaves the row: seen 3 minutes and a second ago, it is a stopped instance.
    const source = await openStorage({ url: sqliteURL });
    try {
      await source.runningInstances.announce(
        {
          id: "crashed",
          host: "crashed-host",
          releaseVersion: "0.1.0",
          startedAt: new Date(0),
          settings: {},
        },
        new Date(Date.now() - 181_000),
      );
    } finally {
      await source.close();
    }
    const copied = await dbCopy(["--from", sqliteURL, "--to", target]);
    expect(copied.code).toBe(0);
    expect(copied.stdout).toMatch(/Copied \d+ row\(s\)/);
  });

  it("the same database named twice, also through a relative and an absolute path", async () => {
    expectRefusal(
      await dbCopy(["--from", "sqlite:./superoauth.db", "--to", sqliteURL]),
      /^The source and the target are the same database/,
    );
    expectRefusal(
      await dbCopy(["--from", mysql.url, "--to", mysql.url]),
      /^The source and the target are the same database/,
    );
  });

  it("a URL that is not a database URL, or a database that does not answer, saying which and never the password", async () => {
    expectRefusal(
      await dbCopy(["--from", "postgres://admin:hunter2@db/app", "--to", sqliteURL]),
      /^The source URL postgres:\/\/admin:\*\*\*@db\/app must be one of sqlite:<path>/,
    );
    expectRefusal(
      await dbCopy(["--from", sqliteURL, "--to", "mysql://admin:hunter2@127.0.0.1:1/app"]),
      /^Cannot open the target mysql:\/\/admin:\*\*\*@127\.0\.0\.1:1\/app: Nothing answers at 127\.0\.0\.1:1/,
    );
    expectRefusal(
      await dbCopy(["--from", "sqlite:./missing.db", "--to", mysql.url]),
      /^Cannot open the source: there is no SQLite file at .*missing\.db\./,
    );
    expectRefusal(await dbCopy(["--from", sqliteURL]), /^Name both databases/);
  });
});
