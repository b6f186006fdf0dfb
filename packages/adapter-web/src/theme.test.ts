import { describe, expect, it } from "vitest";
import { loadPageAssets } from "./assets.ts";
import {
  contrastRatio,
  defaultTheme,
  isHexColor,
  isLogoURL,
  isSupportURL,
  linkColorFor,
  textColorOn,
  themeStylesheet,
} from "./theme.ts";
import { createViews } from "./views.ts";

describe("the support link (SUPPORT_URL)", () => {
  const render = (supportURL: string | null, template: string, data: object = {}) =>
    createViews({ theme: { ...defaultTheme, supportURL }, assets: loadPageAssets(defaultTheme) }).page(
      template,
      {
        title: "T",
        ...data,
      },
    );
  const twoFactorStep = { paths: { twoFactor: "/x", startOver: "/y" }, csrf: "c", error: null };

  it("is at the foot of every page, beside the status page, and on the second-factor step for a lost device", () => {
    const page = render("mailto:help@example.com", "notice", { message: "m", status: false, link: null });
    expect(page).toMatch(
      /<footer class="site-footer">[\s\S]*href="\/status"[\s\S]*href="mailto:help@example.com">Contact support<\/a>/,
    );
    const step = render("https://help.example/?a=1&b=2", "two-factor", twoFactorStep);
    expect(step).toContain(
      'Lost your device and your backup codes? <a href="https://help.example/?a=1&amp;b=2">Contact support</a>',
    );
  });

  it("without one, the pages say whom to ask and link no support", () => {
    const step = render(null, "two-factor", twoFactorStep);
    expect(step).not.toContain("Contact support");
    expect(step).toContain("Ask the team that runs SuperOAuth to turn two-step verification off");
    expect(step).toContain('href="/status"');
  });

  it("accepts https and mailto: only", () => {
    expect(["https://help.example", "mailto:help@example.com"].map(isSupportURL)).toEqual([true, true]);
    expect(
      ["http://help.example", "javascript:alert(1)", "mailto:", "/help", "help@example.com"].map(
        isSupportURL,
      ),
    ).toEqual([false, false, false, false, false]);
  });
});

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
