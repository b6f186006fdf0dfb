import { describe, expect, it } from "vitest";
import {
  describeRedisProblem,
  describeSMTPProblem,
  judgeClock,
  judgeMigrations,
  judgeProxy,
  judgeRedirectURI,
} from "./doctor.ts";

describe("judgeProxy", () => {
  it("warns of an https APP_URL with no proxy trusted, and passes the other cases", () => {
    const appURL = "https://auth.example.com";
    expect(judgeProxy({ appURL, trustProxy: false })).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("TRUST_PROXY=<the proxy's address>"),
    });
    expect(judgeProxy({ appURL, trustProxy: 0 }).status).toBe("warn");
    expect(judgeProxy({ appURL, trustProxy: 1 }).status).toBe("ok");
    expect(judgeProxy({ appURL, trustProxy: ["10.0.0.1"] }).status).toBe("ok");
    expect(judgeProxy({ appURL: "http://localhost:3000", trustProxy: false }).status).toBe("ok");
  });
});

describe("judgeClock", () => {
  it.each([
    [4_900, "ok"],
    [-5_000, "warn"],
    [29_900, "warn"],
    [-30_000, "fail"],
    [120_000, "fail"],
  ])("a skew of %i ms is %s (TOTP accepts one 30 s step either side)", (skewMs, status) => {
    expect(judgeClock({ skewMs, roundTripMs: 2 }).status).toBe(status);
  });

  it("says how to fix a failing clock", () => {
    expect(judgeClock({ skewMs: 45_000, roundTripMs: 2 }).detail).toMatch(/by 45\.0 s .*NTP/);
  });
});

describe("judgeMigrations", () => {
  it("pending migrations warn when the next start applies them, and fail when it will not", () => {
    expect(judgeMigrations({ applied: 3, pending: 0, migrateOnStart: false }).status).toBe("ok");
    expect(judgeMigrations({ applied: 3, pending: 2, migrateOnStart: true }).status).toBe("warn");
    expect(judgeMigrations({ applied: 3, pending: 2, migrateOnStart: false })).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("run pnpm db:migrate"),
    });
  });

  it("migrations a newer release applied fail, whatever else", () => {
    expect(
      judgeMigrations({
        applied: 3,
        pending: 0,
        newer: ["2099-01-01T00-00_a", "2099-02-01T00-00_b"],
        migrateOnStart: true,
      }),
    ).toEqual({
      check: "migrations",
      status: "fail",
      detail:
        "2 applied by a newer release (the newest 2099-02-01T00-00_b): this version will not start on this database; run that release, or restore the backup taken before the upgrade",
    });
  });
});

describe("judgeRedirectURI", () => {
  const appURL = "https://auth.example.com";

  it("accepts the callback at APP_URL, also under a path prefix of the same origin", () => {
    for (const redirectURI of [
      "https://auth.example.com/api/v1/oauth/google/callback",
      "https://auth.example.com/sso/api/v1/oauth/google/callback",
    ]) {
      expect(judgeRedirectURI({ provider: "google", redirectURI, appURL }).status).toBe("ok");
    }
  });

  it("fails another origin (scheme, host or port) and another path", () => {
    for (const redirectURI of [
      "http://auth.example.com/api/v1/oauth/google/callback",
      "https://auth.example.com:8443/api/v1/oauth/google/callback",
      "https://auth.example.com/api/v1/oauth/github/callback",
    ]) {
      expect(judgeRedirectURI({ provider: "google", redirectURI, appURL }).status).toBe("fail");
    }
  });
});

describe("describeSMTPProblem", () => {
  const url = "smtps://mailer:hunter2@smtp.example.com";

  it("explains by nodemailer's code, never printing the password", () => {
    const refused = describeSMTPProblem(Object.assign(new Error("x"), { code: "EAUTH" }), url);
    expect(refused).toBe(
      'smtps://mailer:***@smtp.example.com: the server refused the login of user "mailer": check the user and password in SMTP_URL',
    );
    expect(describeSMTPProblem(Object.assign(new Error("x"), { code: "ESOCKET" }), url)).toContain(
      "nothing answers at smtp.example.com:465",
    );
  });

  it("says how to go on when a server off this machine offers no STARTTLS", () => {
    const plain = "smtp://mailer:hunter2@relay.internal:25";
    const refused = Object.assign(
      new Error("Error upgrading connection with STARTTLS: 500 Error: command not recognized"),
      { code: "ETLS" },
    );
    expect(describeSMTPProblem(refused, plain)).toBe(
      "smtp://mailer:***@relay.internal:25: relay.internal:25 offers no STARTTLS, and mail to a server off this machine goes over TLS only: use its TLS port (smtps:// on 465, or smtp:// on 587 with STARTTLS), or end SMTP_URL with ?requireTLS=false for a relay on a network you trust",
    );
    // Another TLS failure (smtps:// to a port that speaks plain SMTP): the ports.
    expect(
      describeSMTPProblem(Object.assign(new Error("wrong version number"), { code: "ETLS" }), url),
    ).toContain("TLS failed: smtps:// is for port 465");
  });
});

describe("describeRedisProblem", () => {
  const url = "redis://default:hunter2@cache.example.com";
  const coded = (code: string) => Object.assign(new Error("x"), { code });
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });

  it("explains by the socket's code or the server's, never printing the password", () => {
    expect(describeRedisProblem(coded("ECONNREFUSED"), url)).toBe(
      "redis://default:***@cache.example.com: nothing answers at cache.example.com:6379: is Redis running? check host and port in REDIS_URL",
    );
    expect(describeRedisProblem(coded("ECONNRESET"), url)).toBe(
      "redis://default:***@cache.example.com: cache.example.com:6379 reset the connection: a Redis port with TLS wants rediss:// in REDIS_URL",
    );
    // Over rediss:// already: not told to use it.
    expect(describeRedisProblem(coded("ECONNRESET"), "rediss://cache.example.com:6380")).toBe(
      "rediss://cache.example.com:6380: cache.example.com:6380 reset the connection: check the host and port in REDIS_URL",
    );
    expect(describeRedisProblem(new Error("Connection is closed."), url)).toBe(
      "redis://default:***@cache.example.com: cache.example.com:6379 hung up before answering PING; a Redis with no password does so to clients from other machines (protected mode): set one (requirepass) and give it in REDIS_URL",
    );
    expect(describeRedisProblem(coded("ENOTFOUND"), url)).toContain("not found (DNS)");
    expect(describeRedisProblem(coded("ETIMEDOUT"), url)).toContain("did not answer PING in time");
    expect(describeRedisProblem(named("ReplyError", "WRONGPASS invalid username-password pair"), url)).toBe(
      "redis://default:***@cache.example.com: Redis refused the login (WRONGPASS): check the user and password in REDIS_URL",
    );
    expect(describeRedisProblem(named("ReplyError", "NOAUTH Authentication required."), url)).toContain(
      "refused the login (NOAUTH)",
    );
    expect(describeRedisProblem(named("ParserError", "Protocol error"), url)).toContain(
      "does not speak Redis",
    );
    const other = describeRedisProblem(named("ReplyError", "ERR DB index is out of range"), url);
    expect(other).toBe("redis://default:***@cache.example.com: ERR DB index is out of range");
    expect(other).not.toContain("hunter2");
  });
});
