import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openStorage } from "@superoauth/adapter-sql";
import {
  buildDatabaseURL,
  createTestDatabase,
  dropDatabase,
  recordMigrationOfANewerRelease,
  sqliteJustBefore,
  type TestDatabase,
} from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "./ports.ts";
import { type CLIOutcome, compileCache, runCLIProcess } from "./run-cli.ts";

// The CLI entry points as `pnpm db:migrate`, `db:status` and `config:validate` run them (`logs`: logs-cli.e2e.test.ts):
// a node process each, against a real MySQL, asserting what an operator reads and the exit code.

const cliDirectory = resolve(import.meta.dirname, "../src/cli");
const repository = resolve(import.meta.dirname, "../../..");
/** A working directory without a .env file, so only the variables a test gives apply. */
const workDirectory = mkdtempSync(join(tmpdir(), "superoauth-cli-"));

type Outcome = CLIOutcome;

function runCLI(script: string, env: Record<string, string>, args: string[] = []): Promise<Outcome> {
  return runCLIProcess({
    file: join(cliDirectory, script),
    args,
    cwd: workDirectory,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "development", LOG_FILE: "", ...env },
  });
}

/** No stack trace, no driver object dump: the operator reads sentences. */
function expectNoStackTrace(outcome: Outcome): void {
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr).not.toContain("triggerUncaughtException");
}

let server: TestDatabase;
beforeAll(async () => {
  server = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await server?.drop();
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("pnpm db:migrate and pnpm db:status", () => {
  it("create a missing database, migrate it, then report it up to date", async () => {
    const url = buildDatabaseURL(server.url, `${new URL(server.url).pathname.slice(1)}_cli`);
    try {
      const before = await runCLI("db-status.ts", { DATABASE_URL: url });
      expect(before.code).toBe(1);
      expect(before.stderr).toMatch(
        /answers, but the database "\w+_cli" does not exist yet: pnpm db:migrate/,
      );
      expectNoStackTrace(before);

      const first = await runCLI("db-migrate.ts", { DATABASE_URL: url });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^Applied \d+ migration\(s\) to mysql:\/\/.+_cli:\n {2}\+ \S+/);

      const again = await runCLI("db-migrate.ts", { DATABASE_URL: url });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/is up to date\./);

      const running = await openStorage({ url });
      const seen = new Date();
      await running.runningInstances.announce(
        {
          id: "cli-test",
          host: "api-7",
          releaseVersion: "0.1.0+2026-12-02T09-00",
          startedAt: seen,
          settings: {},
        },
        seen,
      );
      await running.close();
      const status = await runCLI("db-status.ts", { DATABASE_URL: url });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain("\n  Running instances (seen in the last 3 minutes): 1\n");
      expect(status.stdout).toContain(
        `\n  instance api-7, release 0.1.0+2026-12-02T09-00, started ${seen.toISOString()}, last seen ${seen.toISOString()}\n`,
      );
      expect(status.stdout).toMatch(/^Connected to mysql:\/\//);
      // MariaDB named as such (its version says so), not as a "MySQL 10.11" that does not exist.
      expect(status.stdout).toMatch(
        /\n {2}Server: {3}(MySQL \d+\.\d+\.\d+(?!\S*MariaDB)|MariaDB \d+\.\d+\.\d+-MariaDB)\S*\n/,
      );
      expect(status.stdout).toContain(`\n  Database: ${new URL(url).pathname.slice(1)}\n`);
      expect(status.stdout).toContain(
        "\n  TLS:      none (plain text; ?ssl=true in DATABASE_URL encrypts)\n",
      );
      expect(status.stdout).toMatch(/applied {2}\S+create-users-and-sessions/);
      expect(status.stdout).not.toMatch(/pending /);
      expect(status.stdout).toMatch(/Schema is up to date\.\n$/);
    } finally {
      await dropDatabase(url);
    }
  });

  it("db:status lists the pending migrations of an empty database", async () => {
    const status = await runCLI("db-status.ts", { DATABASE_URL: server.url });

    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/pending {2}\S+create-users-and-sessions/);
    expect(status.stdout).toMatch(/\d+ migration\(s\) pending: run pnpm db:migrate\./);
  });

  it("db:status piped into a reader that is gone (pnpm db:status | head) ends quietly with exit 0", async () => {
    const child = spawn(process.execPath, [join(cliDirectory, "db-status.ts")], {
      cwd: workDirectory,
      env: {
        ...compileCache,
        PATH: process.env.PATH ?? "",
        NODE_ENV: "development",
        LOG_FILE: "",
        DATABASE_URL: server.url,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null]>;
    // Gone before the command's first line (it connects to MySQL first): every write meets EPIPE.
    child.stdout.destroy();
    const [code] = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toBe("");
  });

  it("db:status and db:migrate name a newer release's migrations, exit 1, and change nothing", async () => {
    const newer = await createTestDatabase();
    try {
      await recordMigrationOfANewerRelease(newer.db, "2099-01-01T00-00_from-a-newer-release");
      const status = await runCLI("db-status.ts", { DATABASE_URL: newer.url });
      expect(status.code).toBe(1);
      expect(status.stdout).toContain(
        "  newer    2099-01-01T00-00_from-a-newer-release (applied by a newer release)",
      );
      expect(status.stdout).toMatch(
        /1 migration\(s\) applied by a newer release: this version will not start/,
      );
      const migrate = await runCLI("db-migrate.ts", { DATABASE_URL: newer.url });
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toContain(
        "the database was migrated by a newer release: 1 applied migration(s) this version does not know",
      );
      expectNoStackTrace(migrate);
    } finally {
      await newer.drop();
    }
  });

  it("the commands that write refuse a database a newer release migrated, or one with migrations pending, and change nothing", async () => {
    const secrets = {
      APP_URL: "https://auth.example",
      JWT_SECRET: "JwtSecret-0123456789-abcdefghijklmnopqrstuvwxyz",
      TOTP_ENCRYPTION_KEY: "ab".repeat(32),
    };
    const commands: [string, string, string[]][] = [
      ["admin-create.ts", "admin:create", ["--email", "ops@example.com"]],
      ["keys-rotate.ts", "keys:rotate", []],
      ["totp-rekey.ts", "totp:rekey", []],
    ];
    const newer = await createTestDatabase();
    try {
      await recordMigrationOfANewerRelease(newer.db, "2099-01-01T00-00_from-a-newer-release");
      for (const [script, command, args] of commands) {
        // An operator gone back to the previous release: before, admin:create made the admin.
        const refused = await runCLI(
          script,
          { ...secrets, DATABASE_URL: newer.url, MIGRATE_ON_START: "false" },
          args,
        );
        expect(refused.code, refused.stdout).toBe(1);
        expect(refused.stderr).toContain(
          `${command} did not change ${newer.url}: 1 migration(s) applied by a newer release (the newest 2099-01-01T00-00_from-a-newer-release)`,
        );
        expectNoStackTrace(refused);
        // With MIGRATE_ON_START on, the migration itself refuses, in the command's own words.
        const migrating = await runCLI(script, { ...secrets, DATABASE_URL: newer.url }, args);
        expect(migrating.code).toBe(1);
        expect(migrating.stderr).toContain("the database was migrated by a newer release");
        expectNoStackTrace(migrating);
      }
      expect(await newer.db.selectFrom("users").select("id").execute()).toEqual([]);
      expect(await newer.db.selectFrom("signing_keys").select("kid").execute()).toEqual([]);
    } finally {
      await newer.drop();
    }
    // The suite's database, which no migration has touched.
    for (const [script, command, args] of commands) {
      const pending = await runCLI(
        script,
        { ...secrets, DATABASE_URL: server.url, MIGRATE_ON_START: "false" },
        args,
      );
      expect(pending.code).toBe(1);
      expect(pending.stderr).toMatch(
        new RegExp(
          `^${command} did not change \\S+: \\d+ migration\\(s\\) pending \\(the first 2026-11-22T00-00_create-users-and-sessions\\); run pnpm db:migrate first\\.$`,
          "m",
        ),
      );
    }
  });

  it.each(["db-status.ts", "db-migrate.ts"])(
    "%s explains a server that does not answer, exits 1, and prints no stack trace",
    async (script) => {
      const port = await closedPort();

      const outcome = await runCLI(script, { DATABASE_URL: `mysql://root@127.0.0.1:${port}/superoauth` });

      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`Nothing answers at 127.0.0.1:${port}: is MySQL running there`);
      expectNoStackTrace(outcome);
    },
  );

  it.each(["db-status.ts", "db-migrate.ts"])(
    "%s explains refused credentials without printing the password",
    async (script) => {
      const url = new URL(server.url);
      url.username = "superoauth_no_such_user";
      url.password = "WrongPassw0rd";

      const outcome = await runCLI(script, { DATABASE_URL: url.toString() });

      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('refused the login of user "superoauth_no_such_user"');
      expect(outcome.stderr).toContain("superoauth_no_such_user:***@");
      expect(`${outcome.stdout}${outcome.stderr}`).not.toContain("WrongPassw0rd");
      expectNoStackTrace(outcome);
    },
  );

  it("migrate a new SQLite file, then report the SQLite version, the file and every migration applied", async () => {
    // Not data/: the default folder, which another test checks config:validate does not create.
    const file = join(workDirectory, "sqlite-cli", "cli.db");
    const url = `sqlite:${file}`;

    // Like a MySQL database not created yet: said, exit 1, and nothing created by looking.
    const missing = await runCLI("db-status.ts", { DATABASE_URL: url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `no SQLite file at ${file} yet: pnpm start (or pnpm db:migrate) creates it.`,
    );
    expectNoStackTrace(missing);
    const notByTheStart = await runCLI("db-status.ts", { DATABASE_URL: url, MIGRATE_ON_START: "false" });
    expect(notByTheStart.stderr).toContain(
      `no SQLite file at ${file} yet and MIGRATE_ON_START=false: run \`pnpm db:migrate\` to create it, or start with MIGRATE_ON_START=true.`,
    );
    expect(existsSync(join(workDirectory, "sqlite-cli"))).toBe(false);

    const first = await runCLI("db-migrate.ts", { DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied \d+ migration\(s\) to sqlite:.+cli\.db:\n {2}\+ \S+/);

    const status = await runCLI("db-status.ts", { DATABASE_URL: url });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Connected to sqlite:/);
    expect(status.stdout).toMatch(/\n {2}Library: {2}SQLite 3\.\d+\.\d+\n/);
    expect(status.stdout).toContain(`\n  File:     ${file}\n`);
    expect(status.stdout).not.toMatch(/pending /);
    expect(status.stdout).toMatch(/Schema is up to date\.\n$/);
  });

  it("during an upgrade, db:status lists the old release's instances still running and db:migrate names them", async () => {
    // The previous release's schema, and one of its instances still running on it: the operator's
    // walk (docs/reliability.md) migrated under two such, which db:status hid while a migration was
    // pending and db:migrate never named, so only their /ready said so.
    const file = join(workDirectory, "sqlite-upgrade", "upgrade.db");
    const url = `sqlite:${file}`;
    mkdirSync(join(workDirectory, "sqlite-upgrade"), { recursive: true });
    const previous = await sqliteJustBefore("2026-12-06T04-00_add-users-disabled-reason", file);
    await previous.destroy();
    const old = await openStorage({ url });
    const seen = new Date();
    const instance = (id: string, host: string, releaseVersion: string) =>
      old.runningInstances.announce({ id, host, releaseVersion, startedAt: seen, settings: {} }, seen);
    await instance("old-release", "api-1:3000", "0.1.0+2026-12-05T11-00");
    await old.close();

    const status = await runCLI("db-status.ts", { DATABASE_URL: url });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("  pending  2026-12-06T04-00_add-users-disabled-reason\n");
    expect(status.stdout).toContain(
      `\n  Running instances (seen in the last 3 minutes): 1\n  instance api-1:3000, release 0.1.0+2026-12-05T11-00, started ${seen.toISOString()}, last seen ${seen.toISOString()}\n`,
    );
    expect(status.stdout).toMatch(
      /\d+ migration\(s\) pending: run pnpm db:migrate\.\n1 instance\(s\) of another release ran on this database in the last 3 minutes: api-1:3000 \(0\.1\.0\+2026-12-05T11-00\)\. An upgrade stops every instance of the old release before migrating/,
    );

    const migrate = await runCLI("db-migrate.ts", { DATABASE_URL: url });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain("  + 2026-12-06T04-00_add-users-disabled-reason");
    expect(migrate.stderr).toMatch(
      /^Warning: 1 instance\(s\) of another release ran on this database in the last 3 minutes: api-1:3000 \(0\.1\.0\+2026-12-05T11-00\)\. .+ Stop them now\.\n$/,
    );
    // Up to date, the old instance is still listed (until it stops), with nothing more to say.
    const after = await runCLI("db-status.ts", { DATABASE_URL: url });
    expect(after.stdout).toContain("  instance api-1:3000, release 0.1.0+2026-12-05T11-00");
    expect(after.stdout).toMatch(/Schema is up to date\.\n$/);
  });

  it("db:migrate --help prints the usage and migrates nothing; an unknown argument is refused before the database", async () => {
    // A newcomer asking how the command works must not migrate the database DATABASE_URL names.
    const folder = join(workDirectory, "sqlite-help");
    const url = `sqlite:${join(folder, "help.db")}`;
    for (const flag of ["--help", "-h"]) {
      const help = await runCLI("db-migrate.ts", { DATABASE_URL: url }, [flag]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: pnpm db:migrate\n/);
      expect(help.stdout).not.toMatch(/Applied|up to date/);
    }
    const unknown = await runCLI("db-migrate.ts", { DATABASE_URL: url }, ["--dry-run"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--dry-run'");
    expect(unknown.stderr).toContain("Usage: pnpm db:migrate");
    expectNoStackTrace(unknown);
    expect(existsSync(folder)).toBe(false);
  });

  it("keys:rotate --help and admin:create --help print their usage and exit 0, touching no database", async () => {
    const folder = join(workDirectory, "sqlite-help-keys");
    const url = `sqlite:${join(folder, "help.db")}`;
    const keys = await runCLI("keys-rotate.ts", { DATABASE_URL: url }, ["--help"]);
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toMatch(/^Usage: pnpm keys:rotate \[--remove <kid>\]\n/);
    const admin = await runCLI("admin-create.ts", { DATABASE_URL: url }, ["--help"]);
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).toMatch(/^Usage: pnpm admin:create --email <address>\n/);
    expect(existsSync(folder)).toBe(false);
  });

  it.each([
    ["db-status.ts", "db:status"],
    ["config-validate.ts", "config:validate"],
    ["doctor.ts", "run doctor"],
    ["totp-rekey.ts", "totp:rekey"],
    // These two rewrite files of the repository when run.
    ["config-docs.ts", "config:docs"],
    ["openapi.ts", "openapi"],
  ])(
    "%s --help prints the usage and exits 0, reading and writing nothing; an unknown option exits 2",
    async (script, name) => {
      const folder = join(workDirectory, `sqlite-help-${name.replace(/\W/g, "-")}`);
      const env = { DATABASE_URL: `sqlite:${join(folder, "help.db")}` };
      const written = ["README.md", ".env.example", "docs/openapi.json"].map((file) =>
        resolve(repository, file),
      );
      const modified = () => written.map((file) => statSync(file).mtimeMs);
      const before = modified();
      const help = await runCLI(script, env, ["--help"]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: pnpm ${name}\\b`));
      expect(help.stdout).not.toMatch(/Wrote|Connected|is valid|^ok /m);
      const unknown = await runCLI(script, env, ["--nope"]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("Unknown option '--nope'");
      expect(unknown.stderr).toContain(`Usage: pnpm ${name}`);
      expectNoStackTrace(unknown);
      expect(modified()).toEqual(before);
      expect(existsSync(folder)).toBe(false);
    },
  );

  it("db:status explains a SQLite file it cannot open, exits 1, and prints no stack trace", async () => {
    const blocker = join(workDirectory, "not-a-folder");
    writeFileSync(blocker, "");

    const outcome = await runCLI("db-status.ts", { DATABASE_URL: `sqlite:${join(blocker, "x.db")}` });

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`cannot open the SQLite database ${join(blocker, "x.db")}`);
    expectNoStackTrace(outcome);
  });

  it("refuse a DATABASE_URL that is not a MySQL URL, naming the variable, without its password", async () => {
    const outcome = await runCLI("db-status.ts", { DATABASE_URL: "postgres://app:Secr3tPw@db/app" });

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("DATABASE_URL is invalid");
    expect(outcome.stderr).not.toContain("Secr3tPw");
  });
});

describe("pnpm config:validate", () => {
  it("lists every variable, hiding secrets and URL passwords", async () => {
    const outcome = await runCLI("config-validate.ts", {
      DATABASE_URL: "mysql://root:DbPassw0rd@127.0.0.1:3306/superoauth",
      REDIS_URL: "redis://:RedisPassw0rd@127.0.0.1:6379",
      JWT_SECRET: "JwtSecret-0123456789-abcdefghijklmnopqrstuvwxyz",
      COOKIE_SECRET: "CookieSecret-0123456789-abcdefghijklmnopqrstuvwxyz",
      GITHUB_CLIENT_ID: "github-client-id",
      GITHUB_CLIENT_SECRET: "GithubClientSecret",
      PORT: "3100",
    });

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^Configuration is valid \(development\)\./);
    expect(outcome.stdout).toMatch(/ {2}PORT +3100\n/);
    expect(outcome.stdout).toMatch(/ {2}RATE_LIMIT_LOGIN_MAX +default 5\n/);
    expect(outcome.stdout).toMatch(/ {2}DATABASE_URL +mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\/superoauth\n/);
    expect(outcome.stdout).toMatch(/ {2}JWT_SECRET +\(set, hidden\)\n/);
    // What the defaults come to here (the operator's walk read "unset: http://localhost:<PORT>",
    // and "default logs/superoauth.log" with LOG_FILE set empty, which writes no file at all).
    expect(outcome.stdout).toMatch(
      / {2}APP_URL +unset: http:\/\/localhost:<PORT> \(here: http:\/\/localhost:3100\)\n/,
    );
    expect(outcome.stdout).toMatch(/ {2}OIDC_ISSUER +unset: APP_URL \(here: http:\/\/localhost:3100\)\n/);
    expect(outcome.stdout).toMatch(
      new RegExp(` {2}OUTBOX_DIR +default outbox \\(here: ${join(workDirectory, "outbox")}\\)\n`),
    );
    expect(outcome.stdout).toMatch(/ {2}LOG_FILE +empty: no log file, the logs go to stdout only\n/);
    expect(outcome.stdout).toContain("Database: MySQL database superoauth at 127.0.0.1:3306 (user root).\n");
    for (const secret of ["DbPassw0rd", "RedisPassw0rd", "JwtSecret", "CookieSecret", "GithubClientSecret"]) {
      expect(outcome.stdout + outcome.stderr).not.toContain(secret);
    }
  });

  it("lists every problem at once and exits 1: a bad JWT_SECRET beside a bad PORT and DATABASE_URL", async () => {
    const outcome = await runCLI("config-validate.ts", {
      NODE_ENV: "production",
      PORT: "eighty",
      RATE_LIMIT_WINDOW: "soon",
      DATABASE_URL: "postgres://app:Secr3tPw@db/app",
      JWT_SECRET: "Hunter2-short",
    });

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^Configuration is invalid:\n/);
    const problems = outcome.stderr.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems.map((line) => line.split(" ")[3])).toEqual([
      "PORT",
      "DATABASE_URL",
      "JWT_SECRET",
      "RATE_LIMIT_WINDOW",
      "TOTP_ENCRYPTION_KEY",
    ]);
    expect(outcome.stderr).not.toMatch(/Secr3tPw|Hunter2/);
  });

  it("shows the default SQLite file and where pnpm start will keep the development secrets, creating neither", async () => {
    const outcome = await runCLI("config-validate.ts", {});

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain(
      `Database: SQLite database ${join(workDirectory, "data/superoauth.db")}.\n`,
    );
    expect(outcome.stdout).toContain(
      `Development secrets (JWT_SECRET, TOTP_ENCRYPTION_KEY, COOKIE_SECRET): pnpm start will generate them into ${join(workDirectory, "data/secrets.json")}.\n`,
    );
    expect(outcome.stdout).toMatch(/ {2}DATABASE_URL +default sqlite:\.\/data\/superoauth\.db\n/);
    expect(existsSync(join(workDirectory, "data"))).toBe(false);
  });

  it("reads the development secrets file pnpm start keeps, never showing the secrets", async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-cli-data-"));
    const secrets = {
      JWT_SECRET: "FileJwtSecret-0123456789-abcdefghijklmnopq",
      TOTP_ENCRYPTION_KEY: "ab".repeat(32),
      COOKIE_SECRET: "FileCookieSecret-0123456789-abcdefghijklm",
    };
    writeFileSync(join(folder, "secrets.json"), JSON.stringify(secrets), { mode: 0o600 });

    const outcome = await runCLI("config-validate.ts", { DATABASE_URL: `sqlite:${join(folder, "auth.db")}` });

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain(`kept in ${join(folder, "secrets.json")}.\n`);
    expect(outcome.stdout).toMatch(/ {2}JWT_SECRET +\(from the development secrets file, hidden\)\n/);
    expect(outcome.stdout + outcome.stderr).not.toMatch(/FileJwtSecret|FileCookieSecret|abababab/);
    rmSync(folder, { recursive: true, force: true });
  });

  it("refuses production without JWT_SECRET, saying how to make one", async () => {
    const outcome = await runCLI("config-validate.ts", { NODE_ENV: "production" });

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/JWT_SECRET is required outside development.*openssl rand/);
  });
});
