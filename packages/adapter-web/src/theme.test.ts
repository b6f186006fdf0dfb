import { describe, expect, it } from "vitest";
import { contrastRatio, isHexColor, isLogoURL, linkColorFor, textColorOn, themeStylesheet } from "./theme.ts";

describe("the theme", () => {
  it("keeps button labels and links at WCAG AA contrast whatever the brand color", () => {
    for (const color of ["#1f5fbf", "#ffeb3b", "#000", "#fff", "#00ff00", "#7f7f7f", "#e91e63"]) {
      expect(contrastRatio(color, textColorOn(color)), color).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(linkColorFor(color), "#ffffff"), color).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("accepts hex colors only, and https or same-server logos only", () => {
    expect(["#abc", "#A1B2C3"].map(isHexColor)).toEqual([true, true]);
    expect(["red", "#abcd", "#12345g", "#123;}"].map(isHexColor)).toEqual([false, false, false, false]);
    expect(["https://x.example/l.svg", "/l.svg"].map(isLogoURL)).toEqual([true, true]);
    expect(
      ["http://x.example/l.svg", "//x.example/l.svg", "/\\x.example", "javascript:alert(1)", "logo.svg"].map(
        isLogoURL,
      ),
    ).toEqual([false, false, false, false, false]);
  });

  it("writes the brand into custom properties only", () => {
    expect(themeStylesheet({ name: "X", logoURL: null, color: "#ffeb3b" })).toBe(
      ":root {\n  --brand: #ffeb3b;\n  --on-brand: #000000;\n  --link: #1a1a1a;\n}\n",
    );
  });
});
