import { type OIDCModelStore, OverloadedError, StorageUnavailableError } from "@superoauth/application";
import { InMemoryOIDCModelStore } from "@superoauth/application/testing";
import * as oidc from "openid-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { discover, publicApp, signInWithCode, silentRenewal } from "./authorization-driver.ts";
import { BrowserAgent } from "./browser-agent.ts";
import { confidentialApp, useOIDCTestServer } from "./oidc-test-server.ts";

// The protocol's endpoints while the database is down or the service sheds load: 503
// `temporarily_unavailable` with Retry-After (RFC 6749 §4.1.2.1 names the code), never the
// library's 500 `server_error`, which tells a client that retrying will not help.

/** What the store throws for the next calls (of `failing` only, when it names a method), or nothing. */
let failure: Error | null = null;
let failing: keyof OIDCModelStore | null = null;
/** The ids of the authorization codes saved, in order. */
const savedCodes: string[] = [];
const memory = new InMemoryOIDCModelStore();
const store = new Proxy(memory, {
  get(target, property, receiver) {
    const value = Reflect.get(target, property, receiver);
    if (typeof value !== "function") return value;
    return async (...args: unknown[]) => {
      if (failure !== null && (failing === null || failing === property)) throw failure;
      const saved = args[0] as { model?: unknown; id?: unknown } | undefined;
      if (property === "upsert" && saved?.model === "AuthorizationCode") savedCodes.push(String(saved.id));
      return value.apply(target, args);
    };
  },
}) as OIDCModelStore;
const logLines: string[] = [];
const server = useOIDCTestServer(() => store, logLines);
afterEach(() => {
  failure = null;
  failing = null;
});

const basic = `Basic ${Buffer.from(`${confidentialApp.clientId}:${confidentialApp.secret}`).toString("base64")}`;
const clientCredentials = () =>
  fetch(`${server().issuer}/oidc/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "user:read" }),
  });

describe("the provider while its storage is unavailable", () => {
  it("answers the token endpoint 503 temporarily_unavailable with Retry-After 5, and serves again once it is back", async () => {
    expect((await clientCredentials()).status).toBe(200);

    failure = new StorageUnavailableError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" });
    const refused = await clientCredentials();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    const body = await refused.text();
    expect(JSON.parse(body)).toEqual({
      error: "temporarily_unavailable",
      error_description: "The service is temporarily unavailable; retry shortly",
    });
    // Nothing of the cause reaches the client.
    expect(body).not.toMatch(/ECONN|database|storage/i);

    failure = null;
    expect((await clientCredentials()).status).toBe(200);
  });

  // A single-page app refreshing while the database is down reads the 503 and when to retry: the
  // library's CORS exposed WWW-Authenticate alone.
  it("lets a browser app read the 503 and its Retry-After and X-Request-Id (CORS)", async () => {
    failure = new StorageUnavailableError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" });
    const refused = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:8765" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: "some-refresh-token",
        client_id: publicApp.clientId,
      }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:8765");
    const exposed = (refused.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["retry-after", "x-request-id", "www-authenticate"]));
  });

  it("passes on the wait an overloaded service asks for", async () => {
    failure = new OverloadedError({ message: "Too many waiting", retryAfterSeconds: 1 });
    const refused = await clientCredentials();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });
  });

  it("sends the browser back to the client with temporarily_unavailable when it cannot start an authorization", async () => {
    failure = new StorageUnavailableError({ code: "ECONNRESET", message: "read ECONNRESET" });
    const url = new URL(`${server().issuer}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: confidentialApp.clientId,
      response_type: "code",
      redirect_uri: confidentialApp.redirectURI,
      scope: "openid",
      state: "st-1",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    }).toString();
    const response = await fetch(url, { headers: { accept: "text/html" }, redirect: "manual" });
    // RFC 6749 §4.1.2.1: the client is known and its redirect URI registered, so the error goes to it.
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(confidentialApp.redirectURI);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: "temporarily_unavailable",
      error_description: "The service is temporarily unavailable; retry shortly",
      state: "st-1",
      iss: server().issuer,
    });
  });

  it("shows a browser the error page with 503 and Retry-After where there is no client to send it back to", async () => {
    failure = new StorageUnavailableError({ code: "ECONNRESET", message: "read ECONNRESET" });
    const response = await fetch(`${server().issuer}/oidc/device`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('<p id="error">temporarily_unavailable</p>');
    // An outage is explained, not ours to trace: no reference to quote.
    expect(page).toContain('<p id="reference"></p>');
  });

  it("answers a bug past the library's own error handlers 500 server_error, as a page for a browser, without Retry-After", async () => {
    failure = new Error("a bug in a store");
    const response = await fetch(`${server().issuer}/oidc/device`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    const page = await response.text();
    expect(page).toContain('<p id="error">server_error</p>');
    expect(page).not.toContain("a bug in a store");
    // The request's id, to quote: the log line of the failure carries it.
    const reference = /<p id="reference">(req-[0-9a-z]+)<\/p>/.exec(page)?.[1];
    expect(reference).toBeDefined();
    expect(
      logLines.some((line) => line.includes(`"reqId":"${reference}"`) && line.includes("a bug in a store")),
    ).toBe(true);
  });

  it("still answers 500 server_error for a failure that is a bug, not an outage", async () => {
    failure = new Error("a bug in a store");
    const answer = await clientCredentials();
    expect(answer.status).toBe(500);
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(await answer.json()).toMatchObject({ error: "server_error" });
  });

  it("names the request's id in a JSON server_error's body, as the API's 500 envelope does: the failure's log line's, and nothing of the cause", async () => {
    failure = new Error("a bug in a store at 10.1.2.3");
    const answer = await clientCredentials();
    expect(answer.status).toBe(500);
    const text = await answer.text();
    const requestId = (JSON.parse(text) as { request_id?: unknown }).request_id;
    expect(requestId).toMatch(/^req-[0-9a-z]+$/);
    // RFC 6749 §5.2: extra members are allowed, and error_description is text for a person.
    expect(JSON.parse(text)).toEqual({
      error: "server_error",
      error_description: `oops! something went wrong (request id: ${requestId})`,
      request_id: requestId,
    });
    expect(text).not.toMatch(/bug|store|10\.1\.2\.3|stack/i);
    expect(
      logLines.some((line) => line.includes(`"reqId":"${requestId}"`) && line.includes("a bug in a store")),
    ).toBe(true);
  });

  it("names it too in a failure past the library's own error handlers, and not in a refusal", async () => {
    failure = new Error("a bug in a store");
    const answer = await fetch(`${server().issuer}/oidc/device`, { headers: { accept: "application/json" } });
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ error: "server_error", request_id: expect.any(String) });
    failure = null;
    const refusal = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
      body: new URLSearchParams({ grant_type: "authorization_code", code: "nope" }),
    });
    expect(refusal.status).toBe(400);
    expect(await refusal.json()).not.toHaveProperty("request_id");
  });

  it("logs an outage and a bug as the API does, with the request's id", async () => {
    // The request's log line: Fastify's request logger, so it names the request (`reqId`).
    const logged = async (expected: string) => {
      const before = logLines.length;
      const response = await clientCredentials();
      const line = logLines.slice(before).find((entry) => entry.includes(`"msg":"${expected}"`));
      expect(line).toMatch(/"reqId":"[^"]+"/);
      return { status: response.status, line };
    };
    failure = new StorageUnavailableError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" });
    const outage = await logged("database unavailable");
    expect(outage.status).toBe(503);
    expect(outage.line).toContain('"code":"ECONNREFUSED"');

    failure = new Error("a bug in a store");
    const bug = await logged("unhandled error");
    expect(bug.status).toBe(500);
    expect(bug.line).toContain("a bug in a store");
  });

  it("answers a device's poll 503 when it cannot record the poll, not a pending answer that skips the spacing", async () => {
    const started = await fetch(`${server().issuer}/oidc/device/auth`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: publicApp.clientId, scope: "openid" }),
    });
    const { device_code } = (await started.json()) as { device_code: string };
    failure = new StorageUnavailableError({ code: "ECONNRESET", message: "read ECONNRESET" });
    failing = "claim";
    const poll = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code,
        client_id: publicApp.clientId,
      }),
    });
    expect(poll.status).toBe(503);
    expect(poll.headers.get("retry-after")).toBe("5");
    expect(await poll.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "The service is temporarily unavailable; retry shortly",
    });
  });

  it("keeps the tokens it issued when recording the grant's last use fails afterwards", async () => {
    const { grants } = server();
    const touch = grants.touch;
    grants.touch = async () => {
      throw new StorageUnavailableError({ code: "ECONNRESET", message: "read ECONNRESET" });
    };
    try {
      const config = await discover(server().issuer, confidentialApp);
      const { tokens } = await signInWithCode({
        issuer: server().issuer,
        config,
        app: confidentialApp,
        scope: "openid user:read",
      });
      expect(tokens.access_token).toEqual(expect.any(String));
      expect(
        logLines.some((line) => line.includes("database unavailable") && line.includes("ECONNRESET")),
      ).toBe(true);
    } finally {
      grants.touch = touch;
    }
  });
});

describe("an authorization whose browser session cannot be read again once its code is saved", () => {
  it("answers 503 with no code in it, and the code is withdrawn: whether the session still stands is unknown", async () => {
    const { issuer, browserSessionRead } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    await signInWithCode({ issuer, config, app: confidentialApp, agent, scope: "openid" });
    const { url: renewal } = await silentRenewal(config, confidentialApp, { state: "st-2" });
    // The sign-in check reads the session; the read after the code's save (withdrawCodeOfEndedSession) fails.
    let reads = 0;
    browserSessionRead.before = () => {
      reads += 1;
      if (reads === 2) throw new StorageUnavailableError({ code: "ECONNRESET", message: "read ECONNRESET" });
    };
    onTestFinished(() => {
      browserSessionRead.before = null;
    });
    const codesBefore = savedCodes.length;
    const answered = await agent.request(renewal.href);

    expect(answered.status).toBe(503);
    expect(answered.headers.get("retry-after")).toBe("5");
    // A 503 is not followed, but the redirect that carried the code is not sent along either.
    expect(answered.headers.get("location")).toBeNull();
    const [code] = savedCodes.slice(codesBefore);
    if (code === undefined) throw new Error("no code was saved");
    expect(await memory.find({ model: "AuthorizationCode", id: code, now: new Date() })).toBeNull();
  });
});
