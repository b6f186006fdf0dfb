import { describe, expect, it } from "vitest";
import type { Email } from "./email.ts";
import type { Nickname } from "./nickname.ts";
import { turningOnTwoFactor } from "./two-factor.ts";
import {
  checkAddressProven,
  checkUserMaySignIn,
  createUser,
  maxDisableReasonLength,
  parseDisableReason,
  type User,
  type UserId,
} from "./user.ts";

const now = new Date("2026-03-01T12:00:00.000Z");

function newUser(): User {
  return createUser({
    id: "00000000-0000-7000-8000-000000000001" as UserId,
    email: "ada@example.com" as Email,
    nickname: "ada" as Nickname,
    passwordHash: "hash",
    now,
  });
}

describe("createUser", () => {
  it("builds an active, unverified user created and updated now", () => {
    expect(newUser()).toEqual({
      id: "00000000-0000-7000-8000-000000000001",
      email: "ada@example.com",
      emailVerified: false,
      nickname: "ada",
      passwordHash: "hash",
      status: "active",
      role: "user",
      createdAt: now,
      updatedAt: now,
    });
  });
});

describe("checkUserMaySignIn", () => {
  it("lets an active user sign in", () => {
    expect(checkUserMaySignIn(newUser())).toEqual({ ok: true, value: undefined });
  });

  it("refuses a disabled user with ACCOUNT_DISABLED", () => {
    expect(checkUserMaySignIn({ ...newUser(), status: "disabled" })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
  });
});

describe("checkAddressProven", () => {
  it("allows an account whose address is verified", () => {
    expect(checkAddressProven({ emailVerified: true }, "registering an app")).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it("refuses an unverified address with EMAIL_NOT_VERIFIED, naming the step and saying what to do", () => {
    expect(checkAddressProven({ emailVerified: false }, "registering an app")).toEqual({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
      message: "Verify your email address before registering an app: open the link we mailed to it",
    });
    expect(checkAddressProven(newUser(), turningOnTwoFactor)).toMatchObject({
      message:
        "Verify your email address before turning on two-factor authentication: open the link we mailed to it",
    });
  });
});

describe("parseDisableReason", () => {
  it("keeps the reason staff gave, trimmed, up to 500 characters (not UTF-16 units)", () => {
    expect(parseDisableReason("  Spam from this account (ticket 4127) ")).toEqual({
      ok: true,
      value: "Spam from this account (ticket 4127)",
    });
    expect(parseDisableReason("😀".repeat(maxDisableReasonLength)).ok).toBe(true);
  });

  it.each([
    ["", "reason must not be empty: say why the account is disabled"],
    ["   ", "reason must not be empty"],
    ["x".repeat(maxDisableReasonLength + 1), "reason must be at most 500 characters"],
    ["two\nlines", "reason must be one line of printable text"],
  ])("refuses %j (VALIDATION_ERROR naming the field: %s)", (text, message) => {
    const parsed = parseDisableReason(text);
    expect(parsed).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});
