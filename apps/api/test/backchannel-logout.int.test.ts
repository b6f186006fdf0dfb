import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenFromReceivedMail } from "@superoauth/adapter-mail/testing";
import {
  BrowserAgent,
  hiddenInput,
  type LogoutEndpoint,
  locationOf,
  signedInAppsModel,
  startLogoutEndpoint,
  verifyLogoutToken,
} from "@superoauth/adapter-oidc/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { UserId } from "@superoauth/domain";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { capturingLogger } from "./capturing-logger.ts";
import { signInAndConsent } from "./hosted-consent.ts";
import { listenComposedService } from "./test-config.ts";

// OpenID Connect Back-Channel Logout 1.0 through the composed service (ADR 0073): a person signs
// in to an app through the hosted pages, and every way their session then ends (the provider's
// sign-out, the account center, the API, a password change, staff, a deletion) sends the app a
// logout token naming that session's sid, which the app verifies against the provider's keys.

const database = useTestDatabase();
const { lines, logger } = capturingLogger();
let service: Service;
let url: string;
let endpoint: LogoutEndpoint;
/** The app with a back-channel logout URI, and one without. */
let withURI: { clientId: string; config: oidc.Configuration };
let withoutURI: { clientId: string; config: oidc.Configuration };
let admin: { accessToken: string };
/** Where the service writes its mails (no SMTP server): the password reset's link is read there. */
let outbox: string;

const password = "Backch4nnel-logout!";
const logoutPath = "/backchannel-logout";

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), "superoauth-backchannel-outbox-"));
  ({ service, url } = await listenComposedService(database.url(), {
    logger,
    env: { OUTBOX_DIR: outbox, MAX_SESSIONS_PER_USER: "3" },
  }));
  endpoint = await startLogoutEndpoint();
  const owner = await register("bcl-owner");
  await service.storage.users.markEmailVerified({ userId: owner.userId, now: new Date() });
  withURI = await registerApp(owner.accessToken, "https://rp.example/callback", endpoint.uri(logoutPath));
  withoutURI = await registerApp(owner.accessToken, "https://plain.example/callback", null);
  const staff = await register("bcl-admin");
  const promoted = await service.storage.accountAdministration.updateAccount({
    userId: staff.userId,
    change: { role: "admin" },
    now: new Date(),
    guard: () => ({ ok: true, value: undefined }),
  });
  expect(promoted.ok).toBe(true);
  admin = staff;
});

afterAll(async () => {
  await service?.close();
  await endpoint?.close();
  await rm(outbox, { recursive: true, force: true });
});

function call(method: "GET" | "POST" | "DELETE", path: string, token?: string, payload?: object) {
  return service.app.inject({
    method,
    url: `/api/v1${path}`,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function register(
  tag: string,
): Promise<{ userId: UserId; accessToken: string; refreshToken: string; email: string }> {
  const email = `${tag}@example.com`;
  const response = await call("POST", "/auth/register", undefined, { email, password, nickname: tag });
  expect(response.statusCode, response.body).toBe(201);
  const data = response.json().data as { user: { id: UserId }; accessToken: string; refreshToken: string };
  return { userId: data.user.id, accessToken: data.accessToken, refreshToken: data.refreshToken, email };
}

async function registerApp(token: string, redirectURI: string, backchannelLogoutURI: string | null) {
  const response = await call("POST", "/apps", token, {
    name: `App at ${new URL(redirectURI).host}`,
    redirectURIs: [redirectURI],
    allowedScopes: ["openid"],
    type: "confidential",
    backchannelLogoutURI,
  });
  expect(response.statusCode, response.body).toBe(201);
  const { app, clientSecret } = response.json().data as { app: { clientId: string }; clientSecret: string };
  const config = await oidc.discovery(
    new URL(url),
    app.clientId,
    undefined,
    oidc.ClientSecretBasic(clientSecret),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  return { clientId: app.clientId, config };
}

/** Signs `browser` in to the app through the hosted pages: its ID token. */
async function signInTo(
  app: { config: oidc.Configuration },
  redirectURI: string,
  person: { email: string },
  browser: BrowserAgent,
): Promise<string> {
  const verifier = oidc.randomPKCECodeVerifier();
  const authorization = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: redirectURI,
    scope: "openid",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const callback = await signInAndConsent({
    url: authorization.href,
    email: person.email,
    password,
    baseURL: url,
    agent: browser,
  });
  const tokens = await oidc.authorizationCodeGrant(app.config, callback, { pkceCodeVerifier: verifier });
  return tokens.id_token ?? "";
}

/**
 * A person signed in to both apps in one browser (its session "A"), beside the session their
 * registration opened (the API's, "B", whose access token acts elsewhere).
 */
async function personSignedInToApps(tag: string) {
  const person = await register(tag);
  const browser = new BrowserAgent(url);
  const idToken = await signInTo(withURI, "https://rp.example/callback", person, browser);
  await signInTo(withoutURI, "https://plain.example/callback", person, browser);
  const claims = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString()) as {
    sid?: unknown;
  };
  expect(claims.sid).toEqual(expect.any(String));
  return { ...person, browser, idToken, sid: claims.sid };
}

/** The logout tokens received for `userId` (their `sub`), each verified as the app would. */
async function logoutTokensOf(userId: UserId, count = 1) {
  const deadline = Date.now() + 5_000;
  const mine = async () => {
    const verified = [];
    for (const received of endpoint.received) {
      const payload = await verifyLogoutToken(received.token, { issuer: url, clientId: withURI.clientId });
      if (payload.sub === userId) verified.push(payload);
    }
    return verified;
  };
  while ((await mine()).length < count) {
    if (Date.now() > deadline) throw new Error(`no logout token for ${userId}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // Nothing more comes: one token per app with a URI and session, and none for the app without.
  await new Promise((resolve) => setTimeout(resolve, 150));
  return mine();
}

/** The token of the `page` link (`reset-password`) mailed to `email`; the mail is written in the background. */
async function tokenMailedTo(email: string, page: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    for (const name of (await readdir(outbox)).filter((file) => file.endsWith(".txt"))) {
      const mail = await readFile(join(outbox, name), "utf8");
      if (mail.includes(`To: ${email}`) && mail.includes(`/${page}#token=`))
        return tokenFromReceivedMail({ text: mail });
    }
    if (Date.now() > deadline) throw new Error(`no ${page} link mailed to ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The id of the browser's session, as the person's session list (session B) shows it. */
async function browserSessionIdOf(person: { accessToken: string }): Promise<string> {
  const listed = (await call("GET", "/auth/sessions", person.accessToken)).json().data.sessions as {
    id: string;
    current: boolean;
  }[];
  const [other] = listed.filter((session) => !session.current);
  if (other === undefined) throw new Error("the browser's session is not listed");
  return other.id;
}

/** The hidden fields of the account-center form posting to `action`, on the page at `path`. */
async function formOf(browser: BrowserAgent, path: string, action: string): Promise<Record<string, string>> {
  const page = await browser.request(path);
  expect(page.status).toBe(200);
  const html = await page.text();
  const start = html.indexOf(`action="${action}"`);
  const form = html.slice(start, html.indexOf("</form>", start));
  return Object.fromEntries(
    [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
      match[1] ?? "",
      match[2] ?? "",
    ]),
  );
}

describe("back-channel logout in the composed service", () => {
  it("tells the app when the person signs out of both at the provider, with the sid of its ID token", async () => {
    const person = await personSignedInToApps("bcl-provider");
    const page = await person.browser.request(
      oidc.buildEndSessionUrl(withURI.config, { id_token_hint: person.idToken }).href,
    );
    expect(page.status).toBe(200);
    const done = await person.browser.request("/oidc/session/end/confirm", {
      form: { xsrf: hiddenInput(await page.text(), "xsrf"), logout: "yes" },
    });
    expect(done.status).toBe(303);

    const [token] = await logoutTokensOf(person.userId);
    expect(token).toMatchObject({ sub: person.userId, sid: person.sid });
    expect(token?.aud).toBe(withURI.clientId);
  });

  it("tells the app when the person signs out in the account center", async () => {
    const person = await personSignedInToApps("bcl-account-sign-out");
    const form = await formOf(person.browser, "/account", "/account/sign-out");

    const signedOut = await person.browser.request("/account/sign-out", { form });

    expect(signedOut.status).toBe(303);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when another session of the person signs out all other sessions in the account center", async () => {
    const person = await personSignedInToApps("bcl-revoke-others");
    const elsewhere = new BrowserAgent(url);
    await signInTo(withoutURI, "https://plain.example/callback", person, elsewhere);
    const form = await formOf(elsewhere, "/account/sessions", "/account/sessions/revoke-others");

    const revoked = await elsewhere.request("/account/sessions/revoke-others", { form });

    expect(revoked.status, await revoked.clone().text()).toBe(303);
    expect(locationOf(revoked)).toMatch(/^\/account\/sessions/);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when its session is ended from the list of sessions (DELETE /auth/sessions/:id)", async () => {
    const person = await personSignedInToApps("bcl-revoke-one");
    const ended = await call(
      "DELETE",
      `/auth/sessions/${await browserSessionIdOf(person)}`,
      person.accessToken,
    );
    expect(ended.statusCode, ended.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when every session ends (POST /auth/logout-all)", async () => {
    const person = await personSignedInToApps("bcl-logout-all");
    expect((await call("POST", "/auth/logout-all", person.accessToken)).statusCode).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when a password change ends the other sessions", async () => {
    const person = await personSignedInToApps("bcl-password");
    const changed = await call("POST", "/user/password", person.accessToken, {
      currentPassword: password,
      newPassword: "An0ther-passw0rd!x",
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when a password reset ends every session", async () => {
    const person = await personSignedInToApps("bcl-reset");
    expect((await call("POST", "/auth/forgot-password", undefined, { email: person.email })).statusCode).toBe(
      200,
    );
    const token = await tokenMailedTo(person.email, "reset-password");

    const reset = await call("POST", "/auth/reset-password", undefined, {
      token,
      newPassword: "Res3t-passw0rd!x",
    });

    expect(reset.statusCode, reset.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when the person undoes a change of their address, which ends every session", async () => {
    const person = await personSignedInToApps("bcl-undo");
    const newEmail = "bcl-undo-elsewhere@example.org";
    expect((await call("POST", "/user/email", person.accessToken, { newEmail })).statusCode).toBe(202);
    const confirm = await tokenMailedTo(newEmail, "confirm-email");
    expect((await call("POST", "/user/email/confirm", undefined, { token: confirm })).statusCode).toBe(200);
    const undo = await tokenMailedTo(person.email, "undo-email-change");

    const undone = await call("POST", "/user/email/undo", undefined, {
      token: undo,
      newPassword: "Und0ne-passw0rd!x",
    });

    expect(undone.statusCode, undone.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when new sign-ins end its session as the least recently used past the cap (3 here)", async () => {
    const person = await personSignedInToApps("bcl-cap");
    // The registration's session is used after the browser's: the browser's is the least recent.
    const refreshed = await call("POST", "/auth/refresh", undefined, { refreshToken: person.refreshToken });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const signIn = () => call("POST", "/auth/login", undefined, { email: person.email, password });
    expect((await signIn()).statusCode).toBe(200);
    // Three sessions, the cap: none ended yet, nothing sent.
    expect(await logoutTokensOf(person.userId, 0)).toEqual([]);

    expect((await signIn()).statusCode).toBe(200);

    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it.each([
    ["disables the account", "POST", "disable", { reason: "testing back-channel logout" }],
    ["ends the account's sessions", "POST", "revoke-sessions", undefined],
    ["requires a new password", "POST", "require-new-password", undefined],
    ["deletes the account", "DELETE", "", undefined],
  ] as const)("tells the app when staff %s", async (_what, method, action, payload) => {
    const person = await personSignedInToApps(`bcl-staff-${action || "delete"}`);
    const path = `/admin/users/${person.userId}${action === "" ? "" : `/${action}`}`;
    const done = await call(method, path, admin.accessToken, payload);
    expect(done.statusCode, done.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
  });

  it("tells the app when the person deletes their account", async () => {
    const person = await personSignedInToApps("bcl-self-delete");
    const deleted = await call("DELETE", "/user", person.accessToken);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(await logoutTokensOf(person.userId)).toEqual([expect.objectContaining({ sid: person.sid })]);
    // Told, its record of who signed in to which app went with it: nothing names the person.
    const records = await database
      .db()
      .selectFrom("oidc_models")
      .select("payload")
      .where("model", "=", signedInAppsModel)
      .execute();
    expect(records.filter((record) => record.payload.includes(person.userId))).toEqual([]);
  });

  it("counts each delivery in the metrics and logs it without the token", async () => {
    const delivered = async () =>
      Number(
        /superoauth_oidc_backchannel_logouts_total\{result="delivered"\} (\d+)/.exec(
          (await service.app.inject({ url: "/metrics" })).body,
        )?.[1],
      );
    const before = await delivered();
    const person = await personSignedInToApps("bcl-counted");
    expect((await call("POST", "/auth/logout-all", person.accessToken)).statusCode).toBe(200);
    await logoutTokensOf(person.userId);

    expect(await delivered()).toBe(before + 1);
    const deliveries = lines.filter((line) => line.msg === "back-channel logout: logout token delivered");
    expect(deliveries.length).toBe(before + 1);
    expect(deliveries[0]).toMatchObject({ component: "oidc", clientId: withURI.clientId });
    for (const received of endpoint.received) expect(JSON.stringify(lines)).not.toContain(received.token);
  });
});
