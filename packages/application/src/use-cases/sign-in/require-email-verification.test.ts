import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { registerAccount, strongPassword } from "../../testing/use-case-helpers.ts";
import { verifyEmail } from "../email-verification/verify-email.ts";
import { authenticateBrowserSession } from "../sessions/authenticate-browser-session.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import { logInWithPassword } from "./log-in-with-password.ts";
import { registerAwaitingVerification } from "./register-with-password.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

function logIn(deps: ReturnType<typeof createInMemoryDependencies>, password: string) {
  return logInWithPassword(deps, { email: "ada@example.com", password, client });
}

describe("REQUIRE_EMAIL_VERIFICATION", () => {
  it("off (the default), an unverified account signs in", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it("on, an unverified account with the right password gets EMAIL_NOT_VERIFIED and no session", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    await registerAccount(deps);
    const eventsBefore = deps.securityEvents.all().length;
    expect(await logIn(deps, strongPassword)).toMatchObject({ ok: false, error: "EMAIL_NOT_VERIFIED" });
    expect(
      deps.securityEvents
        .all()
        .slice(eventsBefore)
        .map((e) => e.type),
    ).not.toContain("login_succeeded");
  });

  it("on, a wrong password still answers INVALID_CREDENTIALS, so the rule reveals nothing to a guesser", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    await registerAccount(deps);
    expect(await logIn(deps, "Wrong-passw0rd!")).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("on, the account signs in once its address is verified", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    await registerAccount(deps);
    await verifyEmail(deps, { token: tokenFromMail(deps.mailer.sent[0] ?? { text: "" }) });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it("on, the API registration's session is not renewed (refresh, browser session) until the address is verified, then is", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    const account = await registerAccount(deps);
    const refused = { ok: false, error: "EMAIL_NOT_VERIFIED" };
    expect(await refreshSession(deps, { refreshToken: account.refreshToken })).toMatchObject(refused);
    expect(await authenticateBrowserSession(deps, { token: account.refreshToken })).toMatchObject(refused);

    await verifyEmail(deps, { token: tokenFromMail(deps.mailer.sent[0] ?? { text: "" }) });

    expect((await authenticateBrowserSession(deps, { token: account.refreshToken })).ok).toBe(true);
    expect((await refreshSession(deps, { refreshToken: account.refreshToken })).ok).toBe(true);
  });

  it("off, the registration's session refreshes unverified", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    expect((await refreshSession(deps, { refreshToken: account.refreshToken })).ok).toBe(true);
  });

  it("a page's sign-up (registerAwaitingVerification) makes the account and mails the link, and opens no session", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    const created = await registerAwaitingVerification(deps, {
      email: "grace@example.com",
      password: strongPassword,
      nickname: "grace",
      client: { userAgent: "vitest", ip: "127.0.0.1" },
    });
    expect(created).toMatchObject({ ok: true, value: { awaitingVerification: true } });
    if (!created.ok) return;
    expect(
      await deps.sessions.listLiveSessionsOfUser({ userId: created.value.user.id, usedSince: new Date(0) }),
    ).toEqual([]);
    expect(deps.mailer.sentTo("grace@example.com")).toHaveLength(1);
    expect(
      await registerAwaitingVerification(deps, {
        email: "grace@example.com",
        password: strongPassword,
        nickname: "grace2",
        client: {},
      }),
    ).toMatchObject({ ok: false, error: "USER_EXISTS" });
    // Once verified, the account signs in; from the device it signed up on, no "new sign-in" notice.
    await verifyEmail(deps, {
      token: tokenFromMail(deps.mailer.sentTo("grace@example.com")[0] ?? { text: "" }),
    });
    const signedIn = await logInWithPassword(deps, {
      email: "grace@example.com",
      password: strongPassword,
      client: { userAgent: "vitest", ip: "127.0.0.1" },
    });
    expect(signedIn.ok).toBe(true);
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("new_device_sign_in");
  });
});
