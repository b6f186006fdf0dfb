import { describe, expect, it } from "vitest";
import { maxMaintenanceNoticeLength, parseMaintenanceNoticeMessage } from "./maintenance-notice.ts";

describe("parseMaintenanceNoticeMessage", () => {
  it("keeps a sentence, trimmed", () => {
    expect(parseMaintenanceNoticeMessage("  Upgrade on Sunday 02:00-02:15 UTC. ")).toEqual({
      ok: true,
      value: "Upgrade on Sunday 02:00-02:15 UTC.",
    });
  });

  it("takes exactly the longest notice, counted in characters, not UTF-16 units", () => {
    expect(parseMaintenanceNoticeMessage("é".repeat(maxMaintenanceNoticeLength)).ok).toBe(true);
    expect(parseMaintenanceNoticeMessage("😀".repeat(maxMaintenanceNoticeLength)).ok).toBe(true);
  });

  it.each([
    ["", "must not be empty"],
    ["   ", "must not be empty"],
    ["x".repeat(maxMaintenanceNoticeLength + 1), "at most 280 characters"],
    ["two\nlines", "one line of printable text"],
    ["bell\u0007", "one line of printable text"],
    ["separator\u2028here", "one line of printable text"],
  ])("refuses %j (VALIDATION_ERROR: %s)", (text, reason) => {
    const parsed = parseMaintenanceNoticeMessage(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toBe("VALIDATION_ERROR");
      expect(parsed.message).toContain(reason);
    }
  });
});
