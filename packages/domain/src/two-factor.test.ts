import { describe, expect, it } from "vitest";
import {
  backupCodeFromRandom,
  normalizeBackupCode,
  normalizeTOTPCode,
  totpTimeStepAt,
} from "./two-factor.ts";

describe("normalizeTOTPCode", () => {
  it("removes spaces and dashes, so one code typed two ways is one code", () => {
    expect(normalizeTOTPCode("123456")).toBe("123456");
    expect(normalizeTOTPCode(" 123 456 ")).toBe("123456");
    expect(normalizeTOTPCode("123-456")).toBe("123456");
  });

  it.each(["12345", "1234567", "12345a", "", "１２３４５６"])("refuses %j", (input) => {
    expect(normalizeTOTPCode(input)).toBeNull();
  });
});

describe("totpTimeStepAt", () => {
  it("is the number of whole 30-second periods since the Unix epoch (RFC 6238)", () => {
    expect(totpTimeStepAt(new Date(59_000))).toBe(1);
    expect(totpTimeStepAt(new Date(1_111_111_109_000))).toBe(0x23523ec);
    expect(totpTimeStepAt(new Date(60_000))).toBe(2);
  });
});

describe("backup codes", () => {
  it("are ten Crockford base32 characters in two groups of five", () => {
    expect(backupCodeFromRandom("ABCDEFGHIJKLMNOP")).toBe("01234-56789");
    expect(backupCodeFromRandom("_-zyxwvutsrqpo")).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  it("refuse a secret that is too short or not base64url", () => {
    expect(() => backupCodeFromRandom("ABC")).toThrow();
    expect(() => backupCodeFromRandom("ABCDEFGHI+")).toThrow();
  });

  it("are read back whatever the case, spacing and dashes, with look-alike letters as digits", () => {
    expect(normalizeBackupCode("ab3de-fg7hj")).toBe("ab3de-fg7hj");
    expect(normalizeBackupCode(" AB3DE FG7HJ ")).toBe("ab3de-fg7hj");
    expect(normalizeBackupCode("ab3defg7hj")).toBe("ab3de-fg7hj");
    expect(normalizeBackupCode("Oil00-11111")).toBe("01100-11111");
  });

  it.each(["ab3de-fg7h", "ab3de-fg7hjk", "ab3de-fg7hu", "123456"])("refuse %j", (input) => {
    expect(normalizeBackupCode(input)).toBeNull();
  });
});
