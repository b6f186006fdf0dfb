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
});
