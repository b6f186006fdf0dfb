import { parseEmail as parseAddress } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { registerAccount, strongPassword, unwrap } from "../../testing/use-case-helpers.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { registerWithPassword } from "../sign-in/register-with-password.ts";
import { setPassword } from "./set-password.ts";

// The screen on top of the contract's rules (NIST SP 800-63B-4, docs/decisions/0014): common
// passwords and the account's own words are refused wherever a password is set, and only there.
// These run on the in-memory estimator; the zxcvbn adapter's own tests draw the real line.

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const guessable = "P@ssw0rd1!";

function register(deps: ReturnType<typeof createInMemoryDependencies>, password: string) {
  return registerWithPassword(deps, { email: "ada@example.com", password, nickname: "ada_lovelace", client });
}

describe("password screening", () => {
  it("registration refuses a common password with VALIDATION_ERROR saying why", async () => {
    const deps = createInMemoryDependencies();
    expect(await register(deps, guessable)).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "Password is too easy to guess: This is similar to a commonly used password.",
    });
    expect(await deps.users.findUserByEmail(unwrap(parseAddress("ada@example.com")))).toBeNull();
  });

  it("registration refuses a password built from the account's nickname or address", async () => {
    const deps = createInMemoryDependencies();
    for (const password of ["Lovelace-1815!", "Ada@Example-99"]) {
      expect(await register(deps, password)).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
        message: expect.stringMatching(
          /^Password is too easy to guess: It is built from your email address or nickname/,
        ),
      });
    }
  });

  it("the contract's rules come first: a password breaking them gets their message", async () => {
    const deps = createInMemoryDependencies();
    expect(await register(deps, "password")).toMatchObject({
      error: "VALIDATION_ERROR",
      message:
        'Password must contain an uppercase letter, a digit and a special character (!@#$%^&*(),.?":{}|<>)',
    });
  });

  it("changing the password refuses a guessable new one and keeps the old", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    expect(
      await setPassword(deps, {
        session,
        currentPassword: strongPassword,
        newPassword: guessable,
      }),
    ).toMatchObject({ ok: false, error: "VALIDATION_ERROR", message: /^New password is too easy to guess/ });
    expect(
      (await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client })).ok,
    ).toBe(true);
  });

  it("a reset refuses a guessable new password without spending the link", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    deps.mailer.sent.length = 0;
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    const token = tokenFromMail(deps.mailer.sent[0] ?? { text: "" });

    expect(await resetPassword(deps, { token, newPassword: guessable })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
      message: /^New password is too easy to guess/,
    });
    expect((await resetPassword(deps, { token, newPassword: "Fresh-start-42?" })).ok).toBe(true);
  });

  it("sign-in never screens: a password set before the screen existed still signs in", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    await deps.users.updatePasswordHash({
      userId: user.id,
      passwordHash: await deps.passwordHasher.hashPassword(guessable),
      now: deps.clock.now(),
    });
    expect(
      (await logInWithPassword(deps, { email: "ada@example.com", password: guessable, client })).ok,
    ).toBe(true);
  });

  it("a password set in NFC signs in typed in NFD", async () => {
    const deps = createInMemoryDependencies();
    const nfc = "Cr\u00e8me-br\u00fbl\u00e9e-9!";
    unwrap(await register(deps, nfc));
    const typed = nfc.normalize("NFD");
    expect(typed).not.toBe(nfc);
    expect((await logInWithPassword(deps, { email: "ada@example.com", password: typed, client })).ok).toBe(
      true,
    );
  });
});
