import type { Email, Session } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies, OutgoingMail } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { type InMemoryMailer, tokenFromMail } from "../../testing/in-memory-mail.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import {
  linkIdentity,
  recordingTransactions,
  registerAccount,
  sessionTokensOutcome,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { confirmEmailChange } from "./confirm-email-change.ts";
import { reauthenticate } from "./reauthenticate.ts";
import { requestEmailChange } from "./request-email-change.ts";
import { undoEmailChange } from "./undo-email-change.ts";

// ADR 0047: the address an account left gets a link that gives the account back to it.

const day = 24 * 3600 * 1000;
const client = { userAgent: "vitest", ip: "127.0.0.1" };
const ownersPassword = "Owners-new-secret-7!";

function lastMailTo(deps: { mailer: InMemoryMailer }, address: string): OutgoingMail {
  const mail = deps.mailer.sentTo(address).at(-1);
  if (mail === undefined) throw new Error(`no mail to ${address}`);
  return mail;
}

/** Changes the session's account to `to`, as a thief with the session and their own mailbox would. */
async function changeAddress(deps: Dependencies & { mailer: InMemoryMailer }, session: Session, to: string) {
  unwrap(await requestEmailChange(deps, { session, newEmail: to, client }));
  unwrap(await confirmEmailChange(deps, { token: tokenFromMail(lastMailTo(deps, to)), client }));
}

/** An account (ada@example.com) whose address a thief changed to theirs; the undo link mailed to Ada. */
async function takenOver() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps);
  await changeAddress(deps, account.session, "thief@example.net");
  const notice = lastMailTo(deps, "ada@example.com");
  return { deps, account, notice, token: tokenFromMail(notice) };
}

describe("the notice of a changed address", () => {
  it("carries a link to undo the change, for 7 days, and not the reset page the old address can no longer use", async () => {
    const { notice } = await takenOver();
    expect(notice.subject).toBe("Your email address was changed");
    expect(notice.text).toContain("Undo the change: http://localhost:3000/undo-email-change#token=");
    expect(notice.text).toContain("within 7 days");
    expect(notice.text).not.toContain("/forgot-password");
    expect(notice.html).toContain('href="http://localhost:3000/undo-email-change#token=');
  });

  it("a second change within the week mails no undo link to the address the thief leaves: the first stays the only one", async () => {
    const { deps, account, token } = await takenOver();
    await changeAddress(deps, account.session, "thief-2@example.net");
    const second = lastMailTo(deps, "thief@example.net");
    expect(second.subject).toBe("Your email address was changed");
    expect(second.text).not.toContain("#token=");
    expect(second.text).toContain("contact the team that runs SuperOAuth");
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    expect((await deps.users.findUserById(account.user.id))?.email).toBe("ada@example.com");
  });

  it("after the week a change mails an undo link again", async () => {
    const { deps, account } = await takenOver();
    deps.clock.advance(7 * day);
    unwrap(await reauthenticate(deps, { session: account.session, password: strongPassword, client }));
    const proven = await deps.sessions.findSession(account.session.id);
    if (proven === null) throw new Error("session gone");
    await changeAddress(deps, proven, "thief-2@example.net");
    expect(lastMailTo(deps, "thief@example.net").text).toContain("/undo-email-change#token=");
  });
});

describe("undoEmailChange", () => {
  it("spends the link, signs the thief out, stores the password, restores the address and unlinks the thief's providers in one transaction (ADR 0056)", async () => {
    const { deps, account, token } = await takenOver();
    await linkIdentity(deps, { userId: account.user.id, provider: "github", subject: "thief-gh" });
    const transactions = recordingTransactions(deps);
    unwrap(await undoEmailChange({ ...deps, transactions }, { token, newPassword: ownersPassword, client }));
    expect(transactions.calls).toEqual([
      "emailTokens.useEmailToken",
      "sessions.revokeSessionsOfUser",
      "thirdPartyGrants.revokeGrantsOfUser",
      "users.updatePasswordHash",
      "users.changeEmail",
      "linkedProviders.listLinkedProvidersOfUser",
      "linkedProviders.unlinkProvider",
    ]);
    // Recorded, and mailed, once committed.
    expect(
      (await deps.securityEvents.listSecurityEventsOfUser({ userId: account.user.id, limit: 50 })).map(
        (event) => [event.type, event.details],
      ),
    ).toContainEqual(["provider_unlinked", { provider: "github", reason: "email_change_undone" }]);
  });

  it("killed right after the owner's password is stored: the thief's sessions and apps have already ended", async () => {
    const { deps, account, token } = await takenOver();
    const store = deps.users.updatePasswordHash.bind(deps.users);
    deps.users.updatePasswordHash = async (input) => {
      await store(input);
      throw new Error("the process died here");
    };
    await expect(undoEmailChange(deps, { token, newPassword: ownersPassword, client })).rejects.toThrow(
      "the process died here",
    );
    // Before the fix the thief's session (the one that changed the address) still worked.
    expect(await sessionTokensOutcome(deps, account)).toEqual({
      access: "INVALID_TOKEN",
      refresh: "INVALID_REFRESH_TOKEN",
    });
    expect(deps.thirdPartyGrants.revokedUserIds).toContain(account.user.id);
  });

  it("gives the account back to the old address, verified, with the new password; the thief's address and password no longer sign in", async () => {
    const { deps, account, token } = await takenOver();
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    expect(await deps.users.findUserById(account.user.id)).toMatchObject({
      email: "ada@example.com",
      emailVerified: true,
    });
    expect(
      (await logInWithPassword(deps, { email: "ada@example.com", password: ownersPassword, client })).ok,
    ).toBe(true);
    for (const [email, password] of [
      ["ada@example.com", strongPassword],
      ["thief@example.net", ownersPassword],
    ] as const) {
      expect(await logInWithPassword(deps, { email, password, client })).toMatchObject({
        ok: false,
        error: "INVALID_CREDENTIALS",
      });
    }
    expect(deps.securityEvents.all().filter((e) => e.type === "email_change_undone")).toMatchObject([
      { userId: account.user.id, ip: "127.0.0.1", details: { restored: "a***@example.com" } },
    ]);
  });

  it("ends every session and every third-party grant of the account", async () => {
    const { deps, account, token } = await takenOver();
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    expect(await sessionTokensOutcome(deps, account)).toEqual({
      access: "INVALID_TOKEN",
      refresh: "INVALID_REFRESH_TOKEN",
    });
    expect(new Set(deps.thirdPartyGrants.revokedUserIds)).toEqual(new Set([account.user.id]));
  });

  it("ends the thief's pending reset and change links", async () => {
    const { deps, account, token } = await takenOver();
    await requestPasswordReset(deps, { email: "thief@example.net" });
    await deps.backgroundTasks.drain();
    const thiefsReset = tokenFromMail(lastMailTo(deps, "thief@example.net"));
    unwrap(await requestEmailChange(deps, { session: account.session, newEmail: "t3@example.net", client }));
    const thiefsChange = tokenFromMail(lastMailTo(deps, "t3@example.net"));
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    expect(await resetPassword(deps, { token: thiefsReset, newPassword: "Quartz-lamp-71?" })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect(await confirmEmailChange(deps, { token: thiefsChange })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("works once: a second use answers INVALID_RESET_TOKEN", async () => {
    const { deps, token } = await takenOver();
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword }));
    expect(await undoEmailChange(deps, { token, newPassword: "Yet-another-one-5%" })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
  });

  it("of two concurrent uses exactly one succeeds", async () => {
    const { deps, token } = await takenOver();
    const outcomes = await Promise.all([
      undoEmailChange(deps, { token, newPassword: ownersPassword }),
      undoEmailChange(deps, { token, newPassword: "Yet-another-one-5%" }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toMatchObject([{ ok: false, error: "INVALID_RESET_TOKEN" }]);
  });

  it("accepts the link one millisecond before 7 days, refuses it at 7 days", async () => {
    const early = await takenOver();
    early.deps.clock.advance(7 * day - 1);
    expect((await undoEmailChange(early.deps, { token: early.token, newPassword: ownersPassword })).ok).toBe(
      true,
    );
    const late = await takenOver();
    late.deps.clock.advance(7 * day);
    expect(
      await undoEmailChange(late.deps, { token: late.token, newPassword: ownersPassword }),
    ).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await late.deps.users.findUserById(late.account.user.id))?.email).toBe("thief@example.net");
  });

  it("refuses a weak password with VALIDATION_ERROR, changes nothing, and the link still works", async () => {
    const { deps, account, token } = await takenOver();
    expect(await undoEmailChange(deps, { token, newPassword: "short" })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
    expect((await deps.users.findUserById(account.user.id))?.email).toBe("thief@example.net");
    expect((await undoEmailChange(deps, { token, newPassword: ownersPassword })).ok).toBe(true);
  });

  it("refuses the account's current password (the thief knows it) with VALIDATION_ERROR, changes nothing, and the link still works", async () => {
    const { deps, account, token } = await takenOver();
    expect(await undoEmailChange(deps, { token, newPassword: strongPassword })).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "New password is your current password: choose a different one",
    });
    expect((await deps.users.findUserById(account.user.id))?.email).toBe("thief@example.net");
    expect((await undoEmailChange(deps, { token, newPassword: ownersPassword })).ok).toBe(true);
  });

  it("answers USER_EXISTS when another account holds the old address now, changes nothing, and the link still works once it is free", async () => {
    const { deps, account, token } = await takenOver();
    const squatter = await registerAccount(deps, { email: "ada@example.com", nickname: "squat" });
    expect(await undoEmailChange(deps, { token, newPassword: ownersPassword })).toMatchObject({
      ok: false,
      error: "USER_EXISTS",
    });
    expect((await deps.users.findUserById(account.user.id))?.email).toBe("thief@example.net");
    deps.users.deleteUser(squatter.user.id);
    expect((await undoEmailChange(deps, { token, newPassword: ownersPassword })).ok).toBe(true);
  });

  it("refuses the link of a disabled account", async () => {
    const { deps, account, token } = await takenOver();
    deps.users.setStatus(account.user.id, "disabled");
    expect(await undoEmailChange(deps, { token, newPassword: ownersPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
  });

  it("takes no other link in its place, and its link works nowhere else", async () => {
    const { deps, token } = await takenOver();
    await requestPasswordReset(deps, { email: "thief@example.net" });
    await deps.backgroundTasks.drain();
    const reset = tokenFromMail(lastMailTo(deps, "thief@example.net"));
    expect(await undoEmailChange(deps, { token: reset, newPassword: ownersPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect(await resetPassword(deps, { token, newPassword: ownersPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect(await confirmEmailChange(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect(await undoEmailChange(deps, { token: "not-a-token", newPassword: ownersPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
  });

  it("keeps only the hash of the link's secret", async () => {
    const { deps, account, token } = await takenOver();
    const [id, secret] = token.split(".") as [string, string];
    const stored = await deps.emailTokens.findEmailToken(id as never);
    expect(stored).toMatchObject({ userId: account.user.id, purpose: "undo_email_change" });
    expect(stored?.secretHash).not.toContain(secret);
    expect(stored?.newEmail).toBe("ada@example.com" as Email);
  });

  it("answers that nothing was unlinked and whether two-step verification is on", async () => {
    const { deps, account, token } = await takenOver();
    await enableTwoFactorFor(deps, account.session);
    expect(await undoEmailChange(deps, { token, newPassword: ownersPassword, client })).toEqual({
      ok: true,
      value: { providersUnlinked: false, twoFactor: "on" },
    });
  });

  it("unlinks every provider: one the thief linked from the session would sign them in again", async () => {
    const { deps, account, token } = await takenOver();
    await linkIdentity(deps, { userId: account.user.id, provider: "github", subject: "thief-gh" });
    // What it did, for the page that says so.
    expect(await undoEmailChange(deps, { token, newPassword: ownersPassword, client })).toEqual({
      ok: true,
      value: { providersUnlinked: true, twoFactor: "off" },
    });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(account.user.id)).toEqual([]);
    expect(deps.securityEvents.all().filter((e) => e.type === "provider_unlinked")).toMatchObject([
      { details: { provider: "github", reason: "email_change_undone" } },
    ]);
    const subjects = deps.mailer.sentTo("ada@example.com").map((mail) => mail.subject);
    expect(subjects).toContain("GitHub was unlinked from your account");
    // And the restored address hears of the undo itself: a thief reading that mailbox would use it too.
    expect(subjects.at(-1)).toBe("Your account is back on this address");
  });
});

/**
 * The users store with `method` held when `when` says so, until `release` is called; `reached`
 * resolves once a call is held (so the other side runs while this one waits at its write).
 */
function holding(
  deps: Dependencies,
  method: "changeEmail" | "updatePasswordHash",
  when: (input: { email?: string }) => boolean,
): { deps: Dependencies; reached: Promise<void>; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const users = new Proxy(deps.users, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property !== method) return value.bind(target);
      return async (input: { email?: string }) => {
        if (when(input)) {
          arrive();
          await gate;
        }
        return value.call(target, input);
      };
    },
  });
  return { deps: { ...deps, users }, reached, release };
}

describe("undoEmailChange racing the thief (exact outcomes)", () => {
  it("a confirmation of the thief's second change that used its link before the undo and writes after it is refused: the undo stands", async () => {
    const { deps, account, token } = await takenOver();
    unwrap(
      await requestEmailChange(deps, { session: account.session, newEmail: "thief-2@example.net", client }),
    );
    const second = tokenFromMail(lastMailTo(deps, "thief-2@example.net"));
    const held = holding(deps, "changeEmail", (input) => input.email === "thief-2@example.net");
    const confirming = confirmEmailChange(held.deps, { token: second });
    await held.reached;
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    held.release();
    expect(await confirming).toMatchObject({ ok: false, error: "INVALID_VERIFICATION_TOKEN" });
    expect((await deps.users.findUserById(account.user.id))?.email).toBe("ada@example.com");
  });

  it("a password reset that used its link before the undo and writes after it is refused: the owner's password stands", async () => {
    const { deps, token } = await takenOver();
    await requestPasswordReset(deps, { email: "thief@example.net" });
    await deps.backgroundTasks.drain();
    const thiefsReset = tokenFromMail(lastMailTo(deps, "thief@example.net"));
    const held = holding(deps, "updatePasswordHash", () => true);
    const resetting = resetPassword(held.deps, { token: thiefsReset, newPassword: "Quartz-lamp-71?" });
    await held.reached;
    unwrap(await undoEmailChange(deps, { token, newPassword: ownersPassword, client }));
    held.release();
    expect(await resetting).toMatchObject({ ok: false, error: "INVALID_RESET_TOKEN" });
    expect(
      (await logInWithPassword(deps, { email: "ada@example.com", password: ownersPassword, client })).ok,
    ).toBe(true);
    expect(
      (await logInWithPassword(deps, { email: "ada@example.com", password: "Quartz-lamp-71?", client })).ok,
    ).toBe(false);
  });
});
