import { describe, expect, it } from "vitest";
import { describeDatabaseProblem, messageWithCauses } from "./database-problem.ts";

const url = "mysql://app:hunter2@db.internal:3307/superoauth";

function driverError(fields: { code?: string; errno?: number }, message = "driver message"): Error {
  return Object.assign(new Error(message), fields);
}

describe("describeDatabaseProblem", () => {
  it.each([
    [{ code: "ECONNREFUSED", errno: -111 }, /Nothing answers at db\.internal:3307: is MySQL running/],
    [{ code: "ENOTFOUND", errno: -3008 }, /host "db\.internal" in DATABASE_URL cannot be resolved/],
    [{ code: "ETIMEDOUT" }, /Connecting to db\.internal:3307 timed out/],
    [{ code: "ER_ACCESS_DENIED_ERROR", errno: 1045 }, /refused the login of user "app"/],
    [{ code: "ER_ACCESS_DENIED_NO_PASSWORD_ERROR", errno: 1698 }, /refused the login of user "app"/],
    [{ code: "ER_DBACCESS_DENIED_ERROR", errno: 1044 }, /User "app" may not use the database "superoauth"/],
    [
      { code: "ER_BAD_DB_ERROR", errno: 1049 },
      // A start with MIGRATE_ON_START=false creates nothing: the hint must not promise it does.
      /database "superoauth" does not exist yet: pnpm db:migrate creates it \(so does pnpm start, unless MIGRATE_ON_START=false\)/,
    ],
  ])("explains %o by its code, not its message", (fields, expected) => {
    const described = describeDatabaseProblem(driverError(fields, "words that change"), url);

    expect(described).toMatch(expected);
    expect(described).not.toContain("words that change");
    expect(described).not.toContain("hunter2");
  });

  it("explains a failed TLS connection by mysql2's code: no TLS at the server, or a certificate not trusted (with its reason)", () => {
    const noTLS = describeDatabaseProblem(driverError({ code: "HANDSHAKE_NO_SSL_SUPPORT" }), url);
    expect(noTLS).toMatch(
      /^MySQL at db\.internal:3307 offers no TLS, and DATABASE_URL asks for it \(ssl\): /,
    );
    const untrusted = describeDatabaseProblem(
      driverError({ code: "HANDSHAKE_SSL_ERROR" }, "self-signed certificate"),
      url,
    );
    expect(untrusted).toMatch(
      /^The TLS connection to MySQL at db\.internal:3307 failed \(self-signed certificate\): .*NODE_EXTRA_CA_CERTS=/,
    );
    expect(`${noTLS} ${untrusted}`).not.toContain("hunter2");
  });

  it.each([
    [
      { code: "SQLITE_READONLY" },
      /SQLite file \/srv\/auth\/s\.db cannot be written by this process: give the user/,
    ],
    [{ code: "SQLITE_FULL" }, /disk holding the SQLite file \/srv\/auth\/s\.db is full/],
  ])("explains the SQLite file's %o by its code", (fields, expected) => {
    const described = describeDatabaseProblem(
      driverError(fields, "words that change"),
      "sqlite:/srv/auth/s.db",
    );

    expect(described).toMatch(expected);
    expect(described).not.toContain("words that change");
  });

  it("keeps the message of a failure it does not know", () => {
    expect(describeDatabaseProblem(driverError({ code: "EWHATEVER" }, "odd failure"), url)).toBe(
      "odd failure",
    );
  });

  it("assumes MySQL's port when the URL names none", () => {
    expect(
      describeDatabaseProblem(driverError({ code: "ECONNREFUSED" }), "mysql://root@localhost/x"),
    ).toContain("localhost:3306");
  });
});

describe("messageWithCauses", () => {
  it("joins an error's message with those of its causes", () => {
    const error = new Error("Migration 2026_x failed", { cause: new Error("Table 'users' already exists") });

    expect(messageWithCauses(error)).toBe("Migration 2026_x failed: Table 'users' already exists");
  });
});
