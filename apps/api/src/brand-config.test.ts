import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";

const makeSecret = () => "fixed-test-secret-for-deterministic-config-0123456789";

describe("brand configuration of the hosted pages", () => {
  it("defaults to the SuperOAuth name and color, without a logo", () => {
    const parsed = parseConfig({}, makeSecret);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.config.brand).toEqual({
      name: "SuperOAuth",
      logoURL: null,
      color: "#1f5fbf",
      supportURL: null,
    });
  });

  it("reads a name, an https or same-server logo and a hex color", () => {
    for (const logo of ["https://cdn.example/logo.svg", "/logo.png"]) {
      const parsed = parseConfig(
        { BRAND_NAME: "Acme Login", BRAND_LOGO_URL: logo, BRAND_COLOR: "#0a0" },
        makeSecret,
      );
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      expect(parsed.config.brand).toEqual({
        name: "Acme Login",
        logoURL: logo,
        color: "#0a0",
        supportURL: null,
      });
    }
  });

  it("reads a support address: an https URL or a mailto: address", () => {
    for (const support of ["https://help.example/contact", "mailto:help@example.com"]) {
      const parsed = parseConfig({ SUPPORT_URL: support }, makeSecret);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      expect(parsed.config.brand.supportURL).toBe(support);
    }
  });

  it("refuses a color that is not hex and a logo that is not https or a path on this server", () => {
    for (const [name, value] of [
      ["BRAND_COLOR", "red"],
      ["BRAND_COLOR", "#12345g"],
      ["BRAND_COLOR", "#123;}body{display:none"],
      ["BRAND_LOGO_URL", "http://cdn.example/logo.svg"],
      ["BRAND_LOGO_URL", "javascript:alert(1)"],
      ["BRAND_LOGO_URL", "//evil.example/logo.svg"],
      ["BRAND_LOGO_URL", "data:image/svg+xml,<svg/>"],
      ["SUPPORT_URL", "javascript:alert(1)"],
      ["SUPPORT_URL", "http://help.example"],
      ["SUPPORT_URL", "mailto:"],
      ["SUPPORT_URL", "help@example.com"],
    ] as const) {
      const parsed = parseConfig({ [name]: value }, makeSecret);
      expect(parsed.ok, `${name}=${value}`).toBe(false);
      if (!parsed.ok) expect(parsed.problems.join("\n")).toContain(`${name} is invalid`);
    }
  });
});
