import { describe, expect, it } from "vitest";
import { describeSMTPProblem, judgeClock, judgeMigrations, judgeRedirectURI } from "./doctor.ts";

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
});
