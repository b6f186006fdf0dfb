import { describe, expect, it } from "vitest";
import type { Email } from "./email.ts";
import {
  checkEmailTokenUsable,
  checkEmailVerifiedForSignIn,
  checkMailAllowance,
  createEmailToken,
  type EmailTokenId,
  formatEmailToken,
  mailAllowanceAt,
  parseEmailToken,
  requestedLinkAllowanceAt,
  supersedesOlderTokens,
  undoLinkAllowanceAt,
} from "./email-token.ts";
import type { Nickname } from "./nickname.ts";
import { createUser, type UserId } from "./user.ts";

const t0 = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number): Date => new Date(t0.getTime() + ms);
const hour = 3600 * 1000;
const id = "0190a000-1234-7abc-8def-0123456789ab" as EmailTokenId;
const userId = "00000000-0000-7000-8000-0000000000b1" as UserId;

function token(purpose: "verify_email" | "reset_password") {
  return createEmailToken({ id, userId, purpose, secretHash: "hash", now: t0 });
}

describe("createEmailToken", () => {
  it("makes an unused verification token that lives 24 hours", () => {
    expect(token("verify_email")).toEqual({
      id,
      userId,
      purpose: "verify_email",
      secretHash: "hash",
      createdAt: t0,
      expiresAt: at(24 * hour),
      usedAt: null,
      newEmail: null,
    });
  });

  it("makes a password-reset token that lives 1 hour", () => {
    expect(token("reset_password").expiresAt).toEqual(at(hour));
  });

  it("makes an email-change token that lives 1 hour and carries the new address", () => {
    const change = createEmailToken({
      id,
      userId,
      purpose: "change_email",
      secretHash: "hash",
      now: t0,
      newEmail: "new@example.org" as Email,
    });
    expect(change).toMatchObject({
      purpose: "change_email",
      expiresAt: at(hour),
      newEmail: "new@example.org",
    });
  });

  it("makes an undo token for a changed address that lives 7 days and carries the address to go back to", () => {
    const undo = createEmailToken({
      id,
      userId,
      purpose: "undo_email_change",
      secretHash: "hash",
      now: t0,
      newEmail: "old@example.org" as Email,
    });
    expect(undo).toMatchObject({ expiresAt: at(7 * 24 * hour), newEmail: "old@example.org" });
  });
});

describe("undoLinkAllowanceAt", () => {
  it("allows one undo link per account within the week an earlier one lives", () => {
    expect(undoLinkAllowanceAt(at(7 * 24 * hour))).toEqual({ since: at(1), max: 1 });
  });
});

describe("supersedesOlderTokens", () => {
  it("keeps only the newest link of a purpose, except the undo links of addresses an account left", () => {
    expect(supersedesOlderTokens("verify_email")).toBe(true);
    expect(supersedesOlderTokens("reset_password")).toBe(true);
    expect(supersedesOlderTokens("change_email")).toBe(true);
    expect(supersedesOlderTokens("undo_email_change")).toBe(false);
  });
});

describe("checkEmailTokenUsable", () => {
  it("accepts a verification token one millisecond before 24 hours and refuses it at 24 hours", () => {
    expect(
      checkEmailTokenUsable({
        token: token("verify_email"),
        purpose: "verify_email",
        now: at(24 * hour - 1),
      }),
    ).toBe("usable");
    expect(
      checkEmailTokenUsable({ token: token("verify_email"), purpose: "verify_email", now: at(24 * hour) }),
    ).toBe("expired");
  });

  it("accepts a reset token one millisecond before 1 hour and refuses it at 1 hour", () => {
    const reset = token("reset_password");
    expect(checkEmailTokenUsable({ token: reset, purpose: "reset_password", now: at(hour - 1) })).toBe(
      "usable",
    );
    expect(checkEmailTokenUsable({ token: reset, purpose: "reset_password", now: at(hour) })).toBe("expired");
  });

  it("refuses a used token even before it expires", () => {
    const used = { ...token("reset_password"), usedAt: at(1000) };
    expect(checkEmailTokenUsable({ token: used, purpose: "reset_password", now: at(2000) })).toBe("used");
  });

  it("refuses a token of the other purpose", () => {
    expect(checkEmailTokenUsable({ token: token("verify_email"), purpose: "reset_password", now: t0 })).toBe(
      "wrong-purpose",
    );
    expect(checkEmailTokenUsable({ token: token("reset_password"), purpose: "verify_email", now: t0 })).toBe(
      "wrong-purpose",
    );
  });
});

describe("mailAllowanceAt", () => {
  it("allows three mails in the hour up to now, counting a token issued exactly an hour ago no more", () => {
    const now = new Date("2026-12-01T12:00:00.000Z");
    expect(mailAllowanceAt(now)).toEqual({ since: new Date("2026-12-01T11:00:00.001Z"), max: 3 });
  });
});

describe("requestedLinkAllowanceAt and checkMailAllowance", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  const allowance = requestedLinkAllowanceAt(now);
  const issued = (iso: string, usedAt: Date | null = null, newEmail: string | null = null) => ({
    createdAt: new Date(iso),
    usedAt,
    newEmail: newEmail as Email | null,
  });

  it("holds a repeat for the minute up to now, a link issued exactly a minute ago no more", () => {
    expect(allowance).toEqual({
      since: new Date("2026-12-01T11:00:00.001Z"),
      max: 3,
      repeatSince: new Date("2026-12-01T11:59:00.001Z"),
    });
    expect(checkMailAllowance([issued("2026-12-01T11:59:00.001Z")], { newEmail: null }, allowance)).toBe(
      "recently-issued",
    );
    expect(checkMailAllowance([issued("2026-12-01T11:59:00.000Z")], { newEmail: null }, allowance)).toBe(
      "allowed",
    );
  });

  it("a used link, or one for another new address, is no repeat", () => {
    expect(checkMailAllowance([issued("2026-12-01T11:59:30.000Z", now)], { newEmail: null }, allowance)).toBe(
      "allowed",
    );
    const change = [issued("2026-12-01T11:59:30.000Z", null, "a@example.com")];
    expect(checkMailAllowance(change, { newEmail: "b@example.com" as Email }, allowance)).toBe("allowed");
    expect(checkMailAllowance(change, { newEmail: "a@example.com" as Email }, allowance)).toBe(
      "recently-issued",
    );
  });

  it("counts the hour's links, used or not, and tells a repeat before a spent allowance", () => {
    const hour = [issued("2026-12-01T11:00:00.001Z", now), issued("2026-12-01T11:30:00.000Z", now)];
    expect(checkMailAllowance(hour, { newEmail: null }, allowance)).toBe("allowed");
    expect(
      checkMailAllowance([...hour, issued("2026-12-01T11:40:00.000Z", now)], { newEmail: null }, allowance),
    ).toBe("allowance-spent");
    expect(
      checkMailAllowance([...hour, issued("2026-12-01T11:59:59.000Z")], { newEmail: null }, allowance),
    ).toBe("recently-issued");
    // Older than the hour: not counted.
    expect(
      checkMailAllowance([...hour, issued("2026-12-01T11:00:00.000Z", now)], { newEmail: null }, allowance),
    ).toBe("allowed");
  });
});

describe("formatEmailToken and parseEmailToken", () => {
  const secret = "Zm9vYmFyYmF6cXV4LXF1dXhfY29yZ2VncmF1bHRnYXJwbHk";

  it("round-trips an id and a secret", () => {
    expect(parseEmailToken(formatEmailToken({ id, secret }))).toEqual({ id, secret });
  });

  it("ignores surrounding whitespace picked up when copying from a mail", () => {
    expect(parseEmailToken(` ${id}.${secret}\n`)).toEqual({ id, secret });
  });

  it.each([
    ["an empty string", ""],
    ["no separator", `${id}${secret}`],
    ["a secret under 128 bits", `${id}.${"a".repeat(21)}`],
    ["an extra segment", `${id}.${secret}.x`],
    ["an upper-case id", `${id.toUpperCase()}.${secret}`],
    ["padding in the secret", `${id}.${secret}=`],
  ])("rejects %s", (_label, raw) => {
    expect(parseEmailToken(raw)).toBeNull();
  });
});

describe("checkEmailVerifiedForSignIn", () => {
  const user = createUser({
    id: userId,
    email: "ada@example.com" as Email,
    nickname: "ada" as Nickname,
    passwordHash: "hash",
    now: t0,
  });

  it("lets an unverified account sign in when verification is not required", () => {
    expect(checkEmailVerifiedForSignIn({ user, required: false })).toEqual({ ok: true, value: undefined });
  });

  it("refuses an unverified account with EMAIL_NOT_VERIFIED when verification is required", () => {
    expect(checkEmailVerifiedForSignIn({ user, required: true })).toMatchObject({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
    });
  });

  it("lets a verified account sign in when verification is required", () => {
    expect(checkEmailVerifiedForSignIn({ user: { ...user, emailVerified: true }, required: true }).ok).toBe(
      true,
    );
  });
});
