import { type Email, mailRepeatWindowMs, type Session } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies, OutgoingMail } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { type InMemoryMailer, tokenFromMail } from "../../testing/in-memory-mail.ts";
import {
  recordingTransactions,
  registerAccount,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { verifyEmail } from "../email-verification/verify-email.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { confirmEmailChange } from "./confirm-email-change.ts";
import { reauthenticate } from "./reauthenticate.ts";
import { requestEmailChange } from "./request-email-change.ts";
import { updateProfile } from "./update-profile.ts";

// Issue 10: the profile (nickname) and an email change that takes effect only once the new address
// is verified, with notices to the old one, behind a fresh proof (ADR 0027).

const hour = 3600 * 1000;
const client = { userAgent: "vitest", ip: "127.0.0.1" };

async function setUp() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps);
  return { deps, account, session: account.session };
}

/** The newest mail to `address`; throws when there is none. */
function lastMailTo(deps: { mailer: InMemoryMailer }, address: string): OutgoingMail {
  const mail = deps.mailer.sentTo(address).at(-1);
  if (mail === undefined) throw new Error(`no mail to ${address}`);
  return mail;
}

async function requestChange(deps: Dependencies, session: Session, newEmail: string) {
  return requestEmailChange(deps, { session, newEmail, client });
}

describe("updateProfile", () => {
  it("changes the nickname, answers the updated user and records profile_updated", async () => {
    const { deps, session } = await setUp();
    const updated = unwrap(await updateProfile(deps, { session, nickname: "  Ada_Lovelace ", client }));
    expect(updated.nickname).toBe("Ada_Lovelace");
    expect((await deps.users.findUserById(session.userId))?.nickname).toBe("Ada_Lovelace");
    const events = deps.securityEvents.all().filter((e) => e.type === "profile_updated");
    expect(events).toMatchObject([
      { userId: session.userId, ip: "127.0.0.1", details: { field: "nickname" } },
    ]);
  });

  it("giving the current nickname again changes and records nothing", async () => {
    const { deps, session } = await setUp();
    expect(unwrap(await updateProfile(deps, { session, nickname: "ada" })).nickname).toBe("ada");
    expect(deps.securityEvents.all().filter((e) => e.type === "profile_updated")).toEqual([]);
  });

  it.each(["a", "x".repeat(31), "has space", "émile", ""])(
    "refuses the nickname %j with VALIDATION_ERROR and keeps the old one",
    async (nickname) => {
      const { deps, session } = await setUp();
      expect(await updateProfile(deps, { session, nickname })).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
      });
      expect((await deps.users.findUserById(session.userId))?.nickname).toBe("ada");
    },
  );

  it("a session ended while the request ran (an admin required a new password meanwhile): INVALID_TOKEN, nothing mailed, no usable link", async () => {
    const { deps, session } = await setUp();
    const mailed = deps.mailer.sent.length;
    // The request was authenticated with the session live; it ends before the use case reads it.
    await deps.sessions.revokeSessionsOfUser({ userId: session.userId, now: deps.clock.now() });
    expect(await requestChange(deps, session, "intruder@example.org")).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    expect(deps.mailer.sent).toHaveLength(mailed);
    expect(deps.emailTokens.all().filter((t) => t.purpose === "change_email" && t.usedAt === null)).toEqual(
      [],
    );
  });

  it("answers USER_NOT_FOUND when the account is gone", async () => {
    const { deps, session } = await setUp();
    deps.users.deleteUser(session.userId);
    expect(await updateProfile(deps, { session, nickname: "ghost" })).toMatchObject({
      ok: false,
      error: "USER_NOT_FOUND",
    });
  });
});

describe("requestEmailChange", () => {
  it("changes nothing yet: mails a confirmation link to the new address and a masked notice to the current one", async () => {
    const { deps, session } = await setUp();
    expect(await requestChange(deps, session, " New.Ada@Example.org ")).toEqual({
      ok: true,
      value: { pending: true },
    });
    expect((await deps.users.findUserById(session.userId))?.email).toBe("ada@example.com");

    const link = lastMailTo(deps, "new.ada@example.org");
    const token = tokenFromMail(link);
    expect(link.subject).toBe("Confirm your new email address");
    expect(link.text).toContain(`http://localhost:3000/confirm-email#token=${token}`);
    expect(link.html).toContain(`href="http://localhost:3000/confirm-email#token=${token}"`);
    expect(link.text).toContain("expires in 1 hour");

    const notice = lastMailTo(deps, "ada@example.com");
    expect(notice.subject).toBe("A change of your email address was requested");
    expect(notice.text).toContain("n***@example.org");
    expect(notice.text).not.toContain("new.ada@example.org");
    expect(notice.text).not.toContain("#token=");
    expect(deps.securityEvents.all().filter((e) => e.type === "email_change_requested")).toMatchObject([
      { userId: session.userId, details: { to: "n***@example.org" } },
    ]);
  });

  it("stores only the hash of the token's secret, with the new address, for 1 hour", async () => {
    const { deps, session } = await setUp();
    unwrap(await requestChange(deps, session, "new@example.org"));
    const secret = tokenFromMail(lastMailTo(deps, "new@example.org")).split(".")[1] ?? "";
    const stored = deps.emailTokens.all().find((t) => t.purpose === "change_email");
    expect(stored).toMatchObject({
      newEmail: "new@example.org",
      secretHash: deps.secretHasher.hashSecret(secret),
    });
    expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(hour);
  });

  it("refuses a stale session with REAUTH_REQUIRED and mails nothing", async () => {
    const { deps, session } = await setUp();
    const mailed = deps.mailer.sent.length;
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await requestChange(deps, session, "new@example.org")).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
    expect(deps.mailer.sent).toHaveLength(mailed);
    expect(deps.emailTokens.all().filter((t) => t.purpose === "change_email")).toEqual([]);
  });

  it.each(["not an address", "a@b", "ADA@example.com "])(
    "refuses %j (malformed, or the current address) with VALIDATION_ERROR",
    async (newEmail) => {
      const { deps, session } = await setUp();
      expect(await requestChange(deps, session, newEmail)).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
      });
    },
  );

  it("answers USER_NOT_FOUND when the account is gone", async () => {
    const { deps, session } = await setUp();
    deps.users.deleteUser(session.userId);
    expect(await requestChange(deps, session, "new@example.org")).toMatchObject({
      ok: false,
      error: "USER_NOT_FOUND",
    });
  });

  it("allows three requests an hour, then RATE_LIMIT_EXCEEDED, then again after the hour", async () => {
    const { deps, session } = await setUp();
    for (let i = 0; i < 3; i++) unwrap(await requestChange(deps, session, `new${i}@example.org`));
    expect(await requestChange(deps, session, "new3@example.org")).toMatchObject({
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
    });
    expect(deps.mailer.sentTo("new3@example.org")).toEqual([]);
    deps.clock.advance(hour);
    unwrap(await reauthenticate(deps, { session, password: strongPassword, client }));
    const proven = await deps.sessions.findSession(session.id);
    if (proven === null) throw new Error("session gone");
    expect(await requestChange(deps, proven, "new3@example.org")).toEqual({
      ok: true,
      value: { pending: true },
    });
    expect(deps.mailer.sentTo("new3@example.org")).toHaveLength(1);
  });

  it("for an address another account holds: the same answer and notice, and that address gets a notice, no link", async () => {
    const { deps, session } = await setUp();
    await registerAccount(deps, { email: "taken@example.org", nickname: "grace" });
    const takenMailsBefore = deps.mailer.sentTo("taken@example.org").length;
    expect(await requestChange(deps, session, "taken@example.org")).toEqual({
      ok: true,
      value: { pending: true },
    });

    const mails = deps.mailer.sentTo("taken@example.org").slice(takenMailsBefore);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe("Someone tried to use your email address");
    expect(mails[0]?.text).toContain("Hello grace,");
    expect(mails[0]?.text).not.toContain("ada");
    expect(mails[0]?.text).not.toContain("#token=");
    expect(lastMailTo(deps, "ada@example.com").subject).toBe("A change of your email address was requested");
    // A token is issued all the same (the allowance and superseding cannot tell), but nobody holds its secret.
    expect(deps.emailTokens.all().filter((t) => t.purpose === "change_email")).toHaveLength(1);
  });

  it("mails one address at most three change mails an hour whoever asks; the answers stay the same", async () => {
    // Each account may ask three times an hour; many accounts naming one address must not flood it.
    const deps = createInMemoryDependencies();
    for (let i = 0; i < 5; i++) {
      const asker = await registerAccount(deps, { email: `asker${i}@example.com`, nickname: `asker${i}` });
      expect(await requestChange(deps, asker.session, "victim@example.org")).toEqual({
        ok: true,
        value: { pending: true },
      });
      // Each asker still hears of its own request at its own address.
      expect(lastMailTo(deps, `asker${i}@example.com`).subject).toBe(
        "A change of your email address was requested",
      );
    }
    expect(deps.mailer.sentTo("victim@example.org")).toHaveLength(3);

    deps.clock.advance(hour);
    const later = await registerAccount(deps, { email: "later@example.com", nickname: "later" });
    unwrap(await requestChange(deps, later.session, "victim@example.org"));
    expect(deps.mailer.sentTo("victim@example.org")).toHaveLength(4);
  });

  it("the same address asked for again within a minute (a double tap) mails nothing more, and the first link works; a minute on, a new one", async () => {
    const { deps, session } = await setUp();
    unwrap(await requestChange(deps, session, "new@example.org"));
    const first = tokenFromMail(lastMailTo(deps, "new@example.org"));
    const requested = () => deps.securityEvents.all().filter((e) => e.type === "email_change_requested");
    deps.clock.advance(mailRepeatWindowMs - 1);
    expect(await requestChange(deps, session, " NEW@example.org ")).toEqual({
      ok: true,
      value: { pending: true },
    });
    expect(deps.mailer.sentTo("new@example.org")).toHaveLength(1);
    expect(
      deps.mailer.sentTo("ada@example.com").filter((m) => /change of your email/.test(m.subject)),
    ).toHaveLength(1);
    expect(requested()).toHaveLength(1);
    expect(unwrap(await confirmEmailChange(deps, { token: first })).email).toBe("new@example.org");
  });

  it("a double tap on the hour's third request is no RATE_LIMIT_EXCEEDED", async () => {
    const { deps, session } = await setUp();
    unwrap(await requestChange(deps, session, "one@example.org"));
    unwrap(await requestChange(deps, session, "two@example.org"));
    unwrap(await requestChange(deps, session, "three@example.org"));
    expect(await requestChange(deps, session, "three@example.org")).toEqual({
      ok: true,
      value: { pending: true },
    });
    expect(deps.mailer.sentTo("three@example.org")).toHaveLength(1);
  });

  it("a newer request supersedes the older link", async () => {
    const { deps, session } = await setUp();
    unwrap(await requestChange(deps, session, "first@example.org"));
    const first = tokenFromMail(lastMailTo(deps, "first@example.org"));
    unwrap(await requestChange(deps, session, "second@example.org"));
    expect(await confirmEmailChange(deps, { token: first })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    const second = tokenFromMail(lastMailTo(deps, "second@example.org"));
    expect(unwrap(await confirmEmailChange(deps, { token: second })).email).toBe("second@example.org");
  });
});

describe("confirmEmailChange", () => {
  async function requested() {
    const { deps, session } = await setUp();
    unwrap(await requestChange(deps, session, "new@example.org"));
    return { deps, session, token: tokenFromMail(lastMailTo(deps, "new@example.org")) };
  }

  it("moves the account to the new address, verified, and tells the old one", async () => {
    const { deps, session, token } = await requested();
    const user = unwrap(await confirmEmailChange(deps, { token, client }));
    expect(user).toMatchObject({ id: session.userId, email: "new@example.org", emailVerified: true });
    expect(await deps.users.findUserByEmail("ada@example.com" as Email)).toBeNull();
    const notice = lastMailTo(deps, "ada@example.com");
    expect(notice.subject).toBe("Your email address was changed");
    expect(notice.text).toContain("n***@example.org");
    expect(deps.securityEvents.all().filter((e) => e.type === "email_changed")).toMatchObject([
      {
        userId: session.userId,
        ip: "127.0.0.1",
        details: { from: "a***@example.com", to: "n***@example.org" },
      },
    ]);
  });

  it("spends the link, moves the address, ends the old address's links and issues the undo link in one transaction; the notice is mailed after (ADR 0056)", async () => {
    const { deps, token } = await requested();
    const transactions = recordingTransactions(deps);
    const mailsBefore = deps.mailer.sent.length;
    unwrap(
      await confirmEmailChange(
        {
          ...deps,
          transactions: {
            run: (work) =>
              transactions.run(async (repositories) => {
                const answered = await work(repositories);
                // Nothing is mailed from inside: a mail cannot be rolled back.
                expect(deps.mailer.sent.length).toBe(mailsBefore);
                return answered;
              }),
          },
        },
        { token, client },
      ),
    );
    expect(transactions.calls).toEqual([
      "emailTokens.useEmailToken",
      "users.changeEmail",
      "emailTokens.useAllEmailTokensOfUser",
      "emailTokens.useAllEmailTokensOfUser",
      "emailTokens.deleteEmailTokensOfUser",
      "emailTokens.issueEmailToken",
    ]);
    expect(lastMailTo(deps, "ada@example.com").text).toContain("/undo-email-change#token=");
  });

  it("the account then signs in with the new address only", async () => {
    const { deps, token } = await requested();
    unwrap(await confirmEmailChange(deps, { token }));
    expect(
      (await logInWithPassword(deps, { email: "new@example.org", password: strongPassword, client })).ok,
    ).toBe(true);
    expect(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    ).toMatchObject({
      ok: false,
      error: "INVALID_CREDENTIALS",
    });
  });

  it("ends the links mailed to the old address: verification and password reset", async () => {
    const { deps, token } = await requested();
    const verification = tokenFromMail(deps.mailer.sentTo("ada@example.com")[0] ?? { text: "" });
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    const reset = tokenFromMail(lastMailTo(deps, "ada@example.com"));
    unwrap(await confirmEmailChange(deps, { token }));
    expect(await verifyEmail(deps, { token: verification })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect(await resetPassword(deps, { token: reset, newPassword: "Another-secret-9?" })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
  });

  it("accepts the link one millisecond before the hour, refuses it at the hour", async () => {
    const early = await requested();
    early.deps.clock.advance(hour - 1);
    expect((await confirmEmailChange(early.deps, { token: early.token })).ok).toBe(true);
    const late = await requested();
    late.deps.clock.advance(hour);
    expect(await confirmEmailChange(late.deps, { token: late.token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect((await late.deps.users.findUserById(late.session.userId))?.email).toBe("ada@example.com");
  });

  it("refuses a link used once already", async () => {
    const { deps, token } = await requested();
    unwrap(await confirmEmailChange(deps, { token }));
    expect(await confirmEmailChange(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect(deps.securityEvents.all().filter((e) => e.type === "email_changed")).toHaveLength(1);
  });

  it.each([
    ["a malformed token", () => "not-a-token"],
    ["an unknown id", (t: string) => `00000000-0000-7000-8000-0000000fffff.${t.split(".")[1]}`],
    ["a wrong secret", (t: string) => `${t.split(".")[0]}.${"A".repeat(43)}`],
  ])("refuses %s with INVALID_VERIFICATION_TOKEN", async (_label, tamper) => {
    const { deps, token } = await requested();
    expect(await confirmEmailChange(deps, { token: tamper(token) })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("refuses a verification or reset link in its place", async () => {
    const { deps } = await requested();
    const verification = tokenFromMail(deps.mailer.sentTo("ada@example.com")[0] ?? { text: "" });
    expect(await confirmEmailChange(deps, { token: verification })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("refuses the link of a disabled account", async () => {
    const { deps, session, token } = await requested();
    deps.users.setStatus(session.userId, "disabled");
    expect(await confirmEmailChange(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("answers USER_EXISTS when another account took the address since the request, and the link is used up", async () => {
    const { deps, session, token } = await requested();
    await registerAccount(deps, { email: "new@example.org", nickname: "quick" });
    expect(await confirmEmailChange(deps, { token })).toMatchObject({ ok: false, error: "USER_EXISTS" });
    expect((await deps.users.findUserById(session.userId))?.email).toBe("ada@example.com");
    expect(await confirmEmailChange(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("of two concurrent uses of one link exactly one succeeds", async () => {
    const { deps, token } = await requested();
    const outcomes = await Promise.all([
      confirmEmailChange(deps, { token }),
      confirmEmailChange(deps, { token }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toMatchObject([{ ok: false, error: "INVALID_VERIFICATION_TOKEN" }]);
  });

  it("a password reset cancels a pending change (a thief's link dies with the thief's sessions)", async () => {
    const { deps, token } = await requested();
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    unwrap(
      await resetPassword(deps, {
        token: tokenFromMail(lastMailTo(deps, "ada@example.com")),
        newPassword: "Another-secret-9?",
      }),
    );
    expect(await confirmEmailChange(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("a confirmation the moment a password reset spends its link finds the change ended by that same step", async () => {
    const { deps, token, session } = await requested();
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    const reset = tokenFromMail(lastMailTo(deps, "ada@example.com"));
    const use = deps.emailTokens.useEmailToken.bind(deps.emailTokens);
    let confirmed: Awaited<ReturnType<typeof confirmEmailChange>> | undefined;
    deps.emailTokens.useEmailToken = async (input) => {
      const used = await use(input);
      if (input.ending !== undefined && confirmed === undefined) {
        confirmed = await confirmEmailChange(deps, { token });
      }
      return used;
    };
    unwrap(await resetPassword(deps, { token: reset, newPassword: "Another-secret-9?" }));
    expect(confirmed).toMatchObject({ ok: false, error: "INVALID_VERIFICATION_TOKEN" });
    expect((await deps.users.findUserById(session.userId))?.email).toBe("ada@example.com");
  });
});
