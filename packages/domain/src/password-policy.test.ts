import { describe, expect, it } from "vitest";
import {
  checkPasswordPolicy,
  maxPasswordLength,
  minPasswordLength,
  passwordSpecialCharacters,
} from "./password-policy.ts";

/** Meets every rule but length: one upper, one lower, one digit, one special, padded with `pad`. */
function passwordOfLength(length: number, pad = "a"): string {
  const core = "Aa1!";
  return core + pad.repeat(length - core.length);
}

function messageFor(password: string): string | undefined {
  const result = checkPasswordPolicy(password);
  expect(result.ok).toBe(false);
  if (result.ok) return undefined;
  expect(result.error).toBe("VALIDATION_ERROR");
  return result.message;
}

describe("checkPasswordPolicy", () => {
  it("follows the contract's bounds of 8 and 128 characters", () => {
    expect(minPasswordLength).toBe(8);
    expect(maxPasswordLength).toBe(128);
  });

  it("rejects 7 characters and accepts 8", () => {
    expect(messageFor(passwordOfLength(7))).toMatch(/between 8 and 128 characters/);
    expect(checkPasswordPolicy(passwordOfLength(8)).ok).toBe(true);
  });

  it("accepts 128 characters and rejects 129", () => {
    expect(checkPasswordPolicy(passwordOfLength(128)).ok).toBe(true);
    expect(messageFor(passwordOfLength(129))).toMatch(/between 8 and 128 characters/);
  });

  it("counts characters, not UTF-16 units", () => {
    // Seven code points, eight UTF-16 units: still too short.
    expect(messageFor("Aa1!aa\u{1F600}")).toMatch(/between 8 and 128/);
    expect(checkPasswordPolicy(`Aa1!${"\u{1F600}".repeat(124)}`).ok).toBe(true);
  });

  it("rejects the empty password", () => {
    expect(messageFor("")).toMatch(/between 8 and 128/);
  });

  it("requires an uppercase letter", () => {
    expect(messageFor("abcdef1!")).toMatch(/uppercase letter/);
  });

  it("requires a lowercase letter", () => {
    expect(messageFor("ABCDEF1!")).toMatch(/lowercase letter/);
  });

  it("counts upper- and lower-case letters and digits of every script, not only ASCII", () => {
    // Russian, French and Greek passwords with their own capitals; Arabic-Indic digits.
    expect(checkPasswordPolicy("Пароль2026!Сильный").ok).toBe(true);
    expect(checkPasswordPolicy("Éléphant-été2026!").ok).toBe(true);
    expect(checkPasswordPolicy("Ωmega-ρήμα-42!").ok).toBe(true);
    expect(checkPasswordPolicy("Passw٠١٢word!").ok).toBe(true);
    // A script without case still has none to offer.
    expect(messageFor("密码密码密码a1!")).toMatch(/uppercase letter/);
    expect(messageFor("ПАРОЛЬ2026!")).toMatch(/lowercase letter/);
  });

  it("refuses half of a character (a lone surrogate), which hashing would turn into U+FFFD", () => {
    expect(messageFor("Zq7!vR2#mK\ud800x")).toMatch(/half of a character/);
    expect(messageFor("Zq7!vR2#mK\udfffx")).toMatch(/half of a character/);
    expect(checkPasswordPolicy("Zq7!vR2#mK\u{1F510}x").ok).toBe(true);
  });

  it("requires a digit", () => {
    expect(messageFor("Abcdefg!")).toMatch(/digit/);
  });

  it("requires a special character", () => {
    expect(messageFor("Abcdefg1")).toMatch(/special character/);
  });

  it("lists exactly the contract's special characters", () => {
    expect(passwordSpecialCharacters).toBe('!@#$%^&*(),.?":{}|<>');
  });

  it.each([...'!@#$%^&*(),.?":{}|<>'])("accepts %s as the special character", (special) => {
    expect(checkPasswordPolicy(`Abcdef1${special}`)).toEqual({ ok: true, value: undefined });
  });

  it.each(["_", "-", " ", "+", "=", "~", "/", "\\", "[", "]", "'", ";", "`", "\u00e9", "\u00a3"])(
    "does not count %j as a special character",
    (other) => {
      expect(messageFor(`Abcdef1${other}`)).toMatch(/special character/);
    },
  );

  it("names every rule broken at once, so one correction can fix them all", () => {
    expect(messageFor("password")).toBe(
      'Password must contain an uppercase letter, a digit and a special character (!@#$%^&*(),.?":{}|<>)',
    );
    expect(messageFor("PASSWORD1!")).toBe("Password must contain a lowercase letter");
    expect(messageFor("Abcdefgh")).toBe(
      'Password must contain a digit and a special character (!@#$%^&*(),.?":{}|<>)',
    );
    expect(messageFor("abc")).toBe(
      'Password must be between 8 and 128 characters and contain an uppercase letter, a digit and a special character (!@#$%^&*(),.?":{}|<>)',
    );
    expect(messageFor("Aa1!")).toBe("Password must be between 8 and 128 characters");
  });

  it("names the field it was given", () => {
    const result = checkPasswordPolicy("short", "New password");
    expect(result).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect(!result.ok && result.message).toMatch(/^New password /);
    expect(messageFor("short")).toMatch(/^Password /);
  });
});
