import { type Email, err, ok, parseEmail, type Session, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { OverloadedError } from "../../overloaded-error.ts";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  InMemoryLinkedProviderRepository,
  ScriptedOAuthProviderGateway,
} from "../../testing/in-memory-oauth.ts";
import { RecordingObserver } from "../../testing/recording-observer.ts";
import { registerAccount, storedRefreshToken, unwrap } from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { logOutEverywhere } from "../sessions/log-out-everywhere.ts";
import { exchangeOAuthLoginCode } from "./exchange-oauth-login-code.ts";
import { finishOAuthAuthorization } from "./finish-oauth-authorization.ts";
import { listOAuthProviders } from "./list-oauth-providers.ts";
import { startLinkingProvider } from "./start-linking-provider.ts";
import { startOAuthAuthorization } from "./start-oauth-authorization.ts";
import { startProviderTrip } from "./steps/start-provider-trip.ts";
import { unlinkProvider } from "./unlink-provider.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

function setUp() {
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  const discord = new ScriptedOAuthProviderGateway("discord", { supportsPKCE: true });
  const base = createInMemoryDependencies();
  const deps = { ...base, oauthProviders: { github, discord } } satisfies Dependencies;
  return { deps, github, discord };
}

type TestDeps = ReturnType<typeof setUp>["deps"];

/** The PKCE verifier a front end keeps; it starts a sign-in with the verifier's S256 challenge. */
const frontEndVerifier = "front-end-verifier".padEnd(43, "0");

function challenge(deps: TestDeps, verifier = frontEndVerifier) {
  return { codeChallenge: deps.secretHasher.codeChallengeOf(verifier), codeChallengeMethod: "S256" };
}

/** Starts a trip and comes back with `code`, the way a browser with its cookie would. */
async function signInThrough(
  deps: TestDeps,
  input: { provider?: string; code: string; respondWith?: "tokens" | "login-code"; linkSession?: Session },
) {
  const provider = input.provider ?? "github";
  const { linkSession } = input;
  const started = unwrap(
    linkSession === undefined
      ? await startOAuthAuthorization(deps, { ...challenge(deps), provider })
      : await startProviderTrip(deps, {
          provider,
          bind: () =>
            ok({
              linkUserId: linkSession.userId,
              linkSessionId: linkSession.id,
              reauthenticateSessionId: null,
              codeChallengeHash: null,
            }),
        }),
  );
  return finishOAuthAuthorization(deps, {
    provider,
    state: started.state,
    code: input.code,
    cookie: { state: started.state, codeVerifier: started.codeVerifier },
    respondWith: input.respondWith ?? "tokens",
    client,
  });
}

function email(raw: string): Email {
  return unwrap(parseEmail(raw));
}

/** A password-less account at ada@example.com, its address proven at Discord (a sign-up through it). */
async function signUpThroughDiscord(deps: TestDeps, discord: ScriptedOAuthProviderGateway, subject: string) {
  discord.answer("d", { subject, emailVerified: true });
  const first = unwrap(await signInThrough(deps, { code: "d", provider: "discord" }));
  if (first.kind !== "signed-in" || !("user" in first.signIn)) throw new Error("expected tokens");
  return first.signIn.user;
}

describe("startOAuthAuthorization", () => {
  it.each(["facebook", "GitHub", "GITHUB", "", "github/"])(
    "answers UNSUPPORTED_PROVIDER for %j",
    async (p) => {
      const { deps } = setUp();
      expect(await startOAuthAuthorization(deps, { ...challenge(deps), provider: p })).toMatchObject({
        ok: false,
        error: "UNSUPPORTED_PROVIDER",
      });
    },
  );

  it("answers OAUTH_INIT_FAILED for a known provider without credentials", async () => {
    const { deps } = setUp();
    expect(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "twitch" })).toMatchObject({
      ok: false,
      error: "OAUTH_INIT_FAILED",
    });
  });

  it("makes a PKCE verifier only for providers that take one, and stores only a hash of the state", async () => {
    const { deps } = setUp();
    const withPKCE = unwrap(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "discord" }));
    const without = unwrap(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "github" }));
    expect(withPKCE.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(without.codeVerifier).toBeNull();
    expect(withPKCE.authorizationURL).toContain(encodeURIComponent(withPKCE.state));
    expect(withPKCE.expiresInSeconds).toBe(600);
    expect(deps.oauthFlows.size().authorizations).toBe(2);
  });

  it("refuses to start a sign-in without an S256 code challenge, and records nothing", async () => {
    const { deps } = setUp();
    for (const binding of [
      {},
      { codeChallenge: "" },
      { ...challenge(deps), codeChallengeMethod: "plain" },
      { ...challenge(deps), codeChallengeMethod: undefined },
      { codeChallenge: "too-short", codeChallengeMethod: "S256" },
    ]) {
      expect(await startOAuthAuthorization(deps, { provider: "github", ...binding })).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
      });
    }
    expect(deps.oauthFlows.size().authorizations).toBe(0);
  });

  it("starts linking without a code challenge: it ends without a login code", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    expect((await startLinkingProvider(deps, { provider: "github", session })).ok).toBe(true);
  });

  it("lists only configured providers", async () => {
    const { deps } = setUp();
    expect(await listOAuthProviders(deps)).toEqual(["discord", "github"]);
  });
});

describe("finishOAuthAuthorization: signing in", () => {
  it("creates a password-less account from the profile, links it and signs it in", async () => {
    const { deps, github } = setUp();
    github.answer("code-1", { subject: "42", email: "Ada@Example.com", displayName: "Ada Lovelace" });

    const finished = unwrap(await signInThrough(deps, { code: "code-1" }));

    expect(finished.kind).toBe("signed-in");
    const user = await deps.users.findUserByEmail(email("ada@example.com"));
    expect(user).toMatchObject({ nickname: "Ada_Lovelace", passwordHash: null, emailVerified: true });
    expect(
      await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "42" }),
    ).toMatchObject({
      userId: user?.id,
      email: "ada@example.com",
    });
    const events = deps.securityEvents.all().map((e) => [e.type, e.details]);
    expect(events).toEqual([
      ["provider_linked", { provider: "github", via: "sign-up" }],
      ["login_succeeded", { method: "github", sessionId: expect.any(String) }],
    ]);
  });

  it("signs a returning identity into the same account", async () => {
    const { deps, github } = setUp();
    github.answer("first", { subject: "42" });
    github.answer("second", { subject: "42", email: "changed@example.com" });
    const first = unwrap(await signInThrough(deps, { code: "first" }));
    const second = unwrap(await signInThrough(deps, { code: "second" }));
    if (first.kind !== "signed-in" || second.kind !== "signed-in") throw new Error("expected sign-ins");
    expect("user" in second.signIn && second.signIn.user.id).toBe(
      "user" in first.signIn && first.signIn.user.id,
    );
    expect(await deps.users.findUserByEmail(email("changed@example.com"))).toBeNull();
  });

  it("makes no account on an email the provider has not verified: EMAIL_NOT_VERIFIED, nothing written (ADR 0043)", async () => {
    const { deps, github } = setUp();
    github.answer("c", { emailVerified: false });
    expect(await signInThrough(deps, { code: "c" })).toEqual({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
      message: "GitHub has not verified this email address: verify it at GitHub, then sign in again",
    });
    expect(await deps.users.findUserByEmail(email("ada@example.com"))).toBeNull();
  });

  it("answers USER_INFO_FAILED when a new identity brings no usable email", async () => {
    const { deps, github } = setUp();
    github.answer("none", { email: null });
    github.answer("junk", { email: "not an email" });
    expect(await signInThrough(deps, { code: "none" })).toMatchObject({
      ok: false,
      error: "USER_INFO_FAILED",
    });
    expect(await signInThrough(deps, { code: "junk" })).toMatchObject({
      ok: false,
      error: "USER_INFO_FAILED",
    });
  });

  it("passes the PKCE verifier to providers that take one, and none to others", async () => {
    const { deps, github, discord } = setUp();
    discord.answer("d", { subject: "7" });
    github.answer("g", { subject: "8", email: "grace@example.com" });
    unwrap(await signInThrough(deps, { provider: "discord", code: "d" }));
    unwrap(await signInThrough(deps, { provider: "github", code: "g" }));
    expect(discord.exchanges[0]?.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(github.exchanges[0]?.codeVerifier).toBeNull();
  });

  it("passes the gateway's failures through", async () => {
    const { deps, github } = setUp();
    github.answer("down", { ok: false, error: "TOKEN_EXCHANGE_FAILED" });
    expect(await signInThrough(deps, { code: "down" })).toMatchObject({
      ok: false,
      error: "TOKEN_EXCHANGE_FAILED",
    });
    expect(await signInThrough(deps, { code: "unknown" })).toMatchObject({
      ok: false,
      error: "INVALID_AUTHORIZATION_CODE",
    });
  });

  it("reports each provider answer to the observer, whatever the trip and whatever came after it", async () => {
    const { deps: base, github, discord } = setUp();
    const observer = new RecordingObserver();
    const deps = { ...base, observer };
    github.answer("down", { ok: false, error: "TOKEN_EXCHANGE_FAILED" });
    github.answer("no-profile", { ok: false, error: "USER_INFO_FAILED" });
    github.answer("good", { subject: "8", email: "grace@example.com" });
    discord.answer("unverified", { subject: "9", email: "alan@example.com", emailVerified: false });
    await signInThrough(deps, { code: "down" });
    await signInThrough(deps, { code: "no-profile" });
    await signInThrough(deps, { code: "unknown" });
    await signInThrough(deps, { code: "good" });
    // The provider answered; what we refused next is the sign-in's outcome, not the provider's.
    await signInThrough(deps, { provider: "discord", code: "unverified" });
    expect(observer.events.filter((event) => event.type === "provider_exchange")).toEqual([
      { type: "provider_exchange", provider: "github", result: "TOKEN_EXCHANGE_FAILED" },
      { type: "provider_exchange", provider: "github", result: "USER_INFO_FAILED" },
      { type: "provider_exchange", provider: "github", result: "INVALID_AUTHORIZATION_CODE" },
      { type: "provider_exchange", provider: "github", result: "succeeded" },
      { type: "provider_exchange", provider: "discord", result: "succeeded" },
    ]);
  });
});

describe("finishOAuthAuthorization: state", () => {
  async function started(deps: TestDeps) {
    return unwrap(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "github" }));
  }

  it("answers INVALID_STATE without a cookie, without a state, or when they differ", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const trip = await started(deps);
    const base = { provider: "github", code: "c", respondWith: "tokens", client } as const;
    const cookie = { state: trip.state, codeVerifier: null };
    for (const attempt of [
      { ...base, state: trip.state, cookie: null },
      { ...base, state: undefined, cookie },
      { ...base, state: "", cookie },
      { ...base, state: `${trip.state}x`, cookie },
      { ...base, state: trip.state, cookie: { state: "other", codeVerifier: null } },
    ]) {
      expect(await finishOAuthAuthorization(deps, attempt)).toMatchObject({
        ok: false,
        error: "INVALID_STATE",
      });
    }
    expect(github.exchanges).toEqual([]);
  });

  it("answers INVALID_STATE for a state replayed with its cookie", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const trip = await started(deps);
    const callback = {
      provider: "github",
      state: trip.state,
      code: "c",
      cookie: { state: trip.state, codeVerifier: null },
      respondWith: "tokens",
      client,
    } as const;
    expect((await finishOAuthAuthorization(deps, callback)).ok).toBe(true);
    expect(await finishOAuthAuthorization(deps, callback)).toMatchObject({
      ok: false,
      error: "INVALID_STATE",
    });
  });

  it("answers INVALID_STATE after ten minutes, and for a state of another provider", async () => {
    const { deps, github, discord } = setUp();
    github.answer("c", {});
    discord.answer("c", {});
    const trip = await started(deps);
    deps.clock.advance(10 * 60_000);
    const late = {
      provider: "github",
      state: trip.state,
      code: "c",
      cookie: { state: trip.state, codeVerifier: null },
      respondWith: "tokens",
      client,
    } as const;
    expect(await finishOAuthAuthorization(deps, late)).toMatchObject({ ok: false, error: "INVALID_STATE" });
    const other = await started(deps);
    expect(
      await finishOAuthAuthorization(deps, {
        ...late,
        provider: "discord",
        state: other.state,
        cookie: { state: other.state, codeVerifier: "v".repeat(43) },
      }),
    ).toMatchObject({ ok: false, error: "INVALID_STATE" });
  });

  it("answers OAUTH_ACCESS_DENIED when the person cancelled at the provider", async () => {
    const { deps } = setUp();
    const trip = await started(deps);
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state: trip.state,
        error: "access_denied",
        cookie: { state: trip.state, codeVerifier: null },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "OAUTH_ACCESS_DENIED" });
  });
});

describe("no silent account takeover", () => {
  it("answers OAUTH_EMAIL_CONFLICT when the provider has not verified the email of an existing account", async () => {
    const { deps, github } = setUp();
    const registered = await registerAccount(deps, { email: "ada@example.com" });
    await deps.users.markEmailVerified({ userId: registered.user.id, now: deps.clock.now() });
    github.answer("c", { emailVerified: false });
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({
      ok: false,
      error: "OAUTH_EMAIL_CONFLICT",
    });
    expect(
      await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "subject-1" }),
    ).toBeNull();
  });

  it("answers OAUTH_EMAIL_CONFLICT when our account has not verified its email", async () => {
    const { deps, github } = setUp();
    await registerAccount(deps, { email: "ada@example.com" });
    github.answer("c", { emailVerified: true });
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({
      ok: false,
      error: "OAUTH_EMAIL_CONFLICT",
    });
  });

  it("links and signs in when both sides verified the email and the account has no password", async () => {
    const { deps, github, discord } = setUp();
    // An account made by a sign-up with Discord: its address proven at Discord, no password.
    const owner = await signUpThroughDiscord(deps, discord, "d1");
    github.answer("c", { emailVerified: true });
    const finished = unwrap(await signInThrough(deps, { code: "c" }));
    expect(finished.kind === "signed-in" && "user" in finished.signIn && finished.signIn.user.id).toBe(
      owner.id,
    );
    expect(
      (await deps.linkedProviders.listLinkedProvidersOfUser(owner.id)).map((l) => l.provider).sort(),
    ).toEqual(["discord", "github"]);
  });

  it("a sign-in by a verified email whose account is deleted before the link's write answers USER_NOT_FOUND, not ACCOUNT_LINK_FAILED", async () => {
    const { deps, github, discord } = setUp();
    const owner = await signUpThroughDiscord(deps, discord, "d1");
    const linkProvider = deps.linkedProviders.linkProvider.bind(deps.linkedProviders);
    deps.linkedProviders.linkProvider = async (link, guard) => {
      deps.users.deleteUser(owner.id);
      return linkProvider(link, guard);
    };
    github.answer("c", { emailVerified: true });
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
  });

  it("answers OAUTH_EMAIL_CONFLICT for an account with a password even when both sides verified the email, and links nothing (ADR 0043)", async () => {
    const { deps, github } = setUp();
    const registered = await registerAccount(deps, { email: "ada@example.com" });
    await deps.users.markEmailVerified({ userId: registered.user.id, now: deps.clock.now() });
    github.answer("c", { emailVerified: true });
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({
      ok: false,
      error: "OAUTH_EMAIL_CONFLICT",
    });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(registered.user.id)).toEqual([]);
  });

  it("refuses a disabled account with ACCOUNT_DISABLED before linking anything to it", async () => {
    const { deps, github, discord } = setUp();
    discord.answer("d", { subject: "d2", emailVerified: true });
    const first = unwrap(await signInThrough(deps, { code: "d", provider: "discord" }));
    if (first.kind !== "signed-in" || !("user" in first.signIn)) throw new Error("expected tokens");
    deps.users.setStatus(first.signIn.user.id, "disabled");
    github.answer("c", { emailVerified: true });
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
    expect(
      (await deps.linkedProviders.listLinkedProvidersOfUser(first.signIn.user.id)).map((l) => l.provider),
    ).toEqual(["discord"]);
  });
});

describe("login codes", () => {
  it("are exchanged once for a sign-in of the user", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const finished = unwrap(await signInThrough(deps, { code: "c", respondWith: "login-code" }));
    if (finished.kind !== "login-code") throw new Error("expected a login code");
    expect(finished.expiresInSeconds).toBe(60);
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_succeeded");

    const signIn = unwrap(
      await exchangeOAuthLoginCode(deps, { code: finished.code, codeVerifier: frontEndVerifier, client }),
    );
    expect("user" in signIn && signIn.user.email).toBe("ada@example.com");
    expect(
      await exchangeOAuthLoginCode(deps, { code: finished.code, codeVerifier: frontEndVerifier, client }),
    ).toMatchObject({
      ok: false,
      error: "INVALID_LOGIN_CODE",
    });
  });

  it("expire after 60 seconds", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const finished = unwrap(await signInThrough(deps, { code: "c", respondWith: "login-code" }));
    if (finished.kind !== "login-code") throw new Error("expected a login code");
    deps.clock.advance(60_000);
    expect(
      await exchangeOAuthLoginCode(deps, { code: finished.code, codeVerifier: frontEndVerifier, client }),
    ).toMatchObject({
      ok: false,
      error: "INVALID_LOGIN_CODE",
    });
  });

  async function loginCodeFor(deps: TestDeps, github: ScriptedOAuthProviderGateway, verifier: string) {
    github.answer(`code-for-${verifier}`, {});
    const started = unwrap(
      await startOAuthAuthorization(deps, { ...challenge(deps, verifier), provider: "github" }),
    );
    const finished = unwrap(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state: started.state,
        code: `code-for-${verifier}`,
        cookie: { state: started.state, codeVerifier: null },
        respondWith: "login-code",
        client,
      }),
    );
    if (finished.kind !== "login-code") throw new Error("expected a login code");
    return finished.code;
  }

  it("are refused without the verifier of the sign-in's challenge, or with another, and are spent either way", async () => {
    const { deps, github } = setUp();
    for (const codeVerifier of [
      undefined,
      "",
      "another-verifier".padEnd(43, "0"),
      frontEndVerifier.slice(1),
    ]) {
      const code = await loginCodeFor(deps, github, frontEndVerifier);
      const refused = await exchangeOAuthLoginCode(deps, { code, codeVerifier, client });
      expect(refused).toMatchObject({ ok: false, error: "INVALID_LOGIN_CODE" });
      expect(refused.ok ? "" : refused.message).toContain("code_verifier");
      // The right verifier comes too late: the refused attempt spent the code.
      expect(
        await exchangeOAuthLoginCode(deps, { code, codeVerifier: frontEndVerifier, client }),
      ).toMatchObject({ ok: false, error: "INVALID_LOGIN_CODE" });
    }
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_succeeded");
  });

  it("minted for an attacker's sign-in are refused in a victim's browser, which holds its own verifier", async () => {
    const { deps, github } = setUp();
    const attackersCode = await loginCodeFor(deps, github, "attacker-verifier".padEnd(43, "0"));
    expect(
      await exchangeOAuthLoginCode(deps, { code: attackersCode, codeVerifier: frontEndVerifier, client }),
    ).toMatchObject({ ok: false, error: "INVALID_LOGIN_CODE" });
  });

  it("are not issued for a sign-in started before codes were bound (no challenge on record)", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const state = "state-from-before-the-upgrade".padEnd(43, "0");
    const now = deps.clock.now();
    await deps.oauthFlows.saveAuthorization({
      stateHash: deps.secretHasher.hashSecret(state),
      provider: "github",
      linkUserId: null,
      linkSessionId: null,
      reauthenticateSessionId: null,
      codeChallengeHash: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 600_000),
    });
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state,
        code: "c",
        cookie: { state, codeVerifier: null },
        respondWith: "login-code",
        client,
      }),
    ).toMatchObject({ ok: false, error: "INVALID_STATE" });
    expect(deps.oauthFlows.size().loginCodes).toBe(0);
  });

  it("are refused for codes never issued", async () => {
    const { deps } = setUp();
    for (const code of ["", "x", "secret_1".padEnd(43, "x")]) {
      expect(
        await exchangeOAuthLoginCode(deps, { code, codeVerifier: frontEndVerifier, client }),
      ).toMatchObject({
        ok: false,
        error: "INVALID_LOGIN_CODE",
      });
    }
  });
});

describe("linking and unlinking", () => {
  it("links an identity to the signed-in user, once; the same identity again is a no-op", async () => {
    const { deps, github } = setUp();
    const { user, session } = await registerAccount(deps);
    github.answer("c", { subject: "99", email: "someone-else@example.com" });
    const linked = unwrap(await signInThrough(deps, { code: "c", linkSession: session }));
    expect(linked).toMatchObject({
      kind: "linked",
      provider: "github",
      link: { userId: user.id, subject: "99" },
    });
    expect(unwrap(await signInThrough(deps, { code: "c", linkSession: session })).kind).toBe("linked");
    expect(deps.securityEvents.all().filter((e) => e.type === "provider_linked")).toHaveLength(1);
  });

  it("answers PROVIDER_ALREADY_LINKED for an identity linked to another user", async () => {
    const { deps, github } = setUp();
    github.answer("c", { subject: "99" });
    unwrap(await signInThrough(deps, { code: "c" }));
    const { session } = await registerAccount(deps, { email: "grace@example.com" });
    expect(await signInThrough(deps, { code: "c", linkSession: session })).toMatchObject({
      ok: false,
      error: "PROVIDER_ALREADY_LINKED",
    });
  });

  it("answers PROVIDER_ALREADY_LINKED for a second identity of the same provider", async () => {
    const { deps, github } = setUp();
    const { session } = await registerAccount(deps);
    github.answer("one", { subject: "1" });
    github.answer("two", { subject: "2" });
    unwrap(await signInThrough(deps, { code: "one", linkSession: session }));
    expect(await signInThrough(deps, { code: "two", linkSession: session })).toMatchObject({
      ok: false,
      error: "PROVIDER_ALREADY_LINKED",
    });
  });

  it("answers USER_NOT_FOUND, not ACCOUNT_LINK_FAILED, when the account is deleted between its read and the link's write", async () => {
    const { deps, github } = setUp();
    const { user, session } = await registerAccount(deps);
    github.answer("c", { subject: "99", email: "someone-else@example.com" });
    // The deletion commits just before the write (the store's foreign key refuses the link).
    const linkProvider = deps.linkedProviders.linkProvider.bind(deps.linkedProviders);
    deps.linkedProviders.linkProvider = async (link, guard) => {
      deps.users.deleteUser(user.id);
      return linkProvider(link, guard);
    };
    expect(await signInThrough(deps, { code: "c", linkSession: session })).toMatchObject({
      ok: false,
      error: "USER_NOT_FOUND",
    });
    expect(await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "99" })).toBeNull();
  });

  it("links nothing once the session that started the trip has ended: INVALID_TOKEN", async () => {
    const { deps, github } = setUp();
    const { user, session } = await registerAccount(deps);
    github.answer("attacker", { subject: "666" });
    const started = unwrap(await startLinkingProvider(deps, { provider: "github", session }));
    // The holder logs out everywhere while the trip (started with a stolen token) is at GitHub.
    await logOutEverywhere(deps, { userId: user.id });

    expect(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state: started.state,
        code: "attacker",
        cookie: { state: started.state, codeVerifier: started.codeVerifier },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(user.id)).toEqual([]);
    expect(await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "666" })).toBeNull();
  });

  it("links nothing for a link trip recorded before trips kept their session: INVALID_TOKEN", async () => {
    const { deps, github } = setUp();
    const { user } = await registerAccount(deps);
    github.answer("c", { subject: "99" });
    const state = "link-state-from-before-the-upgrade".padEnd(43, "0");
    const now = deps.clock.now();
    await deps.oauthFlows.saveAuthorization({
      stateHash: deps.secretHasher.hashSecret(state),
      provider: "github",
      linkUserId: user.id,
      linkSessionId: null,
      reauthenticateSessionId: null,
      codeChallengeHash: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 600_000),
    });
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state,
        code: "c",
        cookie: { state, codeVerifier: null },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(user.id)).toEqual([]);
  });

  it("keeps the last way to sign in until a password is set", async () => {
    const { deps, github } = setUp();
    github.answer("c", {});
    const finished = unwrap(await signInThrough(deps, { code: "c" }));
    if (finished.kind !== "signed-in" || !("user" in finished.signIn)) throw new Error("expected tokens");
    const userId = finished.signIn.user.id;
    const { session } = await storedRefreshToken(deps, finished.signIn.refreshToken);

    expect(await unlinkProvider(deps, { session, provider: "github" })).toMatchObject({
      ok: false,
      error: "CANNOT_UNLINK_LAST_AUTH",
    });
    unwrap(await setPassword(deps, { session, newPassword: "Correct-horse-battery-1!" }));
    unwrap(await unlinkProvider(deps, { session, provider: "github" }));
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(userId)).toEqual([]);
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("provider_unlinked");
    expect(await unlinkProvider(deps, { session, provider: "github" })).toMatchObject({
      ok: false,
      error: "PROVIDER_NOT_LINKED",
    });
  });
});

describe("races", () => {
  it("first sign-ins of one new identity at the same moment make one account and all sign in to it", async () => {
    {
      const { deps, github } = setUp();
      github.answer("c", { subject: "race", emailVerified: true });
      const trips = await Promise.all(
        Array.from({ length: 4 }, () =>
          startOAuthAuthorization(deps, { ...challenge(deps), provider: "github" }),
        ),
      );
      const finished = await Promise.all(
        trips.map((trip) => {
          const { state } = unwrap(trip);
          return finishOAuthAuthorization(deps, {
            provider: "github",
            state,
            code: "c",
            cookie: { state, codeVerifier: null },
            respondWith: "tokens",
            client,
          });
        }),
      );
      const userIds = finished.map((result) => {
        const value = unwrap(result);
        return value.kind === "signed-in" && "user" in value.signIn ? value.signIn.user.id : null;
      });
      expect(new Set(userIds).size).toBe(1);
      const link = await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "race" });
      expect(link?.userId).toBe(userIds[0]);
      expect(deps.securityEvents.all().filter((e) => e.type === "provider_linked")).toHaveLength(1);
    }
  });

  it("of two unlinks at once of a password-less account's last two providers, one is refused", async () => {
    const { deps, github, discord } = setUp();
    github.answer("g", { subject: "g1" });
    const finished = unwrap(await signInThrough(deps, { code: "g" }));
    if (finished.kind !== "signed-in" || !("user" in finished.signIn)) throw new Error("expected tokens");
    const userId = finished.signIn.user.id;
    const { session } = await storedRefreshToken(deps, finished.signIn.refreshToken);
    discord.answer("d", { subject: "d1" });
    unwrap(await signInThrough(deps, { provider: "discord", code: "d", linkSession: session }));

    const results = await Promise.all([
      unlinkProvider(deps, { session, provider: "github" }),
      unlinkProvider(deps, { session, provider: "discord" }),
    ]);
    expect(results.map((r) => (r.ok ? "ok" : r.error)).sort()).toEqual(["CANNOT_UNLINK_LAST_AUTH", "ok"]);
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(userId)).toHaveLength(1);
  });

  /** Runs `meanwhile` just before the store's write of a link: a change that commits in that moment. */
  function beforeTheLinkWrite(deps: TestDeps, meanwhile: () => Promise<void> | void): void {
    const linkProvider = deps.linkedProviders.linkProvider.bind(deps.linkedProviders);
    deps.linkedProviders.linkProvider = async (link, guard) => {
      await meanwhile();
      return linkProvider(link, guard);
    };
  }

  it("a link trip whose session is ended (log out everywhere) just before the link's write links nothing: INVALID_TOKEN", async () => {
    const { deps, github } = setUp();
    const { user, session } = await registerAccount(deps);
    github.answer("attacker", { subject: "666" });
    // The owner signs out everywhere after the callback read the session and before the write.
    beforeTheLinkWrite(deps, async () => {
      await logOutEverywhere(deps, { userId: user.id });
    });
    expect(await signInThrough(deps, { code: "attacker", linkSession: session })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    expect(await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "666" })).toBeNull();
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("provider_linked");
  });

  it("a link trip whose account is disabled just before the link's write links nothing: ACCOUNT_DISABLED", async () => {
    const { deps, github } = setUp();
    const { user, session } = await registerAccount(deps);
    github.answer("c", { subject: "99" });
    beforeTheLinkWrite(deps, () => deps.users.setStatus(user.id, "disabled"));
    expect(await signInThrough(deps, { code: "c", linkSession: session })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(user.id)).toEqual([]);
  });

  /**
   * A sign-in through GitHub by ada@example.com, verified there, to the account Discord made on that
   * address, while `change` commits just before the link's write: it decides again on the account as
   * it is now, where ada@example.com is nobody's, so a new account; the owner's gains no link.
   */
  async function signInByAddressWhile(change: (deps: TestDeps, owner: { id: UserId }) => Promise<void>) {
    const { deps, github, discord } = setUp();
    const owner = await signUpThroughDiscord(deps, discord, "d1");
    let changed = false;
    beforeTheLinkWrite(deps, async () => {
      if (changed) return;
      changed = true;
      await change(deps, owner);
    });
    github.answer("c", { subject: "g1", emailVerified: true });
    const finished = unwrap(await signInThrough(deps, { code: "c" }));
    const signedInto =
      finished.kind === "signed-in" && "user" in finished.signIn ? finished.signIn.user : null;
    expect(signedInto?.id).not.toBe(owner.id);
    expect(signedInto?.email).toBe("ada@example.com");
    expect((await deps.linkedProviders.listLinkedProvidersOfUser(owner.id)).map((l) => l.provider)).toEqual([
      "discord",
    ]);
  }

  it("a sign-in by a verified email links nothing to an account that left the address just before the write (an undone change of address): it decides again", async () => {
    // The owner's undo of a change of address: the account goes back to the owner's address, with
    // a new password.
    await signInByAddressWhile(async (deps, owner) => {
      const now = deps.clock.now();
      await deps.users.changeEmail({ userId: owner.id, email: email("owner@example.com"), now });
      await deps.users.updatePasswordHash({ userId: owner.id, passwordHash: "owner's new hash", now });
    });
  });

  it("a sign-in by a verified email links nothing to an account that moved to another address just before the write (a confirmed change of address): it decides again", async () => {
    // Still proven and still without a password: only the address tells that the account is no
    // longer ada@example.com's.
    await signInByAddressWhile(async (deps, owner) => {
      await deps.users.changeEmail({
        userId: owner.id,
        email: email("moved@example.com"),
        now: deps.clock.now(),
      });
    });
  });

  it("a sign-in by a verified email whose account changes under two writes in a row answers 503 (OverloadedError) and links nothing", async () => {
    const { deps, github, discord } = setUp();
    const owner = await signUpThroughDiscord(deps, discord, "d1");
    // Disabled for the moment of each write, enabled again before the next read.
    const linkProvider = deps.linkedProviders.linkProvider.bind(deps.linkedProviders);
    deps.linkedProviders.linkProvider = async (link, guard) => {
      deps.users.setStatus(owner.id, "disabled");
      const linked = await linkProvider(link, guard);
      deps.users.setStatus(owner.id, "active");
      return linked;
    };
    github.answer("c", { subject: "g1", emailVerified: true });
    await expect(signInThrough(deps, { code: "c" })).rejects.toBeInstanceOf(OverloadedError);
    expect((await deps.linkedProviders.listLinkedProvidersOfUser(owner.id)).map((l) => l.provider)).toEqual([
      "discord",
    ]);
  });

  it("answers ACCOUNT_LINK_FAILED, and creates nothing, when the new identity's link is refused and no account holds it", async () => {
    const base = setUp();
    class IdentityTakenThenFreed extends InMemoryLinkedProviderRepository {
      override async createUserWithLinkedProvider() {
        return err("PROVIDER_ALREADY_LINKED");
      }
    }
    const deps = {
      ...base.deps,
      linkedProviders: new IdentityTakenThenFreed(base.deps.users, base.deps.sessions),
    };
    base.github.answer("c", {});
    expect(await signInThrough(deps, { code: "c" })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LINK_FAILED",
    });
    expect(await deps.users.findUserByEmail(email("ada@example.com"))).toBeNull();
  });
});

describe("finishOAuthAuthorization: more of the provider's redirect", () => {
  it("answers INVALID_STATE when a PKCE provider's cookie carries no verifier", async () => {
    const { deps, discord } = setUp();
    discord.answer("d", {});
    const trip = unwrap(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "discord" }));
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "discord",
        state: trip.state,
        code: "d",
        cookie: { state: trip.state, codeVerifier: null },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "INVALID_STATE" });
    expect(discord.exchanges).toEqual([]);
  });

  it("answers OAUTH_INIT_FAILED when the provider refused the request for another reason than the person", async () => {
    const { deps } = setUp();
    const trip = unwrap(await startOAuthAuthorization(deps, { ...challenge(deps), provider: "github" }));
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "github",
        state: trip.state,
        error: "invalid_scope",
        cookie: { state: trip.state, codeVerifier: null },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "OAUTH_INIT_FAILED" });
  });

  it("answers UNSUPPORTED_PROVIDER for a callback of an unknown provider", async () => {
    const { deps } = setUp();
    expect(
      await finishOAuthAuthorization(deps, {
        provider: "GitHub",
        state: "s",
        code: "c",
        cookie: { state: "s", codeVerifier: null },
        respondWith: "tokens",
        client,
      }),
    ).toMatchObject({ ok: false, error: "UNSUPPORTED_PROVIDER" });
  });
});
