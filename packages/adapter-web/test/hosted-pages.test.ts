import { OverloadedError } from "@superoauth/application";
import { enableTwoFactorFor } from "@superoauth/application/testing";
import { durationInWords, type Email, type UserId } from "@superoauth/domain";
import Fastify, { type LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
// The HTTP adapter's own log-capturing helper (a test file, so no package dependency between adapters).
import { capturingLogger } from "../../adapter-http/test/test-app.ts";
import { browserSessionCookieName, createAdminPages, createPageKit, defaultTheme } from "../src/index.ts";
import { expectPrefilledRequest, signIn } from "./account-helpers.ts";
import {
  Browser,
  buildHostedTestApp,
  changeAccount,
  client,
  csrfTokenIn,
  hiddenFieldsIn,
  loginInteraction,
  signUpAda,
  signUpBob,
  strongPassword,
} from "./test-app.ts";

const csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'";

function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.headers["content-security-policy"]).toMatch(
    /^default-src 'none'; script-src 'self'; style-src 'self';/,
  );
  expect(response.headers["x-frame-options"]).toBe("DENY");
  // No inline script, style or event handler: only escaped text could spell one.
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

/** The ids of a page's fields marked `aria-invalid`, each described by the form's error first. */
function fieldsMarkedInvalid(html: string): string[] {
  return [...html.matchAll(/<input id="([^"]+)"[^>]*aria-invalid="true" aria-describedby="form-error"/g)].map(
    (match) => match[1] ?? "",
  );
}

async function withAccount(options: Parameters<typeof buildHostedTestApp>[0] = {}) {
  const built = await buildHostedTestApp(options);
  const signedUp = await signUpAda(built.useCases);
  built.interactions.open(loginInteraction("login-1"));
  return { ...built, user: signedUp.user, browser: new Browser(built.app) };
}

/** An account with two-step verification on, signed in once to turn it on. */
async function withTwoFactorAccount(options: Parameters<typeof buildHostedTestApp>[0] = {}) {
  const built = await withAccount(options);
  return { ...built, ...(await turnOnTwoFactor(built, "ada@example.com")) };
}

/** Turns two-step verification on for the account of `email` (its password: strongPassword). */
async function turnOnTwoFactor(built: Awaited<ReturnType<typeof withAccount>>, email: string) {
  const signedIn = await built.useCases.logInWithPassword({ email, password: strongPassword, client: {} });
  if (!signedIn.ok || "mfaRequired" in signedIn.value) throw new Error("sign-in failed");
  const auth = await built.useCases.authenticateAccessToken({ token: signedIn.value.accessToken });
  if (!auth.ok) throw new Error("no session");
  return enableTwoFactorFor(built.deps, auth.value.session);
}

describe("the sign-in page", () => {
  it("renders the form with a CSRF token, the strict CSP and links to recovery, sign-up and the providers", async () => {
    const { browser } = await withAccount();
    const page = await browser.get("/interaction/login-1");
    expectPage(page, 200);
    expect(page.headers["content-security-policy"]).toBe(csp);
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<label for="email">');
    expect(page.body).toContain('href="/interaction/login-1/forgot-password"');
    expect(page.body).toContain('href="/interaction/login-1/resend-verification"');
    expect(page.body).toContain('href="/interaction/login-1/sign-up"');
    expect(csrfTokenIn(page.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = page.cookies.find((c) => c.name === "superoauth_csrf");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  });

  it("keeps its opener, for an app running the flow in a popup; the account center's sign-in does not", async () => {
    const { browser } = await withAccount();
    const interaction = await browser.get("/interaction/login-1");
    expectPage(interaction, 200);
    expect(interaction.headers["cross-origin-opener-policy"]).toBeUndefined();
    const account = await browser.get("/account/sign-in");
    expectPage(account, 200);
    expect(account.headers["cross-origin-opener-policy"]).toBe("same-origin");
  });

  it("answers an unknown or expired interaction with an error page, never a redirect", async () => {
    const { browser, interactions } = await withAccount();
    for (const url of ["/interaction/nope", "/interaction/nope/sign-up", "/interaction/nope/two-factor"]) {
      const page = await browser.get(url);
      expectPage(page, 400);
      expect(page.headers.location).toBeUndefined();
      expect(page.body).toContain("This sign-in has ended");
      // In a popup, the app's window is still told once the person starts again from the app.
      expect(page.headers["cross-origin-opener-policy"]).toBeUndefined();
    }
    interactions.close("login-1");
    expectPage(await browser.get("/interaction/login-1"), 400);
  });

  it("signs in with a password: a browser session cookie, the provider told who (amr pwd), 303 back to it", async () => {
    const { browser, interactions, user, deps } = await withAccount();
    const response = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/oidc/auth/login-1/login");
    expect(interactions.finished).toEqual([
      { uid: "login-1", kind: "login", accountId: user.id, amr: ["pwd"] },
    ]);
    const session = response.cookies.find((c) => c.name === browserSessionCookieName);
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });

    // The next interaction offers to continue as this account (single sign-on).
    interactions.open(loginInteraction("login-2"));
    const next = await browser.get("/interaction/login-2");
    expect(next.body).toContain("Continue as ada");
    const continued = await browser.post(
      "/interaction/login-2/continue",
      hiddenFieldsIn(next.body, "/interaction/login-2/continue"),
    );
    expect(continued.statusCode).toBe(303);
    // The app's ID token says when the person signed in (auth_time), not now, and how (amr).
    expect(interactions.finished.at(-1)).toEqual({
      uid: "login-2",
      kind: "login",
      accountId: user.id,
      amr: ["pwd"],
      authenticatedAt: deps.clock.now(),
    });
    // "Use another account" shows the form instead, says whose place the new sign-in takes in this
    // browser, and links back to continuing.
    const another = await browser.get("/interaction/login-2?another=1");
    expect(another.body).toContain('name="password"');
    expect(another.body).toContain(
      'This browser is signed in as <strong>ada@example.com</strong>. Signing in below to another account replaces it in this browser. <a href="/interaction/login-2">Continue as ada</a>',
    );
  });

  it("does not let the browser session stand in for a fresh sign-in (prompt=login) or one older than max_age", async () => {
    const { browser, interactions, user, deps } = await withAccount();
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    const signedInAt = deps.clock.now();
    deps.clock.advance(10 * 60_000);
    const open = (uid: string, asked: { loginPrompted: boolean; maxAgeSeconds: number | null }) =>
      interactions.open(loginInteraction(uid, asked));

    // The app asked for a fresh sign-in, or for one at most five minutes old: the form, and
    // "continue" posted anyway goes back to it without finishing.
    for (const [uid, asked] of [
      ["fresh-1", { loginPrompted: true, maxAgeSeconds: null }],
      ["young-1", { loginPrompted: false, maxAgeSeconds: 300 }],
    ] as const) {
      open(uid, asked);
      const page = await browser.get(`/interaction/${uid}`);
      expectPage(page, 200);
      expect(page.body).not.toContain("Continue as");
      expect(page.body).toContain('name="password"');
      // Signed in, but not allowed to stand in: said, with no way to continue offered.
      expect(page.body).toContain("This browser is signed in as <strong>ada@example.com</strong>.");
      const continued = await browser.post(`/interaction/${uid}/continue`, {
        csrf_token: csrfTokenIn(page.body),
      });
      expect(continued.statusCode).toBe(303);
      expect(continued.headers.location).toBe(`/interaction/${uid}`);
      expect(interactions.finished.filter((f) => f.uid === uid)).toEqual([]);
    }

    // Ten minutes is within an hour: continuing is offered, and says when the person signed in.
    open("hour-1", { loginPrompted: false, maxAgeSeconds: 3600 });
    const page = await browser.get("/interaction/hour-1");
    expect(page.body).toContain("Continue as ada");
    await browser.post(
      "/interaction/hour-1/continue",
      hiddenFieldsIn(page.body, "/interaction/hour-1/continue"),
    );
    expect(interactions.finished.at(-1)).toEqual({
      uid: "hour-1",
      kind: "login",
      accountId: user.id,
      amr: ["pwd"],
      authenticatedAt: signedInAt,
    });
  });

  it("continues only as the account its button named: a sign-in in another tab since is asked about again, not used", async () => {
    const { browser, interactions, user, useCases } = await withAccount();
    await signUpBob(useCases);
    // Tab one: bob signs in to one app; its next sign-in offers "Continue as bob".
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "bob@example.com",
      password: strongPassword,
    });
    interactions.open(loginInteraction("login-2"));
    const bobsPage = await browser.get("/interaction/login-2");
    expect(bobsPage.body).toContain("Continue as bob");
    // Tab two: "Use another account" at a third app's sign-in, as ada, which replaces bob here.
    interactions.open(loginInteraction("login-3"));
    await browser.submit("/interaction/login-3?another=1", "/interaction/login-3/login", {
      email: "ada@example.com",
      password: strongPassword,
    });

    // "Continue as bob" in tab one: the app is not signed in as ada; the page asks again.
    const refused = await browser.post(
      "/interaction/login-2/continue",
      hiddenFieldsIn(bobsPage.body, "/interaction/login-2/continue"),
    );
    expectPage(refused, 409);
    expect(refused.body).toContain(
      "This browser signed in as ada@example.com after this page opened, so you were not signed in to Example App. Choose again.",
    );
    expect(refused.body).toContain("Continue as ada");
    expect(interactions.finished.filter((finished) => finished.uid === "login-2")).toEqual([]);
    // A button of a page from before the field (kept open across an update) is asked again too.
    const unmarked = await browser.post("/interaction/login-2/continue", {
      csrf_token: csrfTokenIn(refused.body),
    });
    expectPage(unmarked, 409);
    expect(unmarked.body).toContain(
      "This page was loaded before an update of the service, so you were not signed in to Example App. Choose again.",
    );
    expect(interactions.finished.filter((finished) => finished.uid === "login-2")).toEqual([]);
    // Chosen again from that page: ada, as it said.
    const continued = await browser.post(
      "/interaction/login-2/continue",
      hiddenFieldsIn(refused.body, "/interaction/login-2/continue"),
    );
    expect(continued.statusCode).toBe(303);
    expect(interactions.finished.at(-1)).toMatchObject({ uid: "login-2", kind: "login", accountId: user.id });
  });

  it("shows a wrong password as a 401 page with the error tied to the fields, keeping the address", async () => {
    const { browser, interactions } = await withAccount();
    const response = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: "Wrong-password-1",
    });
    expectPage(response, 401);
    expect(response.body).toContain('id="form-error" class="error" role="alert">Invalid email or password');
    expect(fieldsMarkedInvalid(response.body)).toEqual(["email", "password"]);
    expect(response.body).toContain('value="ada@example.com"');
    expect(response.cookies.find((c) => c.name === browserSessionCookieName)).toBeUndefined();
    expect(interactions.finished).toEqual([]);
  });

  it("a lock at the password step says whom to ask if it outlasts the wait (the team, by name, without SUPPORT_URL)", async () => {
    const built = await withAccount();
    const { browser } = built;
    const { first, last } = await browser.signInUntilLocked(
      "/interaction/login-1",
      "/interaction/login-1/login",
    );
    expect(first.body).not.toContain("Still locked once the wait is over?");
    expect(first.body).not.toContain("to lift the lock");
    expectPage(last, 423);
    expect(last.body).toContain(
      "<p>Still locked once the wait is over? Ask the team that runs SuperOAuth.</p>",
    );
    // The reset opens with the address just typed, which rides in the form, not in a URL.
    await expectPrefilledRequest(built, last, {
      action: "/interaction/login-1/forgot-password",
      text: "Reset your password to lift the lock",
    });
    // The account is locked, not the address or the password wrong: neither field is marked.
    expect(fieldsMarkedInvalid(last.body)).toEqual([]);
  });

  it("a disabled account's refusal (403) says whom to ask, as the error reference tells a client to", async () => {
    const { browser, deps, user } = await withAccount();
    await changeAccount(deps, user.id, { status: "disabled" });
    const response = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    expectPage(response, 403);
    expect(response.body).toContain("This account has been disabled");
    expect(response.body).toContain("<p>Think this is a mistake? Ask the team that runs SuperOAuth.</p>");
    expect(fieldsMarkedInvalid(response.body)).toEqual([]);
  });

  it("a lock at the second factor links this app's password reset, which lifts it", async () => {
    const built = await withTwoFactorAccount();
    const { browser } = built;
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    const step = "/interaction/login-1/two-factor";
    let last = await browser.submit(step, step, { code: "000000" });
    expect(last.body).not.toContain("Reset your password to lift the lock");
    for (let i = 0; i < 10 && last.statusCode !== 423; i++) {
      last = await browser.submit(step, step, { code: "000000" });
    }
    expectPage(last, 423);
    await expectPrefilledRequest(built, last, {
      action: "/interaction/login-1/forgot-password",
      text: "Reset your password to lift the lock",
    });
  });

  it("asks for the second factor and finishes with amr pwd, otp, mfa", async () => {
    const { browser, interactions, deps, user, codeNow } = await withTwoFactorAccount();

    const first = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe("/interaction/login-1/two-factor");
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();

    const wrong = await browser.submit("/interaction/login-1/two-factor", "/interaction/login-1/two-factor", {
      code: "000000",
    });
    expectPage(wrong, 401);
    expect(wrong.body).toContain('aria-describedby="code-error"');

    const right = await browser.submit("/interaction/login-1/two-factor", "/interaction/login-1/two-factor", {
      code: codeNow(),
    });
    expect(right.statusCode).toBe(303);
    expect(interactions.finished).toEqual([
      { uid: "login-1", kind: "login", accountId: user.id, amr: ["pwd", "otp", "mfa"] },
    ]);
    expect(browser.cookie(browserSessionCookieName)).toBeDefined();
    expect(browser.cookie("superoauth_mfa")).toBeUndefined();

    // Single sign-on from this session says both factors too, and when they were proven.
    const signedInAt = deps.clock.now();
    deps.clock.advance(60_000);
    interactions.open(loginInteraction("login-2"));
    const next = await browser.get("/interaction/login-2");
    await browser.post(
      "/interaction/login-2/continue",
      hiddenFieldsIn(next.body, "/interaction/login-2/continue"),
    );
    expect(interactions.finished.at(-1)).toEqual({
      uid: "login-2",
      kind: "login",
      accountId: user.id,
      amr: ["pwd", "otp", "mfa"],
      authenticatedAt: signedInAt,
    });
  });

  it("checks a code only against the step its page was shown for: a sign-in begun in another tab since neither takes it nor counts it", async () => {
    const built = await withTwoFactorAccount();
    const { browser, interactions, deps } = built;
    const bob = await built.useCases.registerWithPassword({
      email: "bob@example.com",
      password: strongPassword,
      nickname: "bob",
      client: {},
    });
    if (!bob.ok) throw new Error("sign-up failed");
    const bobsFactor = await turnOnTwoFactor(built, "bob@example.com");
    interactions.open(loginInteraction("login-2"));
    const adasStep = "/interaction/login-1/two-factor";
    const bobsStep = "/interaction/login-2/two-factor";

    // Tab one: ada's password, then her second step's page.
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    const adasPage = await browser.get(adasStep);
    expect(hiddenFieldsIn(adasPage.body, adasStep).step).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Tab two, the same browser: bob's password replaces the step the browser holds.
    await browser.submit("/interaction/login-2", "/interaction/login-2/login", {
      email: "bob@example.com",
      password: strongPassword,
    });
    const held = browser.cookie("superoauth_mfa");

    // Ada types her code in tab one, again and again: it is not checked against bob's step.
    for (let i = 0; i < 10; i++) {
      const refused = await browser.post(adasStep, {
        ...hiddenFieldsIn(adasPage.body, adasStep),
        code: built.codeNow(),
      });
      expectPage(refused, 409);
      expect(refused.body).toContain("Another sign-in began in this browser after this page opened");
      expect(refused.body).toContain('action="/interaction/login-1/login"');
      expect(fieldsMarkedInvalid(refused.body)).toEqual([]);
    }
    // A page from before the step field (an upgrade mid-sign-in): whose step it was cannot be told,
    // so the code is checked against none, and the person signs in again.
    const unmarked = await browser.post(adasStep, {
      csrf_token: csrfTokenIn(adasPage.body),
      code: built.codeNow(),
    });
    expectPage(unmarked, 409);
    expect(unmarked.body).toContain(
      "This page was loaded before an update of the service, so this code was not checked. Sign in again.",
    );
    expect(unmarked.body).toContain('action="/interaction/login-1/login"');
    expect(interactions.finished).toEqual([]);
    expect(browser.cookie("superoauth_mfa")).toBe(held);

    // Bob's step stays his and unlocked: his code in tab two finishes his sign-in there.
    deps.clock.advance(30_000);
    const bobs = await browser.submit(bobsStep, bobsStep, { code: bobsFactor.codeNow() });
    expect(bobs.statusCode).toBe(303);
    expect(interactions.finished).toEqual([
      { uid: "login-2", kind: "login", accountId: bob.value.user.id, amr: ["pwd", "otp", "mfa"] },
    ]);
  });

  it("a second step finished in another tab: the older page's code offers to continue as the account signed in now", async () => {
    const { browser, interactions, codeNow, user, deps } = await withTwoFactorAccount();
    interactions.open(loginInteraction("login-2"));
    const step = "/interaction/login-1/two-factor";
    const password = { email: "ada@example.com", password: strongPassword };
    // Tab one reaches the second step; tab two signs in again and finishes its own.
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", password);
    const older = await browser.get(step);
    await browser.submit("/interaction/login-2", "/interaction/login-2/login", password);
    const finished = await browser.submit(
      "/interaction/login-2/two-factor",
      "/interaction/login-2/two-factor",
      {
        code: codeNow(),
      },
    );
    expect(finished.statusCode).toBe(303);
    expect(browser.cookie("superoauth_mfa")).toBeUndefined();

    deps.clock.advance(30_000);
    const late = await browser.post(step, { ...hiddenFieldsIn(older.body, step), code: codeNow() });
    expectPage(late, 409);
    expect(late.body).toContain(
      "This browser is signed in now (in another tab, say), so this step is not needed.",
    );
    expect(late.body).not.toContain("This sign-in took too long");
    expect(late.body).toContain("Continue as ada");
    // Continuing finishes tab one's sign-in as the account the button named.
    const continued = await browser.post(
      "/interaction/login-1/continue",
      hiddenFieldsIn(late.body, "/interaction/login-1/continue"),
    );
    expect(continued.statusCode).toBe(303);
    expect(interactions.finished.at(-1)).toMatchObject({ uid: "login-1", kind: "login", accountId: user.id });
  });

  it("sends the second-factor page back to sign-in without the first step's cookie", async () => {
    const { browser } = await withAccount();
    const response = await browser.get("/interaction/login-1/two-factor");
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/interaction/login-1");
  });

  it("refuses a consent page's interaction for the sign-in POST", async () => {
    const { browser, interactions } = await withAccount();
    interactions.open({
      uid: "consent-1",
      prompt: "consent",
      client,
      accountId: "x",
      scopes: ["openid"],
      newScopes: ["openid"],
    });
    const page = await browser.get("/interaction/consent-1");
    const response = await browser.post("/interaction/consent-1/login", {
      csrf_token: csrfTokenIn(page.body),
      email: "ada@example.com",
      password: strongPassword,
    });
    expectPage(response, 400);
  });
});

describe("CSRF", () => {
  it("refuses a POST without a token, with another browser's token or without the cookie: 403 page", async () => {
    const { browser, app, interactions } = await withAccount();
    const form = { email: "ada@example.com", password: strongPassword };
    const none = await browser.post("/interaction/login-1/login", form);
    expectPage(none, 403);
    expect(none.body).toContain("This form has expired");
    expect(none.headers["cross-origin-opener-policy"]).toBeUndefined();

    const other = new Browser(app);
    const othersToken = csrfTokenIn((await other.get("/interaction/login-1")).body);
    await browser.get("/interaction/login-1");
    const stale = await browser.post("/interaction/login-1/login", { ...form, csrf_token: othersToken });
    expectPage(stale, 403);

    // Its own token with the last character changed: the whole token is compared, not a part.
    const own = csrfTokenIn((await browser.get("/interaction/login-1")).body);
    const altered = `${own.slice(0, -1)}${own.endsWith("A") ? "B" : "A"}`;
    expectPage(await browser.post("/interaction/login-1/login", { ...form, csrf_token: altered }), 403);

    const cookieless = new Browser(app);
    const refusedCookieless = await cookieless.post("/interaction/login-1/login", {
      ...form,
      csrf_token: othersToken,
    });
    expectPage(refusedCookieless, 403);
    // A browser that refuses cookies would meet this page after every "Open the form again": it
    // says why, where a browser that sent the cookie with a stale token is not told about cookies.
    expect(refusedCookieless.body).toContain("your browser is refusing cookies from this site");
    expect(stale.body).not.toContain("refusing cookies");
    for (const path of [
      "two-factor",
      "continue",
      "sign-up",
      "consent",
      "resend-verification",
      "forgot-password",
    ]) {
      expectPage(await browser.post(`/interaction/login-1/${path}`, {}), 403);
    }
    expect(interactions.finished).toEqual([]);
  });
});

describe("form bodies", () => {
  // What a browser's HTML form sends, and nothing else: JSON (which Fastify's root parser read as a
  // form before 2026-12-06, behind the CSRF check alone), text, multipart, a body with no type.
  const notForms = [
    ["JSON", { "content-type": "application/json" }, (form: Record<string, string>) => JSON.stringify(form)],
    [
      "text",
      { "content-type": "text/plain" },
      (form: Record<string, string>) => new URLSearchParams(form).toString(),
    ],
    [
      "multipart",
      { "content-type": "multipart/form-data; boundary=x" },
      (form: Record<string, string>) =>
        `${Object.entries(form)
          .map(([name, value]) => `--x\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
          .join("")}--x--\r\n`,
    ],
    ["no type", {}, (form: Record<string, string>) => new URLSearchParams(form).toString()],
  ] as const;

  it.each(notForms)(
    "refuses a %s body at every area's forms with 415, before its CSRF check or anything else runs",
    async (_kind, type, body) => {
      const { browser, app, interactions } = await withAccount({
        plugins: ({ useCases, browserSessions, cookies, secret }) => [
          createAdminPages({ useCases, browserSessions, cookies, secret }),
        ],
      });
      const page = await browser.get("/interaction/login-1");
      // The browser's own CSRF pair: the body is refused for its type, not for a token.
      const form = {
        email: "ada@example.com",
        password: strongPassword,
        csrf_token: csrfTokenIn(page.body),
      };
      const cookie = `superoauth_csrf=${browser.cookie("superoauth_csrf")}`;
      for (const url of [
        "/interaction/login-1/login",
        "/interaction/login-1/consent",
        "/interaction/login-1/sign-up",
        "/account/sign-in",
        "/account/password",
        "/account/sessions/revoke",
        "/forgot-password",
        "/admin/maintenance-notice",
        "/admin/users/00000000-0000-7000-8000-000000000001/role",
      ]) {
        const program = await app.inject({
          method: "POST",
          url,
          headers: { ...type, cookie, accept: "application/json" },
          payload: body(form),
        });
        expect({ url, status: program.statusCode, type: program.headers["content-type"] }).toEqual({
          url,
          status: 415,
          type: "application/json; charset=utf-8",
        });
        expect({ url, status: program.statusCode, body: program.json() }).toEqual({
          url,
          status: 415,
          body: {
            success: false,
            error: "UNSUPPORTED_MEDIA_TYPE",
            message: "This address takes an HTML form's body (application/x-www-form-urlencoded) only",
          },
        });
        expect(program.headers["accept-post"]).toBe("application/x-www-form-urlencoded");
        // A browser asks for HTML: the page, with the same status.
        const person = await app.inject({
          method: "POST",
          url,
          headers: { ...type, cookie, accept: "text/html,*/*;q=0.8" },
          payload: body(form),
        });
        expectPage(person, 415);
        expect(person.body).toContain("This form could not be read");
        // "Go back" is a link too, to the form's page where the route has one.
        const back = {
          "/account/sign-in": "/account/sign-in",
          "/account/sessions/revoke": "/account/sessions",
        }[url];
        if (back !== undefined)
          expect(person.body).toMatch(new RegExp(`<a href="${back}"[^>]*>Back to the form</a>`));
        expect(person.cookies.map((c) => c.name)).not.toContain(browserSessionCookieName);
      }
      expect(interactions.finished).toEqual([]);
    },
  );

  it("registers no form in a scope the page kit did not prepare, where the app's JSON parser would read JSON as a form", async () => {
    const kit = createPageKit({
      cookies: { secureCookies: false, hostPrefixedCookies: false },
      secret: "s".repeat(32),
    });
    const app = Fastify();
    expect(() => kit.post(app, "/form", "general", async () => null)).toThrow(
      "the form /form must be registered in a scope prepared by the page kit's install",
    );
    await app.register(async (scope) => {
      await kit.install(scope);
      kit.post(scope, "/form", "general", async () => null);
    });
    await app.ready();
    expect(app.hasRoute({ method: "POST", url: "/form" })).toBe(true);
    await app.close();
  });

  it("takes the same sign-in as a form (application/x-www-form-urlencoded, with or without a charset)", async () => {
    const { browser, app, interactions } = await withAccount();
    const page = await browser.get("/interaction/login-1");
    const signedIn = await app.inject({
      method: "POST",
      url: "/interaction/login-1/login",
      headers: {
        "content-type": "application/x-www-form-urlencoded; charset=UTF-8",
        cookie: `superoauth_csrf=${browser.cookie("superoauth_csrf")}`,
      },
      payload: new URLSearchParams({
        email: "ada@example.com",
        password: strongPassword,
        csrf_token: csrfTokenIn(page.body),
      }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    expect(interactions.finished).toEqual([expect.objectContaining({ uid: "login-1" })]);
  });
});

describe("the forms that ask for an email address", () => {
  // A browser validating type="email" itself refuses a local part that is not ASCII ("A part
  // followed by '@' should not contain the symbol 'é'") and never sends the form, though the
  // service accepts élodie@example.com and 李雷@例子.中国 at registration: such a person could sign
  // up (that form said novalidate) but never sign in or ask for a reset. The server checks them all.
  it("leave the checking to the server (novalidate), so every address the service accepts can be sent", async () => {
    const { browser } = await withAccount();
    const pages = [
      "/interaction/login-1",
      "/interaction/login-1/sign-up",
      "/interaction/login-1/forgot-password",
      "/interaction/login-1/resend-verification",
      "/account/sign-in",
      "/forgot-password",
      "/resend-verification",
    ];
    for (const url of pages) {
      const page = await browser.get(url);
      expectPage(page, 200);
      const forms = page.body.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
      const asking = forms.filter((f) => /<input[^>]*\btype="email"/.test(f));
      expect(asking.length, url).toBeGreaterThan(0);
      for (const form of asking) expect(form.slice(0, form.indexOf(">") + 1), url).toMatch(/\snovalidate\b/);
    }
  });

  it("sign in an account whose address is not ASCII", async () => {
    const { browser, useCases } = await withAccount();
    const registered = await useCases.registerWithPassword({
      email: "élodie@example.com",
      password: strongPassword,
      nickname: "elodie",
      client: {},
    });
    expect(registered.ok).toBe(true);
    const signedIn = await browser.submit("/account/sign-in", "/account/sign-in?next=%2Faccount", {
      email: "élodie@example.com",
      password: strongPassword,
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe("/account");
  });
});

describe("forgot password from an app's sign-in", () => {
  it("mails the reset link once (303 to the notice: a reload mails nothing) and leads back to the app's sign-in, not the account center's", async () => {
    const { browser, deps } = await withAccount();
    const form = await browser.get("/interaction/login-1/forgot-password");
    expectPage(form, 200);
    expect(form.body).toContain('action="/interaction/login-1/forgot-password"');
    expect(form.body).toContain('<a href="/interaction/login-1">Back to sign in</a>');
    const mailed = deps.mailer.sent.length;

    const sent = await browser.submit(
      "/interaction/login-1/forgot-password",
      "/interaction/login-1/forgot-password",
      {
        email: "ada@example.com",
      },
    );

    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe("/interaction/login-1/forgot-password?sent=1");
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent.slice(mailed).map((mail) => mail.subject)).toEqual(["Reset your password"]);
    // Reloaded, the notice mails nothing again.
    for (let reload = 0; reload < 2; reload++) {
      const notice = await browser.get("/interaction/login-1/forgot-password?sent=1");
      expectPage(notice, 200);
      expect(notice.body).toContain("Check your email");
      expect(notice.body).toContain('<a href="/interaction/login-1">Back to sign in</a>');
    }
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent.slice(mailed).map((mail) => mail.subject)).toEqual(["Reset your password"]);
  });

  it("shows the expired page for a sign-in that is over", async () => {
    const { browser } = await withAccount();
    const page = await browser.get("/interaction/gone-1/forgot-password");
    expect(page.statusCode).toBe(400);
  });
});

describe("the sign-up page", () => {
  it("creates the account through the API's use case and signs it in", async () => {
    const { browser, interactions, deps } = await withAccount();
    const response = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname: "grace",
      email: "grace@example.com",
      password: "An0ther-secret!",
    });
    expect(response.statusCode).toBe(303);
    const grace = await deps.users.findUserByEmail("grace@example.com" as never);
    expect(interactions.finished).toEqual([
      { uid: "login-1", kind: "login", accountId: grace?.id, amr: ["pwd"] },
    ]);
  });

  it("shows each refusal on its field, and renders what was typed inert", async () => {
    const { browser } = await withAccount();
    const nickname = '"><script>alert(1)</script>';
    const response = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname,
      email: "grace@example.com",
      password: "An0ther-secret!",
    });
    expectPage(response, 400);
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(response.body).toContain('aria-describedby="nickname-error nickname-hint"');
    expect(response.body).toMatch(/id="nickname-error" class="error">Nickname must/);

    const taken = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname: "ada2",
      email: "ada@example.com",
      password: "An0ther-secret!",
    });
    expectPage(taken, 409);
    expect(taken.body).toContain('id="email-error"');
  });

  it("names every field the rules refuse at once, focusing the first", async () => {
    const { browser } = await withAccount();
    const empty = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname: "",
      email: "",
      password: "",
    });
    expectPage(empty, 400);
    for (const name of ["nickname", "email", "password"]) {
      expect(empty.body).toMatch(new RegExp(`<input id="${name}"[^>]*aria-invalid="true"`));
      expect(empty.body).toMatch(new RegExp(`id="${name}-error" class="error">[^<]+<`));
    }
    expect(empty.body.match(/autofocus/g)).toHaveLength(1);
    expect(empty.body).toMatch(/<input id="nickname"[^>]*autofocus>/);
    // A field the rules accept is not marked.
    const oneBad = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname: "grace",
      email: "not-an-address",
      password: "short",
    });
    expectPage(oneBad, 400);
    expect(oneBad.body).not.toMatch(/<input id="nickname"[^>]*aria-invalid/);
    expect(oneBad.body).toMatch(/<input id="email"[^>]*aria-invalid="true"[^>]*autofocus>/);
    expect(oneBad.body).toMatch(/id="password-error" class="error">Password must/);
  });

  it("ends with the verification notice when addresses must be verified first", async () => {
    const { browser, interactions, deps } = await withAccount({
      settings: { requireEmailVerification: true },
    });
    const response = await browser.submit("/interaction/login-1/sign-up", "/interaction/login-1/sign-up", {
      nickname: "grace",
      email: "grace@example.com",
      password: "An0ther-secret!",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/interaction/login-1/sign-up?sent=1");
    // A reload shows the notice again, rather than posting the form again (409: "already exists").
    for (let reload = 0; reload < 2; reload++) {
      const notice = await browser.get("/interaction/login-1/sign-up?sent=1");
      expectPage(notice, 200);
      expect(notice.body).toContain("We sent a verification link to grace@example.com");
      expect(notice.body).toContain('<a href="/interaction/login-1">Back to sign in</a>');
    }
    expect(interactions.finished).toEqual([]);
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();
    // No session is opened that no one would hold (it would be listed among the person's).
    const grace = await deps.users.findUserByEmail("grace@example.com" as Email);
    expect(grace).not.toBeNull();
    expect(
      await deps.sessions.listLiveSessionsOfUser({ userId: grace?.id as UserId, usedSince: new Date(0) }),
    ).toEqual([]);
  });
});

describe("a sign-in refused until the address is verified", () => {
  it("links the form that mails a new verification link, under the words, on an app's sign-in and the account's", async () => {
    // ada's address is not verified: she signed up, and never opened the mailed link.
    const built = await withAccount({ settings: { requireEmailVerification: true } });
    const { browser, app } = built;
    const form = { email: "ada@example.com", password: strongPassword };
    const onApp = await browser.submit("/interaction/login-1", "/interaction/login-1/login", form);
    expectPage(onApp, 403);
    expect(onApp.body).toContain(
      '<p>Open the link in the mail we sent to this address, or <button type="submit" class="link">mail me a new verification link</button>.</p>',
    );
    // The form opens with the address just typed, carried in the body, never in a URL.
    const text = "mail me a new verification link";
    await expectPrefilledRequest(built, onApp, { action: "/interaction/login-1/resend-verification", text });
    const account = new Browser(app);
    const onAccount = await account.submit("/account/sign-in", "/account/sign-in", form);
    expectPage(onAccount, 403);
    await expectPrefilledRequest({ ...built, browser: account }, onAccount, {
      action: "/resend-verification",
      text,
    });
    // A wrong password says nothing of the address: the rule is checked after the password.
    const wrong = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      ...form,
      password: "Wr0ng-secret!",
    });
    expectPage(wrong, 401);
    expect(wrong.body).not.toContain("mail me a new verification link");
  });
});

describe("the consent page", () => {
  const consent = (accountId: string) => ({
    uid: "consent-1",
    prompt: "consent" as const,
    client: {
      clientId: "c",
      name: "<img src=x onerror=alert(1)>",
      logoURL: "javascript:alert(1)",
      homepageURL: "https://app.example/",
      native: false,
      privateUseSchemes: [],
    },
    accountId,
    scopes: ["openid", "email", "offline_access", "user:read", "custom:thing"],
    newScopes: ["openid", "email", "offline_access", "user:read", "custom:thing"],
  });
  /** The consent page's list of what the app will be able to do, one entry per scope, tags stripped. */
  const listedScopes = (html: string) =>
    [
      ...(/<ul class="scopes"[^>]*>([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? "").matchAll(/<li>([\s\S]*?)<\/li>/g),
    ].map((item) =>
      (item[1] ?? "")
        .replace(/<[^>]+>/g, "")
        .replace(/\s+/g, " ")
        .trim(),
    );

  it("shows the app inert, each scope in plain words, and allows with remember", async () => {
    const { browser, interactions, user } = await withAccount();
    interactions.open(consent(user.id));
    const page = await browser.get("/interaction/consent-1");
    expectPage(page, 200);
    expect(page.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page.body).not.toContain("javascript:");
    expect(page.body).toContain("See your email address");
    expect(page.body).toContain("Stay connected when you are not using it");
    expect(page.body).toContain("Use the permission &quot;custom:thing&quot;");
    expect(page.body).toContain('href="https://app.example/"');
    const allowed = await browser.post("/interaction/consent-1/consent", {
      csrf_token: csrfTokenIn(page.body),
      decision: "allow",
      remember: "yes",
    });
    expect(allowed.statusCode).toBe(303);
    expect(allowed.headers.location).toBe("/oidc/auth/consent-1/consent");
    expect(interactions.finished).toEqual([{ uid: "consent-1", kind: "consent", remember: true }]);
  });

  it("names the account signed in, and 'Not you? Use another account' asks the provider's select_account, without JavaScript", async () => {
    const { browser, interactions, user } = await withAccount();
    // Signed in once in this browser; single sign-on brings the next app straight to its consent page.
    await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: strongPassword,
    });
    interactions.open(consent(user.id));
    const page = await browser.get("/interaction/consent-1");
    expectPage(page, 200);
    expect(page.body).toContain(
      'Signed in as <strong>ada@example.com</strong>. Not you? <button type="submit" class="link">Use another account</button>',
    );
    const switched = await browser.submit(
      "/interaction/consent-1",
      "/interaction/consent-1/select-account",
      {},
    );
    expect(switched.statusCode).toBe(303);
    expect(switched.headers.location).toBe("/oidc/auth/consent-1/select-account");
    expect(interactions.finished.at(-1)).toEqual({ uid: "consent-1", kind: "select-account" });
    // Only from a consent page, and only with the page's CSRF token.
    const fromSignIn = await browser.submit(
      "/interaction/login-1",
      "/interaction/login-1/select-account",
      {},
    );
    expectPage(fromSignIn, 400);
    expect(fromSignIn.body).toContain("This sign-in has ended");
    expectPage(await browser.post("/interaction/consent-1/select-account", {}), 403);
    expect(interactions.finished.filter((f) => f.kind === "select-account")).toHaveLength(1);
  });

  it("asked again (prompt=consent), lists every scope the app will have, marking only the new ones", async () => {
    const { browser, interactions, user } = await withAccount();
    const scopes = ["openid", "email", "user:read"];
    const listedWhenNew = async (newScopes: string[]) => {
      interactions.open({ ...consent(user.id), scopes, newScopes });
      const page = await browser.get("/interaction/consent-1");
      expectPage(page, 200);
      return listedScopes(page.body);
    };
    const words = [
      "Know who you are (your account id)",
      "See your email address and whether it is verified",
      "See your account: email address, nickname, when it was made, and whether it has a password and two-step verification",
    ];
    expect(await listedWhenNew([])).toEqual(words);
    expect(await listedWhenNew(["user:read"])).toEqual([words[0], words[1], `${words[2]} New`]);
    // The first time everything is new: nothing is marked.
    expect(await listedWhenNew(scopes)).toEqual(words);
  });

  it("tells the person that a native app asks each time, and still offers to remember what it may do", async () => {
    const { browser, interactions, user } = await withAccount();
    interactions.open({ ...consent(user.id), client: { ...consent(user.id).client, native: true } });
    const page = await browser.get("/interaction/consent-1");
    expectPage(page, 200);
    expect(page.body).toContain("This app runs on your device, so you are asked each time it signs you in.");
    expect(page.body).toContain("Remember what &lt;img src=x onerror=alert(1)&gt; may do");
    expect(page.body).not.toContain("Remember this choice");
    interactions.open(consent(user.id));
    const web = await browser.get("/interaction/consent-1");
    expect(web.body).toContain("Remember this choice for");
    expect(web.body).not.toContain("runs on your device");
  });

  it("lets a mobile app's consent lead on to its private-use scheme (form-action), and no other page", async () => {
    const { browser, interactions, user } = await withAccount();
    const mobile = { ...consent(user.id).client, native: true, privateUseSchemes: ["com.example.app:"] };
    interactions.open({ ...consent(user.id), client: mobile });
    const page = await browser.get("/interaction/consent-1");
    expectPage(page, 200);
    expect(page.headers["content-security-policy"]).toContain(
      "form-action 'self' https: http: com.example.app:;",
    );
    interactions.open(consent(user.id));
    const web = await browser.get("/interaction/consent-1");
    expect(web.headers["content-security-policy"]).toContain("form-action 'self' https: http:;");
  });

  it("allows for this time only without the checkbox, and denies", async () => {
    const { browser, interactions, user } = await withAccount();
    interactions.open(consent(user.id));
    const once = await browser.submit("/interaction/consent-1", "/interaction/consent-1/consent", {
      decision: "allow",
    });
    expect(once.statusCode).toBe(303);
    const denied = await browser.submit("/interaction/consent-1", "/interaction/consent-1/consent", {
      decision: "deny",
    });
    expect(denied.headers.location).toBe("/oidc/auth/consent-1/deny");
    const neither = await browser.submit("/interaction/consent-1", "/interaction/consent-1/consent", {});
    expectPage(neither, 400);
    expect(interactions.finished).toEqual([
      { uid: "consent-1", kind: "consent", remember: false },
      { uid: "consent-1", kind: "deny" },
    ]);
  });
});

describe("rate limits", () => {
  it("answers a sign-in POST past the login budget with an HTML 429 page and Retry-After", async () => {
    const { browser } = await withAccount({ loginMax: 1 });
    const form = { email: "ada@example.com", password: "Wrong-password-1" };
    expect(
      (await browser.submit("/interaction/login-1", "/interaction/login-1/login", form)).statusCode,
    ).toBe(401);
    const refused = await browser.submit("/interaction/login-1", "/interaction/login-1/login", form);
    expectPage(refused, 429);
    expect(refused.headers["cross-origin-opener-policy"]).toBeUndefined();
    expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(14 * 60);
    expect(refused.body).toContain("Too many attempts");
    // The 15-minute window in words, not as 899 seconds.
    expect(refused.body).toContain("Wait 15 minutes, then try again.");
    // Not a dead end: a lock may follow, and the reset that lifts it is a link away.
    expect(refused.body).toContain("the account itself is locked for a while too");
    expect(refused.body).toContain('<a href="/forgot-password">Reset your password</a>');
  });

  it.each([
    ["an app's", "/interaction/login-1", "/interaction/login-1/login"],
    ["the account center's", "/account/sign-in", "/account/sign-in"],
  ])("answers %s sign-in sent empty on the page, spending no login attempt", async (_, page, action) => {
    const { browser } = await withAccount({ loginMax: 2 });
    for (let i = 0; i < 4; i++) {
      const empty = await browser.submit(page, action, { email: "", password: "" });
      expectPage(empty, 400);
      expect(empty.body).toContain('id="form-error" class="error" role="alert">Email is required<');
      expect(fieldsMarkedInvalid(empty.body)).toEqual(["email"]);
      // Shown again like a view: from the page views' budget, not the login attempts.
      expect(empty.headers["x-ratelimit-limit"]).toBe("600");
    }
    const noPassword = await browser.submit(page, action, { email: "ada@example.com", password: "" });
    expectPage(noPassword, 400);
    expect(noPassword.body).toContain(">Password is required<");
    expect(fieldsMarkedInvalid(noPassword.body)).toEqual(["password"]);
    expect(noPassword.body).toMatch(/<input id="password"[^>]*autofocus>/);
    // The real attempts still count: two wrong passwords, then the 429.
    const wrong = { email: "ada@example.com", password: "Wrong-password-1" };
    for (let i = 0; i < 2; i++) expectPage(await browser.submit(page, action, wrong), 401);
    expectPage(await browser.submit(page, action, wrong), 429);
  });

  it.each([
    ["an app's", "/interaction/login-1", "/interaction/login-1/login"],
    ["the account center's", "/account/sign-in", "/account/sign-in"],
  ])("answers %s code step sent empty on the page, spending no login attempt", async (_, page, action) => {
    const { browser, codeNow } = await withTwoFactorAccount({ loginMax: 3 });
    const first = await browser.submit(page, action, {
      email: "ada@example.com",
      password: strongPassword,
    });
    expect(first.statusCode).toBe(303);
    const step = String(first.headers.location);
    expect(step).toMatch(/\/two-factor/);
    for (const code of ["", "   ", "", " "]) {
      const empty = await browser.submit(step, step, { code });
      expectPage(empty, 400);
      expect(empty.body).toContain(
        'id="code-error" class="error" role="alert">Type the code from your authenticator app<',
      );
      // Shown again like a view: from the page views' budget, not the login attempts.
      expect(empty.headers["x-ratelimit-limit"]).toBe("600");
    }
    // The real attempts still count (and the empty ones not toward the lock): the password, two
    // wrong codes, then the 429, even for the right code.
    for (let i = 0; i < 2; i++) expectPage(await browser.submit(step, step, { code: "000000" }), 401);
    expectPage(await browser.submit(step, step, { code: codeNow() }), 429);
  });

  it.each([
    ["an app's", "/interaction/login-1/sign-up"],
    ["the account center's", "/account/sign-up"],
  ])("answers %s sign-up sent without a field on the page, spending no sign-up", async (_, page) => {
    const { browser } = await withAccount({ registerMax: 1 });
    const grace = { nickname: "grace", email: "grace@example.com", password: "An0ther-secret!" };
    for (const [form, name, message] of [
      [{ nickname: "", email: "", password: "" }, "email", "Email is required"],
      [{ ...grace, email: " " }, "email", "Email is required"],
      [{ ...grace, password: "" }, "password", "Password is required"],
      [{ ...grace, nickname: "" }, "nickname", "Nickname is required"],
    ] as const) {
      const empty = await browser.submit(page, page, form);
      expectPage(empty, 400);
      expect(empty.body).toContain(`id="${name}-error" class="error">${message}<`);
      expect(empty.headers["x-ratelimit-limit"]).toBe("600");
    }
    // Sent all empty, every field is marked as left empty, not by a format rule not yet met.
    const allEmpty = await browser.submit(page, page, { nickname: "", email: "", password: "" });
    expect(allEmpty.body).toContain('id="nickname-error" class="error">Nickname is required<');
    expect(allEmpty.body).toContain('id="password-error" class="error">Password is required<');
    expect(allEmpty.body).not.toContain("Nickname must be");
    // A real sign-up still counts (a taken address too): the one allowed, then the 429.
    expectPage(await browser.submit(page, page, { ...grace, email: "ada@example.com" }), 409);
    expectPage(await browser.submit(page, page, grace), 429);
  });

  it("answers the fresh-proof step sent empty on the page, spending nothing of its budget nor of the lockout", async () => {
    const { browser } = await withAccount({ generalMax: 2 });
    await signIn(browser);
    const confirm = "/account/confirm?next=%2Faccount%2Fpassword";
    for (let i = 0; i < 6; i++) {
      const empty = await browser.submit(confirm, confirm, { password: "" });
      expectPage(empty, 400);
      expect(empty.body).toContain("Password is required");
      expect(empty.headers["x-ratelimit-limit"]).toBe("600");
    }
    // Six of them, past the lockout's five: a wrong password is still only wrong, and counts in the
    // step's budget (general) with the right one; the third is refused.
    const wrong = await browser.submit(confirm, confirm, { password: "Wrong-password-1" });
    expectPage(wrong, 401);
    expect(wrong.headers["x-ratelimit-limit"]).toBe("2");
    expect((await browser.submit(confirm, confirm, { password: strongPassword })).statusCode).toBe(303);
    expectPage(await browser.submit(confirm, confirm, { password: strongPassword }), 429);
  });

  it("answers a sign-in whose body is not a form with its 415 page, counted as a view, and past the views' budget with their 429", async () => {
    const { app } = await withAccount({ loginMax: 1, pagesMax: 2 });
    const send = (contentType: string, payload: string) =>
      app.inject({
        method: "POST",
        url: "/interaction/login-1/login",
        headers: { "content-type": contentType, accept: "text/html" },
        payload,
      });
    for (let i = 0; i < 2; i++) {
      const unreadable = await send("application/json", "{not json");
      expectPage(unreadable, 415);
      expect(unreadable.body).toContain("This form could not be read");
      expect(unreadable.headers["x-ratelimit-limit"]).toBe("2");
    }
    // Past the views' budget, its 429 speaks of that budget, not of a sign-in's lock.
    const refused = await send("application/x-www-form-urlencoded", "email=&password=");
    expectPage(refused, 429);
    expect(refused.body).toContain("Wait 15 minutes, then try again.");
    expect(refused.body).not.toContain("locked");
  });

  it.each([
    ["/interaction/login-1/forgot-password"],
    ["/interaction/login-1/resend-verification"],
    ["/forgot-password"],
    ["/resend-verification"],
  ])("opens %s filled in from a sign-in refusal without spending the mail budget", async (action) => {
    const { browser, deps } = await withAccount({ emailMax: 1 });
    // Each form from a page of its own (a form sent twice is refused as sent already).
    const form = async () => hiddenFieldsIn((await browser.get(action)).body, action);
    const mailed = deps.mailer.sentTo("ada@example.com").length;
    for (let i = 0; i < 3; i++) {
      const opened = await browser.post(action, {
        ...(await form()),
        email: "ada@example.com",
        prefill: "1",
      });
      expectPage(opened, 200);
      expect(opened.body).toMatch(/<input id="email" name="email"[^>]*value="ada@example.com"/);
      expect(opened.headers["x-ratelimit-limit"]).toBe("600");
    }
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(mailed);
    // Sending is what spends it: the one allowed, then the 429.
    const sent = await browser.post(action, { ...(await form()), email: "ada@example.com" });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers["x-ratelimit-limit"]).toBe("1");
    expectPage(await browser.post(action, { ...(await form()), email: "ada@example.com" }), 429);
  });

  it("counts page views in their own budget (600 by default), apart from the general one their forms' steps draw from", async () => {
    const { browser } = await withAccount();
    const view = await browser.get("/account/sign-in");
    expectPage(view, 200);
    expect(view.headers["x-ratelimit-limit"]).toBe("600");
    expect(view.headers["x-ratelimit-remaining"]).toBe("599");
    const api = await browser.get("/api/v1/no-such-route");
    expect(api.headers["x-ratelimit-limit"]).toBe("1000");
    expect(api.headers["x-ratelimit-remaining"]).toBe("999");
  });

  it("answers a page view past RATE_LIMIT_PAGES_MAX with an HTML 429 page and Retry-After, the general budget untouched", async () => {
    const { browser } = await withAccount({ pagesMax: 2 });
    for (const path of ["/account/sign-in", "/interaction/login-1"]) expectPage(await browser.get(path), 200);
    const refused = await browser.get("/account/sign-up");
    expectPage(refused, 429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(14 * 60);
    expect(refused.body).toContain("Wait 15 minutes, then try again.");
    const api = await browser.get("/api/v1/no-such-route");
    expect(api.statusCode).toBe(404);
    expect(api.headers["x-ratelimit-remaining"]).toBe("999");
  });

  it("says how long to wait in seconds under a minute, else in whole minutes rounded up", () => {
    expect(
      [1, 2, 59, 60, 61, 120, 899, 900].map((seconds) => `${seconds}: ${durationInWords(seconds)}`),
    ).toEqual([
      "1: 1 second",
      "2: 2 seconds",
      "59: 59 seconds",
      "60: 1 minute",
      "61: 2 minutes",
      "120: 2 minutes",
      "899: 15 minutes",
      "900: 15 minutes",
    ]);
  });
});

describe("errors and assets", () => {
  it("answers a provider refusing to finish (expired, or at another prompt) with a 400 page", async () => {
    // What oidc-provider throws then: its errors carry a 4xx statusCode (SessionNotFound, InvalidRequest).
    const refusal = () =>
      Object.assign(new Error("interaction session not found"), { statusCode: 400, expose: true });
    const { browser, interactions, user } = await withAccount({
      replaceInteractions: (fake) => ({
        details: fake.details.bind(fake),
        finishLogin: fake.finishLogin.bind(fake),
        finishConsent: async () => {
          throw refusal();
        },
        deny: async () => {
          throw refusal();
        },
        selectAccount: fake.selectAccount.bind(fake),
      }),
    });
    interactions.open({
      uid: "consent-1",
      prompt: "consent",
      client,
      accountId: user.id,
      scopes: ["openid"],
      newScopes: ["openid"],
    });
    for (const decision of ["allow", "deny"]) {
      const response = await browser.submit("/interaction/consent-1", "/interaction/consent-1/consent", {
        decision,
      });
      expectPage(response, 400);
      expect(response.body).not.toContain("interaction session not found");
    }
  });

  it("answers a consent that kept losing to other consents of the pair with the 503 page and its Retry-After", async () => {
    const { browser, interactions, user } = await withAccount({
      replaceInteractions: (fake) => ({
        details: fake.details.bind(fake),
        finishLogin: fake.finishLogin.bind(fake),
        finishConsent: async () => {
          throw new OverloadedError({
            message: "other consents of this account and app kept recording first",
            retryAfterSeconds: 1,
          });
        },
        deny: fake.deny.bind(fake),
        selectAccount: fake.selectAccount.bind(fake),
      }),
    });
    interactions.open({
      uid: "consent-2",
      prompt: "consent",
      client,
      accountId: user.id,
      scopes: ["openid"],
      newScopes: ["openid"],
    });
    const response = await browser.submit("/interaction/consent-2", "/interaction/consent-2/consent", {
      decision: "allow",
    });
    expectPage(response, 503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.body).not.toContain("kept recording first");
    expect(response.body).toContain('<p><a href="/interaction/consent-2">Back to the form</a></p>');
  });

  it("answers a failing provider with a 500 page, logs it, and shows no details but the request's id", async () => {
    const entries: unknown[][] = [];
    const logger = capturingLogger(entries);
    const { app } = await buildHostedTestApp({
      logger,
      replaceInteractions: (fake) => ({
        ...fake,
        finishLogin: fake.finishLogin.bind(fake),
        finishConsent: fake.finishConsent.bind(fake),
        deny: fake.deny.bind(fake),
        selectAccount: fake.selectAccount.bind(fake),
        details: async () => {
          throw new Error("secret internals at /srv/app.ts:12");
        },
      }),
    });
    const response = await app.inject({ method: "GET", url: "/interaction/any" });
    expectPage(response, 500);
    expect(response.body).not.toContain("secret internals");
    expect(response.body).not.toContain('"success"');
    expect(JSON.stringify(entries)).toContain("unhandled error on a hosted page");
    // A reference a person can quote; the request's log lines carry it (the API's 5xx: requestId).
    const requestId = String(response.headers["x-request-id"]);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).toContain(requestId);
  });

  it("answers an unknown path under /interaction with an HTML 404 page", async () => {
    const { browser } = await withAccount();
    expectPage(await browser.get("/interaction/login-1/nothing/here"), 404);
  });

  it("serves the stylesheets under hashed names with a year's cache and the theme's colors", async () => {
    const { browser } = await withAccount();
    const page = await browser.get("/interaction/login-1");
    const paths = [...page.body.matchAll(/href="(\/assets\/[a-z]+-[0-9a-f]{16}\.css)"/g)].map(
      (m) => m[1] ?? "",
    );
    expect(paths).toHaveLength(2);
    for (const path of paths) {
      const asset = await browser.get(path);
      expect(asset.statusCode).toBe(200);
      expect(asset.headers["content-type"]).toBe("text/css; charset=utf-8");
      expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
  });

  it("names its icon, a padlock in the theme's color, so no browser asks for a /favicon.ico that is not there", async () => {
    const { browser } = await withAccount();
    const page = await browser.get("/interaction/login-1");
    const path = /<link rel="icon" href="(\/assets\/icon-[0-9a-f]{16}\.svg)" type="image\/svg\+xml">/.exec(
      page.body,
    )?.[1];
    expect(path).toBeDefined();
    const icon = await browser.get(path ?? "");
    expect(icon.statusCode).toBe(200);
    expect(icon.headers["content-type"]).toBe("image/svg+xml");
    expect(icon.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(icon.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(icon.body).toContain(`fill="${defaultTheme.color}"`);
  });
});
