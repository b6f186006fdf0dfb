import { describe, expect, it } from "vitest";
import { CountingPasswordHasher, createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword } from "../../testing/use-case-helpers.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { setPassword } from "./set-password.ts";

// Guessing the current password at POST /user/password, with a stolen access token, must cost what
// guessing at sign-in costs: wrong current passwords count toward the same lockout.

const thief: ClientInfo = { ip: "203.0.113.9", userAgent: "thief" };

describe("wrong current passwords at set-password count toward lockout", () => {
  it("five wrong current passwords lock: the right one then answers ACCOUNT_LOCKED and nothing changes", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps, { email: "ada@example.com" });
    const change = (currentPassword: string) =>
      setPassword(deps, {
        session,
        currentPassword,
        newPassword: "Brand-new-pass9!",
        client: thief,
      });

    for (let i = 0; i < 4; i++) {
      expect(await change(`Wrong-guess-${i}!`)).toMatchObject({
        ok: false,
        error: "INVALID_CURRENT_PASSWORD",
      });
    }
    // The fifth wrong one locks, and its answer says so.
    expect(await change("Wrong-guess-4!")).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
    expect(await change(strongPassword)).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
    // The password did not change, and the lock applies to sign-in from that source too.
    expect(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client: thief }),
    ).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
    expect(deps.securityEvents.all().some((e) => e.type === "account_locked")).toBe(true);
  });

  it("a right current password gives its attempt back: four wrong, a right one, then a wrong one is still checked", async () => {
    const plain = createInMemoryDependencies();
    const counting = new CountingPasswordHasher(plain.passwordHasher);
    const deps = { ...plain, passwordHasher: counting };
    const { session } = await registerAccount(deps, { email: "ada@example.com" });
    const change = (currentPassword: string, newPassword: string) =>
      setPassword(deps, { session, currentPassword, newPassword, client: thief });
    for (let i = 0; i < 4; i++) {
      expect(await change(`Wrong-guess-${i}!`, "Brand-new-pass9!")).toMatchObject({
        error: "INVALID_CURRENT_PASSWORD",
      });
    }
    expect(await change(strongPassword, "Brand-new-pass9!")).toEqual({ ok: true, value: undefined });
    // Counted as a failure, the right password would have been the fifth and locked: this wrong one
    // would then be refused unchecked. Given back, it is checked, and is the fifth that locks.
    const before = counting.verifications;
    expect(await change("Wrong-guess-5!", "Other-new-pass9!")).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
    });
    expect(counting.verifications).toBe(before + 1);
    expect(await change("Brand-new-pass9!", "Other-new-pass9!")).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
    });
  });

  it("after the lock runs out the right current password works again", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps, { email: "ada@example.com" });
    for (let i = 0; i < 5; i++) {
      await setPassword(deps, {
        session,
        currentPassword: "Wrong-guess-1!",
        newPassword: "Brand-new-pass9!",
        client: thief,
      });
    }
    deps.clock.advance(30 * 60_000 + 1);
    expect(
      await setPassword(deps, {
        session,
        currentPassword: strongPassword,
        newPassword: "Brand-new-pass9!",
        client: thief,
      }),
    ).toEqual({ ok: true, value: undefined });
  });
});
