import { describe, expect, it } from "vitest";
import { utcText } from "./utc-text.ts";

describe("utcText", () => {
  it("writes a moment in UTC to the minute, or to the second", () => {
    const moment = new Date("2026-11-30T15:20:07.345Z");
    expect(utcText(moment)).toBe("2026-11-30 15:20 UTC");
    expect(utcText(moment, "second")).toBe("2026-11-30 15:20:07 UTC");
  });
});
