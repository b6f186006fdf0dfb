import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { resyncTwoFactorFlags } from "../migrations/2026-12-01T10-00_resync-two-factor-flag.ts";
import { asciiEmailDomains } from "../migrations/2026-12-02T05-00_ascii-email-domains.ts";
import { migrations } from "../migrations/index.ts";
import { createMySQLDatabase, ensureMySQLDatabaseExists } from "../src/dialects/mysql.ts";
import { migrateToLatest, migrationStatus, migrationsOfANewerRelease } from "../src/migrate.ts";
import { openStorage } from "../src/storage.ts";
import { migrateJustBefore, recordMigrationOfANewerRelease } from "./migrate-before.ts";
import {
  buildDatabaseURL,
  createTestDatabase,
  dropDatabase,
  useMySQLTestDatabase,
} from "./mysql-test-database.ts";

// A migrated database for the file; the tests that need an empty one make their own.
const database = useMySQLTestDatabase();
const allMigrations = Object.keys(migrations).sort();

async function describeSchema(db: ReturnType<typeof database.db>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT TABLE_NAME AS name FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`.execute(db);
  const statements: string[] = [];
  for (const { name } of rows) {
    const created = await sql<Record<string, string>>`SHOW CREATE TABLE ${sql.id(name)}`.execute(db);
    statements.push(created.rows[0]?.["Create Table"] ?? "");
  }
  return statements;
}

describe("migrations", () => {
  it("migrate an empty database to the latest schema, in name order, and report each applied", async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      expect((await migrationStatus(empty.db)).map((m) => [m.name, m.executedAt])).toEqual(
        allMigrations.map((name) => [name, null]),
      );
      expect(await migrateToLatest(empty.db)).toEqual(allMigrations);
      const status = await migrationStatus(empty.db);
      expect(status.map((m) => m.name)).toEqual(allMigrations);
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
      expect(await describeSchema(empty.db)).toEqual(await describeSchema(database.db()));
    } finally {
      await empty.drop();
    }
  });

  it("migrating an up-to-date database again applies nothing and changes no table", async () => {
    const before = await describeSchema(database.db());
    expect(await migrateToLatest(database.db())).toEqual([]);
    expect(await describeSchema(database.db())).toEqual(before);
    expect((await migrationStatus(database.db())).every((m) => m.executedAt !== null)).toBe(true);
  });

  it("concurrent migrations of one database apply each migration exactly once", async () => {
    const empty = await createTestDatabase({ migrate: false });
    const second = createMySQLDatabase({ url: empty.url, queryTimeoutMs: null });
    try {
      const applied = await Promise.all([migrateToLatest(empty.db), migrateToLatest(second)]);
      expect(applied.flat().sort()).toEqual(allMigrations);
    } finally {
      await second.destroy();
      await empty.drop();
    }
  });

  it("the created schema has the tables, keys and character sets the adapter relies on", async () => {
    const { rows } = await sql<{ table: string; column: string; type: string; collation: string | null }>`
      SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, COLUMN_TYPE AS type, COLLATION_NAME AS collation
      FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('id', 'email', 'secret_hash', 'disabled_reason')
        AND TABLE_NAME IN ('users', 'sessions', 'refresh_tokens')
      ORDER BY TABLE_NAME, COLUMN_NAME`.execute(database.db());
    expect(rows).toEqual([
      { table: "refresh_tokens", column: "id", type: "char(36)", collation: "ascii_bin" },
      { table: "refresh_tokens", column: "secret_hash", type: "char(64)", collation: "ascii_bin" },
      { table: "sessions", column: "id", type: "char(36)", collation: "ascii_bin" },
      // The table's utf8mb4 (a reason of 500 characters outside the BMP fits); it is only shown, never compared.
      { table: "users", column: "disabled_reason", type: "varchar(500)", collation: "utf8mb4_unicode_ci" },
      { table: "users", column: "email", type: "varchar(254)", collation: "utf8mb4_bin" },
      { table: "users", column: "id", type: "char(36)", collation: "ascii_bin" },
    ]);
    const engines = await sql<{ engine: string }>`
      SELECT DISTINCT ENGINE AS engine FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('users', 'sessions', 'refresh_tokens')`.execute(
      database.db(),
    );
    expect(engines.rows).toEqual([{ engine: "InnoDB" }]);
  });
});

describe("2026-12-01T10-00_resync-two-factor-flag on MySQL", () => {
  it("sets the flag again from the factors, both ways, in batches", async () => {
    const db = database.db();
    const now = new Date("2026-12-01T09:00:00.000Z");
    const cases: [string, boolean, "enabled" | "pending" | null][] = [
      ["resync-enabled-unflagged", false, "enabled"],
      ["resync-enabled-unflagged-2", false, "enabled"],
      ["resync-enabled-unflagged-3", false, "enabled"],
      ["resync-removed-flagged", true, null],
      ["resync-pending-flagged", true, "pending"],
      ["resync-pending-flagged-2", true, "pending"],
      ["resync-enabled-flagged", true, "enabled"],
    ];
    for (const [id, flag, factor] of cases) {
      await db
        .insertInto("users")
        .values({
          id,
          email: `${id}@example.com`,
          email_verified: true,
          nickname: id,
          password_hash: null,
          created_at: now,
          updated_at: now,
          two_factor_enabled: flag,
        } as never)
        .execute();
      if (factor !== null) {
        await db
          .insertInto("totp_factors")
          .values({
            user_id: id,
            encrypted_secret: "sealed",
            status: factor,
            last_used_step: null,
            created_at: now,
            enabled_at: null,
          } as never)
          .execute();
      }
    }
    // Two users a statement, so the four to change take two batches each way.
    await resyncTwoFactorFlags(db, 2);
    const rows = await db
      .selectFrom("users")
      .select(["id", "two_factor_enabled"])
      .where("id", "like", "resync-%")
      .orderBy("id")
      .execute();
    expect(rows.map((row) => [row.id, Number(row.two_factor_enabled)])).toEqual([
      ["resync-enabled-flagged", 1],
      ["resync-enabled-unflagged", 1],
      ["resync-enabled-unflagged-2", 1],
      ["resync-enabled-unflagged-3", 1],
      ["resync-pending-flagged", 0],
      ["resync-pending-flagged-2", 0],
      ["resync-removed-flagged", 0],
    ]);
  });
});

describe("2026-12-06T04-00_add-users-disabled-reason on MySQL", () => {
  it("keeps the accounts from before it: a disabled one stays disabled, with no reason recorded", async () => {
    const reasonMigration = "2026-12-06T04-00_add-users-disabled-reason";
    const empty = await createTestDatabase({ migrate: false });
    try {
      await migrateJustBefore(empty.db, reasonMigration);
      const now = new Date("2026-12-05T12:00:00.000Z");
      await empty.db
        .insertInto("users")
        .values({
          id: "disabled-before",
          email: "disabled-before@example.com",
          email_verified: true,
          nickname: "before",
          password_hash: null,
          status: "disabled",
          created_at: now,
          updated_at: now,
        } as never)
        .execute();
      expect(await migrateToLatest(empty.db)).toContain(reasonMigration);
      const row = await empty.db
        .selectFrom("users")
        .select(["status", "disabled_reason"])
        .where("id", "=", "disabled-before")
        .executeTakeFirst();
      expect(row).toEqual({ status: "disabled", disabled_reason: null });
    } finally {
      await empty.drop();
    }
  });
});

describe("a database a newer release migrated", () => {
  it("names the migrations this version does not know and refuses to migrate it, changing nothing", async () => {
    const newer = await createTestDatabase();
    try {
      expect(await migrationsOfANewerRelease(newer.db)).toEqual([]);
      const future = ["2099-01-01T00-00_from-a-newer-release", "2099-02-01T00-00_and-another"];
      for (const name of future) await recordMigrationOfANewerRelease(newer.db, name);
      expect(await migrationsOfANewerRelease(newer.db)).toEqual(future);
      await expect(migrateToLatest(newer.db)).rejects.toMatchObject({
        code: "SCHEMA_OF_A_NEWER_RELEASE",
        message: expect.stringContaining(
          "2 applied migration(s) this version does not know (the newest 2099-02-01T00-00_and-another)",
        ),
      });
      expect((await migrationStatus(newer.db)).every((m) => m.executedAt !== null)).toBe(true);
    } finally {
      await newer.drop();
    }
  });

  it("an empty database has none", async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      expect(await migrationsOfANewerRelease(empty.db)).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});

describe("ensureMySQLDatabaseExists", () => {
  it("creates a missing database in utf8mb4 and leaves an existing one as it is", async () => {
    const name = `superoauth_test_${randomBytes(6).toString("hex")}`;
    const url = buildDatabaseURL(database.url(), name);
    const schemaOf = async () =>
      (
        await sql<{ charset: string }>`
          SELECT DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA
          WHERE SCHEMA_NAME = ${name}`.execute(database.db())
      ).rows;
    try {
      expect(await schemaOf()).toEqual([]);
      await ensureMySQLDatabaseExists(url);
      expect(await schemaOf()).toEqual([{ charset: "utf8mb4" }]);

      const db = createMySQLDatabase({ url });
      try {
        await sql`CREATE TABLE kept (id INT PRIMARY KEY)`.execute(db);
        await ensureMySQLDatabaseExists(url);
        const kept = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM kept`.execute(db);
        expect(kept.rows).toEqual([{ n: 0 }]);
      } finally {
        await db.destroy();
      }
    } finally {
      await dropDatabase(url);
    }
  });
});

describe("a MySQL storage's ping", () => {
  it("resolves while the database answers", async () => {
    await expect(database.storage().ping()).resolves.toBeUndefined();
  });

  it("rejects when nothing listens at the address", async () => {
    // Port 1 on the loopback interface: refused at once, nothing leaves the machine.
    const unreachable = await openStorage({ url: "mysql://root@127.0.0.1:1/superoauth" });
    try {
      await expect(unreachable.ping()).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await unreachable.close();
    }
  });
});

describe("a MySQL storage's description", () => {
  it("names the dialect, the server's version, the database and the connection's encryption", async () => {
    const description = await database.storage().describe();
    expect(description).toEqual({
      dialect: "mysql",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      location: new URL(database.url()).pathname.slice(1),
      // The test server takes plain connections (the TLS one: apps/api/test/doctor.e2e.test.ts).
      tlsCipher: null,
    });
  });

  it("reads the server's clock to the millisecond (UTC, whatever the session's time zone)", async () => {
    const time = await database.storage().databaseTime();

    // The server runs on this machine in the test setup: its clock agrees with ours within a second.
    expect(Math.abs(time.getTime() - Date.now())).toBeLessThan(1_000);
  });
});

// The server's own zone is left as it is (the test server's is usually UTC; a MariaDB started with
// --default-time-zone=+05:30 makes the first test fail without the pool's SET time_zone).
describe("a MySQL storage's session: its time zone and isolation", () => {
  it("is UTC on every connection of the pool, whatever the server's", async () => {
    const storage = await openStorage({ url: database.url(), poolSize: 3 });
    try {
      // Three connections held at once: each one the pool opened.
      let opened = 0;
      let allOpen: () => void = () => {};
      const together = new Promise<void>((resolve) => (allOpen = resolve));
      const sessions = await Promise.all(
        [1, 2, 3].map(() =>
          storage.db.connection().execute(async (db) => {
            const { rows } = await sql<{ zone: string; id: number | string }>`
              SELECT @@session.time_zone AS zone, CONNECTION_ID() AS id`.execute(db);
            if (++opened === 3) allOpen();
            await together;
            return rows[0];
          }),
        ),
      );
      expect(new Set(sessions.map((session) => Number(session?.id))).size).toBe(3);
      expect(sessions.map((session) => session?.zone)).toEqual(["+00:00", "+00:00", "+00:00"]);
    } finally {
      await storage.close();
    }
  });

  it("is REPEATABLE READ on every connection, even when the server's default is READ COMMITTED", async () => {
    // The server's default for new connections is changed for the moment this storage opens its
    // connection, then put back; every storage of the suite pins its own, so none depends on it.
    const admin = await openStorage({ url: database.url(), poolSize: 1 });
    const isolationOf = async (db: typeof admin.db): Promise<string> => {
      // MariaDB names it tx_isolation (transaction_isolation from 11.1), MySQL 8 transaction_isolation.
      const { rows } = await sql<{ level: string }>`SELECT @@session.tx_isolation AS level`
        .execute(db)
        .catch(() => sql<{ level: string }>`SELECT @@session.transaction_isolation AS level`.execute(db));
      return String(rows[0]?.level);
    };
    const { rows } = await sql<{ level: string }>`SELECT @@global.tx_isolation AS level`
      .execute(admin.db)
      .catch(() => sql<{ level: string }>`SELECT @@global.transaction_isolation AS level`.execute(admin.db));
    const serverDefault = String(rows[0]?.level).replaceAll("-", " ");
    let storage: Awaited<ReturnType<typeof openStorage>> | undefined;
    try {
      await sql.raw("SET GLOBAL TRANSACTION ISOLATION LEVEL READ COMMITTED").execute(admin.db);
      storage = await openStorage({ url: database.url(), poolSize: 1 });
      await sql`SELECT 1`.execute(storage.db);
    } finally {
      await sql.raw(`SET GLOBAL TRANSACTION ISOLATION LEVEL ${serverDefault}`).execute(admin.db);
    }
    try {
      expect(await isolationOf(storage.db)).toBe("REPEATABLE-READ");
    } finally {
      await storage.close();
      await admin.close();
    }
  });

  it("stores a DATETIME as the instant's UTC time, which the server and the service read as that instant", async () => {
    // 01:30 UTC on the night Europe's clocks go forward, and a leap day: nothing local in between.
    for (const instant of [new Date("2026-03-29T01:30:00.123Z"), new Date("2028-02-29T23:59:59.999Z")]) {
      const rows = await database
        .db()
        .connection()
        .execute(async (db) => {
          await sql`CREATE TEMPORARY TABLE instants (at DATETIME(3) NOT NULL)`.execute(db);
          try {
            await sql`INSERT INTO instants (at) VALUES (${instant})`.execute(db);
            const { rows } = await sql<{ at: Date; text: string; ms: string | number }>`
              SELECT at, CAST(at AS CHAR) AS text, ROUND(UNIX_TIMESTAMP(at) * 1000) AS ms FROM instants`.execute(
              db,
            );
            return rows;
          } finally {
            await sql`DROP TEMPORARY TABLE instants`.execute(db);
          }
        });
      expect(rows).toHaveLength(1);
      expect(rows[0]?.at).toEqual(instant);
      expect(rows[0]?.text).toBe(instant.toISOString().replace("T", " ").replace("Z", ""));
      expect(Number(rows[0]?.ms)).toBe(instant.getTime());
    }
  });
});

describe("a MySQL storage's disk", () => {
  it("is its server's to watch: no disk space is reported", async () => {
    expect(await database.storage().diskSpace()).toBeNull();
  });
});

describe("a MySQL storage's pool usage", () => {
  it("counts connections lent out and callers waiting, and gives them back", async () => {
    const storage = await openStorage({ url: database.url(), poolSize: 1 });
    try {
      expect(storage.poolUsage()).toEqual({ max: 1, inUse: 0, waiting: 0 });
      let letGo: (() => void) | undefined;
      const held = storage.db.connection().execute(async (db) => {
        await sql`SELECT 1`.execute(db);
        await new Promise<void>((resolve) => (letGo = resolve));
      });
      await expect.poll(() => letGo).toBeDefined();
      expect(storage.poolUsage()?.inUse).toBe(1);
      const queued = storage.ping();
      await expect.poll(() => storage.poolUsage()?.waiting).toBe(1);
      letGo?.();
      await Promise.all([held, queued]);
      expect(storage.poolUsage()).toEqual({ max: 1, inUse: 0, waiting: 0 });
    } finally {
      await storage.close();
    }
  });
});

describe("2026-12-02T05-00_ascii-email-domains on MySQL", () => {
  it("rewrites internationalised domains to their xn-- form, page by page, leaving a clash alone", async () => {
    const db = database.db();
    const now = new Date("2026-12-02T04:00:00.000Z");
    const users: [string, string][] = [
      ["idn-1", "anna@bücher.de"],
      ["idn-2", "ascii@example.org"],
      ["idn-3", "李雷@例子.中国"],
      ["idn-4", "carl@xn--bcher-kva.de"],
      ["idn-5", "carl@bücher.de"],
    ];
    for (const [id, email] of users) {
      await db
        .insertInto("users")
        .values({
          id,
          email,
          email_verified: true,
          nickname: id,
          password_hash: null,
          created_at: now,
          updated_at: now,
        } as never)
        .execute();
    }
    // Two users a read: the five rows (and the file's others) take several pages.
    await asciiEmailDomains(db, 2);
    const rows = await db
      .selectFrom("users")
      .select(["id", "email"])
      .where("id", "like", "idn-%")
      .orderBy("id")
      .execute();
    expect(rows.map((row) => row.email)).toEqual([
      "anna@xn--bcher-kva.de",
      "ascii@example.org",
      "李雷@xn--fsqu00a.xn--fiqs8s",
      "carl@xn--bcher-kva.de",
      "carl@bücher.de",
    ]);
  });
});
