import { describe, expect, it } from "vitest";
import { isPageCursor } from "./page-cursor.ts";

describe("isPageCursor", () => {
  it("takes an id as the application makes them", () => {
    expect(isPageCursor("01a23d99-8456-7fc3-afae-d41e39d8db5e")).toBe(true);
    expect(isPageCursor("00000000-0000-7000-8000-000000000042")).toBe(true);
  });

  it.each([
    ["made up", "not-an-id"],
    ["upper case, which MySQL and SQLite order differently", "01A23D99-8456-7FC3-AFAE-D41E39D8DB5E"],
    ["a prefix", "01a23d99-8456"],
    ["with more after it", "01a23d99-8456-7fc3-afae-d41e39d8db5e,x"],
    ["empty", ""],
  ])("refuses %s", (_case, value) => {
    expect(isPageCursor(value)).toBe(false);
  });
});
