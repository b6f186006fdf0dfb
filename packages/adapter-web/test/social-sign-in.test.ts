import { ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { browserSessionCookieName } from "../src/index.ts";
import { Browser, buildHostedTestApp, loginInteraction } from "./test-app.ts";

async function setUp() {
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  const built = await buildHostedTestApp({ github });
  built.interactions.open(loginInteraction("login-1"));
  return { ...built, github, browser: new Browser(built.app) };
}

/** Follows the hosted page's social button to the provider; returns the state the provider gets. */
async function startAtGitHub(browser: Browser): Promise<string> {
  const page = await browser.get("/interaction/login-1");
  expect(page.body).toContain('href="/interaction/login-1/social/github">Sign in with GitHub</a>');
  const start = await browser.get("/interaction/login-1/social/github");
  expect(start.statusCode).toBe(303);
  const api = new URL(start.headers.location as string, "http://localhost");
  expect(api.pathname).toBe("/api/v1/oauth/github");
  expect(api.searchParams.get("return_to")).toBe("/interaction/login-1/social");
  expect(api.searchParams.get("code_challenge_method")).toBe("S256");
  const trip = await browser.get(`${api.pathname}${api.search}`);
  expect(trip.statusCode).toBe(302);
  return new URL(trip.headers.location as string).searchParams.get("state") ?? "";
}

describe("social sign-in from the hosted page", () => {
  it("comes back to the interaction and finishes the login there (amr fed)", async () => {
    const { browser, github, interactions, deps } = await setUp();
    const state = await startAtGitHub(browser);
    github.answer("good", { subject: "583231", email: "octo@example.com" });
    const back = await browser.get(
      `/api/v1/oauth/github/callback?code=good&state=${encodeURIComponent(state)}`,
    );
    expect(back.statusCode).toBe(302);
    const landing = new URL(back.headers.location as string, "http://localhost");
    expect(landing.pathname).toBe("/interaction/login-1/social");

    const finished = await browser.get(`${landing.pathname}${landing.search}`);
    expect(finished.statusCode).toBe(303);
    expect(finished.headers.location).toBe("/oidc/auth/login-1/login");
    const octo = await deps.users.findUserByEmail("octo@example.com" as never);
    expect(interactions.finished).toEqual([
      { uid: "login-1", kind: "login", accountId: octo?.id, amr: ["fed"] },
    ]);
    expect(browser.cookie(browserSessionCookieName)).toBeDefined();
  });

  it("refuses a login code brought by another browser (no verifier): the sign-in page with INVALID_LOGIN_CODE", async () => {
    const { browser, github, interactions, app } = await setUp();
    const state = await startAtGitHub(browser);
    github.answer("good", { subject: "583231", email: "octo@example.com" });
    const back = await browser.get(
      `/api/v1/oauth/github/callback?code=good&state=${encodeURIComponent(state)}`,
    );
    const landing = new URL(back.headers.location as string, "http://localhost");
    const elsewhere = await new Browser(app).get(`${landing.pathname}${landing.search}`);
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.body).toContain(
      "This sign-in through the provider expired, or began in another tab or browser. Start again.",
    );
    expect(interactions.finished).toEqual([]);
  });

  it("two trips to the provider from one browser (two tabs): the later replaces the earlier, whose return then ends both (start again)", async () => {
    const { browser, github, interactions } = await setUp();
    const first = await startAtGitHub(browser);
    const second = await startAtGitHub(browser);
    github.answer("first", { subject: "583231", email: "octo@example.com" });
    github.answer("second", { subject: "583231", email: "octo@example.com" });
    const callback = (code: string, state: string) =>
      browser.get(`/api/v1/oauth/github/callback?code=${code}&state=${encodeURIComponent(state)}`);

    // The browser's trip cookie holds the later trip: the earlier return is refused, on the page.
    const earlier = await callback("first", first);
    expect(earlier.headers.location).toBe("/interaction/login-1/social?error=INVALID_STATE&provider=github");
    const refused = await browser.get(earlier.headers.location as string);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("That trip to the provider expired or began elsewhere. Try again.");
    // A state works once whatever happens next (the API's trip cookies), so the later return finds
    // none: refused too. Nothing is signed in; the person starts again (docs/reliability.md).
    const later = await callback("second", second);
    expect(later.statusCode).toBe(400);
    expect(later.json()).toMatchObject({ success: false, error: "INVALID_STATE" });
    expect(interactions.finished).toEqual([]);
    expect(browser.cookie(browserSessionCookieName)).toBeUndefined();
  });

  it("shows the callback's failure on the hosted page rather than the JSON envelope", async () => {
    const { browser } = await setUp();
    const state = await startAtGitHub(browser);
    const back = await browser.get(
      `/api/v1/oauth/github/callback?code=unknown&state=${encodeURIComponent(state)}`,
    );
    expect(back.statusCode).toBe(302);
    const landing = new URL(back.headers.location as string, "http://localhost");
    expect(landing.pathname).toBe("/interaction/login-1/social");
    expect(landing.searchParams.get("error")).toMatch(/^[A-Z_]+$/);
    const page = await browser.get(`${landing.pathname}${landing.search}`);
    expect(page.statusCode).toBe(400);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("offers no button and refuses a start for a provider that is not configured", async () => {
    const { browser } = await setUp();
    const page = await browser.get("/interaction/login-1/social/discord");
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain("That sign-in provider is not available.");
  });

  it("lets the API trip come back only to a hosted sign-in page of this server", async () => {
    const { app } = await setUp();
    for (const target of [
      "https://evil.example/interaction/x/social",
      "//evil.example/interaction/x/social",
      "/interaction/x/social/../../admin",
      "/interaction/x",
      "/interaction/x/social?next=https://evil.example",
      "/account/sign-in/social?next=//evil.example",
      "/account/providers",
    ]) {
      const response = await app.inject({
        method: "GET",
        url: `/api/v1/oauth/github?${new URLSearchParams({ return_to: target })}`,
      });
      expect({ target, status: response.statusCode, error: response.json().error }).toEqual({
        target,
        status: 400,
        error: "VALIDATION_ERROR",
      });
    }
  });
});
