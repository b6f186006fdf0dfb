import { describe, expect, it } from "vitest";
import { defaultMailFrom, parseConfig } from "./config.ts";

const makeSecret = () => "generated-secret-generated-secret-0123456789";
const strongSecret = "k3Jd9sLq0ZxV7bNw2PmR5tYc8HfGaE1u";

describe("mail configuration", () => {
  it("defaults to the outbox, APP_URL http://localhost:3000 and optional verification", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.mail).toEqual({
      appURL: "http://localhost:3000",
      smtpURL: undefined,
      from: '"SuperOAuth" <no-reply@localhost>',
      outboxDirectory: "outbox",
      requireEmailVerification: false,
    });
    expect(parsed.config.rateLimit.emailMax).toBe(5);
  });

  it("reads every mail variable and drops a trailing slash from APP_URL", () => {
    const parsed = parseConfig(
      {
        APP_URL: "https://auth.example.com/",
        SMTP_URL: "smtps://user:pass@smtp.example.com:465",
        MAIL_FROM: "Example <auth@example.com>",
        OUTBOX_DIR: "/tmp/mails",
        REQUIRE_EMAIL_VERIFICATION: "true",
        RATE_LIMIT_EMAIL_MAX: "9",
      },
      makeSecret,
    );
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.mail).toEqual({
      appURL: "https://auth.example.com",
      smtpURL: "smtps://user:pass@smtp.example.com:465",
      from: "Example <auth@example.com>",
      outboxDirectory: "/tmp/mails",
      requireEmailVerification: true,
    });
    expect(parsed.config.rateLimit.emailMax).toBe(9);
  });

  it.each([
    ["APP_URL", "localhost:3000"],
    ["SMTP_URL", "http://smtp.example.com"],
    ["REQUIRE_EMAIL_VERIFICATION", "sometimes"],
    ["RATE_LIMIT_EMAIL_MAX", "five"],
  ])("refuses %s=%s by name", (name, value) => {
    const parsed = parseConfig({ [name]: value }, makeSecret);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.problems.join("\n")).toContain(name);
  });

  it("warns when production has no SMTP_URL", () => {
    const parsed = parseConfig(
      { NODE_ENV: "production", JWT_SECRET: strongSecret, TOTP_ENCRYPTION_KEY: "a1".repeat(32) },
      makeSecret,
    );
    expect(parsed.ok && parsed.warnings.join("\n")).toContain("SMTP_URL is not set in production");
  });

  it("without MAIL_FROM, sends from the brand's name at no-reply@ APP_URL's host", () => {
    const parsed = parseConfig(
      { APP_URL: "https://auth.acme.example", BRAND_NAME: 'Acme "Login", Inc' },
      makeSecret,
    );
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.mail.from).toBe('"Acme \\"Login\\", Inc" <no-reply@auth.acme.example>');
    expect(defaultMailFrom({ brandName: "Acme", appURL: "http://127.0.0.1:3000" })).toBe(
      '"Acme" <no-reply@localhost>',
    );
  });

  it("without MAIL_FROM, sends from an internationalised APP_URL's host (punycode), not from localhost", () => {
    expect(defaultMailFrom({ brandName: "Пример", appURL: "https://auth.пример.рф" })).toBe(
      '"Пример" <no-reply@auth.xn--e1afmkfd.xn--p1ai>',
    );
    expect(defaultMailFrom({ brandName: "例子", appURL: "https://auth.例子.中国" })).toBe(
      '"例子" <no-reply@auth.xn--fsqu00a.xn--fiqs8s>',
    );
    expect(defaultMailFrom({ brandName: "Bücher", appURL: "https://login.bücher.de" })).toBe(
      '"Bücher" <no-reply@login.xn--bcher-kva.de>',
    );
  });
});
