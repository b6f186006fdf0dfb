import { describe, expect, it } from "vitest";
import { errorCodes, isErrorCode } from "./error-code.ts";

/** Every code the contract (the API error-code reference) lists. */
const contractCodes = [
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "INVALID_CREDENTIALS",
  "TOKEN_EXPIRED",
  "INVALID_TOKEN",
  "ACCOUNT_DISABLED",
  "INVALID_REFRESH_TOKEN",
  "USER_EXISTS",
  "USER_NOT_FOUND",
  "UNSUPPORTED_PROVIDER",
  "INVALID_STATE",
  "INVALID_AUTHORIZATION_CODE",
  "OAUTH_INIT_FAILED",
  "ACCOUNT_LINK_FAILED",
  "CANNOT_UNLINK_LAST_AUTH",
  "INTERNAL_ERROR",
  "TOKEN_EXCHANGE_FAILED",
  "USER_INFO_FAILED",
  "RATE_LIMIT_EXCEEDED",
];

describe("errorCodes", () => {
  it("has no duplicates", () => {
    expect(new Set(errorCodes).size).toBe(errorCodes.length);
  });

  it("contains every code of the contract", () => {
    expect(errorCodes).toEqual(expect.arrayContaining(contractCodes));
  });

  it("spells every code in upper snake case", () => {
    for (const code of errorCodes) expect(code).toMatch(/^[A-Z]+(?:_[A-Z]+)*$/);
  });
});

describe("isErrorCode", () => {
  it("accepts every listed code", () => {
    for (const code of errorCodes) expect(isErrorCode(code)).toBe(true);
  });

  it.each(["", "validation_error", "VALIDATION_ERROR ", "ERR_JWT_EXPIRED", "toString"])(
    "rejects %j",
    (value) => {
      expect(isErrorCode(value)).toBe(false);
    },
  );
});
