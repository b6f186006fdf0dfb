import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { Browser, buildHostedTestApp, signUpAda, strongPassword } from "./test-app.ts";

// /account/profile over inject(): the nickname and the email change (a link to the new address,
// the change only when it is opened), with the fresh proof and every refusal's status.

function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

async function signedIn() {
  const built = await buildHostedTestApp();
  await signUpAda(built.useCases);
  const browser = new Browser(built.app);
  const response = await browser.submit("/account/sign-in", "/account/sign-in", {
    email: "ada@example.com",
    password: strongPassword,
  });
  expect(response.statusCode).toBe(303);
  return { ...built, browser };
}

describe("/account/profile", () => {
  it("shows the nickname and address, and changes the nickname with a notice", async () => {
    const { browser } = await signedIn();
    const page = await browser.get("/account/profile");
    expectPage(page, 200);
    expect(page.body).toContain('aria-current="page">Profile</a>');
    expect(page.body).toContain(
      'name="nickname" autocomplete="nickname" required maxlength="64" value="ada"',
    );
    expect(page.body).toContain('<strong id="current-email">ada@example.com</strong>');
    const changed = await browser.submit("/account/profile", "/account/profile/nickname", {
      nickname: "countess",
    });
    expect(changed.statusCode).toBe(303);
    expect(changed.headers.location).toBe("/account/profile");
    const after = await browser.get("/account/profile");
    expect(after.body).toContain("Your nickname has been changed.");
    expect(after.body).toContain('value="countess"');
  });

  it("says that nothing changed when the nickname sent is the one the account has", async () => {
    const { browser, deps } = await signedIn();
    const same = await browser.submit("/account/profile", "/account/profile/nickname", { nickname: "ada" });
    expect(same.statusCode).toBe(303);
    expect(same.headers.location).toBe("/account/profile");
    const after = await browser.get("/account/profile");
    expect(after.body).toContain("That is your nickname already: nothing changed.");
    expect(after.body).not.toContain("Your nickname has been changed.");
    const ada = await deps.users.findUserByEmail("ada@example.com" as never);
    const events = await deps.securityEvents.listSecurityEventsOfUser({
      userId: ada?.id as never,
      limit: 10,
    });
    expect(events.map((event) => event.type)).not.toContain("profile_updated");
  });

  it("says when the address is not verified yet, with a button that mails a new link and comes back; not once it is", async () => {
    const { browser, deps } = await signedIn();
    const unverified = await browser.get("/account/profile");
    expect(unverified.body).toContain("It is not verified yet");
    // The account's own address, at once: not the public form, which asks for it again.
    expect(unverified.body).not.toContain('href="/resend-verification"');
    expect(unverified.body).toContain('<input type="hidden" name="back" value="/account/profile">');
    deps.clock.advance(61_000);
    const resent = await browser.submit("/account/profile", "/account/verification-link", {});
    expect(resent.headers.location).toBe("/account/profile");
    expect((await browser.get("/account/profile")).body).toContain(
      '<p class="notice" role="status">A new verification link is on its way to your address.',
    );
    const ada = await deps.users.findUserByEmail("ada@example.com" as never);
    await deps.users.markEmailVerified({ userId: ada?.id as never, now: new Date() });
    const verified = await browser.get("/account/profile");
    expect(verified.body).not.toContain("It is not verified yet");
  });

  it("the overview, where a sign-up lands, says the address waits for its mailed link and mails a new one back to it", async () => {
    const { browser, deps } = await signedIn();
    const unverified = await browser.get("/account");
    expect(unverified.body).toContain(
      '<p id="not-verified">Your email address is not verified yet: open the link we mailed to it.',
    );
    expect(unverified.body).toContain('<input type="hidden" name="back" value="/account">');
    deps.clock.advance(61_000);
    const resent = await browser.submit("/account", "/account/verification-link", {});
    expect(resent.statusCode).toBe(303);
    expect(resent.headers.location).toBe("/account");
    expect((await browser.get("/account")).body).toContain(
      '<p class="notice" role="status">A new verification link is on its way to your address.',
    );
    const ada = await deps.users.findUserByEmail("ada@example.com" as never);
    await deps.users.markEmailVerified({ userId: ada?.id as never, now: new Date() });
    expect((await browser.get("/account")).body).not.toContain("not verified yet");
  });

  it("refuses a nickname against the rule (400, the rule's words, the typed value kept)", async () => {
    const { browser } = await signedIn();
    const refused = await browser.submit("/account/profile", "/account/profile/nickname", {
      nickname: "a b!",
    });
    expectPage(refused, 400);
    expect(refused.body).toMatch(/id="nickname-error" class="error" role="alert">Nickname/);
    expect(refused.body).toContain('value="a b!"');
  });

  it("mails a link to the new address, keeps the old one until it is opened, then shows the new one", async () => {
    const { browser, deps, useCases } = await signedIn();
    const sent = await browser.submit("/account/profile", "/account/profile/email", {
      new_email: "countess@example.com",
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe("/account/profile");
    const notice = await browser.get("/account/profile");
    expect(notice.body).toContain("Check the new address: open the link we sent there");
    expect(notice.body).toContain('<strong id="current-email">ada@example.com</strong>');
    // The change waiting for its link shows on every later visit, not only in the notice.
    const later = await browser.get("/account/profile");
    expect(later.body).toMatch(
      /<p id="pending-email">A change to <strong>countess@example\.com<\/strong> is waiting: open the link we mailed there before <time datetime="[^"]+">[^<]+ UTC<\/time>\./,
    );
    const [mail] = deps.mailer.sentTo("countess@example.com");
    const token = /confirm-email#token=([A-Za-z0-9._-]+)/.exec(mail?.text ?? "")?.[1];
    expect(token).toBeDefined();
    const confirmed = await useCases.confirmEmailChange({ token: token ?? "" });
    expect(confirmed.ok).toBe(true);
    const changed = await browser.get("/account/profile");
    expect(changed.body).toContain('<strong id="current-email">countess@example.com</strong>');
    expect(changed.body).not.toContain('id="pending-email"');
  });

  it("asks for a fresh proof first (303 to confirm, back to the profile)", async () => {
    const { browser, deps } = await signedIn();
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const asked = await browser.submit("/account/profile", "/account/profile/email", {
      new_email: "countess@example.com",
    });
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe("/account/confirm?next=%2Faccount%2Fprofile");
    expect(deps.mailer.sentTo("countess@example.com")).toEqual([]);
    // The address typed is kept for the page the proof comes back to, and only there.
    expect((await browser.get("/account/sessions")).statusCode).toBe(200);
    const confirmed = await browser.submit(
      asked.headers.location as string,
      asked.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(confirmed.headers.location).toBe("/account/profile");
    const back = await browser.get("/account/profile");
    expect(back.body).toMatch(/name="new_email"[^>]*value="countess@example.com"/);
    expect(back.body).toContain("What you typed is below and not saved yet: check it, then send it again.");
    expect(back.body).not.toContain("you can make the change now");
    expect((await browser.get("/account/profile")).body).not.toContain('value="countess@example.com"');
  });

  it("keeps no password, code or CSRF token in the draft, and gives a draft to no other session", async () => {
    const { browser, deps, app } = await signedIn();
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    await browser.submit("/account/profile", "/account/profile/email", {
      new_email: "countess@example.com",
      password: strongPassword,
      code: "123456",
    });
    const draft = browser.cookie("superoauth_draft");
    const kept = JSON.parse(Buffer.from(draft as string, "base64url").toString("utf8"));
    expect(Object.keys(kept.fields)).toEqual(["new_email"]);

    // Another session of the browser (signed out and in again) meets the draft: not shown, cleared.
    const other = new Browser(app);
    await other.submit("/account/sign-in", "/account/sign-in", {
      email: "ada@example.com",
      password: strongPassword,
    });
    other.setCookie("superoauth_draft", draft as string);
    const shown = await other.get("/account/profile");
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain("countess@example.com");
    expect(other.cookie("superoauth_draft")).toBeUndefined();
  });

  it("refuses a malformed address and the current one (400, the typed value kept)", async () => {
    const { browser } = await signedIn();
    const malformed = await browser.submit("/account/profile", "/account/profile/email", {
      new_email: "nope",
    });
    expectPage(malformed, 400);
    expect(malformed.body).toContain('id="email-error" class="error" role="alert"');
    expect(malformed.body).toContain('value="nope"');
    const same = await browser.submit("/account/profile", "/account/profile/email", {
      new_email: "ada@example.com",
    });
    expectPage(same, 400);
    expect(same.body).toContain("The new email address is the account&#39;s current one");
  });

  it("refuses too many changes in an hour (429)", async () => {
    const { browser } = await signedIn();
    let last: LightMyRequestResponse | undefined;
    for (let attempt = 0; attempt < 12; attempt++) {
      last = await browser.submit("/account/profile", "/account/profile/email", {
        new_email: `countess${attempt}@example.com`,
      });
      if (last.statusCode === 429) break;
    }
    expectPage(last as LightMyRequestResponse, 429);
    expect(last?.body).toContain("Too many email changes were requested this hour");
  });

  it("refuses a form without its CSRF token (403) and sends a signed-out visitor to sign in", async () => {
    const { browser, app } = await signedIn();
    expectPage(await browser.post("/account/profile/nickname", { nickname: "countess" }), 403);
    const signedOut = await new Browser(app).get("/account/profile");
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toBe("/account/sign-in?next=%2Faccount%2Fprofile");
  });
});
