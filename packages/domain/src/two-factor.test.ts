import { describe, expect, it } from "vitest";
import { backupCodeFromRandom, normalizeTOTPCode, parseBackupCode, totpTimeStepAt } from "./two-factor.ts";

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
  it("are twelve Crockford base32 characters in three groups of four", () => {
    expect(backupCodeFromRandom("ABCDEFGHIJKLMNOP")).toBe("0123-4567-89ab");
    expect(backupCodeFromRandom("_-zyxwvutsrqpo")).toMatch(
      /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/,
    );
  });

  it("refuse a secret that is too short or not base64url", () => {
    expect(() => backupCodeFromRandom("ABCDEFGHIJK")).toThrow();
    expect(() => backupCodeFromRandom("ABCDEFGHIJK+")).toThrow();
  });

  it("are read back whatever the case, spacing and dashes, with look-alike letters as digits; the first two characters are the lookup id", () => {
    const expected = { code: "ab3d-efg7-hjkm", lookupId: "ab" };
    expect(parseBackupCode("ab3d-efg7-hjkm")).toEqual(expected);
    expect(parseBackupCode(" AB3D EFG7 HJKM ")).toEqual(expected);
    expect(parseBackupCode("ab3defg7hjkm")).toEqual(expected);
    expect(parseBackupCode("Oil0-0111-11ab")).toEqual({ code: "0110-0111-11ab", lookupId: "01" });
  });

  it("read a ten-character code issued before lookup ids in its old form, without a lookup id", () => {
    expect(parseBackupCode("ab3de-fg7hj")).toEqual({ code: "ab3de-fg7hj", lookupId: null });
    expect(parseBackupCode(" AB3DE FG7HJ ")).toEqual({ code: "ab3de-fg7hj", lookupId: null });
    expect(parseBackupCode("Oil00-11111")).toEqual({ code: "01100-11111", lookupId: null });
  });

  it.each(["ab3de-fg7h", "ab3de-fg7hjk", "ab3d-efg7-hjkm-n", "ab3d-efg7-hjku", "123456"])(
    "refuse %j",
    (input) => {
      expect(parseBackupCode(input)).toBeNull();
    },
  );
});
