import { buildHttpApp, type HttpApp } from "@superoauth/adapter-http";
import {
  createBrowserSessions,
  createHostedPages,
  createPageAssets,
  createProviderPages,
  pageHeaders,
} from "@superoauth/adapter-web";
import { FakeInteractions } from "@superoauth/adapter-web/testing";
import type { ProviderPages } from "@superoauth/application";
import { createUseCases, type UseCases } from "@superoauth/application";
import { createInMemoryDependencies, enableTwoFactorFor } from "@superoauth/application/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, freePort, launchChromium, newCheckedPage } from "./browser.ts";

// The hosted pages as a person meets them, in Debian's Chromium: every page checked with axe-core,
// walked with the keyboard alone and with JavaScript off, screenshots kept in test-results/. The
// provider is the in-memory FakeInteractions (adapter-oidc is wired by the composition root); the
// accounts are real use cases over in-memory ports.

const password = "Browser-pass1!";
const shots = "test-results/hosted-pages";
const client = {
  clientId: "app-1",
  name: "Example App",
  logoURL: null,
  homepageURL: "https://app.example",
  native: false,
  privateUseSchemes: [],
};

let app: HttpApp;
let browser: Browser;
let baseURL: string;
let interactions: FakeInteractions;
let useCases: UseCases;
let deps: ReturnType<typeof createInMemoryDependencies>;
let twoFactorCode: () => string;

/** The provider's own pages, served by test routes so they can be checked like the others. */
function providerPageRoutes(pages: ProviderPages) {
  const form = (id: string) => `<form id="${id}" method="post" action="/test/provider/submitted"></form>`;
  const rendered: Record<string, string> = {
    error: pages.error({ error: "invalid_redirect_uri", description: null, during: "sign-in" }),
    "sign-out-error": pages.error({
      error: "invalid_request",
      description: "could not find logout details",
      during: "sign-out",
    }),
    "logout-confirm": pages.logoutConfirm({
      formHTML: form("op.logoutForm"),
      formId: "op.logoutForm",
      clientName: "Example App",
    }),
    "logout-done": pages.logoutDone({ clientName: "Example App" }),
    "device-input": pages.deviceCodeInput({
      formHTML: form("op.deviceInputForm"),
      formId: "op.deviceInputForm",
      error: null,
    }),
    "device-input-error": pages.deviceCodeInput({
      formHTML: form("op.deviceInputForm"),
      formId: "op.deviceInputForm",
      error: "That code is not valid. Check it and try again.",
    }),
    "device-confirm": pages.deviceConfirm({
      formHTML: form("op.deviceConfirmForm"),
      formId: "op.deviceConfirmForm",
      clientName: "Example TV",
      userCode: "WDJB-MJHT",
      scopes: ["openid", "profile", "offline_access"],
    }),
    "device-done": pages.deviceDone({ clientName: "Example TV", approved: true }),
  };
  return async (server: HttpApp) => {
    server.get("/test/provider/:page", async (request, reply) => {
      const html = rendered[(request.params as { page: string }).page];
      if (html === undefined) return reply.code(404).send();
      return reply.headers(pageHeaders()).type("text/html; charset=utf-8").send(html);
    });
    await server.register(async (scope) => {
      scope.addContentTypeParser(
        "application/x-www-form-urlencoded",
        { parseAs: "string" },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
      );
      scope.post("/test/provider/submitted", async (request, reply) =>
        reply.headers(pageHeaders()).type("text/plain").send(JSON.stringify(request.body)),
      );
    });
    // Where the fake provider sends the browser once an interaction is finished.
    server.get("/oidc/auth/:uid/:kind", async (request, reply) => {
      const { kind } = request.params as { kind: string };
      return reply
        .headers(pageHeaders())
        .type("text/html; charset=utf-8")
        .send(
          `<!doctype html><html lang="en"><head><title>Provider</title></head><body><main><h1 id="done">Back at the provider: ${kind === "login" || kind === "consent" || kind === "deny" ? kind : "?"}</h1></main></body></html>`,
        );
    });
  };
}

beforeAll(async () => {
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  deps = createInMemoryDependencies();
  useCases = createUseCases(deps);
  interactions = new FakeInteractions();
  const cookies = { secureCookies: false, hostPrefixedCookies: false };
  const theme = { name: "Acme Accounts", logoURL: null, color: "#0b6e4f" };
  app = await buildHttpApp({
    useCases,
    trustProxy: false,
    checkReadiness: async () => true,
    cookieSecret: "browser-cookie-secret-0123456789abcdefgh",
    rateLimit: {
      enabled: true,
      windowMs: 60_000,
      loginMax: 1000,
      registerMax: 1000,
      generalMax: 1000,
      emailMax: 1000,
    },
    plugins: [
      createPageAssets({ theme }),
      createHostedPages({
        useCases,
        interactions,
        browserSessions: createBrowserSessions({ useCases, cookies, maxAgeSeconds: 3600 }),
        theme,
        cookies,
        secret: "browser-hosted-pages-secret-0123456789",
        requireEmailVerification: false,
        clock: deps.clock,
      }),
      providerPageRoutes(createProviderPages({ theme })),
    ],
  });
  await app.listen({ host: "127.0.0.1", port });
  for (const [email, nickname] of [
    ["ada@example.com", "ada"],
    ["grace@example.com", "grace"],
  ] as const) {
    const signedUp = await useCases.registerWithPassword({ email, password, nickname, client: {} });
    if (!signedUp.ok) throw new Error("sign-up failed");
    if (nickname === "grace") {
      const auth = await useCases.authenticateAccessToken({ token: signedUp.value.accessToken });
      if (!auth.ok) throw new Error("no session");
      twoFactorCode = (await enableTwoFactorFor(deps, auth.value.session)).codeNow;
    }
  }
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh browser profile whose pages fail the test on any CSP violation or page error. */
const newPage = (options: { javaScriptEnabled?: boolean } = {}) => newCheckedPage(browser, options);

/** Runs axe-core on the page (through the DevTools protocol, which the page's CSP does not govern). */
async function expectAccessible(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, name).toEqual([]);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

/** The focusable elements in Tab order, each described by tag and name or text. */
async function tabOrder(page: Page, steps: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press("Tab");
    seen.push(
      (await page.evaluate(`(() => {
        const el = document.activeElement;
        if (el === null || el === document.body) return "body";
        const name = el.getAttribute("name") ?? el.textContent?.trim() ?? "";
        return el.tagName.toLowerCase() + ":" + name;
      })()`)) as string,
    );
  }
  return seen;
}

describe("hosted pages in Chromium", () => {
  it("signs in with a password using the keyboard alone, every page accessible", {
    timeout: 120_000,
  }, async () => {
    interactions.open({
      uid: "kb-1",
      prompt: "login",
      client,
      loginHint: null,
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    const { context, page, problems } = await newPage();
    await page.goto(`${baseURL}/interaction/kb-1`);
    await expectAccessible(page, "sign-in");
    // The email field has focus on arrival (autofocus); Tab goes on through every control in reading order.
    expect(await page.evaluate(`document.activeElement?.getAttribute("name")`)).toBe("email");
    expect(await tabOrder(page, 7)).toEqual([
      "input:password",
      "button:Sign in",
      "a:Forgot your password?",
      "a:Resend the verification email",
      "a:Create an account",
      // The foot of every page: the status page (and support, when SUPPORT_URL is set).
      "a:Service status",
      "body",
    ]);
    await page.focus("#email");
    await page.keyboard.type("ada@example.com");
    await page.keyboard.press("Tab");
    await page.keyboard.type(password);
    await Promise.all([page.waitForURL(`${baseURL}/oidc/auth/kb-1/login`), page.keyboard.press("Enter")]);
    expect(await page.textContent("#done")).toBe("Back at the provider: login");

    // Single sign-on: the next interaction offers to continue as ada.
    interactions.open({
      uid: "kb-2",
      prompt: "login",
      client,
      loginHint: null,
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    await page.goto(`${baseURL}/interaction/kb-2`);
    await expectAccessible(page, "continue-as");
    // "Use another account": the form, saying whose place it takes, with the way back.
    await page.click("text=Use another account");
    await expectAccessible(page, "use-another-account");
    expect(await page.textContent("#switching")).toContain("This browser is signed in as ada@example.com.");
    await page.click("#switching a");
    await Promise.all([
      page.waitForURL(`${baseURL}/oidc/auth/kb-2/login`),
      page.click("text=Continue as ada"),
    ]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a wrong password accessibly, then signs in with the second factor", {
    timeout: 120_000,
  }, async () => {
    interactions.open({
      uid: "mfa-1",
      prompt: "login",
      client,
      loginHint: "grace@example.com",
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    const { context, page, problems } = await newPage();
    await page.goto(`${baseURL}/interaction/mfa-1`);
    await page.fill("#password", "Wrong-pass1!");
    await page.click("button:has-text('Sign in')");
    expect(await page.textContent("#form-error")).toBe("Invalid email or password");
    await expectAccessible(page, "sign-in-error");
    await page.fill("#password", password);
    await Promise.all([
      page.waitForURL(`${baseURL}/interaction/mfa-1/two-factor`),
      page.click("button:has-text('Sign in')"),
    ]);
    await expectAccessible(page, "two-factor");
    await page.fill("#code", "000000");
    await page.click("button:has-text('Verify')");
    await expectAccessible(page, "two-factor-error");
    await page.fill("#code", twoFactorCode());
    await Promise.all([
      page.waitForURL(`${baseURL}/oidc/auth/mfa-1/login`),
      page.click("button:has-text('Verify')"),
    ]);
    expect(interactions.finished.at(-1)).toMatchObject({ uid: "mfa-1", amr: ["pwd", "otp", "mfa"] });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("signs up, with its validation errors accessible", { timeout: 120_000 }, async () => {
    interactions.open({
      uid: "up-1",
      prompt: "login",
      client,
      loginHint: null,
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    const { context, page } = await newPage();
    await page.goto(`${baseURL}/interaction/up-1/sign-up`);
    await expectAccessible(page, "sign-up");
    await page.fill("#nickname", "<b>x</b>");
    await page.fill("#email", "new@example.com");
    await page.fill("#password", password);
    await page.click("button:has-text('Create account')");
    await expectAccessible(page, "sign-up-errors");
    expect(await page.inputValue("#nickname")).toBe("<b>x</b>");
    await page.fill("#nickname", "newcomer");
    await page.fill("#password", password);
    await Promise.all([
      page.waitForURL(`${baseURL}/oidc/auth/up-1/login`),
      page.click("button:has-text('Create account')"),
    ]);
    await context.close();
  });

  it("asks for consent, and allows or denies", { timeout: 120_000 }, async () => {
    const ada = await deps.users.findUserByEmail("ada@example.com" as never);
    for (const [uid, decision] of [
      ["consent-1", "Allow"],
      ["consent-2", "Deny"],
    ] as const) {
      interactions.open({
        uid,
        prompt: "consent",
        // The second as a native app: the page says it will ask each time.
        client: { ...client, name: "Photo <Printer>", native: decision === "Deny" },
        accountId: ada?.id ?? "",
        scopes: ["openid", "profile", "email", "offline_access", "user:read"],
        newScopes: ["openid", "profile", "email", "offline_access", "user:read"],
      });
      const { context, page } = await newPage();
      await page.goto(`${baseURL}/interaction/${uid}`);
      await expectAccessible(page, decision === "Allow" ? "consent" : "consent-native-app");
      expect(await page.textContent("h1")).toBe("Allow Photo <Printer>?");
      await Promise.all([page.waitForURL(/\/oidc\/auth\//), page.click(`button:has-text('${decision}')`)]);
      await context.close();
    }
    expect(interactions.finished.slice(-2)).toEqual([
      { uid: "consent-1", kind: "consent", remember: true },
      { uid: "consent-2", kind: "deny" },
    ]);
  });

  it("works with JavaScript disabled", async () => {
    interactions.open({
      uid: "nojs-1",
      prompt: "login",
      client,
      loginHint: null,
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    const { context, page } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${baseURL}/interaction/nojs-1`);
    await page.fill("#email", "ada@example.com");
    await page.fill("#password", password);
    await Promise.all([
      page.waitForURL(`${baseURL}/oidc/auth/nojs-1/login`),
      page.click("button:has-text('Sign in')"),
    ]);
    await page.screenshot({ path: `${shots}/no-javascript-done.png` });
    // The provider's device form: the code field lives outside the library's form and joins it by id.
    await page.goto(`${baseURL}/test/provider/device-input`);
    await page.fill("#user_code", "WDJB-MJHT");
    await Promise.all([
      page.waitForURL(`${baseURL}/test/provider/submitted`),
      page.click("button:has-text('Continue')"),
    ]);
    expect(await page.textContent("body")).toBe('{"user_code":"WDJB-MJHT"}');
    await context.close();
  });

  it("renders the error page and the provider's pages accessibly", { timeout: 180_000 }, async () => {
    const { context, page, problems } = await newPage();
    await page.goto(`${baseURL}/interaction/unknown-uid`);
    await expectAccessible(page, "expired-interaction");
    for (const name of [
      "error",
      "sign-out-error",
      "logout-confirm",
      "logout-done",
      "device-input",
      "device-input-error",
      "device-confirm",
      "device-done",
    ]) {
      await page.goto(`${baseURL}/test/provider/${name}`);
      await expectAccessible(page, `provider-${name}`);
    }
    // The logout buttons submit the library's form, with the button's value.
    await page.goto(`${baseURL}/test/provider/logout-confirm`);
    await Promise.all([
      page.waitForURL(`${baseURL}/test/provider/submitted`),
      page.click("text=Yes, sign out"),
    ]);
    expect(await page.textContent("body")).toBe('{"logout":"yes"}');
    expect(problems).toEqual([]);
    await context.close();
  });
});
