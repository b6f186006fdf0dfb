import type { IncomingMessage, ServerResponse } from "node:http";
import { createUseCases } from "@superoauth/application";
import { createInMemoryDependencies } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { browserSessionCookieName, createBrowserSessions } from "../src/index.ts";

const password = "Correct-horse-battery-1!";

async function setUp(hostPrefixedCookies = false) {
  const deps = createInMemoryDependencies();
  const useCases = createUseCases(deps);
  const sessions = createBrowserSessions({
    useCases,
    cookies: { secureCookies: true, hostPrefixedCookies },
    maxAgeSeconds: 3600,
  });
  const signedUp = await useCases.registerWithPassword({
    email: "ada@example.com",
    password,
    nickname: "ada",
    client: {},
  });
  if (!signedUp.ok) throw new Error("sign-up failed");
  return { deps, useCases, sessions, signedIn: signedUp.value };
}

/** A raw request and response pair, as the provider hands them over. */
function exchange(cookie: string | undefined): { req: IncomingMessage; res: ServerResponse } {
  const req = {
    headers: cookie === undefined ? {} : { cookie },
    socket: { remoteAddress: "127.0.0.1" },
  } as IncomingMessage;
  const headers = new Map<string, unknown>();
  const fake = {
    getHeader: (name: string) => headers.get(name),
    setHeader: (name: string, value: unknown) => void headers.set(name, value),
  };
  return { req, res: fake as unknown as ServerResponse };
}

describe("createBrowserSessions", () => {
  it("sets an HttpOnly, Secure, SameSite=Lax cookie, __Host- over https, and knows its account and session", async () => {
    const { sessions, signedIn, useCases } = await setUp(true);
    const { res } = exchange(undefined);
    sessions.start(res, signedIn);
    const [cookie] = res.getHeader("set-cookie") as string[];
    expect(cookie).toMatch(new RegExp(`^__Host-${browserSessionCookieName}=`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Max-Age=3600");
    const value = cookie?.split(";")[0] ?? "";
    // The session a sign-out would end: the one its refresh token belongs to (ADR 0073).
    const authenticated = await useCases.authenticateBrowserSession({ token: signedIn.refreshToken });
    expect(authenticated.ok).toBe(true);
    expect(await sessions.current(exchange(value).req)).toEqual({
      accountId: signedIn.user.id,
      sessionId: authenticated.ok ? authenticated.value.session.id : undefined,
    });
  });

  it("ends with end(): the session is revoked and the cookie cleared", async () => {
    const { sessions, signedIn, useCases } = await setUp();
    const cookie = `${browserSessionCookieName}=${signedIn.refreshToken}`;
    const { req, res } = exchange(cookie);
    await sessions.end(req, res);
    expect((res.getHeader("set-cookie") as string[])[0]).toMatch(/Max-Age=0/);
    expect(await sessions.current(exchange(cookie).req)).toBeNull();
    expect((await useCases.refreshSession({ refreshToken: signedIn.refreshToken })).ok).toBe(false);
  });

  it("is gone after 'log out everywhere' and for a disabled account, and unknown without a cookie", async () => {
    const { sessions, signedIn, useCases, deps } = await setUp();
    const cookie = `${browserSessionCookieName}=${signedIn.refreshToken}`;
    expect(await sessions.current(exchange(undefined).req)).toBeNull();
    expect(await sessions.current(exchange(`${browserSessionCookieName}=forged`).req)).toBeNull();
    await useCases.logOutEverywhere({ userId: signedIn.user.id });
    expect(await sessions.current(exchange(cookie).req)).toBeNull();

    const again = await useCases.logInWithPassword({ email: "ada@example.com", password, client: {} });
    if (!again.ok || "mfaRequired" in again.value) throw new Error("sign-in failed");
    const second = `${browserSessionCookieName}=${again.value.refreshToken}`;
    expect(await sessions.current(exchange(second).req)).not.toBeNull();
    deps.users.setStatus(signedIn.user.id, "disabled");
    expect(await sessions.current(exchange(second).req)).toBeNull();
  });
});
