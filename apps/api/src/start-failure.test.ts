import { MigrationFailedError } from "@superoauth/adapter-sql";
import { SecretKeyMismatchError } from "@superoauth/application";
import { describe, expect, it } from "vitest";
import { describeStartFailure, SchemaNotMigratedError } from "./start-failure.ts";

const where = { host: "10.1.2.3", port: 80, databaseURL: "mysql://app:hunter2@db:3306/superoauth" };

function failure(code: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error("words that change"), { code, ...fields });
}

describe("describeStartFailure", () => {
  it.each([
    ["EADDRINUSE", /Port 80 on 10\.1\.2\.3 is already in use: .*`lsof -i :80`.*set PORT/],
    ["EACCES", /port 80 needs privileges .*set PORT to 1024 or above/],
    ["EADDRNOTAVAIL", /HOST=10\.1\.2\.3 is not an address of this machine/],
    ["ENOTFOUND", /HOST=10\.1\.2\.3 is not an address, and no name the resolver knows: set HOST/],
    ["EAI_AGAIN", /HOST=10\.1\.2\.3 is not an address, and no name the resolver knows: set HOST/],
  ])("explains a listen failure %s by its code", (code, expected) => {
    expect(describeStartFailure({ ...where, stage: "listen", error: failure(code) })).toMatch(expected);
  });

  it("explains a database failure naming DATABASE_URL without its password", () => {
    const line = describeStartFailure({
      ...where,
      stage: "compose",
      error: failure("ER_ACCESS_DENIED_ERROR", { errno: 1045, sqlState: "28000" }),
    });

    expect(line).toMatch(
      /^the database in DATABASE_URL \(mysql:\/\/app:\*\*\*@db:3306\/superoauth\) cannot be used: /,
    );
    expect(line).toContain('refused the login of user "app"');
    expect(line).not.toContain("hunter2");
  });

  it("explains in one line a database that refuses the TLS DATABASE_URL asks for (?ssl=true), not with a stack trace", () => {
    for (const code of ["HANDSHAKE_NO_SSL_SUPPORT", "HANDSHAKE_SSL_ERROR"]) {
      // As mysql2 throws it from the connection the start opens to create the database.
      const line = describeStartFailure({
        ...where,
        stage: "compose",
        error: failure(code, { fatal: true }),
      });
      expect(line).toMatch(
        /^the database in DATABASE_URL \(mysql:\/\/app:\*\*\*@db:3306\/superoauth\) cannot be used: .*TLS/,
      );
    }
  });

  it("explains a database failure a failed migration wraps (migrate.ts), and a schema never migrated", () => {
    const unavailable = Object.assign(new Error("cannot open the SQLite database /data: unable to open"), {
      name: "StorageUnavailableError",
      code: "SQLITE_CANTOPEN",
    });
    const wrapped = new Error("Migrating the database failed", { cause: unavailable });
    expect(describeStartFailure({ ...where, stage: "compose", error: wrapped })).toMatch(
      /^the database in DATABASE_URL \(mysql:\/\/app:\*\*\*@db:3306\/superoauth\) cannot be used: /,
    );
    const unmigrated = new SchemaNotMigratedError({ databaseURL: where.databaseURL, pending: 31 });
    expect(describeStartFailure({ ...where, stage: "compose", error: unmigrated })).toBe(
      "the database in DATABASE_URL (mysql://app:***@db:3306/superoauth) has no schema yet (31 migrations pending) and MIGRATE_ON_START=false: run `pnpm db:migrate`, or start with MIGRATE_ON_START=true",
    );
  });

  it("names a migration a killed start left half applied on MySQL and says how to recover, not that the database cannot be used", () => {
    const duplicate = Object.assign(new Error("Duplicate column name 'require_pkce'"), {
      code: "ER_DUP_FIELDNAME",
      errno: 1060,
      sqlState: "42S21",
    });
    const error = new MigrationFailedError("2026-12-03T18-00_add-apps-require-pkce", duplicate);
    const line = describeStartFailure({ ...where, stage: "compose", error });
    expect(line).toMatch(
      /^the database in DATABASE_URL \(mysql:\/\/app:\*\*\*@db:3306\/superoauth\): Migration 2026-12-03T18-00_add-apps-require-pkce failed: Duplicate column name 'require_pkce'\. Part of 2026-12-03T18-00_add-apps-require-pkce is already in place: /,
    );
    expect(line).toContain("Restore the backup taken before the upgrade");
    expect(line).toContain('docs/operations.md, "A migration left half applied"');
    expect(line).not.toContain("cannot be used");
    // Another failure of a migration is the database's own words, as before.
    const other = new MigrationFailedError(
      "2026-12-03T18-00_add-apps-require-pkce",
      Object.assign(new Error("Lock wait timeout exceeded"), { errno: 1205, sqlState: "HY000" }),
    );
    expect(describeStartFailure({ ...where, stage: "compose", error: other })).toContain("cannot be used: ");
  });

  it("says which key to restore when TOTP_ENCRYPTION_KEY opens none of the stored 2FA secrets", () => {
    expect(
      describeStartFailure({ ...where, stage: "compose", error: new SecretKeyMismatchError(5) }),
    ).toMatch(
      /^TOTP_ENCRYPTION_KEY does not open the two-factor secrets this database holds \(5 tried\): set the key they were stored with \(the same on every instance\)/,
    );
  });

  it("leaves anything else to the stack trace: a defect is not explained away", () => {
    expect(
      describeStartFailure({ ...where, stage: "compose", error: new TypeError("x is undefined") }),
    ).toBeNull();
    expect(describeStartFailure({ ...where, stage: "listen", error: failure("EINVAL") })).toBeNull();
  });
});
