import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { mysqlDialect } from "../src/dialects/mysql.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

// MariaDB's ER_DUP_ENTRY names the duplicated value in its text; the pool's guard takes it out
// (dialects/mysql.ts, withoutDuplicatedValue) so an error no repository maps is never logged with
// an address or a token's hash in it. The errno, which the repositories map by, stays.

const database = useMySQLTestDatabase();

describe("a duplicate key on MySQL", () => {
  it("fails with ER_DUP_ENTRY and the key's name, and no trace of the duplicated value", async () => {
    const db = database.db();
    await sql`CREATE TABLE duplicate_probe (id INT PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE)`.execute(
      db,
    );
    const email = "ada@example.com";
    await sql`INSERT INTO duplicate_probe VALUES (1, ${email})`.execute(db);
    // With the value as a parameter, as every statement of the service sends it (the statement's
    // text, `err.sql`, is also redacted from log lines: apps/api/src/logger.ts).
    const error = await sql`INSERT INTO duplicate_probe VALUES (2, ${email})`
      .execute(db)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ errno: 1062, code: "ER_DUP_ENTRY" });
    expect(mysqlDialect.isUniqueViolation(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Duplicate entry '\[redacted\]' for key '(duplicate_probe\.)?email'$/,
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(email);
  });
});
