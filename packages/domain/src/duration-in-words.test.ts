import { describe, expect, it } from "vitest";
import { durationInWords } from "./duration-in-words.ts";

describe("durationInWords", () => {
  it("says seconds under a minute, then whole minutes rounded up", () => {
    expect([1, 59, 60, 61, 900, 3600, 7140].map(durationInWords)).toEqual([
      "1 second",
      "59 seconds",
      "1 minute",
      "2 minutes",
      "15 minutes",
      "60 minutes",
      "119 minutes",
    ]);
  });

  it("says a lock or window of hours or days in hours or days, rounded up, not thousands of minutes", () => {
    expect([7141, 7201, 86_400, 169_200, 169_201, 30 * 86_400, 30 * 86_400 + 1].map(durationInWords)).toEqual(
      ["2 hours", "3 hours", "24 hours", "47 hours", "2 days", "30 days", "31 days"],
    );
  });
});
