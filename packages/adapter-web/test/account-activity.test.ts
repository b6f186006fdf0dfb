import { dataExportDownloadHeaders } from "@superoauth/application";
import { authorizeAppForTest, makePublicApp } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { expectPage, signIn, withAccount } from "./account-helpers.ts";
import { csrfTokenIn, hiddenFieldsIn, strongPassword, testIssuer } from "./test-app.ts";

const firefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

async function signedIn(options: Parameters<typeof withAccount>[0] = {}) {
  const built = await withAccount(options);
  await signIn(built.browser);
  return built;
}

/** Another sign-in of ada, from Firefox at 203.0.113.9: its session id. */
async function otherSession(built: Awaited<ReturnType<typeof withAccount>>) {
  const other = await built.useCases.logInWithPassword({
    email: "ada@example.com",
    password: strongPassword,
    client: { userAgent: firefox, ip: "203.0.113.9" },
  });
  if (!other.ok || !("accessToken" in other.value)) throw new Error("sign-in failed");
  const auth = await built.useCases.authenticateAccessToken({ token: other.value.accessToken });
  if (!auth.ok) throw new Error("no session");
  return auth.value.session.id;
}

describe("the activity sections' gate", () => {
  it("sends a signed-out visitor of each page to sign-in with the page as next (303)", async () => {
    const { browser } = await withAccount();
    for (const path of [
      "/account/sessions",
      "/account/apps",
      "/account/developer-apps",
      "/account/developer-apps/some-client",
      "/account/activity",
      "/account/export",
      "/account/export/00000000-0000-7000-8000-000000000001/download",
    ]) {
      const response = await browser.get(path);
      expect(response.statusCode, path).toBe(303);
      expect(response.headers.location).toBe(`/account/sign-in?${new URLSearchParams({ next: path })}`);
    }
  });
});

describe("/account/sessions", () => {
  it("lists the live sessions with device, address and times, this one marked", async () => {
    const built = await signedIn();
    await otherSession(built);
    const page = await built.browser.get("/account/sessions");
    expectPage(page, 200);
    expect(page.body).toContain("Firefox on Linux");
    expect(page.body).toContain("203.0.113.9");
    expect(page.body.match(/This device/g)?.length).toBe(1);
    expect(page.body.match(/action="\/account\/sessions\/revoke"/g)?.length).toBe(2); // signUp's and Firefox's
    expect(page.body).toContain("Sign out all other sessions");
    expect(page.body).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d\d? [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC<\/time>/,
    );
    // Each button's name tells the sessions apart out of context: device, address and sign-in time.
    expect(page.body).toMatch(
      /aria-label="Sign out Firefox on Linux at 203\.0\.113\.9, signed in \d\d? [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC"/,
    );
  });

  it("signs out one other session (303 and a notice); an unknown one answers 404", async () => {
    const built = await signedIn();
    const other = await otherSession(built);
    const done = await built.browser.submit("/account/sessions", "/account/sessions/revoke", {
      session_id: other,
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/account/sessions");
    expect((await built.deps.sessions.findSession(other))?.revokedAt).not.toBeNull();
    const after = await built.browser.get("/account/sessions");
    expectPage(after, 200);
    expect(after.body).toContain("That session is signed out.");
    expect(after.body).not.toContain("203.0.113.9");

    const again = await built.browser.submit("/account/sessions", "/account/sessions/revoke", {
      session_id: other,
    });
    expectPage(again, 404);
    expect(again.body).toContain("No live session of yours has this id");
  });

  it("signs out every other session and keeps this one", async () => {
    const built = await signedIn();
    const other = await otherSession(built);
    const done = await built.browser.submit("/account/sessions", "/account/sessions/revoke-others", {});
    expect(done.statusCode).toBe(303);
    const after = await built.browser.get("/account/sessions");
    expectPage(after, 200);
    expect(after.body).toContain("Your other sessions are signed out. This one stays signed in.");
    expect(after.body).toContain("This is your only session.");
    expect((await built.deps.sessions.findSession(other))?.revokedAt).not.toBeNull();
    expect(
      (await built.deps.sessions.findSession(built.signedUp.user.id as never))?.revokedAt,
    ).toBeUndefined();
  });

  it("says nothing was signed out when the other sessions ended after the page opened, and logs nothing", async () => {
    const built = await withAccount();
    // The sign-up's session ends, so this browser's and the other are the only ones.
    await built.useCases.logOutEverywhere({ userId: built.user.id });
    await signIn(built.browser);
    const other = await otherSession(built);
    const page = await built.browser.get("/account/sessions");
    expect(page.body).toContain("Sign out all other sessions");
    // Signed out from that device meanwhile.
    expect((await built.useCases.revokeSession({ userId: built.user.id, sessionId: other })).ok).toBe(true);
    const logged = async () =>
      (
        await built.deps.securityEvents.listSecurityEventsOfUser({ userId: built.user.id, limit: 100 })
      ).filter((event) => event.type === "sessions_revoked");

    const before = (await logged()).length;
    const done = await built.browser.post("/account/sessions/revoke-others", {
      ...hiddenFieldsIn(page.body, "/account/sessions/revoke-others"),
      csrf_token: csrfTokenIn(page.body),
    });

    expect(done.statusCode).toBe(303);
    const after = await built.browser.get("/account/sessions");
    expect(after.body).toContain("No other session was signed in, so there was nothing to sign out.");
    expect(after.body).not.toContain("Your other sessions are signed out.");
    expect(await logged()).toHaveLength(before);
  });

  it("signing out this very session is a sign-out", async () => {
    const built = await signedIn();
    const page = await built.browser.get("/account/sessions");
    const listed = await built.useCases.listSessions({
      userId: built.user.id,
      currentSessionId: "none" as never,
    });
    if (!listed.ok) throw new Error("no sessions");
    const current = listed.value[0]?.id as string;
    expect(page.body).toContain("This device");
    const done = await built.browser.submit("/account/sessions", "/account/sessions/revoke", {
      session_id: current,
    });
    expect(done.statusCode).toBe(303);
    const after = await built.browser.get("/account/sessions");
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe("/account/sign-in?next=%2Faccount%2Fsessions");
  });
});

async function authorizeApp(built: Awaited<ReturnType<typeof withAccount>>, name = "Photo Book") {
  const registered = await built.useCases.registerApp({
    // Another developer's app, their address proven (apps wait for it).
    owner: { id: "00000000-0000-7000-8000-00000000ffff" as UserId, emailVerified: true },
    settings: {
      name,
      homepageURL: "https://photos.example",
      redirectURIs: ["https://photos.example/callback"],
      allowedScopes: ["openid", "email", "offline_access"],
      type: "confidential",
    },
  });
  if (!registered.ok) throw new Error("register failed");
  const clientId = registered.value.app.clientId;
  await authorizeAppForTest(built.deps, {
    userId: built.user.id,
    clientId,
    grantId: "grant-1",
    scopes: ["openid", "email", "offline_access"],
    now: built.deps.clock.now(),
  });
  return clientId;
}

describe("/account/apps", () => {
  it("lists the authorized apps with their scopes in words and their dates", async () => {
    const built = await signedIn();
    await authorizeApp(built);
    const page = await built.browser.get("/account/apps");
    expectPage(page, 200);
    expect(page.body).toContain("Photo Book");
    expect(page.body).toContain("See your email address and whether it is verified");
    expect(page.body).toContain("Stay connected when you are not using it (until you revoke it)");
    expect(page.body).toContain("Authorized</dt>");
    expect(page.body).toContain("Last used</dt>");
  });

  it("revokes an app (303, notice, gone); a second removal (a double click) answers 404 saying the app has no access", async () => {
    const built = await signedIn();
    const clientId = await authorizeApp(built);
    const done = await built.browser.submit("/account/apps", "/account/apps/revoke", { client_id: clientId });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/account/apps");
    const after = await built.browser.get("/account/apps");
    expect(after.body).toContain("The app can no longer use your account.");
    expect(after.body).toContain("You have not authorized any app.");
    expect(await built.useCases.listAuthorizedApps({ userId: built.user.id })).toEqual({
      ok: true,
      value: [],
    });

    const again = await built.browser.submit("/account/apps", "/account/apps/revoke", {
      client_id: clientId,
    });
    expectPage(again, 404);
    expect(again.body).toContain("That app has no access to your account (any more)");
  });
});

const registration = {
  name: "My Site",
  redirect_uris: "https://my.example/callback\r\nhttps://my.example/other",
  post_logout_redirect_uris: "",
  backchannel_logout_uri: "https://my.example/backchannel-logout",
  homepage_url: "https://my.example/",
  logo_url: "",
  scope: "openid",
  type: "confidential",
  token_endpoint_auth_method: "client_secret_post",
  id_token_signing_alg: "RS256",
  require_pkce: "no",
};

async function registerThroughPage(built: Awaited<ReturnType<typeof withAccount>>, form = registration) {
  const answer = await built.browser.submit("/account/developer-apps", "/account/developer-apps", form);
  const clientId = /id="client-id">([^<]+)</.exec(answer.body)?.[1];
  const secret = /id="client-secret">([^<]+)</.exec(answer.body)?.[1];
  return { answer, clientId, secret };
}

describe("/account/developer-apps", () => {
  it("registers a confidential app and shows its secret once, which is the stored one", async () => {
    const built = await signedIn({ verified: true });
    const list = await built.browser.get("/account/developer-apps");
    expectPage(list, 200);
    expect(list.body).toContain("You have not registered any app.");
    // The method is held to (docs/oidc.md), and the form says so beside the choice.
    expect(list.body).toContain('aria-describedby="auth-method-hint"');
    expect(list.body).toContain("The token endpoint takes the secret only this way");
    const { answer, clientId, secret } = await registerThroughPage(built);
    expectPage(answer, 200);
    expect(answer.body).toContain("it is shown only this once");
    expect(clientId).toBeDefined();
    const stored = await built.deps.apps.findApp(clientId as string);
    expect(stored).toMatchObject({
      name: "My Site",
      redirectURIs: ["https://my.example/callback", "https://my.example/other"],
      tokenEndpointAuthMethod: "client_secret_post",
      idTokenSigningAlg: "RS256",
      requirePKCE: false,
      backchannelLogoutURI: "https://my.example/backchannel-logout",
      homepageURL: "https://my.example/",
    });
    expect(stored?.secretHash).toBe(built.deps.secretHasher.hashSecret(secret as string));

    const shown = await built.browser.get(`/account/developer-apps/${clientId}`);
    expectPage(shown, 200);
    expect(shown.body).toContain(clientId);
    // The edit form shows the back-channel logout URI registered.
    expect(shown.body).toContain('value="https://my.example/backchannel-logout"');
    // What the app's sign-in library needs beside the client id: the page named none before.
    expect(shown.body).toContain(`id="issuer">${testIssuer}</code>`);
    expect(shown.body).toContain(`id="discovery-url">${testIssuer}/.well-known/openid-configuration</code>`);
    expect(shown.body).not.toContain(secret);
    const listed = await built.browser.get("/account/developer-apps");
    expect(listed.body).toContain(`href="/account/developer-apps/${clientId}">My Site</a>`);
  });

  it("on an unverified address lists the apps but asks for the address's proof instead of the form; a POST anyway answers 403 and creates nothing (ADR 0043)", async () => {
    const built = await signedIn();
    // An app registered before registering waited for the proof: still listed, still working.
    await built.deps.apps.createApp(makePublicApp(built.user.id, { name: "Old Site" }));
    const list = await built.browser.get("/account/developer-apps");
    expectPage(list, 200);
    expect(list.body).toContain(">Old Site</a>");
    expect(list.body).toContain(
      '<p id="verify-first">Verify your email address first: open the link we mailed to it. Until your address is verified, an app cannot be registered.</p>',
    );
    // Its button mails the account's address and comes back to this page.
    expect(list.body).toContain('<input type="hidden" name="back" value="/account/developer-apps">');
    const resent = await built.browser.submit("/account/developer-apps", "/account/verification-link", {});
    expect(resent.headers.location).toBe("/account/developer-apps");
    // Any other page to come back to is not followed: the account's own page instead.
    const elsewhere = await built.browser.submit("/account/developer-apps", "/account/verification-link", {
      back: "https://evil.example/",
    });
    expect(elsewhere.headers.location).toBe("/account");
    expect(list.body).not.toContain('action="/account/developer-apps"');
    // A form kept from before, or typed by hand: refused with the API's words, nothing stored.
    const { answer } = await registerThroughPage(built);
    expectPage(answer, 403);
    expect(answer.body).toContain("Verify your email address before registering an app");
    expect(answer.body).not.toContain('id="client-secret"');
    const names = async () =>
      (await built.deps.apps.listAppsByOwner(built.user.id)).map((app) => app.name).sort();
    expect(await names()).toEqual(["Old Site"]);
    // Once verified, the page offers the form, and it registers.
    await built.deps.users.markEmailVerified({ userId: built.user.id, now: built.deps.clock.now() });
    const verified = await built.browser.get("/account/developer-apps");
    expect(verified.body).toContain('action="/account/developer-apps"');
    expect(verified.body).not.toContain("Verify your email address first");
    expectPage((await registerThroughPage(built)).answer, 200);
    expect(await names()).toEqual(["My Site", "Old Site"]);
  });

  it("registers a public app without a secret (303 to its page)", async () => {
    const built = await signedIn({ verified: true });
    const { answer } = await registerThroughPage(built, { ...registration, type: "public" });
    expect(answer.statusCode).toBe(303);
    const page = await built.browser.get(answer.headers.location as string);
    expectPage(page, 200);
    expect(page.body).toContain("Your app is registered.");
    expect(page.body).toContain("public (<code>none</code>)");
    expect(page.body).not.toContain("Make a new client secret");
  });

  it("refuses invalid settings with 400, keeping what was typed", async () => {
    const built = await signedIn({ verified: true });
    const { answer } = await registerThroughPage(built, {
      ...registration,
      redirect_uris: "http://evil.example/callback",
    });
    expectPage(answer, 400);
    expect(answer.body).toContain("must be an absolute https URL");
    expect(answer.body).toContain("http://evil.example/callback</textarea>");
    // The field at fault carries the message and the focus; the others do not (WCAG 3.3.1).
    const invalidFields = (body: string) =>
      [...body.matchAll(/<(?:input|textarea)[^>]*\bid="([^"]+)"[^>]*aria-invalid="true"[^>]*>/g)].map(
        (match) => match[1],
      );
    expect(invalidFields(answer.body)).toEqual(["redirect-uris"]);
    expect(answer.body).toMatch(
      /<textarea id="redirect-uris"[^>]*aria-invalid="true" aria-describedby="form-error redirect-uris-hint" autofocus>/,
    );
    // Each URI field's fault is named in the form's words, not the API's name for it
    // (postLogoutRedirectURIs, backchannelLogoutURI), and marks that field.
    for (const [field, value, words, id, apiName] of [
      [
        "post_logout_redirect_uris",
        "https://app.example/out#x",
        "Sign-out redirect URIs: A redirect URI must not have a fragment",
        "post-logout-uris",
        "postLogoutRedirectURIs",
      ],
      [
        "backchannel_logout_uri",
        "http://app.example/logout",
        "Back-channel logout URI &quot;http://app.example/logout&quot; must be an absolute https URL",
        "backchannel-logout-uri",
        "backchannelLogoutURI",
      ],
    ] as const) {
      const refused = await registerThroughPage(built, { ...registration, [field]: value });
      expectPage(refused.answer, 400);
      expect(refused.answer.body).toContain(words);
      expect(refused.answer.body).not.toContain(apiName);
      expect(invalidFields(refused.answer.body)).toEqual([id]);
    }
    const noOpenID = await registerThroughPage(built, { ...registration, scope: "email" });
    expectPage(noOpenID.answer, 400);
    expect(noOpenID.answer.body).toContain("Scopes must include openid");
    expect(invalidFields(noOpenID.answer.body)).toEqual([]);
    expect(await built.useCases.listApps({ userId: built.user.id })).toEqual({ ok: true, value: [] });
  });

  it("edits an app after a fresh proof; invalid changes answer 400", async () => {
    const built = await signedIn({ verified: true });
    const { clientId } = await registerThroughPage(built);
    const path = `/account/developer-apps/${clientId}`;
    const edit = { ...registration, name: "My Renamed Site" };
    built.deps.clock.advance(built.deps.settings.reauthMaxAgeMs + 1000);
    const stale = await built.browser.submit(path, path, edit);
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(path)}`);
    const confirmed = await built.browser.submit(
      stale.headers.location as string,
      stale.headers.location as string,
      { password: strongPassword },
    );
    expect(confirmed.headers.location).toBe(path);
    // Back on the app's page, the change typed before the proof is there to save (not the old name).
    const back = await built.browser.get(path);
    expect(back.body).toMatch(/name="name"[^>]*value="My Renamed Site"/);
    expect(back.body).not.toMatch(/name="name"[^>]*value="My Site"/);
    // The app's method of sending its secret is kept too (a field whose name holds "token" but no secret).
    expect(back.body).toContain('<option value="client_secret_post" selected>');
    expect(back.body).toContain('<option value="RS256" selected>');
    expect(back.body).toContain('<option value="no" selected>Not required</option>');
    // Shown once: the next visit shows the app as saved.
    expect((await built.browser.get(path)).body).toMatch(/name="name"[^>]*value="My Site"/);

    const bad = await built.browser.submit(path, path, { ...edit, redirect_uris: "" });
    expectPage(bad, 400);
    expect(bad.body).toContain("Redirect URIs must list 1 to 10 URIs");
    // A made-up signing algorithm is refused on its own field.
    const badAlg = await built.browser.submit(path, path, { ...edit, id_token_signing_alg: "HS256" });
    expectPage(badAlg, 400);
    expect(badAlg.body).toContain("ID token signing algorithm must be ES256 or RS256");
    expect(badAlg.body).toMatch(/<select id="id-token-alg" name="id_token_signing_alg" aria-invalid="true"/);
    const saved = await built.browser.submit(path, path, edit);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(path);
    const page = await built.browser.get(path);
    expect(page.body).toContain("Your app&#39;s settings are saved.");
    expect((await built.deps.apps.findApp(clientId as string))?.name).toBe("My Renamed Site");
  });

  it("rotates the secret after a confirmation step naming the app (shown once, the old hash replaced); cancel rotates nothing; a public app has none (400)", async () => {
    const built = await signedIn({ verified: true });
    const { clientId, secret } = await registerThroughPage(built);
    const path = `/account/developer-apps/${clientId}`;
    const hashOf = async () => (await built.deps.apps.findApp(clientId as string))?.secretHash;
    const first = await hashOf();
    expect(first).toBe(built.deps.secretHasher.hashSecret(secret as string));
    // The app's page leads to the step; it has no form that rotates.
    const appPage = await built.browser.get(path);
    expect(appPage.body).toContain(`<a href="${path}/secret">Make a new client secret…</a>`);
    expect(appPage.body).not.toContain(`action="${path}/secret"`);

    const confirm = await built.browser.get(`${path}/secret`);
    expectPage(confirm, 200);
    expect(confirm.body).toContain("<title>Rotate the secret of My Site?");
    expect(confirm.body).toContain(
      "Rotating the secret of <strong>My Site</strong> gives it a new client secret",
    );
    expect(confirm.body).toContain("the current secret stops working at once");
    expect(confirm.body).toContain("must be given the new one");
    expect(confirm.body).toContain("tokens already issued stay valid until they expire or are revoked");
    expect(confirm.body).toMatch(
      new RegExp(
        `<form method="post" action="${path}/secret" class="actions">[^]*<button type="submit" class="primary danger">Rotate the secret</button>`,
      ),
    );
    expect(confirm.body).toContain(`<a class="button" href="${path}">Cancel</a>`);
    // Cancel: back to the app's page, and nothing rotated.
    expectPage(await built.browser.get(path), 200);
    expect(await hashOf()).toBe(first);

    // Confirmed, after a fresh proof that comes back to the step (as deleting does).
    built.deps.clock.advance(built.deps.settings.reauthMaxAgeMs + 1000);
    const stale = await built.browser.submit(`${path}/secret`, `${path}/secret`, {});
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(`${path}/secret`)}`);
    const proved = await built.browser.submit(
      stale.headers.location as string,
      stale.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(proved.headers.location).toBe(`${path}/secret`);
    expect(await hashOf()).toBe(first);
    const rotated = await built.browser.submit(`${path}/secret`, `${path}/secret`, {});
    expectPage(rotated, 200);
    const next = /id="client-secret">([^<]+)</.exec(rotated.body)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(secret);
    expect(await hashOf()).toBe(built.deps.secretHasher.hashSecret(next as string));

    const pub = await registerThroughPage(built, { ...registration, type: "public" });
    const publicId = (pub.answer.headers.location as string).split("/").pop() as string;
    const publicPath = `/account/developer-apps/${publicId}`;
    const noStep = await built.browser.get(`${publicPath}/secret`);
    expectPage(noStep, 400);
    expect(noStep.body).toContain("A public client has no secret");
    const refused = await built.browser.submit(publicPath, `${publicPath}/secret`, {});
    expectPage(refused, 400);
    expect(refused.body).toContain("A public client has no secret");
  });

  it("another's or an unknown app has no rotation step: the same 404 as its page", async () => {
    const built = await signedIn();
    const foreign = await authorizeApp(built, "Not Mine");
    const secretHash = (await built.deps.apps.findApp(foreign))?.secretHash;
    for (const clientId of [foreign, "no-such-app"]) {
      const refusalOf = (body: string) => /<p id="form-error"[^>]*>([^<]*)</.exec(body)?.[1];
      const page = await built.browser.get(`/account/developer-apps/${clientId}`);
      const step = await built.browser.get(`/account/developer-apps/${clientId}/secret`);
      expectPage(page, 404);
      expectPage(step, 404);
      expect(refusalOf(step.body)).toBe("You have no app with this client id");
      expect(refusalOf(step.body)).toBe(refusalOf(page.body));
      expectPage(
        await built.browser.submit(
          "/account/developer-apps",
          `/account/developer-apps/${clientId}/secret`,
          {},
        ),
        404,
      );
    }
    expect((await built.deps.apps.findApp(foreign))?.secretHash).toBe(secretHash);
  });

  it("a rotation overtaken by another (a double submit) answers the 503 page and shows no secret; the other's stands (ADR 0060)", async () => {
    const built = await signedIn({ verified: true });
    const { clientId } = await registerThroughPage(built);
    const path = `/account/developer-apps/${clientId}`;
    const replace = built.deps.apps.replaceSecretHash.bind(built.deps.apps);
    let other: string | null = null;
    let overtake = true;
    built.deps.apps.replaceSecretHash = async (input) => {
      if (overtake) {
        overtake = false;
        const answer = await built.browser.submit(`${path}/secret`, `${path}/secret`, {});
        other = /id="client-secret">([^<]+)</.exec(answer.body)?.[1] ?? `${answer.statusCode}`;
      }
      return replace(input);
    };
    const overtaken = await built.browser.submit(`${path}/secret`, `${path}/secret`, {});
    expectPage(overtaken, 503);
    expect(overtaken.headers["retry-after"]).toBe("1");
    expect(overtaken.body).not.toContain('id="client-secret"');
    expect(overtaken.body).toContain("secret at the same moment, and its answer holds the new secret");
    // Back to the confirmation, where the form is.
    expect(overtaken.body).toContain(`<p><a href="${path}/secret">Back to the form</a></p>`);
    expect(other).toMatch(/^[\w-]{20,}$/);
    expect((await built.deps.apps.findApp(clientId as string))?.secretHash).toBe(
      built.deps.secretHasher.hashSecret(String(other)),
    );
  });

  it("deletes after a confirmation step; another's or an unknown app answers 404", async () => {
    const built = await signedIn({ verified: true });
    const { clientId } = await registerThroughPage(built);
    const path = `/account/developer-apps/${clientId}`;
    const confirm = await built.browser.get(`${path}/delete`);
    expectPage(confirm, 200);
    expect(confirm.body).toContain("This cannot be undone.");
    built.deps.clock.advance(built.deps.settings.reauthMaxAgeMs + 1000);
    const stale = await built.browser.submit(`${path}/delete`, `${path}/delete`, {});
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(`${path}/delete`)}`);
    await built.browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });
    const deleted = await built.browser.submit(`${path}/delete`, `${path}/delete`, {});
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe("/account/developer-apps");
    expect(await built.deps.apps.findApp(clientId as string)).toBeNull();
    const list = await built.browser.get("/account/developer-apps");
    expect(list.body).toContain("Your app is deleted");

    const gone = await built.browser.get(path);
    expectPage(gone, 404);
    expect(gone.body).toContain("You have no app with this client id");
    const again = await built.browser.submit("/account/developer-apps", `${path}/delete`, {});
    expectPage(again, 404);
    const foreign = await authorizeApp(built, "Not Mine");
    expectPage(await built.browser.get(`/account/developer-apps/${foreign}`), 404);
    expectPage(await built.browser.get(`/account/developer-apps/${foreign}/delete`), 404);
    expectPage(
      await built.browser.submit(
        "/account/developer-apps",
        `/account/developer-apps/${foreign}`,
        registration,
      ),
      404,
    );
  });
});

describe("/account/activity", () => {
  it("shows the events in sentences, staff actions included, a page at a time with Older and Newer", async () => {
    const built = await signedIn();
    const userId = built.user.id;
    for (let i = 0; i < 45; i++) {
      built.deps.clock.advance(1000);
      await built.deps.securityEvents.recordSecurityEvent({
        id: built.deps.random.generateId(),
        userId,
        type: i === 44 ? "two_factor_reset" : "login_failed",
        occurredAt: built.deps.clock.now(),
        ip: "198.51.100.7",
        userAgent: firefox,
        actorId: i === 44 ? ("00000000-0000-7000-8000-0000000000aa" as UserId) : null,
        details: i === 44 ? { by: "support" } : {},
      });
    }
    const total = (await built.deps.securityEvents.listSecurityEventsOfUser({ userId, limit: 1000 })).length;
    const first = await built.browser.get("/account/activity");
    expectPage(first, 200);
    expect(first.body).toContain("Your two-factor authentication was reset by support");
    expect(first.body).toContain("Firefox on Linux · 198.51.100.7");
    expect(first.body.match(/<li class="item">/g)?.length).toBe(20);
    expect(first.body).not.toContain(">Newer<");
    const older = /href="([^"]+)" rel="next">Older</.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    expect(older).toMatch(/^\/account\/activity\?before=/);

    const second = await built.browser.get(older as string);
    expectPage(second, 200);
    expect(second.body.match(/<li class="item">/g)?.length).toBe(20);
    expect(second.body).toContain('href="/account/activity" rel="prev">Newer<');
    const third = await built.browser.get(
      /href="([^"]+)" rel="next">Older</.exec(second.body)?.[1]?.replaceAll("&amp;", "&") as string,
    );
    expect(third.body.match(/<li class="item">/g)?.length).toBe(total - 40);
    expect(third.body).not.toContain(">Older<");
    const newer = /href="([^"]+)" rel="prev">Newer</.exec(third.body)?.[1]?.replaceAll("&amp;", "&");
    expect(newer).toBe(older);
  });

  it("a staff action, recorded without a device or address, shows its time alone (not 'Unknown device · unknown address')", async () => {
    const built = await signedIn();
    built.deps.clock.advance(1000);
    await built.deps.securityEvents.recordSecurityEvent({
      id: built.deps.random.generateId(),
      userId: built.user.id,
      type: "account_viewed",
      occurredAt: built.deps.clock.now(),
      ip: null,
      userAgent: null,
      actorId: "00000000-0000-7000-8000-0000000000aa" as UserId,
      details: { by: "support" },
    });
    const page = await built.browser.get("/account/activity");
    expectPage(page, 200);
    const item = /<li class="item">(?:(?!<\/li>)[\s\S])*viewed(?:(?!<\/li>)[\s\S])*<\/li>/.exec(
      page.body,
    )?.[0];
    expect(item).toBeDefined();
    expect(item).toMatch(/<\/time><\/p>/);
    expect(page.body).not.toContain("Unknown device");
  });

  it("ignores a cursor that is not an event id and shows the newest page", async () => {
    const built = await signedIn();
    const page = await built.browser.get("/account/activity?before=%27%20or%201%3D1&newer=x,y");
    expectPage(page, 200);
    expect(page.body).toContain("You signed in");
    expect(page.body).not.toContain(">Newer<");
  });
});

describe("/account/export", () => {
  it("requests an export behind a fresh proof, shows the running one, then the ready archive and its checksum", async () => {
    const built = await signedIn();
    const intro = await built.browser.get("/account/export");
    expectPage(intro, 200);
    expect(intro.body).not.toContain("Your exports");
    // What the archive holds, staff-actions.json included.
    expect(intro.body).toContain("and, for staff, where you acted from on other people's accounts.");
    built.deps.clock.advance(built.deps.settings.reauthMaxAgeMs + 1000);
    const stale = await built.browser.submit("/account/export", "/account/export", {});
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe("/account/confirm?next=%2Faccount%2Fexport");
    await built.browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });

    const requested = await built.browser.submit("/account/export", "/account/export", {});
    expect(requested.statusCode).toBe(303);
    const statusPath = requested.headers.location as string;
    expect(statusPath).toMatch(/^\/account\/export\/[0-9a-f-]+$/);
    const pending = await built.browser.get(statusPath);
    expectPage(pending, 200);
    expect(pending.body).toContain("Your export is on its way.");
    expect(pending.body).toContain("Waiting to start");
    expect(pending.body).toContain(`<a href="${statusPath}">Refresh</a>`);
    expect(pending.body).toContain('<progress id="export-progress" max="100" value="0">');

    const twice = await built.browser.submit("/account/export", "/account/export", {});
    expect(twice.headers.location).toBe(statusPath);
    expect((await built.browser.get(statusPath)).body).toContain("You already have an export on its way");

    const notYet = await built.browser.get(`${statusPath}/download`);
    expectPage(notYet, 409);
    expect(notYet.body).toContain("The data export is pending, not ready to download");

    await built.useCases.runNextDataExport({});
    const ready = await built.browser.get(statusPath);
    expectPage(ready, 200);
    expect(ready.body).toContain("Ready to download");
    const sha256 = /id="export-sha256">([0-9a-f]{64})</.exec(ready.body)?.[1];
    expect(sha256).toBeDefined();
    expect(ready.body).toContain(`${sha256}  superoauth-export-`);
    expect(ready.body).toContain("sha256sum -c -");

    const download = await built.browser.get(`${statusPath}/download`);
    expect(download.statusCode).toBe(200);
    const exportId = statusPath.split("/").pop() as string;
    const archive = await built.useCases.openDataExportArchive({ userId: built.user.id, exportId });
    if (!archive.ok) throw new Error("no archive");
    for (const [name, value] of Object.entries(dataExportDownloadHeaders(archive.value))) {
      expect(download.headers[name.toLowerCase()]).toBe(value);
    }
    // The in-memory store's checksum is a stand-in; the browser walk (a real store) hashes the bytes.
    expect(download.headers["x-content-sha256"]).toBe(sha256);
    const chunks: Uint8Array[] = [];
    for await (const chunk of archive.value.content) chunks.push(chunk);
    expect(download.rawPayload.equals(Buffer.concat(chunks))).toBe(true);

    // Coming back later, the export is listed on the request page, with how long it can be had.
    const listed = await built.browser.get("/account/export");
    expectPage(listed, 200);
    expect(listed.body).toContain("<h2>Your exports</h2>");
    expect(listed.body).toMatch(
      new RegExp(
        `<a href="${statusPath}">Requested <time datetime="[^"]+">[^<]+</time></a>: Ready to download, until <time`,
      ),
    );
  });

  it("shows the refusal past five exports a day: 429, Retry-After and when another can start", async () => {
    const built = await signedIn();
    for (let i = 0; i < 5; i++) {
      const requested = await built.browser.submit("/account/export", "/account/export", {});
      expect(requested.statusCode).toBe(303);
      expect(requested.headers.location).toMatch(/^\/account\/export\/[0-9a-f-]+$/);
      await built.useCases.runNextDataExport({});
    }
    built.deps.clock.advance(60_000);
    const refused = await built.browser.submit("/account/export", "/account/export", {});
    expectPage(refused, 429);
    expect(refused.headers["retry-after"]).toBe(String(24 * 3600 - 60));
    expect(refused.body).toContain(
      "You have started 5 data exports in the last 24 hours, the most allowed. You can start another in 24 hours.",
    );
    // The request page, with the exports the person has, and no button to ask again.
    expect(refused.body).not.toContain("Request an export");
    expect(refused.body.match(/: Ready to download, until/g)?.length).toBe(5);
  });

  it("says when the next export can start instead of offering one once five were started, without JavaScript; a failed one is not counted", async () => {
    const built = await signedIn();
    const spentWords =
      "You have started 5 data exports in the last 24 hours, the most allowed. You can start another in 24 hours.";
    // The first fails on every attempt (a fault of ours): it does not count.
    built.deps.exportArchives.beforeEntry = async () => {
      throw new Error("disk full");
    };
    const failed = await built.browser.submit("/account/export", "/account/export", {});
    const failedPath = failed.headers.location as string;
    for (let attempt = 0; attempt < 3; attempt++) await built.useCases.runNextDataExport({});
    built.deps.exportArchives.beforeEntry = undefined;
    for (let i = 0; i < 5; i++) {
      const offered = await built.browser.get("/account/export");
      expect(offered.body).toContain("Request an export");
      expect(offered.body).not.toContain('id="export-allowance"');
      const requested = await built.browser.submit("/account/export", "/account/export", {});
      expect(requested.headers.location).toMatch(/^\/account\/export\/[0-9a-f-]+$/);
      // While it runs the button stays (it answers the running one), but not once it is the fifth.
      const running = (await built.browser.get("/account/export")).body;
      if (i < 4) expect(running).toContain("Request an export");
      else expect(running).toContain(`<p id="export-allowance">${spentWords}</p>`);
      await built.useCases.runNextDataExport({});
    }
    built.deps.clock.advance(60_000);
    const spent = await built.browser.get("/account/export");
    expectPage(spent, 200);
    expect(spent.body).toContain(`<p id="export-allowance">${spentWords}</p>`);
    expect(spent.body).not.toContain("Request an export");
    expect(spent.body).not.toContain('action="/account/export"');
    // The failed export's page says it could not be made, and when another can start.
    const failedPage = await built.browser.get(failedPath);
    expectPage(failedPage, 200);
    expect(failedPage.body).toContain("This export could not be made.</p>");
    expect(failedPage.body).toContain(`<p id="export-allowance">${spentWords}</p>`);
    expect(failedPage.body).not.toContain("Request an export");
    // A day after the first counted one, the button is back.
    built.deps.clock.advance(24 * 3600_000);
    const again = await built.browser.get("/account/export");
    expect(again.body).toContain("Request an export");
    expect(again.body).not.toContain('id="export-allowance"');
  });

  it("answers 404 for another's or an unknown export, and 410 once expired", async () => {
    const built = await signedIn();
    const unknown = await built.browser.get("/account/export/00000000-0000-7000-8000-000000000999");
    expectPage(unknown, 404);
    expect(unknown.body).toContain("There is no such data export of yours");
    expectPage(await built.browser.get("/account/export/00000000-0000-7000-8000-000000000999/download"), 404);

    const requested = await built.browser.submit("/account/export", "/account/export", {});
    const statusPath = requested.headers.location as string;
    await built.useCases.runNextDataExport({});
    built.deps.clock.advance(built.deps.settings.dataExport.ttlMs + 1000);
    await signIn(built.browser); // a week later: the old session has lapsed
    const expired = await built.browser.get(`${statusPath}/download`);
    expectPage(expired, 410);
    expect(expired.body).toContain("Expired");
    expect(expired.body).toContain("Request an export");
    // Listed as expired, with no date it could be had until.
    const listed = await built.browser.get("/account/export");
    expect(listed.body).toMatch(
      new RegExp(`<a href="${statusPath}">Requested <time[^>]*>[^<]+</time></a>: Expired</p>`),
    );
  });
});
