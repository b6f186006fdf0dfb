import { type Email, mailRepeatWindowMs } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { makeUser } from "../../testing/fixtures.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import {
  linkIdentity,
  recordingTransactions,
  registerAccount,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { verifyUserEmail } from "../admin/verify-user-email.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { resendVerification } from "./resend-verification.ts";
import { verifyEmail } from "./verify-email.ts";

const hour = 3600 * 1000;
const client = { userAgent: "vitest", ip: "127.0.0.1" };

async function registered() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps);
  const [mail] = deps.mailer.sentTo("ada@example.com");
  if (mail === undefined) throw new Error("no verification mail was sent");
  return { deps, account, mail, token: tokenFromMail(mail) };
}

describe("the verification mail sent at registration", () => {
  it("goes to the new address with a link to APP_URL/verify-email carrying the token in the fragment", async () => {
    const { deps, mail, token } = await registered();
    expect(deps.mailer.sent).toHaveLength(1);
    expect(mail.subject).toMatch(/verify/i);
    expect(mail.text).toContain(`http://localhost:3000/verify-email#token=${token}`);
    expect(mail.html).toContain(`href="http://localhost:3000/verify-email#token=${token}"`);
  });

  it("carries a token whose secret is stored only as a hash", async () => {
    const { deps, token } = await registered();
    const [stored] = deps.emailTokens.all();
    const secret = token.split(".")[1] ?? "";
    expect(stored?.secretHash).toBe(deps.secretHasher.hashSecret(secret));
    expect(stored?.secretHash).not.toContain(secret);
  });
});

/** An admin (boss@example.com) signed in just now, and the actor they act as. */
async function signedInAdmin(deps: ReturnType<typeof createInMemoryDependencies>) {
  const admin = await registerAccount(deps, { email: "boss@example.com", nickname: "boss" });
  const adminUser = await deps.users.findUserById(admin.user.id);
  if (adminUser === null) throw new Error("no admin");
  deps.users.replaceUser({ ...adminUser, role: "admin" });
  return { admin, actor: unwrap(await authenticateAccessToken(deps, { token: admin.accessToken })) };
}

describe("verifyEmail", () => {
  it("a link followed while an admin marks the address verified at that moment answers already verified; one event is recorded", async () => {
    const { deps, account, token } = await registered();
    const { admin, actor } = await signedInAdmin(deps);
    // The staff call runs between the link's read of its token and its use of it.
    const useEmailToken = deps.emailTokens.useEmailToken.bind(deps.emailTokens);
    deps.emailTokens.useEmailToken = async (input) => {
      unwrap(await verifyUserEmail(deps, { actor, userId: account.user.id }));
      return useEmailToken(input);
    };

    expect(await verifyEmail(deps, { token, client })).toEqual({
      ok: true,
      value: { alreadyVerified: true, userId: account.user.id },
    });

    expect(deps.securityEvents.all().filter((e) => e.type === "email_verified")).toEqual([
      expect.objectContaining({ userId: account.user.id, actorId: admin.user.id }),
    ]);
  });

  it("staff's verification marks the address, takes away what came before the proof and ends the links in one transaction, the user's row first (ADR 0056)", async () => {
    const { deps, account } = await registered();
    const { actor } = await signedInAdmin(deps);
    const transactions = recordingTransactions(deps);
    unwrap(await verifyUserEmail({ ...deps, transactions }, { actor, userId: account.user.id }));
    expect(transactions.calls).toEqual([
      "users.markEmailVerified",
      "linkedProviders.listLinkedProvidersOfUser",
      "twoFactor.deleteTwoFactor",
      "emailTokens.useAllEmailTokensOfUser",
    ]);
  });

  it("unlinks the providers linked before the address was proven, even the account's last way in (pre-hijacking, ADR 0043)", async () => {
    // Someone registered Ada's address and linked their own GitHub; the mail reached Ada, who clicks it.
    const { deps, account, token } = await registered();
    const strangers = { provider: "github" as const, subject: "stranger-7" };
    await linkIdentity(deps, { ...strangers, userId: account.user.id });
    expect(await verifyEmail(deps, { token, client })).toEqual({
      ok: true,
      value: { alreadyVerified: false, userId: account.user.id },
    });
    expect(await deps.linkedProviders.findLinkedProvider(strangers)).toBeNull();
    expect(deps.securityEvents.all()).toContainEqual(
      expect.objectContaining({
        type: "provider_unlinked",
        details: { provider: "github", reason: "verification_of_unverified_address" },
      }),
    );

    // An account made (before ADR 0043) through a provider that had not verified the address: its
    // only way in is the claimant's identity, and it goes too; the owner resets a password.
    const legacy = createInMemoryDependencies();
    const claimed = makeUser({
      email: "grace@example.com" as Email,
      emailVerified: false,
      passwordHash: null,
    });
    await legacy.users.insertUser(claimed);
    await linkIdentity(legacy, { ...strangers, userId: claimed.id });
    await resendVerification(legacy, { email: "grace@example.com" });
    await legacy.backgroundTasks.drain();
    const [mail] = legacy.mailer.sentTo("grace@example.com");
    if (mail === undefined) throw new Error("no verification mail was sent");
    expect((await verifyEmail(legacy, { token: tokenFromMail(mail), client })).ok).toBe(true);
    expect(await legacy.linkedProviders.findLinkedProvider(strangers)).toBeNull();
  });

  it("marks the address verified and records email_verified", async () => {
    const { deps, account, token } = await registered();
    expect(await verifyEmail(deps, { token, client })).toEqual({
      ok: true,
      value: { alreadyVerified: false, userId: account.user.id },
    });
    expect((await deps.users.findUserById(account.user.id))?.emailVerified).toBe(true);
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("email_verified");
  });

  it("accepts the token one millisecond before 24 hours", async () => {
    const { deps, token } = await registered();
    deps.clock.advance(24 * hour - 1);
    expect((await verifyEmail(deps, { token })).ok).toBe(true);
  });

  it("refuses the token at 24 hours with INVALID_VERIFICATION_TOKEN", async () => {
    const { deps, account, token } = await registered();
    deps.clock.advance(24 * hour);
    expect(await verifyEmail(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect((await deps.users.findUserById(account.user.id))?.emailVerified).toBe(false);
  });

  it("answers a link followed again with alreadyVerified, and changes and records nothing", async () => {
    const { deps, account, token } = await registered();
    await verifyEmail(deps, { token });
    // Within the link's 24 hours: the prune deletes its row once it has expired.
    deps.clock.advance(23 * hour);
    expect(await verifyEmail(deps, { token })).toEqual({
      ok: true,
      value: { alreadyVerified: true, userId: account.user.id },
    });
    expect(deps.securityEvents.all().filter((e) => e.type === "email_verified")).toHaveLength(1);
  });

  it("refuses a used link with a wrong secret as any bad link: holding the id tells nothing", async () => {
    const { deps, token } = await registered();
    await verifyEmail(deps, { token });
    expect(await verifyEmail(deps, { token: `${token.split(".")[0]}.${"A".repeat(43)}` })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("spends the link, forgets what came before the proof and marks the address verified in one transaction; records after (ADR 0056)", async () => {
    const { deps, account, token } = await registered();
    const transactions = recordingTransactions(deps);
    expect(await verifyEmail({ ...deps, transactions }, { token })).toEqual({
      ok: true,
      value: { alreadyVerified: false, userId: account.user.id },
    });
    expect(transactions.calls).toEqual([
      "emailTokens.useEmailToken",
      "linkedProviders.listLinkedProvidersOfUser",
      "twoFactor.deleteTwoFactor",
      "users.markEmailVerified",
    ]);
  });

  it("of two concurrent uses of one token exactly one verifies, and one event is recorded", async () => {
    const { deps, token } = await registered();
    const outcomes = await Promise.all([verifyEmail(deps, { token }), verifyEmail(deps, { token })]);
    // What the other answers depends here on how far the first has got (the in-memory store has
    // no transactions); on SQL it waits for the first's commit and answers alreadyVerified
    // (races.int.test.ts).
    expect(outcomes.filter((o) => o.ok && !o.value.alreadyVerified)).toHaveLength(1);
    expect(deps.securityEvents.all().filter((e) => e.type === "email_verified")).toHaveLength(1);
  });

  it.each([
    ["a malformed token", () => "not-a-token"],
    ["an unknown id", (t: string) => `00000000-0000-7000-8000-0000000fffff.${t.split(".")[1]}`],
    ["a wrong secret", (t: string) => `${t.split(".")[0]}.${"A".repeat(43)}`],
  ])("refuses %s with INVALID_VERIFICATION_TOKEN", async (_label, tamper) => {
    const { deps, token } = await registered();
    expect(await verifyEmail(deps, { token: tamper(token) })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
  });

  it("a newer link supersedes the older one before either is used", async () => {
    const { deps, account, token: first } = await registered();
    deps.clock.advance(mailRepeatWindowMs);
    await resendVerification(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    const second = tokenFromMail(deps.mailer.sent.at(-1) ?? { text: "" });
    expect(await verifyEmail(deps, { token: first })).toMatchObject({
      ok: false,
      error: "INVALID_VERIFICATION_TOKEN",
    });
    expect((await verifyEmail(deps, { token: second })).ok).toBe(true);
    // Once the address is verified, the older link says so too.
    expect(await verifyEmail(deps, { token: first })).toEqual({
      ok: true,
      value: { alreadyVerified: true, userId: account.user.id },
    });
  });
});

describe("resendVerification", () => {
  it("mails a new working link to an unverified account", async () => {
    const { deps } = await registered();
    deps.clock.advance(mailRepeatWindowMs);
    expect(await resendVerification(deps, { email: " ADA@example.com " })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(2);
    const token = tokenFromMail(deps.mailer.sent.at(-1) ?? { text: "" });
    expect((await verifyEmail(deps, { token })).ok).toBe(true);
  });

  it("within a minute of the registration's mail mails nothing: the registration's link, still on its way, works", async () => {
    const { deps, token } = await registered();
    deps.clock.advance(mailRepeatWindowMs - 1);
    expect(await resendVerification(deps, { email: "ada@example.com" })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(1);
    expect((await verifyEmail(deps, { token })).ok).toBe(true);
  });

  it("answers the same for an unknown address and mails nothing", async () => {
    const deps = createInMemoryDependencies();
    expect(await resendVerification(deps, { email: "nobody@example.com" })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toEqual([]);
  });

  it("answers the same for a verified account and mails nothing", async () => {
    const { deps, token } = await registered();
    await verifyEmail(deps, { token });
    expect(await resendVerification(deps, { email: "ada@example.com" })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(1);
  });

  it("mails at most three links per address per hour, then silently none, then again after the hour", async () => {
    const { deps } = await registered(); // the registration mail is the first of the three
    for (let i = 0; i < 4; i++) {
      deps.clock.advance(mailRepeatWindowMs);
      expect(await resendVerification(deps, { email: "ada@example.com" })).toEqual({
        ok: true,
        value: undefined,
      });
    }
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(3);
    deps.clock.advance(hour);
    await resendVerification(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(4);
  });

  it("refuses a malformed address with VALIDATION_ERROR, whoever asks", async () => {
    const deps = createInMemoryDependencies();
    expect(await resendVerification(deps, { email: "not an address" })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
  });
});
