import { verifyAddress } from "@superoauth/application/testing";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { Browser, buildHostedTestApp, changeAccount, signUpAda, strongPassword } from "./test-app.ts";

function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

async function signedInAda() {
  const built = await buildHostedTestApp();
  const signedUp = await signUpAda(built.useCases);
  const browser = new Browser(built.app);
  const signedIn = await browser.submit("/account/sign-in", "/account/sign-in?next=%2Faccount%2Fdelete", {
    email: "ada@example.com",
    password: strongPassword,
  });
  expect(signedIn.headers.location).toBe("/account/delete");
  return { ...built, user: signedUp.user, browser };
}

// Cold starts on a loaded machine pass the default 5 s: each describe allows 30 s.
describe("/account/delete", { timeout: 30_000 }, () => {
  it("explains what goes and asks for the email address, with the nav item current", async () => {
    const { browser } = await signedInAda();
    const page = await browser.get("/account/delete");
    expectPage(page, 200);
    expect(page.body).toContain('<a href="/account/delete" aria-current="page">Delete account</a>');
    expect(page.body).toContain("cannot be undone");
    expect(page.body).toContain('<label for="confirm-email">');
    // What a deletion leaves elsewhere (docs/account-export.md's table): a staff search naming them.
    expect(page.body).toContain(
      "A search by a member of staff that named your nickname stays in that staff member's own log, as long as security logs are kept.",
    );
  });

  it("names the apps the person registered, which go too, and says nothing of apps when there are none", async () => {
    const { browser, deps, useCases, user } = await signedInAda();
    expect((await browser.get("/account/delete")).body).not.toContain("you registered");
    const owner = await verifyAddress(deps, user.id);
    for (const name of ["Photo Book", "Recipe <Box>"]) {
      const registered = await useCases.registerApp({
        owner,
        settings: {
          name,
          homepageURL: "https://photos.example",
          redirectURIs: ["https://photos.example/callback"],
          allowedScopes: ["openid"],
          type: "confidential",
        },
      });
      expect(registered.ok).toBe(true);
    }
    const page = await browser.get("/account/delete");
    expect(page.body).toContain(
      "the 2 apps you registered (Photo Book, Recipe &lt;Box&gt;): they stop working for everyone who signs in to them",
    );
  });

  it("sends a signed-out visitor to sign in", async () => {
    const { app } = await buildHostedTestApp();
    const response = await app.inject({ method: "GET", url: "/account/delete" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/account/sign-in?next=%2Faccount%2Fdelete");
  });

  it("refuses a wrong email with 400 and deletes nothing, keeping what was typed to correct", async () => {
    const { browser, deps, user } = await signedInAda();
    const wrong = await browser.submit("/account/delete", "/account/delete", {
      confirm_email: "ada@example.con",
    });
    expectPage(wrong, 400);
    expect(wrong.body).toContain('role="alert">Type your email address exactly to delete your account</p>');
    expect(wrong.body).toContain('aria-invalid="true"');
    // A person who mistyped one letter corrects it, rather than typing the whole address again.
    expect(wrong.body).toMatch(/<input id="confirm-email"[^>]* value="ada@example\.con"/);
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
  });

  it("deletes behind a fresh proof, clears the cookie, says so; the address can register again", async () => {
    const { browser, deps, useCases, user } = await signedInAda();
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await browser.submit("/account/delete", "/account/delete", {
      confirm_email: "Ada@Example.com ",
    });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe("/account/confirm?next=%2Faccount%2Fdelete");
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
    const confirmed = await browser.submit(
      stale.headers.location as string,
      stale.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(confirmed.headers.location).toBe("/account/delete");
    // The address typed comes back in the field, as the page's notice says.
    const back = await browser.get("/account/delete");
    expect(back.body).toContain("What you typed is below and not saved yet");
    expect(back.body).toMatch(/name="confirm_email"[^>]*value="Ada@Example.com "/);

    const deleted = await browser.submit("/account/delete", "/account/delete", {
      confirm_email: "ada@example.com",
    });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe("/account/deleted");
    const cleared = deleted.cookies.find((cookie) => cookie.name === "superoauth_session");
    expect(cleared?.maxAge).toBe(0);
    expect(browser.cookie("superoauth_session")).toBeUndefined();
    expect(await deps.users.findUserById(user.id)).toBeNull();

    const done = await browser.get("/account/deleted");
    expectPage(done, 200);
    expect(done.body).toContain("Your account is deleted");
    expect(done.body).toContain('<a href="/account/sign-in">Sign in, or make a new account</a>');
    expect((await browser.get("/account")).headers.location).toBe("/account/sign-in?next=%2Faccount");

    const again = await useCases.registerWithPassword({
      email: "ada@example.com",
      password: strongPassword,
      nickname: "ada",
      client: {},
    });
    expect(again.ok).toBe(true);
    expect(again.ok && again.value.user.id).not.toBe(user.id);
  });

  it("refuses the last active admin with 409 LAST_ADMIN", async () => {
    const { browser, deps, user } = await signedInAda();
    await changeAccount(deps, user.id, { role: "admin" });
    const refused = await browser.submit("/account/delete", "/account/delete", {
      confirm_email: "ada@example.com",
    });
    expectPage(refused, 409);
    expect(refused.body).toContain("last active admin");
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
  });

  it("refuses a POST without the CSRF token with the 403 page", async () => {
    const { browser, deps, user } = await signedInAda();
    expectPage(await browser.post("/account/delete", { confirm_email: "ada@example.com" }), 403);
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
  });
});
