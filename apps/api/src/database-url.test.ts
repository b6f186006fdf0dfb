import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";
import { describeDatabase, describeServerVersion, parseDatabaseURL } from "./database-url.ts";

const makeSecret = () => "generated-secret-generated-secret-0123456789";

describe("DATABASE_URL", () => {
  it("defaults to the SQLite file data/superoauth.db under the working directory", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));

    expect(parsed.config.database).toEqual({ kind: "sqlite", file: resolve("data/superoauth.db") });
    expect(parsed.config.databaseURL).toBe(`sqlite:${resolve("data/superoauth.db")}`);
  });

  it.each([
    ["sqlite:./db/x.sqlite", { kind: "sqlite", file: resolve("db/x.sqlite") }],
    ["sqlite:/var/lib/superoauth/auth.db", { kind: "sqlite", file: "/var/lib/superoauth/auth.db" }],
    ["sqlite::memory:", { kind: "sqlite-memory" }],
    [
      "mysql://app:pw@db.internal:3307/auth",
      { kind: "mysql", host: "db.internal", port: 3307, database: "auth", user: "app" },
    ],
    [
      "mysql://root@127.0.0.1/superoauth",
      { kind: "mysql", host: "127.0.0.1", port: 3306, database: "superoauth", user: "root" },
    ],
  ])("reads %s", (text, expected) => {
    expect(parseDatabaseURL(text)).toEqual({ value: expected });
  });

  it("passes a MySQL URL to the storage as given, and a SQLite file by its absolute path", () => {
    const mysql = parseConfig({ DATABASE_URL: "mysql://root@127.0.0.1:3306/superoauth" }, makeSecret);
    const sqlite = parseConfig({ DATABASE_URL: "sqlite:x.db" }, makeSecret);

    expect(mysql.ok && mysql.config.databaseURL).toBe("mysql://root@127.0.0.1:3306/superoauth");
    expect(sqlite.ok && sqlite.config.databaseURL).toBe(`sqlite:${resolve("x.db")}`);
  });

  it.each([
    "postgres://app:Secr3tPw@db/app",
    "sqlite:",
    "sqlite://x.db",
    "mysql://db.internal:3306/",
    "./data/superoauth.db",
  ])("refuses %s, naming the accepted forms and never the password", (text) => {
    const parsed = parseConfig({ DATABASE_URL: text }, makeSecret);

    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toMatch(/^DATABASE_URL is invalid: .*sqlite:<path>, sqlite::memory: or mysql:\/\//);
    expect(problems).not.toContain("Secr3tPw");
  });

  it("refuses a password with an unescaped reserved character, saying how to write it, and never shows it", () => {
    // `openssl rand -base64` passwords hold a "/" four times in ten.
    const parsed = parseConfig(
      { DATABASE_URL: "mysql://app:Zm9v/Secr3t+Pw==@db:3306/superoauth" },
      makeSecret,
    );

    const problems = parsed.ok ? "" : parsed.problems.join("\n");
    expect(problems).toContain(
      "DATABASE_URL is invalid: is not a URL; in the user or password, write / ? # @",
    );
    expect(problems).toContain('(got "mysql://app:***@db:3306/superoauth")');
    expect(problems).not.toContain("Secr3t");
  });

  it.each([
    ["the password", "mysql://app:50%off@db:3306/superoauth", "mysql://app:***@db:3306/superoauth"],
    ["the user", "mysql://ap%p:secret@db:3306/superoauth", "mysql://ap%p:***@db:3306/superoauth"],
    ["the database", "mysql://app:secret@db:3306/super%oauth", "mysql://app:***@db:3306/super%oauth"],
  ])(
    'refuses a %s with a "%%" that starts no escape, saying how to write it (the driver threw a URIError at the start)',
    (_part, url, shown) => {
      const parsed = parseConfig({ DATABASE_URL: url }, makeSecret);

      const problems = parsed.ok ? "" : parsed.problems.join("\n");
      expect(problems).toContain(
        "DATABASE_URL is invalid: is not a URL; in the user or password, write / ? # @ : % as",
      );
      expect(problems).toContain(`(got "${shown}")`);
      expect(problems).not.toContain("secret");
    },
  );

  it("describes the database for the start's log line without a password", () => {
    const mysql = parseDatabaseURL("mysql://app:Secr3tPw@db.internal:3307/auth");
    if (!("value" in mysql)) throw new Error(mysql.problem);

    expect(describeDatabase(mysql.value)).toBe("MySQL database auth at db.internal:3307 (user app)");
    expect(describeDatabase({ kind: "sqlite", file: "/srv/data/superoauth.db" })).toBe(
      "SQLite database /srv/data/superoauth.db",
    );
  });
});

describe("REDIS_URL with SQLite", () => {
  it("starts, warning that Redis shares only counters and SQLite serves one instance", () => {
    const parsed = parseConfig({ REDIS_URL: "redis://127.0.0.1:6379" }, makeSecret);

    expect(parsed.ok && parsed.warnings.join("\n")).toContain(
      "REDIS_URL is set with a SQLite DATABASE_URL: Redis only shares rate-limit counters; SQLite serves ONE instance",
    );
  });

  it("says nothing of it with MySQL, where several instances share Redis", () => {
    const parsed = parseConfig(
      { REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "mysql://root@127.0.0.1:3306/superoauth" },
      makeSecret,
    );

    expect(parsed.ok && parsed.warnings.join("\n")).not.toContain("REDIS_URL");
  });
});

describe("MySQL without REDIS_URL in production", () => {
  const production = {
    NODE_ENV: "production",
    DATABASE_URL: "mysql://root@127.0.0.1:3306/superoauth",
    JWT_SECRET: "k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u-k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u",
    TOTP_ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    COOKIE_SECRET: "c00kie-secret-c00kie-secret-c00kie-secret-0123456789",
  };

  it("warns that each instance counts its own rate limits", () => {
    const parsed = parseConfig(production, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.warnings.join("\n")).toContain(
      "REDIS_URL is not set: each instance counts its own rate limits, so N instances allow N times each budget",
    );
  });

  it("says nothing with REDIS_URL, in development, or with the rate limits off", () => {
    for (const env of [
      { ...production, REDIS_URL: "redis://127.0.0.1:6379" },
      { ...production, NODE_ENV: "development" },
      { ...production, RATE_LIMIT_ENABLED: "false" },
    ]) {
      const parsed = parseConfig(env, makeSecret);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      expect(parsed.warnings.join("\n")).not.toContain("REDIS_URL is not set");
    }
  });
});

describe("describeServerVersion", () => {
  it("names MariaDB when its version says so, else MySQL", () => {
    expect(describeServerVersion("10.11.19-MariaDB-0+deb12u1")).toBe("MariaDB 10.11.19-MariaDB-0+deb12u1");
    expect(describeServerVersion("8.4.3")).toBe("MySQL 8.4.3");
  });
});
