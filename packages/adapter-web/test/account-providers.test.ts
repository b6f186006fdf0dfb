import { OverloadedError } from "@superoauth/application";
import { enableTwoFactorFor, ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { browserSessionCookieName } from "../src/index.ts";
import { Browser, buildHostedTestApp, signUpAda, strongPassword, type TestDependencies } from "./test-app.ts";

// The account center's social sign-in, sign-up, linked providers and the fresh proof through a
// provider, over inject() with a scripted GitHub (the trips go through the API's real routes).

function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

async function setUp(options: Parameters<typeof buildHostedTestApp>[0] = {}) {
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  const built = await buildHostedTestApp({ github, ...options });
  return { ...built, github, browser: new Browser(built.app) };
}

/** Follows a 303 to the provider; returns the state it would get. */
function stateAtProvider(response: LightMyRequestResponse): string {
  expect(response.statusCode).toBe(303);
  const at = new URL(response.headers.location as string);
  expect(at.origin).toBe("https://github.example");
  return at.searchParams.get("state") ?? "";
}

/** The provider's answer: the API's callback, then the page it sends the browser back to. */
async function backFromGitHub(browser: Browser, state: string, code = "good") {
  const back = await browser.get(
    `/api/v1/oauth/github/callback?code=${code}&state=${encodeURIComponent(state)}`,
  );
  expect(back.statusCode).toBe(302);
  const landing = new URL(back.headers.location as string, "http://localhost");
  return { landing, page: await browser.get(`${landing.pathname}${landing.search}`) };
}

/** Starts social sign-in at /account/sign-in (through the API's GET start); the provider's state. */
async function startSocialSignIn(browser: Browser, next = "/account/providers"): Promise<string> {
  const page = await browser.get(`/account/sign-in?${new URLSearchParams({ next })}`);
  const href = `/account/sign-in/social/github${next === "/account" ? "" : `?next=${encodeURIComponent(next)}`}`;
  expect(page.body).toContain(`href="${href}">Sign in with GitHub</a>`);
  const start = await browser.get(href);
  expect(start.statusCode).toBe(303);
  const api = new URL(start.headers.location as string, "http://localhost");
  expect(api.pathname).toBe("/api/v1/oauth/github");
  expect(api.searchParams.get("return_to")).toBe("/account/sign-in/social");
  const trip = await browser.get(`${api.pathname}${api.search}`);
  expect(trip.statusCode).toBe(302);
  return new URL(trip.headers.location as string).searchParams.get("state") ?? "";
}

/** Ada's GitHub identity (subject ada-gh), linked to her account as a finished linking trip leaves it. */
async function linkGitHub(deps: TestDependencies, userId: UserId) {
  const linked = await deps.linkedProviders.linkProvider({
    userId,
    provider: "github",
    subject: "ada-gh",
    email: null,
    displayName: "ada-on-github",
    linkedAt: deps.clock.now(),
  });
  expect(linked.ok).toBe(true);
}

async function signInWithPassword(browser: Browser) {
  const signedIn = await browser.submit("/account/sign-in", "/account/sign-in", {
    email: "ada@example.com",
    password: strongPassword,
  });
  expect(signedIn.statusCode).toBe(303);
}

describe("social sign-in from /account/sign-in", () => {
  it("comes back to the account center, signs the browser in and goes on to next", async () => {
    const { browser, github, deps } = await setUp();
    const state = await startSocialSignIn(browser);
    github.answer("good", { subject: "583231", email: "octo@example.com" });
    const { landing, page } = await backFromGitHub(browser, state);
    expect(landing.pathname).toBe("/account/sign-in/social");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/account/providers");
    expect(browser.cookie(browserSessionCookieName)).toBeDefined();
    const octo = await deps.users.findUserByEmail("octo@example.com" as never);
    expect(octo).not.toBeNull();
    const providers = await browser.get("/account/providers");
    expectPage(providers, 200);
    expect(providers.body).toContain("<strong>GitHub</strong>");
  });

  it("asks for the second factor when the account has 2FA on, keeping next", async () => {
    const { browser, github, useCases, deps } = await setUp();
    const signedUp = await signUpAda(useCases);
    await linkGitHub(deps, signedUp.user.id);
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    await enableTwoFactorFor(deps, auth.value.session);
    const state = await startSocialSignIn(browser, "/account/two-factor");
    github.answer("good", { subject: "ada-gh", email: "ada@example.com" });
    const { page } = await backFromGitHub(browser, state);
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(
      `/account/sign-in/two-factor?${new URLSearchParams({ next: "/account/two-factor" })}`,
    );
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();
  });

  it("shows the callback's failure by its code on the sign-in page (400), never its text", async () => {
    const { browser } = await setUp();
    const state = await startSocialSignIn(browser);
    const { landing, page } = await backFromGitHub(browser, state, "unknown");
    expect(landing.searchParams.get("error")).toBe("INVALID_AUTHORIZATION_CODE");
    expectPage(page, 400);
    expect(page.body).toContain("The provider&#39;s answer was not valid. Try again.");
    const forged = await browser.get("/account/sign-in/social?error=%3Cb%3Ehi%3C%2Fb%3E");
    expectPage(forged, 400);
    expect(forged.body).toContain("Signing in with that provider did not complete.");
    expect(forged.body).not.toContain("hi</b>");
  });

  it.each([
    [
      "temporarily_unavailable",
      500,
      "GitHub is having trouble right now. Try again in a few minutes, or sign in another way.",
    ],
    [
      "server_error",
      500,
      "GitHub is having trouble right now. Try again in a few minutes, or sign in another way.",
    ],
    ["access_denied", 400, "You cancelled at GitHub. Nothing was changed."],
    [
      "invalid_scope",
      500,
      "Something went wrong starting the trip to GitHub. Try again later, or sign in another way.",
    ],
  ])(
    "words GitHub's error=%s on the sign-in page (%i) in a person's words, naming GitHub",
    async (error, status, words) => {
      const { browser } = await setUp();
      const state = await startSocialSignIn(browser);
      const back = await browser.get(
        `/api/v1/oauth/github/callback?error=${error}&state=${encodeURIComponent(state)}`,
      );
      const landing = new URL(back.headers.location as string, "http://localhost");
      const page = await browser.get(`${landing.pathname}${landing.search}`);
      expectPage(page, status);
      expect(page.body).toContain(words.replaceAll("'", "&#39;"));
    },
  );

  it("refuses a login code brought by another browser (400 INVALID_LOGIN_CODE words)", async () => {
    const { browser, github, app } = await setUp();
    const state = await startSocialSignIn(browser);
    github.answer("good", { subject: "583231", email: "octo@example.com" });
    const back = await browser.get(
      `/api/v1/oauth/github/callback?code=good&state=${encodeURIComponent(state)}`,
    );
    const landing = new URL(back.headers.location as string, "http://localhost");
    const elsewhere = new Browser(app);
    const page = await elsewhere.get(`${landing.pathname}${landing.search}`);
    expectPage(page, 400);
    expect(page.body).toContain(
      "This sign-in through the provider expired, or began in another tab or browser. Start again.",
    );
    expect(elsewhere.cookie(browserSessionCookieName)).toBeUndefined();
  });

  it("answers 404 for a provider that is not configured", async () => {
    const { browser } = await setUp();
    const page = await browser.get("/account/sign-in/social/discord");
    expectPage(page, 404);
    expect(page.body).toContain("That sign-in provider is not available.");
  });
});

describe("/account/sign-up", () => {
  it("is linked from /account/sign-in, creates the account, signs in and goes on to next", async () => {
    const { browser, deps } = await setUp();
    const signIn = await browser.get("/account/sign-in?next=%2Faccount%2Fprofile");
    expect(signIn.body).toContain('href="/account/sign-up?next=%2Faccount%2Fprofile">Create an account</a>');
    const form = await browser.get("/account/sign-up?next=%2Faccount%2Fprofile");
    expectPage(form, 200);
    expect(form.body).toContain('action="/account/sign-up?next=%2Faccount%2Fprofile"');
    const created = await browser.submit(
      "/account/sign-up?next=%2Faccount%2Fprofile",
      "/account/sign-up?next=%2Faccount%2Fprofile",
      { nickname: "grace", email: "grace@example.com", password: strongPassword },
    );
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe("/account/profile");
    expect(browser.cookie(browserSessionCookieName)).toBeDefined();
    expect(await deps.users.findUserByEmail("grace@example.com" as never)).not.toBeNull();
    // Signed in: the sign-up page sends on.
    expect((await browser.get("/account/sign-up")).headers.location).toBe("/account");
  });

  it("shows a field's error (400) and a taken address (409), keeping what was typed", async () => {
    const { browser, useCases } = await setUp();
    await signUpAda(useCases);
    const weak = await browser.submit("/account/sign-up", "/account/sign-up", {
      nickname: "grace",
      email: "grace@example.com",
      password: "short",
    });
    expectPage(weak, 400);
    expect(weak.body).toMatch(/id="password-error" class="error">Password/);
    expect(weak.body).toContain('value="grace@example.com"');
    // Announced (role="alert"), and the focus on the field to mend, not on the first field.
    expect(weak.body).toMatch(/role="alert">The account was not created: check the fields marked below/);
    expect(weak.body).toMatch(/<input id="password"[^>]* autofocus>/);
    expect(weak.body).not.toMatch(/<input id="nickname"[^>]* autofocus/);
    const taken = await browser.submit("/account/sign-up", "/account/sign-up", {
      nickname: "ada2",
      email: "ada@example.com",
      password: strongPassword,
    });
    expectPage(taken, 409);
    expect(taken.body).toContain('id="email-error"');
    expect(taken.body).toMatch(/<input id="email"[^>]* autofocus>/);
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();
  });

  it("with REQUIRE_EMAIL_VERIFICATION says to check the mail (303 to ?sent=1: a reload posts nothing) and signs nobody in", async () => {
    const { browser, app } = await setUp({ settings: { requireEmailVerification: true } });
    const created = await browser.submit("/account/sign-up", "/account/sign-up", {
      nickname: "grace",
      email: "grace@example.com",
      password: strongPassword,
    });
    // Post/Redirect/Get: a reload shows the notice again instead of posting the form again, which
    // answered "An account with this email already exists" (409) for the account just made.
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe("/account/sign-up?sent=1&next=%2Faccount");
    for (let reload = 0; reload < 2; reload++) {
      const notice = await browser.get("/account/sign-up?sent=1&next=%2Faccount");
      expectPage(notice, 200);
      expect(notice.body).toContain("Check your email");
      expect(notice.body).toContain("We sent a verification link to grace@example.com.");
    }
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();
    // Without the address the POST kept (another browser, or later), the notice names none.
    const elsewhere = await new Browser(app).get("/account/sign-up?sent=1");
    expect(elsewhere.body).toContain("We sent a verification link to the address you gave.");
  });

  it("refuses a form without its CSRF token (403)", async () => {
    const { browser } = await setUp();
    const refused = await browser.post("/account/sign-up", {
      nickname: "grace",
      email: "grace@example.com",
      password: strongPassword,
    });
    expectPage(refused, 403);
  });
});

describe("/account/providers", () => {
  it("says when a provider was linked as the other account pages say a time: to the minute, in UTC, said so", async () => {
    const { browser, useCases, deps } = await setUp();
    const signedUp = await signUpAda(useCases);
    // Late in the evening in the Americas is already the next day in UTC: a bare date misleads.
    deps.clock.set(new Date("2026-03-01T23:30:00.000Z"));
    await linkGitHub(deps, signedUp.user.id);
    await signInWithPassword(browser);
    const page = await browser.get("/account/providers");
    expectPage(page, 200);
    expect(page.body).toContain(
      '<span class="hint">Linked <time datetime="2026-03-01T23:30:00.000Z">1 Mar 2026, 23:30 UTC</time></span>',
    );
  });

  it("lists the linked providers and links another after a fresh proof, back with a notice", async () => {
    const { browser, github, useCases, deps } = await setUp();
    await signUpAda(useCases);
    await signInWithPassword(browser);
    const empty = await browser.get("/account/providers");
    expectPage(empty, 200);
    expect(empty.headers["content-security-policy"]).toContain("form-action 'self' https:");
    expect(empty.body).toContain("No provider is linked to your account.");
    expect(empty.body).toContain('aria-current="page">Linked providers</a>');

    // The sign-in is older than REAUTH_MAX_AGE: confirm first, then back here.
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const asked = await browser.submit("/account/providers", "/account/providers/link", {
      provider: "github",
    });
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe("/account/confirm?next=%2Faccount%2Fproviders");
    const confirmed = await browser.submit(
      asked.headers.location as string,
      asked.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(confirmed.headers.location).toBe("/account/providers");

    const state = stateAtProvider(
      await browser.submit("/account/providers", "/account/providers/link", { provider: "github" }),
    );
    github.answer("good", { subject: "ada-gh", email: "ada@github.example", displayName: "ada-on-github" });
    const { landing, page } = await backFromGitHub(browser, state);
    expect(landing.pathname).toBe("/account/providers/linked");
    expect(landing.searchParams.get("linked")).toBe("github");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/account/providers");
    const listed = await browser.get("/account/providers");
    expect(listed.body).toContain("The provider is linked: you can sign in with it now.");
    expect(listed.body).toContain("<strong>GitHub</strong> · ada-on-github");
    expect(listed.body).toContain('aria-label="Unlink GitHub"');
  });

  it("shows a linking trip's failure with its status: an identity linked to another account (409)", async () => {
    const { browser, github, useCases, deps } = await setUp();
    const other = await useCases.registerWithPassword({
      email: "grace@example.com",
      password: strongPassword,
      nickname: "grace",
      client: {},
    });
    if (!other.ok) throw new Error("sign-up failed");
    await linkGitHub(deps, other.value.user.id);
    await signUpAda(useCases);
    await signInWithPassword(browser);
    const state = stateAtProvider(
      await browser.submit("/account/providers", "/account/providers/link", { provider: "github" }),
    );
    github.answer("good", { subject: "ada-gh" });
    const { landing, page } = await backFromGitHub(browser, state);
    expect(landing.searchParams.get("error")).toBe("PROVIDER_ALREADY_LINKED");
    expectPage(page, 409);
    expect(page.body).toContain("That provider account is linked to an account already");
    const bogus = await browser.get("/account/providers/linked?error=NOT_A_CODE");
    expectPage(bogus, 400);
    // A provider that did not answer with a profile: the words do not blame a missing address alone.
    const down = await browser.get("/account/providers/linked?error=USER_INFO_FAILED");
    expectPage(down, 500);
    expect(down.body).toContain(
      "We could not get your details from the provider (an email address is needed). Try again, or use another way to sign in.",
    );
  });

  it("refuses to link a provider that is not supported (400) and a form without CSRF (403)", async () => {
    const { browser, useCases } = await setUp();
    await signUpAda(useCases);
    await signInWithPassword(browser);
    const unknown = await browser.submit("/account/providers", "/account/providers/link", {
      provider: "myspace",
    });
    expectPage(unknown, 400);
    expect(unknown.body).toContain("Supported providers are");
    const forged = await browser.post("/account/providers/link", { provider: "github" });
    expectPage(forged, 403);
  });

  it("unlinks a provider, but never the last way to sign in (400 and the rule's words)", async () => {
    const { browser, github, deps } = await setUp();
    // octo signs up through GitHub: the provider is the account's only way to sign in.
    const state = await startSocialSignIn(browser, "/account/providers");
    github.answer("good", { subject: "583231", email: "octo@example.com" });
    await backFromGitHub(browser, state);
    const refused = await browser.submit("/account/providers", "/account/providers/unlink", {
      provider: "github",
    });
    expectPage(refused, 400);
    expect(refused.body).toContain(
      "GitHub is this account&#39;s only way to sign in: set a password or link another provider first",
    );
    const notLinked = await browser.submit("/account/providers", "/account/providers/unlink", {
      provider: "discord",
    });
    expectPage(notLinked, 404);

    const octo = await deps.users.findUserByEmail("octo@example.com" as never);
    if (octo === null) throw new Error("no account");
    const set = await browser.submit("/account/password", "/account/password", {
      new_password: strongPassword,
      confirm_password: strongPassword,
    });
    expect(set.statusCode).toBe(303);
    const unlinked = await browser.submit("/account/providers", "/account/providers/unlink", {
      provider: "github",
    });
    expect(unlinked.statusCode).toBe(303);
    expect(unlinked.headers.location).toBe("/account/providers");
    const after = await browser.get("/account/providers");
    expect(after.body).toContain("The provider is unlinked.");
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(octo.id)).toEqual([]);
  });

  it("asks for a fresh proof before unlinking (303 to confirm)", async () => {
    const { browser, useCases, deps } = await setUp();
    const signedUp = await signUpAda(useCases);
    await linkGitHub(deps, signedUp.user.id);
    await signInWithPassword(browser);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const asked = await browser.submit("/account/providers", "/account/providers/unlink", {
      provider: "github",
    });
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe("/account/confirm?next=%2Faccount%2Fproviders");
  });

  it("sends a signed-out visitor to sign in (303)", async () => {
    const { browser } = await setUp();
    const page = await browser.get("/account/providers");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/account/sign-in?next=%2Faccount%2Fproviders");
  });
});

describe("the fresh proof through a provider (/account/confirm)", () => {
  /** octo, signed up through GitHub (no password, no 2FA), signed in, proof grown stale. */
  async function providerOnlyAccount() {
    const built = await setUp();
    const state = await startSocialSignIn(built.browser, "/account");
    built.github.answer("good", { subject: "583231", email: "octo@example.com" });
    await backFromGitHub(built.browser, state);
    built.deps.clock.advance(built.deps.settings.reauthMaxAgeMs + 1000);
    return built;
  }

  it("offers the linked provider, makes the trip and comes back to next with the proof", async () => {
    const { browser, github } = await providerOnlyAccount();
    const asked = await browser.submit("/account/password", "/account/password", {
      new_password: strongPassword,
      confirm_password: strongPassword,
    });
    expect(asked.headers.location).toBe("/account/confirm?next=%2Faccount%2Fpassword");
    const confirm = await browser.get("/account/confirm?next=%2Faccount%2Fpassword");
    expectPage(confirm, 200);
    expect(confirm.body).toContain('action="/account/confirm/provider?next=%2Faccount%2Fpassword"');
    expect(confirm.body).toContain("Confirm with GitHub");
    const state = stateAtProvider(
      await browser.submit(
        "/account/confirm?next=%2Faccount%2Fpassword",
        "/account/confirm/provider?next=%2Faccount%2Fpassword",
        {
          provider: "github",
        },
      ),
    );
    github.answer("again", { subject: "583231", email: "octo@example.com" });
    const { landing, page } = await backFromGitHub(browser, state, "again");
    expect(landing.pathname).toBe("/account/confirm/provider");
    expect(landing.searchParams.get("reauthenticated")).toBe("github");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/account/password");
    const set = await browser.submit("/account/password", "/account/password", {
      new_password: strongPassword,
      confirm_password: strongPassword,
    });
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe("/account/password");
  });

  it("a refused trip's form (503, expired) links back to the fresh-proof page, not to the provider's way back, which would say the proof was made", async () => {
    const { browser, deps } = await providerOnlyAccount();
    const form = "/account/confirm?next=%2Faccount%2Fpassword";
    const action = "/account/confirm/provider?next=%2Faccount%2Fpassword";
    const save = deps.oauthFlows.saveAuthorization.bind(deps.oauthFlows);
    deps.oauthFlows.saveAuthorization = async () => {
      throw new OverloadedError({ message: "busy", retryAfterSeconds: 1 });
    };
    const busy = await browser.submit(form, action, { provider: "github" });
    deps.oauthFlows.saveAuthorization = save;
    expectPage(busy, 503);
    expect(busy.body).toContain(`<p><a href="${form}">Back to the form</a></p>`);
    const expired = await browser.post(action, { provider: "github", csrf_token: "forged" });
    expectPage(expired, 403);
    expect(expired.body).toContain(`<a href="${form}">Open the form again</a>`);
  });

  it("says a proof was made only when one was: the provider's way back opened without a trip is the fresh-proof page", async () => {
    const { browser, deps } = await providerOnlyAccount();
    // The address a trip came back to, from the browser's history: its query proves nothing.
    const stale = await browser.get("/account/confirm/provider?reauthenticated=github");
    expectPage(stale, 200);
    expect(stale.body).toContain("Confirm with GitHub");
    expect(stale.body).toContain('action="/account/confirm/provider?next=%2Faccount"');
    expect(stale.body).not.toContain("you can make the change now");
    const stillStale = await browser.submit("/account/password", "/account/password", {
      new_password: strongPassword,
      confirm_password: strongPassword,
    });
    expect(stillStale.headers.location).toBe("/account/confirm?next=%2Faccount%2Fpassword");
    // Within REAUTH_MAX_AGE of a proof (here the sign-in), it goes on to the page, as after a trip.
    deps.clock.advance(-(deps.settings.reauthMaxAgeMs + 1000));
    const fresh = await browser.get("/account/confirm/provider");
    expect(fresh.statusCode).toBe(303);
    expect(fresh.headers.location).toBe("/account");
    expect((await browser.get("/account")).body).toContain("Thanks, you can make the change now.");
  });

  it("refuses another provider account (403 REAUTH_IDENTITY_MISMATCH) and a provider not linked (404)", async () => {
    const { browser, github } = await providerOnlyAccount();
    const state = stateAtProvider(
      await browser.submit("/account/confirm", "/account/confirm/provider", { provider: "github" }),
    );
    github.answer("mallory", { subject: "6660666", email: "mallory@example.com" });
    const { landing, page } = await backFromGitHub(browser, state, "mallory");
    expect(landing.searchParams.get("error")).toBe("REAUTH_IDENTITY_MISMATCH");
    expectPage(page, 403);
    expect(page.body).toContain("That is not the provider account linked to yours.");
    const stillStale = await browser.submit("/account/password", "/account/password", {
      new_password: strongPassword,
      confirm_password: strongPassword,
    });
    expect(stillStale.headers.location).toBe("/account/confirm?next=%2Faccount%2Fpassword");
    const notLinked = await browser.submit("/account/confirm", "/account/confirm/provider", {
      provider: "discord",
    });
    expectPage(notLinked, 404);
    expect(notLinked.body).toContain("Discord is not linked to your account");
  });

  it("refuses a provider trip for an account with a password (400)", async () => {
    const { browser, useCases, deps } = await setUp();
    const signedUp = await signUpAda(useCases);
    await linkGitHub(deps, signedUp.user.id);
    await signInWithPassword(browser);
    const refused = await browser.submit("/account/confirm", "/account/confirm/provider", {
      provider: "github",
    });
    expectPage(refused, 400);
  });
});
