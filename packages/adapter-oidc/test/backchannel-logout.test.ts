import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  confidentialApp,
  discover,
  otherApp,
  postApp,
  signedInInBrowser,
  signInWithCode,
  signOutOfApp,
  type TestApp,
} from "./authorization-driver.ts";
import { locationOf } from "./browser-agent.ts";
import { type LogoutEndpoint, startLogoutEndpoint, verifyLogoutToken } from "./logout-endpoint.ts";
import { type TestServer, useOIDCTestServer } from "./oidc-test-server.ts";

// OpenID Connect Back-Channel Logout 1.0 (ADR 0073): an app that registered a logout URI is sent a
// logout token, verifiable against the provider's JWKS, when a session it was signed in to within
// ends; the sign-out answers without waiting for it, whatever the app answers.

const database = useSQLiteTestDatabase();
const logLines: string[] = [];
const server = useOIDCTestServer(() => database.storage().oidcModels, logLines);
const refusingLogLines: string[] = [];
/** As in production: no logout token to a private, loopback or link-local address. */
const refusing = useOIDCTestServer(() => database.storage().oidcModels, refusingLogLines, {
  backchannelLogoutToPrivateAddresses: false,
});

/** SESSION_MAX_AGE of 120 days, past the provider's own lifetimes (ADR 0073). */
const longSessionDays = 120;
const longSessions = useOIDCTestServer(() => database.storage().oidcModels, undefined, {
  sessionMaxAgeSeconds: longSessionDays * 86_400,
});

let endpoint: LogoutEndpoint;
beforeAll(async () => {
  endpoint = await startLogoutEndpoint();
});
afterAll(async () => {
  await endpoint.close();
});

/** Registers `uri` as the app's back-channel logout URI for this test. */
function registerLogoutURI(on: TestServer, app: TestApp, uri: string): void {
  const record = on.clients.get(app.clientId);
  if (record === undefined) throw new Error(`no app ${app.clientId}`);
  on.clients.set(app.clientId, { ...record, backchannelLogoutURI: uri });
  onTestFinished(() => void on.clients.set(app.clientId, record));
}

/** Signs user-1 in to each app in one browser: the agent, and each app's tokens. */
async function signedInToApps(on: TestServer, first: TestApp, ...others: TestApp[]) {
  const { issuer } = on;
  const signedIn = await signedInInBrowser({ issuer, app: first, scope: "openid" });
  const more = [];
  for (const app of others) {
    const config = await discover(issuer, app);
    more.push({
      app,
      config,
      ...(await signInWithCode({ issuer, config, app, agent: signedIn.agent, scope: "openid" })),
    });
  }
  return { ...signedIn, others: more };
}

/** The `sid` of an ID token. */
const sidOf = (idToken: string | undefined) => decodeJwt(idToken ?? "").sid;

/** The JSON log lines whose message contains `words`. */
const linesSaying = (lines: string[], words: string) =>
  lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => String(line.msg).includes(words));

describe("back-channel logout", () => {
  it("is advertised in discovery, with sid among the claims", async () => {
    const metadata = (await (await fetch(`${server().issuer}/.well-known/openid-configuration`)).json()) as {
      backchannel_logout_supported?: boolean;
      backchannel_logout_session_supported?: boolean;
      claims_supported: string[];
    };
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
    expect(metadata.claims_supported).toContain("sid");
  });

  it("puts sid in the ID tokens of an app with a logout URI, and none in another app's", async () => {
    registerLogoutURI(server(), confidentialApp, endpoint.uri("/sid-check"));
    const { tokens, others } = await signedInToApps(server(), confidentialApp, postApp);
    expect(sidOf(tokens.id_token)).toEqual(expect.any(String));
    expect(sidOf(others[0]?.tokens.id_token)).toBeUndefined();
  });

  it("sends each app signed in to within the session a verifiable logout token when the person signs out of both; an app without a URI gets none", async () => {
    const { issuer } = server();
    registerLogoutURI(server(), confidentialApp, endpoint.uri("/both-a"));
    registerLogoutURI(server(), otherApp, endpoint.uri("/both-b"));
    const { agent, config, tokens, others } = await signedInToApps(
      server(),
      confidentialApp,
      otherApp,
      postApp,
    );
    const before = endpoint.received.length;

    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });

    expect(locationOf(done)).toBe("https://app.example/signed-out");
    const [toA] = await endpoint.waitFor("/both-a");
    const [toB] = await endpoint.waitFor("/both-b");
    expect(toA?.contentType).toBe("application/x-www-form-urlencoded");
    const a = await verifyLogoutToken(toA?.token ?? "", { issuer, clientId: confidentialApp.clientId });
    const b = await verifyLogoutToken(toB?.token ?? "", { issuer, clientId: otherApp.clientId });
    expect(a).toMatchObject({ sub: "user-1", sid: sidOf(tokens.id_token) });
    expect(b).toMatchObject({ sub: "user-1", sid: sidOf(others[0]?.tokens.id_token) });
    expect(a.jti).not.toBe(b.jti);
    // postApp registered none: two tokens in all, and only these two.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.received.length - before).toBe(2);
    expect(server().backchannelLogouts.slice(-2)).toEqual(["delivered", "delivered"]);
  });

  it("tells only the app signed out of when the person signs out of it alone, and the other when the session ends", async () => {
    const { issuer } = server();
    registerLogoutURI(server(), confidentialApp, endpoint.uri("/only-a"));
    registerLogoutURI(server(), otherApp, endpoint.uri("/only-b"));
    const { agent, config, tokens, others } = await signedInToApps(server(), confidentialApp, otherApp);

    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: {} });

    expect(locationOf(done)).toBe("https://app.example/signed-out");
    const [toA] = await endpoint.waitFor("/only-a");
    expect(
      await verifyLogoutToken(toA?.token ?? "", { issuer, clientId: confidentialApp.clientId }),
    ).toMatchObject({
      sid: sidOf(tokens.id_token),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.received.filter((token) => token.path === "/only-b")).toEqual([]);

    // The session ends elsewhere (the account center, a password change): the other app now, and
    // the first not a second time.
    server().endBrowserSession("user-1");
    const [toB] = await endpoint.waitFor("/only-b");
    expect(await verifyLogoutToken(toB?.token ?? "", { issuer, clientId: otherApp.clientId })).toMatchObject({
      sid: sidOf(others[0]?.tokens.id_token),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.received.filter((token) => token.path === "/only-a")).toHaveLength(1);
  });

  it("signs the person out of the app alone all the same when the browser's session cannot be read to tell it", async () => {
    registerLogoutURI(server(), confidentialApp, endpoint.uri("/unread"));
    const { agent, config, tokens } = await signedInToApps(server(), confidentialApp);
    server().browserSessionRead.before = () => {
      throw new Error("the sessions table is unreachable");
    };
    onTestFinished(() => {
      server().browserSessionRead.before = null;
    });

    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: {} });

    expect(locationOf(done)).toBe("https://app.example/signed-out");
    expect(linesSaying(logLines, "unhandled error").at(-1)).toMatchObject({
      err: { message: "the sessions table is unreachable" },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.received.filter((token) => token.path === "/unread")).toEqual([]);
  });

  it("tells each app once however many times its session's end is reported", async () => {
    registerLogoutURI(server(), confidentialApp, endpoint.uri("/once"));
    await signedInToApps(server(), confidentialApp);
    const sessionId = server().sessionIdOf("user-1") ?? "";

    await Promise.all([
      server().provider.sessionsEnded([sessionId]),
      server().provider.sessionsEnded([sessionId]),
    ]);
    await server().provider.sessionsEnded([sessionId]);

    await endpoint.waitFor("/once");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(endpoint.received.filter((token) => token.path === "/once")).toHaveLength(1);
  });

  it.each([
    ["answers 500", "/failing-500", { status: 500 }, "got: 500"],
    ["does not answer within the timeout", "/failing-slow", { delayMs: 4_000 }, "timeout"],
  ])(
    "signs the person out all the same when the app's endpoint %s, and logs and counts the failure",
    async (_why, uriPath, how: { status?: number; delayMs?: number }, reason) => {
      endpoint.answer(uriPath, how);
      registerLogoutURI(server(), confidentialApp, endpoint.uri(uriPath));
      const { agent, config, tokens } = await signedInToApps(server(), confidentialApp);
      const failedBefore = server().backchannelLogouts.filter((result) => result === "failed").length;

      const started = Date.now();
      const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });

      // Answered at once, before the app did (its slow answer takes 4 s): the delivery is not waited for.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(locationOf(done)).toBe("https://app.example/signed-out");
      expect(server().endedBrowserSessions.at(-1)).toBe("user-1");
      await expect
        .poll(() => server().backchannelLogouts.filter((r) => r === "failed").length, { timeout: 6_000 })
        .toBe(failedBefore + 1);
      const [line] = linesSaying(logLines, "did not take the logout token").slice(-1);
      expect(line).toMatchObject({ level: 40, clientId: confidentialApp.clientId });
      expect(String(line?.reason)).toContain(reason);
      const [received] = (await endpoint.waitFor(uriPath)).slice(-1);
      expect(received?.token).toMatch(/^ey/);
      expect(logLines.join("\n")).not.toContain(received?.token);
    },
  );

  it("signs the person out all the same when the app's endpoint is down, and logs and counts the failure", async () => {
    const down = await startLogoutEndpoint();
    const uri = down.uri("/down");
    await down.close();
    registerLogoutURI(server(), confidentialApp, uri);
    const { agent, config, tokens } = await signedInToApps(server(), confidentialApp);
    const failedBefore = server().backchannelLogouts.filter((result) => result === "failed").length;

    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });

    expect(locationOf(done)).toBe("https://app.example/signed-out");
    await expect
      .poll(() => server().backchannelLogouts.filter((r) => r === "failed").length)
      .toBe(failedBefore + 1);
    const [line] = linesSaying(logLines, "did not take the logout token").slice(-1);
    expect(String(line?.reason)).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it("keeps the record of a session's apps as long as SESSION_MAX_AGE lets the session live, past the provider's own lifetimes", async () => {
    const farOff = () =>
      database
        .storage()
        .db.selectFrom("oidc_models")
        .select("id")
        .where("model", "=", "BackchannelLogoutSession")
        .where("expires_at", ">", new Date(Date.now() + (longSessionDays - 1) * 86_400_000))
        .execute();
    expect(await farOff()).toEqual([]);
    registerLogoutURI(longSessions(), confidentialApp, endpoint.uri("/long"));
    const { agent, config, tokens } = await signedInToApps(longSessions(), confidentialApp);
    // Before: the longer of the grant's and the refresh token's lifetimes (30 days), and an app
    // signed in to within a session of 120 days was no longer known by its end.
    expect(await farOff()).toHaveLength(1);
    await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });
    await expect.poll(() => endpoint.received.filter((token) => token.path === "/long")).toHaveLength(1);
    expect(await farOff()).toEqual([]);
  });

  it("sends no logout token to a loopback address where private addresses are refused (production)", async () => {
    registerLogoutURI(refusing(), confidentialApp, endpoint.uri("/refused"));
    const { agent, config, tokens } = await signedInToApps(refusing(), confidentialApp);

    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });

    expect(locationOf(done)).toBe("https://app.example/signed-out");
    await expect.poll(() => refusing().backchannelLogouts).toEqual(["failed"]);
    const [line] = linesSaying(refusingLogLines, "did not take the logout token");
    expect(String(line?.reason)).toContain("special-use IP address");
    expect(endpoint.received.filter((token) => token.path === "/refused")).toEqual([]);
  });
});
