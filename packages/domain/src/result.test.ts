import { describe, expect, it } from "vitest";
import { err, ok } from "./result.ts";

describe("Result", () => {
  it("wraps a value", () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
  });

  it("wraps a failure with only the fields given", () => {
    expect(err("USER_EXISTS")).toStrictEqual({ ok: false, error: "USER_EXISTS" });
    expect(err("USER_EXISTS", "Taken")).toStrictEqual({ ok: false, error: "USER_EXISTS", message: "Taken" });
  });

  it("keeps the cause of a failure for the log", () => {
    const cause = new Error("database went away");
    expect(err("ACCOUNT_LINK_FAILED", "Try again", cause)).toStrictEqual({
      ok: false,
      error: "ACCOUNT_LINK_FAILED",
      message: "Try again",
      cause,
    });
    expect(err("ACCOUNT_LINK_FAILED", undefined, cause)).toStrictEqual({
      ok: false,
      error: "ACCOUNT_LINK_FAILED",
      cause,
    });
  });
});
