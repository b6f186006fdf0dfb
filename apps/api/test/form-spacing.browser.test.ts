import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";

// The pages' stylesheet on its own: a form's button keeps the same distance from the field above it
// whether it is the main (brand) button or a plain one ("Turn off two-step verification" and
// "Change the role" sat 6 px under their fields, against 18 for a main button, until 2026-12-06).

const css = readFileSync(new URL("../../../packages/adapter-web/assets/web.css", import.meta.url), "utf8");

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the pages' forms", () => {
  it("a plain button sits as far below its field as a main one", async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.setContent(
      `<!doctype html><html lang="en"><head><style>${css}</style></head><body><main>
      <form class="stack"><label for="a">Code</label><input id="a"><button class="primary" id="main">Make</button></form>
      <form class="stack"><label for="b">Code</label><input id="b"><button id="plain">Turn off</button></form>
      </main></body></html>`,
    );
    const gap = async (input: string, button: string) => {
      const [field, pressed] = await Promise.all([
        page.locator(input).boundingBox(),
        page.locator(button).boundingBox(),
      ]);
      if (field === null || pressed === null) throw new Error("not laid out");
      return Math.round(pressed.y - (field.y + field.height));
    };
    const main = await gap("#a", "#main");
    expect(main).toBeGreaterThanOrEqual(15);
    expect(await gap("#b", "#plain")).toBe(main);
    await page.close();
  });

  it("two hints in a row stand apart, as two notes", async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.setContent(
      `<!doctype html><html lang="en"><head><style>${css}</style></head><body><main>
      <p class="hint" id="first">A new link goes to the address above.</p>
      <p class="hint" id="second">Mark the address verified only once you are sure.</p>
      </main></body></html>`,
    );
    const [first, second] = await Promise.all([
      page.locator("#first").boundingBox(),
      page.locator("#second").boundingBox(),
    ]);
    if (first === null || second === null) throw new Error("not laid out");
    expect(Math.round(second.y - (first.y + first.height))).toBeGreaterThanOrEqual(6);
    await page.close();
  });

  it("in forced colors a button drawn as a link has the links' colour, not that of the words around it", async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.emulateMedia({ forcedColors: "active" });
    await page.setContent(
      `<!doctype html><html lang="en"><head><style>${css}</style></head><body><main>
      <p id="words">Not you? <button type="submit" class="link">Use another account</button> or <a href="/account">your account</a></p>
      </main></body></html>`,
    );
    // A string, evaluated in the page: the tests are compiled without the DOM library.
    const colorOf = (selector: string) =>
      page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).color`);
    expect(await colorOf("button.link")).toBe(await colorOf("a"));
    expect(await colorOf("button.link")).not.toBe(await colorOf("#words"));
    await page.close();
  });
});
