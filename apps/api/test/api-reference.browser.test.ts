import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, launchChromium } from "./browser.ts";
import { listenComposedService } from "./test-config.ts";

// The API reference at /docs renders in a real browser under its own CSP (ADR 0029): Scalar's
// script from this server, nothing blocked, nothing fetched from anywhere else.

let service: Service;
let url: string;
let browser: Browser;
beforeAll(async () => {
  ({ service, url } = await listenComposedService("sqlite::memory:"));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
});

/** What a `securitypolicyviolation` event says (the DOM's SecurityPolicyViolationEvent). */
interface Violation {
  readonly violatedDirective: string;
  readonly blockedURI: string;
  readonly sourceFile: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

describe("the API reference page", () => {
  it("renders the composed service's operations with no CSP violation and no request elsewhere", {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => {
      requested.push(request.url());
    });
    // Installed through the DevTools protocol, which the page's CSP does not govern.
    await page.addInitScript(() => {
      const scope = globalThis as unknown as {
        violations: string[];
        document: { addEventListener(type: string, listener: (event: Violation) => void): void };
      };
      scope.violations = [];
      scope.document.addEventListener("securitypolicyviolation", (event) => {
        scope.violations.push(
          `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
        );
      });
    });

    const response = await page.goto(`${url}/docs`);
    await page.getByText("/api/v1/auth/login").first().click({ timeout: 20_000 });
    await page.getByText("INVALID_CREDENTIALS").first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: "test-results/api-reference.png" }).catch(() => undefined);

    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/docs/");
    expect(await page.title()).toBe("SuperOAuth API reference");
    expect(await page.getByText("SuperOAuth API").first().isVisible()).toBe(true);
    const violations = await page.evaluate(
      () => (globalThis as unknown as { violations: string[] }).violations,
    );
    // Zod, inside Scalar, probes whether it may compile with Function("") and works without: eval
    // stays blocked on purpose. Anything else blocked would be something the page needs.
    expect(violations.filter((violation) => !violation.startsWith("script-src eval "))).toStrictEqual([]);
    const elsewhere = requested.filter(
      (address) => !address.startsWith(`${url}/`) && !address.startsWith("data:"),
    );
    expect(elsewhere).toStrictEqual([]);
    expect(requested).toContain(`${url}/docs/openapi.json`);
    // As a person meets it: axe-core finds nothing on the page with an operation open.
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await axeViolations(page)).toStrictEqual([]);
    await page.close();
  });

  it("is usable with the keyboard alone: Tab reaches the search and every operation, Enter opens them", {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/docs`);
    await page.getByText("SuperOAuth API").first().waitFor({ timeout: 20_000 });
    const focused = () =>
      page.evaluate(() => {
        const element = (
          globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }
        ).document.activeElement;
        return (element?.textContent ?? "").replace(/\s+/g, " ").trim();
      });
    const search = page.getByRole("combobox", { name: "Enter search query" });

    // The first stop is the search; Enter opens its dialog (the query field takes the focus), Escape
    // closes it and gives the focus back.
    await page.keyboard.press("Tab");
    expect(await focused()).toMatch(/^Open Search/);
    await page.keyboard.press("Enter");
    await search.waitFor({ state: "visible", timeout: 10_000 });
    expect(await search.evaluate((field) => field === field.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press("Escape");
    await search.waitFor({ state: "hidden", timeout: 10_000 });
    expect(await focused()).toMatch(/^Open Search/);

    // Searching by keyboard leads to the operation found.
    await page.keyboard.press("Enter");
    await search.waitFor({ state: "visible", timeout: 10_000 });
    await page.keyboard.type("refresh");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#tag\/sign-in\/POST\/api\/v1\/auth\/refresh$/, { timeout: 10_000 });
    await page.getByText("INVALID_REFRESH_TOKEN").first().waitFor({ timeout: 10_000 });
    expect(await search.isVisible()).toBe(false);

    // The focus is back on the search; from there the sidebar's operations are the next links in
    // the tab order, and Enter on one shows it.
    expect(await focused()).toMatch(/^Open Search/);
    const stops: string[] = [];
    while (stops.length < 30 && !stops.at(-1)?.startsWith("/api/v1/auth/login")) {
      await page.keyboard.press("Tab");
      stops.push(await focused());
    }
    expect(stops.at(-1)).toMatch(/^\/api\/v1\/auth\/login.*POST/);
    await page.keyboard.press("Enter");
    await page.waitForURL(/#tag\/sign-in\/POST\/api\/v1\/auth\/login$/, { timeout: 10_000 });
    await page.getByText("INVALID_CREDENTIALS").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: "test-results/api-reference-keyboard.png" }).catch(() => undefined);
    await page.close();
  });
});
