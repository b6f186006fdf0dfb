import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "@superoauth/adapter-sql";
import {
  createTestDatabase,
  recordMigrationOfANewerRelease,
  type TestDatabase,
} from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./browser.ts";
import { closedPort } from "./ports.ts";
import { runServerExpectingFailure, startServerProcess } from "./server-process.ts";

// What an operator reads when `pnpm start` cannot start for a reason they can fix: one line saying
// what to do, on a real process, with a non-zero exit code; no JSON, no stack trace.

const productionSecrets = {
  NODE_ENV: "production",
  JWT_SECRET: "Xq7v9Lm2Rt4pZw8kHn3bYc6dFj5sGu1aEo0iWy2x",
  TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

/** The one line on stderr, and nothing like a stack trace or a fatal JSON record anywhere. */
function expectOneLine(output: string, expected: RegExp): void {
  const lines = output.split("\n").filter((line) => line.startsWith("SuperOAuth cannot start"));
  expect(lines, output).toHaveLength(1);
  expect(lines[0]).toMatch(expected);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain('"level":60');
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.drop();
});

describe("start-up failures", () => {
  const holders: Server[] = [];
  afterAll(() => {
    for (const holder of holders) holder.close();
  });

  // PORT, and the separate metrics listener's METRICS_PORT: each taken by another process.
  it.for(["PORT", "METRICS_PORT"])(
    "a %s already in use names it, its port and the lsof command",
    async (variable) => {
      const holder = createServer().listen(0, "127.0.0.1");
      holders.push(holder);
      await once(holder, "listening");
      const address = holder.address();
      if (address === null || typeof address === "string") throw new Error("no port");

      const { code, output } = await runServerExpectingFailure({
        ...productionSecrets,
        DATABASE_URL: "sqlite::memory:",
        [variable]: String(address.port),
      });

      expect(code).toBe(1);
      expectOneLine(
        output,
        new RegExp(
          `^SuperOAuth cannot start: Port ${address.port} on 127\\.0\\.0\\.1 is already in use: find what holds it with \`lsof -i :${address.port}\` and stop it, or set ${variable} to a free port\\.$`,
        ),
      );
    },
  );

  it("with a log file, a database that does not answer still ends in the one line, and the file is written", async () => {
    const port = await closedPort();
    const logFile = join(mkdtempSync(join(tmpdir(), "superoauth-start-log-")), "logs", "superoauth.log");

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: `mysql://app:DbPassw0rd@127.0.0.1:${port}/superoauth`,
      LOG_FILE: logFile,
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /DATABASE_URL \(mysql:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/superoauth\) cannot be used/,
    );
    expect(output).not.toContain("sonic boom");
    expect(readFileSync(logFile, "utf8")).toContain('"msg":"database: MySQL');
  });

  it("a log file that cannot be written says so in one line", async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-start-log-"));
    writeFileSync(join(folder, "not-a-folder"), "");

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: "sqlite::memory:",
      LOG_FILE: join(folder, "not-a-folder", "superoauth.log"),
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /^SuperOAuth cannot start: LOG_FILE=.*not-a-folder\/superoauth\.log cannot be written \(E[A-Z]+: .*\): set LOG_FILE to a writable path, or to nothing to log to stdout only\.$/,
    );
  });

  it("signing keys stored under another JWT_SECRET: one line saying to restore it, and the keys are kept", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-start-keys-")), "superoauth.db");
    const first = await startServerProcess({ env: { ...productionSecrets, DATABASE_URL: `sqlite:${file}` } });
    expect(await first.stop()).toBe(0);
    expect(existsSync(file)).toBe(true);

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      JWT_SECRET: "Hr5tQ9wLz2Xc7Vb4Nm8Kp3Jd6Fs1Ga0Ye2Ui5Oq8Wr7Tx",
      DATABASE_URL: `sqlite:${file}`,
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /^SuperOAuth cannot start: The signing key \S+ does not decrypt: JWT_SECRET is not the one the keys were stored with \(or the row was altered\); restore that JWT_SECRET, or, to change it, stop every instance and delete the signing keys first \(docs\/operations\.md, "Rotating the other secrets"\)$/,
    );
    // The right secret still starts: nothing was replaced.
    const again = await startServerProcess({ env: { ...productionSecrets, DATABASE_URL: `sqlite:${file}` } });
    expect(await again.stop()).toBe(0);
    // Three service processes, the first migrating a new file: 6 s alone, 25-30 s on a loaded 2-core machine.
  }, 90_000);

  it("a database that does not answer names DATABASE_URL without its password", async () => {
    const port = await closedPort();

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: `mysql://app:DbPassw0rd@127.0.0.1:${port}/superoauth`,
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      new RegExp(
        `DATABASE_URL \\(mysql://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/superoauth\\) cannot be used: Nothing answers at 127\\.0\\.0\\.1:${port}: is MySQL running there`,
      ),
    );
    expect(output).not.toContain("DbPassw0rd");
  });

  it("a SQLite file that cannot be opened ends in the one line, though the start migrates first", async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-cannot-open-"));

    // A folder where the file should be: SQLite cannot open it.
    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: `sqlite:${folder}`,
    });

    expect(code).toBe(1);
    expectOneLine(output, /DATABASE_URL \(sqlite:.*\) cannot be used: .*cannot open the SQLite database/);
  });

  it("MIGRATE_ON_START=false on a database never migrated says to run pnpm db:migrate", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-unmigrated-")), "new.db");
    // An empty file is an empty SQLite database.
    writeFileSync(file, "");

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: `sqlite:${file}`,
      MIGRATE_ON_START: "false",
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /has no schema yet \(\d+ migrations pending\) and MIGRATE_ON_START=false: run `pnpm db:migrate`, or start with MIGRATE_ON_START=true$/,
    );
  });

  it("MIGRATE_ON_START=false on a SQLite file not there yet refuses before it writes anything", async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-absent-"));
    const file = join(folder, "data", "new.db");

    // Development: without the refusal first, the start generated the secrets file beside it.
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "development",
      DATABASE_URL: `sqlite:${file}`,
      MIGRATE_ON_START: "false",
    });

    expect(code).toBe(1);
    expect(output.trim().split("\n")).toEqual([
      "SuperOAuth cannot start; fix the configuration:",
      `  - no SQLite file at ${file} yet and MIGRATE_ON_START=false: run \`pnpm db:migrate\` to create it, or start with MIGRATE_ON_START=true`,
    ]);
    expect(existsSync(join(folder, "data"))).toBe(false);
  });

  it("a database a newer release migrated is refused in one line, migrating or not, and left as it was", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-newer-")), "newer.db");
    const storage = await openStorage({ url: `sqlite:${file}` });
    await storage.migrate();
    await recordMigrationOfANewerRelease(storage.db, "2099-01-01T00-00_from-a-newer-release");
    await storage.close();
    for (const migrateOnStart of ["true", "false"]) {
      const { code, output } = await runServerExpectingFailure({
        ...productionSecrets,
        DATABASE_URL: `sqlite:${file}`,
        MIGRATE_ON_START: migrateOnStart,
      });
      expect(code).toBe(1);
      expectOneLine(
        output,
        /DATABASE_URL \(sqlite:.*\): the database was migrated by a newer release: 1 applied migration\(s\) this version does not know \(the newest 2099-01-01T00-00_from-a-newer-release\); run that release, or restore the backup taken before the upgrade/,
      );
    }
  });

  it("a second instance on a SQLite file another running instance serves is refused in one line; a start after that one's crash is not", async () => {
    // The operator's walk started a second `pnpm start` on the same file with another PORT: it
    // served beside the first, with nothing but a warning that APP_URL differed.
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-second-")), "one.db");
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    const env = { ...productionSecrets, DATABASE_URL: `sqlite:${file}`, APP_URL: "http://localhost:3000" };
    const first = await startServerProcess({ env: { ...env, PORT: String(firstPort) } });
    try {
      const second = await runServerExpectingFailure({ ...env, PORT: String(secondPort) });
      expect(second.code, second.output).toBe(1);
      expectOneLine(
        second.output,
        new RegExp(
          `^SuperOAuth cannot start: another instance serves the SQLite file ${file.replaceAll(".", "\\.")}: \\S+:${firstPort} \\(last seen \\S+Z\\), and port ${firstPort} of this machine answers\\. SQLite serves one instance: stop that one first, or move to MySQL to run several`,
        ),
      );
      expect(second.output).not.toContain("Server listening");
      // The refused start withdrew its row: only the first is seen.
      const storage = await openStorage({ url: `sqlite:${file}` });
      const seen = await storage.runningInstances.seenSince({ since: new Date(Date.now() - 60_000) });
      await storage.close();
      expect(seen.map((instance) => instance.host)).toEqual([
        expect.stringMatching(new RegExp(`:${firstPort}$`)),
      ]);
    } finally {
      // A crash: its row stays behind for three minutes, but nothing answers on its port any more.
      await first.kill();
    }
    const replacement = await startServerProcess({ env: { ...env, PORT: String(secondPort) } });
    expect(replacement.output()).not.toContain("cannot start");
    await replacement.stop();
  });

  it("a database that refuses the login names the user, never the password", async () => {
    const url = new URL(database.url);
    url.username = "superoauth_no_such_user";
    url.password = "WrongPassw0rd";

    const { code, output } = await runServerExpectingFailure({
      ...productionSecrets,
      DATABASE_URL: url.toString(),
    });

    expect(code).toBe(1);
    expectOneLine(
      output,
      /refused the login of user "superoauth_no_such_user": check the user and password in DATABASE_URL/,
    );
    expect(output).toContain("superoauth_no_such_user:***@");
    expect(output).not.toContain("WrongPassw0rd");
  });

  it("a missing or invalid secret is listed with what to do", async () => {
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      TOTP_ENCRYPTION_KEY: "not-a-key",
    });

    expect(code).toBe(1);
    expect(output).toMatch(/^SuperOAuth cannot start; fix the configuration:\n/m);
    expect(output).toMatch(/ {2}- JWT_SECRET is required outside development .*openssl rand -base64 48/);
    expect(output).toMatch(/ {2}- TOTP_ENCRYPTION_KEY is invalid: /);
    expect(output).not.toContain("not-a-key");
    expect(output).not.toMatch(/^\s+at /m);
  });
});
