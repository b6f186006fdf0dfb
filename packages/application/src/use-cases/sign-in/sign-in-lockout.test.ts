import { describe, expect, it, vi } from "vitest";
import type { PasswordHasher } from "../../ports/index.ts";
import { CountingPasswordHasher, createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrapSignedIn } from "../../testing/use-case-helpers.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { logInWithPassword } from "./log-in-with-password.ts";
import { unlockAccount } from "./steps/sign-in-lockout.ts";

const minute = 60_000;
const owner: ClientInfo = { ip: "10.0.0.1", userAgent: "owner", deviceId: "owner-device-cookie" };
const attacker: ClientInfo = { ip: "203.0.113.9", userAgent: "attacker" };
const wrongPassword = "Wrong-password-1!";

async function setUp() {
  const deps = createInMemoryDependencies();
  const { user } = await registerAccount(deps, { email: "ada@example.com" });
  const logIn = (client: ClientInfo, password = strongPassword, email = "ada@example.com") =>
    logInWithPassword(deps, { email, password, client });
  // Wrong passwords, each answered "invalid" but the last, which may say the lock it reached.
  const failTimes = async (times: number, client: ClientInfo, email?: string) => {
    for (let i = 0; i < times; i++) {
      const outcome = await logIn(client, wrongPassword, email);
      expect(outcome).toMatchObject({ ok: false });
      if (!outcome.ok && i < times - 1) expect(outcome.error).toBe("INVALID_CREDENTIALS");
      if (!outcome.ok) expect(["INVALID_CREDENTIALS", "ACCOUNT_LOCKED"]).toContain(outcome.error);
    }
  };
  const lockEvents = () => deps.securityEvents.all().filter((e) => e.type === "account_locked");
  return { deps, user, logIn, failTimes, lockEvents };
}

describe("lockout after repeated failed sign-ins", () => {
  it("locks after five wrong passwords: the right one then answers ACCOUNT_LOCKED with the time left", async () => {
    const { logIn, failTimes, lockEvents, user } = await setUp();
    await failTimes(5, attacker);

    expect(await logIn(attacker)).toEqual({
      ok: false,
      error: "ACCOUNT_LOCKED",
      message: expect.stringMatching(/30 minutes/),
      retryAfterSeconds: 1800,
    });
    expect(lockEvents()).toHaveLength(1);
    expect(lockEvents()[0]).toMatchObject({ userId: user.id, ip: attacker.ip });
  });

  it("records the attempt that locks before the lock, so the newest-first log reads the lock on top", async () => {
    const { deps, user, failTimes } = await setUp();
    await failTimes(5, attacker);
    const recorded = deps.securityEvents
      .all()
      .filter((event) => event.userId === user.id)
      .map((event) => event.type);
    expect(recorded.slice(-2)).toEqual(["login_failed", "account_locked"]);
    expect(recorded.filter((type) => type === "login_failed")).toHaveLength(5);
  });

  it("the wrong password that locks says so, with the time left, for an account and an unknown address alike", async () => {
    const { logIn, lockEvents } = await setUp();
    for (const email of ["ada@example.com", "nobody@example.com"]) {
      for (let i = 0; i < 4; i++) {
        expect(await logIn(attacker, wrongPassword, email)).toMatchObject({ error: "INVALID_CREDENTIALS" });
      }
      expect(await logIn(attacker, wrongPassword, email)).toEqual({
        ok: false,
        error: "ACCOUNT_LOCKED",
        message: "Too many failed sign-in attempts; try again in 30 minutes or reset your password",
        retryAfterSeconds: 1800,
      });
    }
    expect(lockEvents()).toHaveLength(1);
  });

  it("a known device's wrong password that locks only the account-wide counter answers invalid: the device may go on", async () => {
    const { logIn, failTimes } = await setUp();
    unwrapSignedIn(await logIn(owner));
    await failTimes(4, attacker);
    expect(await logIn(owner, wrongPassword)).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect((await logIn(owner)).ok).toBe(true);
  });

  it("answers a locked account the same whether the password is right or wrong", async () => {
    const { logIn, failTimes } = await setUp();
    await failTimes(5, attacker);
    expect(await logIn(attacker, wrongPassword)).toEqual(await logIn(attacker, strongPassword));
  });

  it("does not lock below the threshold", async () => {
    const { logIn, failTimes } = await setUp();
    await failTimes(4, attacker);
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("starts counting again after a successful sign-in", async () => {
    const { logIn, failTimes } = await setUp();
    await failTimes(4, attacker);
    unwrapSignedIn(await logIn(attacker));
    await failTimes(4, attacker);
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("forgets failures older than the window", async () => {
    const { deps, logIn, failTimes } = await setUp();
    await failTimes(4, attacker);
    deps.clock.advance(15 * minute);
    await failTimes(4, attacker);
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("unlocks by itself once the lock duration has passed, and not a second before", async () => {
    const { deps, logIn, failTimes } = await setUp();
    await failTimes(5, attacker);
    deps.clock.advance(30 * minute - 1000);
    expect(await logIn(attacker)).toMatchObject({
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1,
      message: expect.stringMatching(/try again in 1 minute or reset/),
    });
    deps.clock.advance(1000);
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("does not extend the lock for attempts made while locked", async () => {
    const { deps, logIn, failTimes } = await setUp();
    await failTimes(5, attacker);
    deps.clock.advance(29 * minute);
    await logIn(attacker, wrongPassword);
    deps.clock.advance(1 * minute);
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("is lifted by unlockAccount (what a password reset does)", async () => {
    const { deps, logIn, failTimes } = await setUp();
    await failTimes(5, attacker);
    await unlockAccount(deps, { account: "ada@example.com" });
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("locks an unknown address exactly like a real one, so a lock reveals nothing", async () => {
    const { logIn, failTimes } = await setUp();
    await failTimes(5, attacker, "nobody@example.com");
    await failTimes(5, attacker, "ada@example.com");
    expect(await logIn(attacker, wrongPassword, "nobody@example.com")).toEqual(
      await logIn(attacker, wrongPassword, "ada@example.com"),
    );
  });
});

describe("lockout cannot be used to lock the owner out from afar", () => {
  it("an attacker from another IP locks only themselves and new devices, never the owner's known device", async () => {
    const { logIn, failTimes } = await setUp();
    unwrapSignedIn(await logIn(owner));

    await failTimes(5, attacker);
    expect(await logIn(attacker)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });

    // The owner's device signed in before: it passes, from its usual IP or from a new one.
    expect((await logIn(owner)).ok).toBe(true);
    const secondAttacker = { ip: "203.0.113.10" };
    await failTimes(5, secondAttacker);
    expect((await logIn({ ...owner, ip: "198.51.100.7" })).ok).toBe(true);
    // A device never seen, from an IP never seen, waits out the account-wide lock.
    await failTimes(5, { ip: "203.0.113.11" });
    expect(await logIn({ ip: "198.51.100.8", deviceId: "brand-new-device" })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
    });
    // The attacker stays locked although the owner signed in meanwhile.
    expect(await logIn(attacker)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
  });

  it("an IP the owner signed in from passes the account-wide lock without a device cookie", async () => {
    const { logIn, failTimes } = await setUp();
    unwrapSignedIn(await logIn({ ip: owner.ip }));
    await failTimes(5, attacker);
    expect((await logIn({ ip: owner.ip })).ok).toBe(true);
  });

  it("a made-up device cookie counts as its IP, so minting cookies buys no attempts", async () => {
    const { logIn, failTimes } = await setUp();
    for (let i = 0; i < 5; i++) await failTimes(1, { ...attacker, deviceId: `fake-${i}` });
    expect(await logIn({ ...attacker, deviceId: "fake-6" })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
    });
  });

  it("a known device is still locked by its own failures (a stolen laptop gets five guesses)", async () => {
    const { logIn, failTimes } = await setUp();
    unwrapSignedIn(await logIn(owner));
    await failTimes(5, owner);
    expect(await logIn(owner)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
  });
});

describe("the time a locked attempt is told to wait (Retry-After)", () => {
  it("is the later of the source's own lock and the account-wide one, so retrying then is not refused again", async () => {
    const { deps, logIn, failTimes } = await setUp();
    unwrapSignedIn(await logIn(owner));
    await failTimes(4, attacker);
    // The owner's sign-in clears the account-wide counter, not the attacker's own.
    unwrapSignedIn(await logIn(owner));
    await failTimes(1, attacker); // the attacker's fifth: their own counter locks for 30 minutes
    deps.clock.advance(10 * minute);
    await failTimes(4, { ip: "198.51.100.7" }); // the account-wide counter (1 + 4) locks, 10 minutes later

    const refused = await logIn(attacker);
    expect(refused).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED", retryAfterSeconds: 30 * 60 });
    deps.clock.advance(30 * 60 * 1000);
    expect((await logIn(attacker)).ok).toBe(true);
  });
});

describe("lockout reserves each attempt before the password is checked", () => {
  it("of fifty wrong passwords at once from fifty addresses, exactly five are checked; the rest are refused", async () => {
    const { deps } = await setUp();
    const counting = new CountingPasswordHasher(deps.passwordHasher);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        logInWithPassword(
          { ...deps, passwordHasher: counting },
          { email: "ada@example.com", password: wrongPassword, client: { ip: `203.0.113.${i}` } },
        ),
      ),
    );
    expect(counting.verifications).toBe(5);
    const errors = outcomes.map((o) => (o.ok ? "ok" : o.error));
    // The fifth checked reached the account-wide lock, and says so.
    expect(errors.filter((e) => e === "INVALID_CREDENTIALS")).toHaveLength(4);
    expect(errors.filter((e) => e === "ACCOUNT_LOCKED")).toHaveLength(46);
  });

  it("gives an attempt back when the check throws, so an outage does not lock the owner out", async () => {
    const { deps, logIn, failTimes } = await setUp();
    const unavailable: PasswordHasher = {
      hashPassword: (password) => deps.passwordHasher.hashPassword(password),
      verifyPassword: () => Promise.reject(new Error("hasher unavailable")),
      verifyDummyPassword: (password) => deps.passwordHasher.verifyDummyPassword(password),
    };
    await failTimes(4, attacker);
    await expect(
      logInWithPassword(
        { ...deps, passwordHasher: unavailable },
        { email: "ada@example.com", password: strongPassword, client: attacker },
      ),
    ).rejects.toThrow("hasher unavailable");
    // Counted, the attempt that threw would have been the fifth and locked.
    expect((await logIn(attacker)).ok).toBe(true);
  });

  it("a completed sign-in writes the counters once (the reservation); clearing them gives the attempt back", async () => {
    const { deps, logIn, failTimes } = await setUp();
    const updates = vi.spyOn(deps.lockout, "updateLoginFailures");
    unwrapSignedIn(await logIn(owner));
    expect(updates).toHaveBeenCalledTimes(1);
    await failTimes(4, owner);
    unwrapSignedIn(await logIn(owner));
    await failTimes(4, owner);
    expect((await logIn(owner)).ok).toBe(true);
  });

  it("gives the attempt back when the right password leads to the 2FA step", async () => {
    const { deps, logIn, failTimes } = await setUp();
    vi.spyOn(deps.twoFactor, "findTOTPFactor").mockResolvedValue({
      status: "enabled",
    } as Awaited<ReturnType<typeof deps.twoFactor.findTOTPFactor>>);
    const updates = vi.spyOn(deps.lockout, "updateLoginFailures");
    await failTimes(4, attacker);
    for (let i = 0; i < 3; i++)
      expect(await logIn(attacker)).toMatchObject({ ok: true, value: { mfaRequired: true } });
    // Four failures, then per right password a reservation and its give-back.
    expect(updates).toHaveBeenCalledTimes(4 + 3 * 2);
  });

  it("gives the attempt back when the account may not sign in after the right password", async () => {
    const deps = createInMemoryDependencies({ requireEmailVerification: true });
    await registerAccount(deps, { email: "ada@example.com" });
    const logIn = (password: string) =>
      logInWithPassword(deps, { email: "ada@example.com", password, client: attacker });
    for (let i = 0; i < 4; i++)
      expect(await logIn(wrongPassword)).toMatchObject({ error: "INVALID_CREDENTIALS" });
    for (let i = 0; i < 3; i++)
      expect(await logIn(strongPassword)).toMatchObject({ error: "EMAIL_NOT_VERIFIED" });
  });

  it("gives the attempt back when what follows the right password throws", async () => {
    const { deps, logIn, failTimes } = await setUp();
    await failTimes(4, attacker);
    vi.spyOn(deps.twoFactor, "findTOTPFactor").mockRejectedValueOnce(new Error("database gone"));
    await expect(logIn(attacker)).rejects.toThrow("database gone");
    // Counted, the attempt that threw would have been the fifth and locked.
    expect((await logIn(attacker)).ok).toBe(true);
  });
});
