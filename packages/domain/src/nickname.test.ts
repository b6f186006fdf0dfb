import { describe, expect, it } from "vitest";
import { parseNickname } from "./nickname.ts";

describe("parseNickname", () => {
  it.each([
    ["2 characters", "ab"],
    ["30 characters", "a".repeat(30)],
    ["letters, digits, underscores and hyphens", "Jo_hn-Doe42"],
    ["digits only", "42"],
  ])("accepts %s", (_label, raw) => {
    expect(parseNickname(raw)).toEqual({ ok: true, value: raw });
  });

  it("trims surrounding spaces and keeps the case", () => {
    expect(parseNickname("  Neo_1  ")).toEqual({ ok: true, value: "Neo_1" });
  });

  it.each([
    ["1 character", "a"],
    ["31 characters", "a".repeat(31)],
    ["empty", ""],
    ["only spaces", "    "],
    ["a space inside", "john doe"],
    ["a dot", "john.doe"],
    ["unicode letters", "j\u00f6rg"],
    ["non-latin script", "\u5c71\u7530"],
    ["an emoji", "neo\u{1F600}"],
    ["an at sign", "neo@home"],
  ])("rejects %s with VALIDATION_ERROR naming the Nickname field", (_label, raw) => {
    const result = parseNickname(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe("VALIDATION_ERROR");
    expect(result.message).toMatch(/^Nickname /);
  });
});
