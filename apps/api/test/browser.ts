import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import type { FakeIdentity, FakeProviders } from "@superoauth/adapter-oauth/testing";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page, one line each (run through the DevTools protocol, which the page's CSP does not govern). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> };
      }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

/** Debian's Chromium (never a downloaded browser); CHROMIUM_PATH overrides. */
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The flags Playwright adds that change what the browser's history shows: it turns off the
 * back/forward cache (Back and Forward then always load the page again) and the prompt before a
 * form is sent again. A person's Chromium has both.
 */
const historyFlags = ["--disable-back-forward-cache", "--disable-prompt-on-repost"];

/**
 * Starts headless Chromium for a browser test, or fails with what to install: a browser test
 * must never skip. The flags keep it off the network, which this machine closes anyway.
 * `history: "as shipped"` keeps the back/forward cache on, as in a person's browser, for tests of
 * what Back, Forward and Reload show.
 */
export async function launchChromium(options: { history?: "as shipped" } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    ...(options.history === "as shipped" ? { ignoreDefaultArgs: historyFlags } : {}),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A port of 127.0.0.1 free right now, for a server whose URL must be known before it listens. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How a checked page's profile differs from the default one. */
export interface CheckedPageOptions {
  javaScriptEnabled?: boolean;
  viewport?: { width: number; height: number };
}

/** What a signed-in profile keeps (its cookies), for a fresh profile to start signed in. */
export type SignedInState = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * A fresh browser profile whose page collects every console error (but a failed resource load,
 * whose status the tests check themselves) and page error, for the test to expect none (a CSP
 * violation is a console error).
 */
export async function newCheckedPage(
  browser: Browser,
  options: CheckedPageOptions & { storageState?: SignedInState } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
    ...(options.storageState === undefined ? {} : { storageState: options.storageState }),
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return { context, page, problems };
}

/**
 * People signed in once for a whole file, for the tests in which signing in is set-up, not the
 * subject: each sign-in through the pages costs an argon2id verification and three page loads, and
 * the browser files did it in nearly every test (about a second each on a 2-core machine). The
 * first `open` of a name signs in with `signIn` in a profile of its own and keeps its cookies;
 * every `open` then starts a fresh checked profile with those cookies and goes to `path`, failing
 * unless the page is there (not sent to sign-in). A test that ends a person's sessions, or is about
 * the sign-in, signs that person in itself instead.
 */
export function keptSessions(input: {
  browser: () => Browser;
  baseURL: () => string;
  signIn: (page: Page, name: string) => Promise<void>;
}): {
  open(
    name: string,
    path: string,
    options?: CheckedPageOptions,
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
} {
  const kept = new Map<string, Promise<SignedInState>>();
  const stateOf = (name: string): Promise<SignedInState> => {
    const known = kept.get(name);
    if (known !== undefined) return known;
    const state = (async () => {
      const context = await input.browser().newContext();
      try {
        await input.signIn(await context.newPage(), name);
        return await context.storageState();
      } finally {
        await context.close();
      }
    })();
    // A failed sign-in is not kept: the next test tries again, and fails on its own.
    state.catch(() => kept.delete(name));
    kept.set(name, state);
    return state;
  };
  return {
    async open(name, path, options = {}) {
      const checked = await newCheckedPage(input.browser(), {
        ...options,
        storageState: await stateOf(name),
      });
      const url = `${input.baseURL()}${path}`;
      await checked.page.goto(url);
      if (checked.page.url() !== url) {
        throw new Error(
          `${name}'s kept session did not open ${path}: the browser is at ${checked.page.url()}`,
        );
      }
      return checked;
    },
  };
}

/**
 * Answers the context's trips to github.com with the fake GitHub, as GitHub would: it approves the
 * authorization request for `identity` and redirects the browser to the callback at `baseURL`.
 */
export async function routeGitHubToFake(
  context: BrowserContext,
  input: { fake: FakeProviders; identity: FakeIdentity; baseURL: string },
): Promise<void> {
  await context.route("https://github.com/**", async (route) => {
    const back = input.fake.approve(route.request().url(), input.identity);
    const query = new URLSearchParams({ code: back.code, state: back.state });
    await route.fulfill({
      status: 302,
      headers: { location: `${input.baseURL}/api/v1/oauth/github/callback?${query}` },
    });
  });
}

/**
 * The brightness (0 black to 255 white, the mean of R, G and B) of pixels of a PNG screenshot, at
 * (x, y) in CSS pixels from its top left; negative x counts from the right edge. Decoded by the
 * browser itself in a blank page of `browser` (no image library in the tests' dependencies).
 */
export async function brightnessIn(
  browser: Browser,
  png: Buffer,
  points: readonly (readonly [x: number, y: number])[],
): Promise<number[]> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(
      async ({ base64, points }) => {
        // The page's DOM, typed here by hand: the tests are compiled without the DOM library.
        interface Bitmap {
          readonly width: number;
          readonly height: number;
        }
        interface Drawing {
          drawImage(image: Bitmap, x: number, y: number): void;
          getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
        }
        const dom = globalThis as unknown as {
          createImageBitmap(blob: Blob): Promise<Bitmap>;
          OffscreenCanvas: new (width: number, height: number) => { getContext(kind: "2d"): Drawing | null };
        };
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const bitmap = await dom.createImageBitmap(new Blob([bytes], { type: "image/png" }));
        const canvas = new dom.OffscreenCanvas(bitmap.width, bitmap.height);
        const drawing = canvas.getContext("2d");
        if (drawing === null) throw new Error("no 2d context");
        drawing.drawImage(bitmap, 0, 0);
        return points.map(([x, y]) => {
          const [r = 0, g = 0, b = 0] = drawing.getImageData(x < 0 ? bitmap.width + x : x, y, 1, 1).data;
          return (r + g + b) / 3;
        });
      },
      { base64: png.toString("base64"), points },
    );
  } finally {
    await context.close();
  }
}
