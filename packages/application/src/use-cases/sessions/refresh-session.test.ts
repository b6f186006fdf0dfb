import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  refreshTokenIdOf,
  registerAccount,
  storedRefreshToken,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken } from "./authenticate-access-token.ts";
import { logOut } from "./log-out.ts";
import { refreshSession } from "./refresh-session.ts";

const sevenDays = 7 * 24 * 3600 * 1000;
const grace = 10_000;

describe("refreshSession", () => {
  it("rotates: returns a new token pair and marks the presented token rotated, replaced by the new one", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, refreshToken } = await registerAccount(deps);
    deps.clock.advance(60_000);
    const next = unwrap(await refreshSession(deps, { refreshToken }));
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(next.tokenType).toBe("Bearer");
    expect(next.expiresIn).toBe(300);

    const old = await storedRefreshToken(deps, refreshToken);
    expect(old.token.rotatedAt).toEqual(deps.clock.now());
    expect(old.token.replacedById).toBe(refreshTokenIdOf(next.refreshToken));
    const fresh = await storedRefreshToken(deps, next.refreshToken);
    expect(fresh.token).toMatchObject({ parentId: old.token.id, rotatedAt: null, sessionId });
    expect(fresh.token.expiresAt).toEqual(new Date(deps.clock.now().getTime() + sevenDays));

    const authenticated = unwrap(await authenticateAccessToken(deps, { token: next.accessToken }));
    expect(authenticated).toMatchObject({ user: { id: user.id }, session: { id: sessionId } });
  });

  it("rotates the new token in turn", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    const second = unwrap(await refreshSession(deps, { refreshToken }));
    deps.clock.advance(60_000);
    const third = unwrap(await refreshSession(deps, { refreshToken: second.refreshToken }));
    expect(third.refreshToken).not.toBe(second.refreshToken);
  });

  it.each([
    ["garbage", () => "garbage"],
    ["an empty string", () => ""],
    ["a JWT-shaped string", () => "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl"],
    [
      "an unknown token id",
      (presented: string) => `00000000-0000-7000-8000-00000000ffff.${presented.split(".")[1]}`,
    ],
    [
      "the right id with a wrong secret",
      (presented: string) => `${refreshTokenIdOf(presented)}.${"y".repeat(43)}`,
    ],
  ])("answers INVALID_REFRESH_TOKEN for %s", async (_label, make) => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    expect(await refreshSession(deps, { refreshToken: make(refreshToken) })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    // A failed guess must not spoil the real token.
    expect((await refreshSession(deps, { refreshToken })).ok).toBe(true);
  });

  it("answers INVALID_REFRESH_TOKEN for an access token", async () => {
    const deps = createInMemoryDependencies();
    const { accessToken } = await registerAccount(deps);
    expect(await refreshSession(deps, { refreshToken: accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });

  it("accepts a refresh token until just before seven days and answers INVALID_REFRESH_TOKEN at seven days", async () => {
    const early = createInMemoryDependencies();
    const first = await registerAccount(early);
    early.clock.advance(sevenDays - 1);
    expect((await refreshSession(early, { refreshToken: first.refreshToken })).ok).toBe(true);

    const late = createInMemoryDependencies();
    const second = await registerAccount(late);
    late.clock.advance(sevenDays);
    expect(await refreshSession(late, { refreshToken: second.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });

  it("answers INVALID_REFRESH_TOKEN once the session is logged out", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, refreshToken } = await registerAccount(deps);
    unwrap(await logOut(deps, { userId: user.id, sessionId }));
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });

  it("a rotated refresh token presented after the grace period revokes its whole family", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken } = await registerAccount(deps);
    const newest = unwrap(await refreshSession(deps, { refreshToken }));
    deps.clock.advance(grace + 1);

    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toEqual(deps.clock.now());
    expect(await refreshSession(deps, { refreshToken: newest.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(await authenticateAccessToken(deps, { token: newest.accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("a wrong secret presented with a rotated token's id after the grace period revokes nothing", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken } = await registerAccount(deps);
    const newest = unwrap(await refreshSession(deps, { refreshToken }));
    deps.clock.advance(grace + 1);
    const guess = `${refreshTokenIdOf(refreshToken)}.${"y".repeat(43)}`;
    expect(await refreshSession(deps, { refreshToken: guess })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
    expect((await refreshSession(deps, { refreshToken: newest.refreshToken })).ok).toBe(true);
  });

  it("within the grace period answers the predecessor with the same live token, not a new one, exactly up to its end", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken: r1 } = await registerAccount(deps);
    const r2 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(grace / 2);
    expect(unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken).toBe(r2);
    deps.clock.advance(grace / 2);
    expect(unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken).toBe(r2);
    // Still the live token: nothing was rotated or added by the duplicates.
    expect((await storedRefreshToken(deps, r2)).token.rotatedAt).toBeNull();
    expect((await storedRefreshToken(deps, r1)).token.replacedById).toBe(refreshTokenIdOf(r2));
  });

  // ADR 0055: the clock stepped back since R1 was rotated (NTP), further than the grace period.
  it("a token rotated further ahead of the clock than the grace is refused plainly: no successor handed out, the session kept", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: r1 } = await registerAccount(deps);
    const r2 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(-(grace + 1));
    expect(await refreshSession(deps, { refreshToken: r1 })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
    // The live token still works.
    expect((await refreshSession(deps, { refreshToken: r2 })).ok).toBe(true);
  });

  it("@see issue 7: log in R1; R1 -> R2; within the grace R1 -> R3 = R2; after it R2 -> R4, then R3 -> R5 is reuse and ends the session", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: r1 } = await registerAccount(deps);
    const r2 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(5_000);
    const r3 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    expect(r3).toBe(r2);
    deps.clock.advance(grace + 1);
    const r4 = unwrap(await refreshSession(deps, { refreshToken: r2 }));
    deps.clock.advance(grace + 1);

    expect(await refreshSession(deps, { refreshToken: r3 })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toEqual(deps.clock.now());
    expect(await refreshSession(deps, { refreshToken: r4.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(await authenticateAccessToken(deps, { token: r4.accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("refresh_token_reuse_detected");
  });

  it("@see issue 7: R2 -> R4 and R3 -> R5 at once never make two chains: R5 is R4, and any later use of R3 ends the session", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: r1 } = await registerAccount(deps);
    const r2 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(5_000);
    const r3 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(grace + 1);
    const [r4, r5] = await Promise.all([
      refreshSession(deps, { refreshToken: r2 }),
      refreshSession(deps, { refreshToken: r3 }),
    ]);
    expect(unwrap(r5).refreshToken).toBe(unwrap(r4).refreshToken);

    deps.clock.advance(grace + 1);
    expect((await refreshSession(deps, { refreshToken: r3 })).ok).toBe(false);
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).not.toBeNull();
  });

  it("after the grace period, the rotated R2 presented again ends the session, its successor included", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: r1 } = await registerAccount(deps);
    const r2 = unwrap(await refreshSession(deps, { refreshToken: r1 })).refreshToken;
    deps.clock.advance(60_000);
    const r3 = unwrap(await refreshSession(deps, { refreshToken: r2 })).refreshToken;
    deps.clock.advance(grace + 1);
    expect(await refreshSession(deps, { refreshToken: r2 })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).not.toBeNull();
    expect((await refreshSession(deps, { refreshToken: r3 })).ok).toBe(false);
  });

  it("two tabs presenting R1 within the grace period both hold the same token, which then refreshes and keeps the session", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: r1 } = await registerAccount(deps);
    deps.clock.advance(60_000);
    const firstTab = unwrap(await refreshSession(deps, { refreshToken: r1 }));
    deps.clock.advance(3_000);
    const secondTab = unwrap(await refreshSession(deps, { refreshToken: r1 }));
    expect(secondTab.refreshToken).toBe(firstTab.refreshToken);
    expect(unwrap(await authenticateAccessToken(deps, { token: secondTab.accessToken })).session.id).toBe(
      sessionId,
    );

    deps.clock.advance(60_000);
    const next = unwrap(await refreshSession(deps, { refreshToken: secondTab.refreshToken }));
    // The other tab, a moment later, gets what the first one got.
    deps.clock.advance(1_000);
    expect(unwrap(await refreshSession(deps, { refreshToken: firstTab.refreshToken })).refreshToken).toBe(
      next.refreshToken,
    );
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
  });

  it("a token two generations old, even within the grace period, is reuse and revokes the family", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken: first } = await registerAccount(deps);
    const second = unwrap(await refreshSession(deps, { refreshToken: first }));
    deps.clock.advance(1000);
    const third = unwrap(await refreshSession(deps, { refreshToken: second.refreshToken }));
    deps.clock.advance(1000);

    expect(await refreshSession(deps, { refreshToken: first })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).not.toBeNull();
    expect(await refreshSession(deps, { refreshToken: third.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });

  it("of 20 parallel refreshes of one token, all succeed with one and the same new token, the session's only live one", async () => {
    const deps = createInMemoryDependencies();
    const { sessionId, refreshToken } = await registerAccount(deps);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => refreshSession(deps, { refreshToken })),
    );

    const issued = results.map((r) => unwrap(r).refreshToken);
    expect(new Set(issued).size).toBe(1);
    const [only] = issued;
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
    const original = await storedRefreshToken(deps, refreshToken);
    expect(original.token.replacedById).toBe(refreshTokenIdOf(only ?? ""));
    expect((await storedRefreshToken(deps, only ?? "")).token).toMatchObject({
      parentId: original.token.id,
      rotatedAt: null,
    });
  });

  it("keeps the new token's secret through the cipher, bound to the new token's id", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    const next = unwrap(await refreshSession(deps, { refreshToken })).refreshToken;
    const kept = (await storedRefreshToken(deps, refreshToken)).encryptedSuccessorSecret ?? "";
    const [id, secret] = next.split(".");
    expect(deps.secretCipher.decryptSecret({ ciphertext: kept, associatedData: `refresh-token:${id}` })).toBe(
      secret,
    );
    expect(() =>
      deps.secretCipher.decryptSecret({
        ciphertext: kept,
        associatedData: `refresh-token:${refreshTokenIdOf(refreshToken)}`,
      }),
    ).toThrow();
  });

  it("keeps the new token's secret only until the grace period ends (the prune clears it then)", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    const rotations: { expiresAt: Date }[] = [];
    const rotate = deps.sessions.rotateRefreshToken.bind(deps.sessions);
    deps.sessions.rotateRefreshToken = (input) => {
      if (input.replacementSecret !== null) rotations.push(input.replacementSecret);
      return rotate(input);
    };
    unwrap(await refreshSession(deps, { refreshToken }));
    expect(rotations.map((kept) => kept.expiresAt)).toEqual([new Date(deps.clock.now().getTime() + grace)]);
  });

  it("with a zero grace period keeps no secret: a duplicate at the rotation instant is refused without ending the session, a later one ends it", async () => {
    const deps = createInMemoryDependencies({ refreshReuseGraceMs: 0 });
    const { sessionId, refreshToken } = await registerAccount(deps);
    const next = unwrap(await refreshSession(deps, { refreshToken }));
    expect((await storedRefreshToken(deps, refreshToken)).encryptedSuccessorSecret).toBeNull();

    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
    deps.clock.advance(1);
    expect((await refreshSession(deps, { refreshToken })).ok).toBe(false);
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).not.toBeNull();
    expect((await refreshSession(deps, { refreshToken: next.refreshToken })).ok).toBe(false);
  });

  it("answers ACCOUNT_DISABLED to a duplicate within the grace period once the user is disabled", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = await registerAccount(deps);
    unwrap(await refreshSession(deps, { refreshToken }));
    deps.users.setStatus(user.id, "disabled");
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
  });

  it("answers ACCOUNT_DISABLED when the user is disabled, and rotates nothing", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = await registerAccount(deps);
    deps.users.setStatus(user.id, "disabled");
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
    expect((await storedRefreshToken(deps, refreshToken)).token.rotatedAt).toBeNull();
  });

  it("answers INVALID_REFRESH_TOKEN when the user was deleted", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = await registerAccount(deps);
    deps.users.deleteUser(user.id);
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });
});

describe("refreshSession and the absolute session lifetime", () => {
  it("a session refreshed every six days still ends 30 days after its sign-in", async () => {
    const deps = createInMemoryDependencies();
    let { refreshToken } = await registerAccount(deps);
    for (let day = 6; day < 30; day += 6) {
      deps.clock.advance(6 * 24 * 3600 * 1000);
      refreshToken = unwrap(await refreshSession(deps, { refreshToken })).refreshToken;
    }
    // Day 24: the token is a day old and valid for six more, but the session turns 30 on day 30.
    deps.clock.advance(6 * 24 * 3600 * 1000);
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
  });
});
