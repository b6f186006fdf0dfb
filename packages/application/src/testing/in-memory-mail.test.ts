import type { Email } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { emailTokenRepositoryContract } from "./email-token-repository.contract.ts";
import { InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryEmailTokenRepository, InMemoryMailer, tokenFromMail } from "./in-memory-mail.ts";

emailTokenRepositoryContract("in-memory", async () => ({
  emailTokens: new InMemoryEmailTokenRepository(),
  users: new InMemoryUserRepository(),
}));

describe("InMemoryMailer", () => {
  it("keeps each mail and finds them by recipient", async () => {
    const mailer = new InMemoryMailer();
    const mail = {
      kind: "security_notice" as const,
      to: "ada@example.com" as Email,
      subject: "Hi",
      text: "t",
      html: "<p>t</p>",
    };
    await mailer.sendMail(mail);
    expect(mailer.sentTo("ada@example.com")).toEqual([mail]);
    expect(mailer.sentTo("grace@example.com")).toEqual([]);
  });
});

describe("tokenFromMail", () => {
  it("reads the token from a link's fragment", () => {
    expect(tokenFromMail({ text: "Open http://x.test/verify-email#token=abc.DEF_-1 now" })).toBe(
      "abc.DEF_-1",
    );
  });

  it("throws when the mail carries no link", () => {
    expect(() => tokenFromMail({ text: "no link" })).toThrow(/no token link/);
  });
});
