import {
  lowBackupCodesThreshold,
  maxNoticesPerWindow,
  ok,
  parseBackupCode,
  type Session,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies, OutgoingMail } from "../../ports/index.ts";
import { makeRefreshToken, makeSession } from "../../testing/fixtures.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { ScriptedOAuthProviderGateway } from "../../testing/in-memory-oauth.ts";
import { enableTwoFactorFor, enableTwoFactorOnUnverifiedAddress } from "../../testing/two-factor-helpers.ts";
import {
  accountWithoutPassword,
  registerAccount,
  storedRefreshToken,
  strongPassword,
  unwrap,
  unwrapSignedIn,
} from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { logOut } from "../sessions/log-out.ts";
import { logOutEverywhere } from "../sessions/log-out-everywhere.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { verifyTwoFactorLogin } from "../sign-in/verify-two-factor-login.ts";
import { finishOAuthAuthorization } from "../social/finish-oauth-authorization.ts";
import { startOAuthAuthorization } from "../social/start-oauth-authorization.ts";
import { startProviderTrip } from "../social/steps/start-provider-trip.ts";
import { unlinkProvider } from "../social/unlink-provider.ts";
import { disableTwoFactor } from "../two-factor/disable-two-factor.ts";
import { regenerateBackupCodes } from "../two-factor/regenerate-backup-codes.ts";

// One notice per security event the holder must hear about (ADR 0016): each test checks who gets
// it, its subject, and that nothing secret of the flow that caused it is in either body.

/** The client that registers in registerAccount: its network is known to the account from then on. */
const home = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Another-pass-2!";

function setUp() {
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  const deps = { ...createInMemoryDependencies(), oauthProviders: { github } } satisfies Dependencies;
  return { deps, github };
}
type TestDeps = ReturnType<typeof setUp>["deps"];

/** Registers, then forgets the verification mail: what is left in the outbox is what the test did. */
async function registered(deps: TestDeps) {
  const account = await registerAccount(deps);
  deps.mailer.sent.length = 0;
  return account;
}

/** Ada's password sign-in from `client`: a session, or the second-factor step when 2FA is on. */
function logInAsAda(deps: TestDeps, client: ClientInfo) {
  return logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client });
}

/** The notices (every mail but the ones carrying a link token) sent so far. */
function notices(deps: TestDeps): OutgoingMail[] {
  return deps.mailer.sent.filter((mail) => !mail.text.includes("#token="));
}

/** The single notice sent, checked for its recipient and subject, and for none of `secrets` in either body. */
function theNotice(
  deps: TestDeps,
  expected: { to: string; subject: string; secrets: readonly string[] },
): OutgoingMail {
  const sent = notices(deps);
  expect(sent.map((mail) => [mail.to, mail.subject])).toEqual([[expected.to, expected.subject]]);
  const [mail] = sent;
  if (mail === undefined) throw new Error("no notice");
  for (const secret of expected.secrets) {
    expect(secret.length).toBeGreaterThan(5);
    expect(mail.text).not.toContain(secret);
    expect(mail.html).not.toContain(secret);
  }
  expect(mail.text).not.toContain("token=");
  return mail;
}

describe("security notices: changes to how the account signs in", () => {
  it("changing the password mails the holder, with when, where and what to do, and no password or token", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    deps.clock.advance(61_000);
    const client = { userAgent: "Firefox/140", ip: "203.0.113.9" };

    unwrap(
      await setPassword(deps, {
        session: account.session,
        currentPassword: strongPassword,
        newPassword,
        client,
      }),
    );

    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "Your password was changed",
      secrets: [strongPassword, newPassword, account.accessToken, account.refreshToken],
    });
    expect(mail.text).toContain("Hello ada,");
    expect(mail.text).toContain("When: 2026-01-01 00:01 UTC");
    expect(mail.text).toContain("IP address: 203.0.113.9");
    expect(mail.text).toContain("Browser or app: Firefox\n");
    expect(mail.text).toContain("If it was not, change your password now");
    expect(mail.text).toContain("Choose a new password: http://localhost:3000/forgot-password\n");
    expect(mail.text).toContain(
      `Review your sessions: http://localhost:3000/account/sessions?account=${deps.accountLinkMark(account.user.id)}\n`,
    );
    expect(mail.html).toContain('<a href="http://localhost:3000/forgot-password">');
  });

  it("setting a first password on a provider-only account mails the holder", async () => {
    const { deps } = setUp();
    const signedIn = await accountWithoutPassword(deps, {
      email: "grace@example.com",
      nickname: "grace",
      client: home,
    });
    const { session } = signedIn;

    unwrap(await setPassword(deps, { session, newPassword, client: home }));

    theNotice(deps, {
      to: "grace@example.com",
      subject: "A password was added to your account",
      secrets: [newPassword, signedIn.accessToken, signedIn.refreshToken],
    });
  });

  it("a password reset mails the holder after the reset, without the reset token", async () => {
    const { deps } = setUp();
    await registered(deps);
    unwrap(await requestPasswordReset(deps, { email: "ada@example.com" }));
    await deps.backgroundTasks.drain();
    const token = tokenFromMail(deps.mailer.sentTo("ada@example.com")[0] ?? { text: "" });

    unwrap(await resetPassword(deps, { token, newPassword, client: home }));

    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "Your password was changed",
      secrets: [token, token.split(".")[1] ?? "", newPassword],
    });
    expect(mail.text).toContain("password-reset link");
  });

  it("a password the policy refuses changes nothing and mails nothing", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const refused = await setPassword(deps, {
      session: account.session,
      currentPassword: strongPassword,
      newPassword: "short",
      client: home,
    });
    expect(refused).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect(deps.mailer.sent).toEqual([]);
  });
});

describe("security notices: two-factor authentication", () => {
  it("turning 2FA on mails the holder, without the secret or the backup codes", async () => {
    const { deps } = setUp();
    const account = await registered(deps);

    const { secret, backupCodes } = await enableTwoFactorFor(deps, account.session);

    theNotice(deps, {
      to: "ada@example.com",
      subject: "Two-factor authentication was turned on",
      secrets: [secret, ...backupCodes],
    });
  });

  it("turning 2FA off mails the holder", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const { secret, codeNow } = await enableTwoFactorFor(deps, account.session);
    deps.mailer.sent.length = 0;
    const code = codeNow();

    unwrap(await disableTwoFactor(deps, { session: account.session, code, client: home }));

    theNotice(deps, {
      to: "ada@example.com",
      subject: "Two-factor authentication was turned off",
      secrets: [secret, strongPassword],
    });
  });

  it("regenerating the backup codes mails the holder, without the new codes", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const { codeNow } = await enableTwoFactorFor(deps, account.session);
    deps.mailer.sent.length = 0;

    const { backupCodes } = unwrap(
      await regenerateBackupCodes(deps, { session: account.session, code: codeNow(), client: home }),
    );

    theNotice(deps, {
      to: "ada@example.com",
      subject: "New backup codes were made",
      secrets: backupCodes,
    });
  });

  it(`using a backup code mails the holder once ${lowBackupCodesThreshold} or fewer are left, not before`, async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const { backupCodes } = await enableTwoFactorFor(deps, account.session);
    deps.mailer.sent.length = 0;
    const signInWith = async (backupCode: string) => {
      const first = unwrap(await logInAsAda(deps, home));
      if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
      return unwrap(await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, backupCode, client: home }));
    };

    // 10 codes: the sixth leaves 4 (no notice), the seventh leaves 3.
    for (const code of backupCodes.slice(0, 6)) await signInWith(code);
    expect(notices(deps)).toEqual([]);
    const seventh = backupCodes[6] ?? "";
    await signInWith(seventh);

    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "Your backup codes are running out",
      secrets: [seventh, ...backupCodes.slice(7)],
    });
    expect(mail.text).toContain("Only 3 are left");
  });
});

/** Starts a GitHub trip and comes back with `code`, as a browser with its cookie would. */
async function returnFromGitHub(
  deps: TestDeps,
  input: { code: string; client?: ClientInfo; linkSession?: Session },
) {
  const { linkSession } = input;
  const started = unwrap(
    linkSession === undefined
      ? await startOAuthAuthorization(deps, {
          provider: "github",
          codeChallenge: deps.secretHasher.codeChallengeOf("front-end-verifier".padEnd(43, "0")),
          codeChallengeMethod: "S256",
        })
      : await startProviderTrip(deps, {
          provider: "github",
          bind: () =>
            ok({
              linkUserId: linkSession.userId,
              linkSessionId: linkSession.id,
              reauthenticateSessionId: null,
              codeChallengeHash: null,
            }),
        }),
  );
  return unwrap(
    await finishOAuthAuthorization(deps, {
      provider: "github",
      state: started.state,
      code: input.code,
      cookie: { state: started.state, codeVerifier: started.codeVerifier },
      respondWith: "tokens",
      client: input.client ?? home,
    }),
  );
}

describe("security notices: linked providers", () => {
  const linkGitHub = (deps: TestDeps, session: Session) =>
    returnFromGitHub(deps, { code: "link-code", linkSession: session });

  it("linking a provider mails the holder, naming the provider", async () => {
    const { deps, github } = setUp();
    const account = await registered(deps);
    github.answer("link-code", { subject: "42" });

    const linked = await linkGitHub(deps, account.session);

    expect(linked.kind).toBe("linked");
    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "GitHub was linked to your account",
      secrets: [account.accessToken, account.refreshToken],
    });
    expect(mail.text).toContain("that GitHub account can now sign in");
  });

  it("unlinking a provider mails the holder", async () => {
    const { deps, github } = setUp();
    const account = await registered(deps);
    github.answer("link-code", { subject: "42" });
    await linkGitHub(deps, account.session);
    deps.mailer.sent.length = 0;

    unwrap(await unlinkProvider(deps, { session: account.session, provider: "github", client: home }));

    theNotice(deps, {
      to: "ada@example.com",
      subject: "GitHub was unlinked from your account",
      secrets: [account.accessToken, account.refreshToken],
    });
  });

  it("signing up with a provider mails no notice: neither the link that made the account nor a new device", async () => {
    const { deps, github } = setUp();
    github.answer("sign-up", { subject: "7", email: "linus@example.com" });

    const finished = await returnFromGitHub(deps, { code: "sign-up" });

    expect(finished.kind).toBe("signed-in");
    expect(deps.mailer.sent).toEqual([]);
  });
});

describe("security notices: sessions", () => {
  it("a refresh-token reuse that revokes a session mails the holder, without any token", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const rotated = unwrap(await refreshSession(deps, { refreshToken: account.refreshToken }));
    deps.clock.advance(deps.settings.refreshReuseGraceMs + 1);
    expect(notices(deps)).toEqual([]);

    const replay = await refreshSession(deps, { refreshToken: account.refreshToken });

    expect(replay).toMatchObject({ ok: false, error: "INVALID_REFRESH_TOKEN" });
    theNotice(deps, {
      to: "ada@example.com",
      subject: "A session was signed out to protect your account",
      secrets: [account.refreshToken, rotated.refreshToken, rotated.accessToken],
    });
  });

  it("a rotation, a logout and a sign-in from the account's own network mail nothing", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    unwrap(await refreshSession(deps, { refreshToken: account.refreshToken }));
    await logOut(deps, { userId: account.user.id, sessionId: account.sessionId, client: home });
    unwrapSignedIn(await logInAsAda(deps, home));
    expect(deps.mailer.sent).toEqual([]);
  });
});

describe("security notices: sign-in from a new device and network", () => {
  it("quotes no words of the client's own: a user agent that carries a message and a link is named by its product", async () => {
    const { deps } = setUp();
    await registered(deps);
    const userAgent = "Evil/1.0 (visit https://acme-security.example/restore to keep your account)";
    unwrapSignedIn(await logInAsAda(deps, { ...elsewhere, userAgent }));
    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "New sign-in to your account",
      secrets: [],
    });
    expect(mail.text).toContain("Browser or app: An app\n");
    for (const body of [mail.text, mail.html]) expect(body).not.toContain("acme-security");
  });

  const elsewhere = {
    userAgent: "Mozilla/5.0 <script>alert(1)</script>",
    ip: "198.51.100.7",
    deviceId: "laptop-cookie-value",
  };

  it("registering mails only the verification link, no sign-in notice", async () => {
    const { deps } = setUp();
    await registerAccount(deps);
    expect(deps.mailer.sent.map((mail) => mail.subject)).toEqual(["Verify your email address"]);
  });

  it("a sign-in from a device and a network the account never used mails 'was this you?', the device in words, never the header as sent", async () => {
    const { deps } = setUp();
    await registered(deps);

    const signedIn = unwrapSignedIn(await logInAsAda(deps, elsewhere));

    const mail = theNotice(deps, {
      to: "ada@example.com",
      subject: "New sign-in to your account",
      secrets: [strongPassword, signedIn.accessToken, signedIn.refreshToken, elsewhere.deviceId],
    });
    expect(mail.text).toContain("Was this you?");
    expect(mail.text).toContain("IP address: 198.51.100.7");
    expect(mail.text).toContain("Browser or app: An app\n");
    expect(mail.html).not.toContain("script");
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("new_device_sign_in");
  });

  it("the new sign-in's notice links the sessions of the account it is about, by that account's mark: bob's notice, bob's mark", async () => {
    // Opened in a browser signed in as ada (a shared computer), the link must not lead to ada's
    // sessions unsaid: the page compares the mark with the account the browser holds.
    const { deps } = setUp();
    const ada = await registered(deps);
    const bob = await registerAccount(deps, { email: "bob@example.com", nickname: "bob" });
    deps.mailer.sent.length = 0;

    unwrapSignedIn(
      await logInWithPassword(deps, {
        email: "bob@example.com",
        password: strongPassword,
        client: elsewhere,
      }),
    );

    const mail = theNotice(deps, {
      to: "bob@example.com",
      subject: "New sign-in to your account",
      secrets: [],
    });
    const link = /Review your sessions: (\S+)\n/.exec(mail.text)?.[1] ?? "";
    expect(link).toMatch(/^http:\/\/localhost:3000\/account\/sessions\?account=/);
    expect(link).toBe(
      `http://localhost:3000/account/sessions?account=${encodeURIComponent(deps.accountLinkMark(bob.user.id))}`,
    );
    expect(deps.accountLinkMark(bob.user.id)).not.toBe(deps.accountLinkMark(ada.user.id));
    expect(mail.text).toContain("Choose a new password: http://localhost:3000/forgot-password\n");
  });

  it("signing in again from that device, even on yet another network, mails nothing more", async () => {
    const { deps } = setUp();
    await registered(deps);
    unwrapSignedIn(await logInAsAda(deps, elsewhere));
    deps.mailer.sent.length = 0;

    unwrapSignedIn(await logInAsAda(deps, { ...elsewhere, ip: "192.0.2.44" }));

    expect(deps.mailer.sent).toEqual([]);
  });

  it("a new device on a known network mails nothing: only neither known is new", async () => {
    const { deps } = setUp();
    await registered(deps);
    unwrapSignedIn(await logInAsAda(deps, { ...home, deviceId: "another-browser-cookie" }));
    expect(deps.mailer.sent).toEqual([]);
  });

  it("a provider sign-in counts too: from a network the account never used it mails 'was this you?'", async () => {
    const { deps, github } = setUp();
    github.answer("sign-up", { subject: "7", email: "linus@example.com" });
    github.answer("later", { subject: "7", email: "linus@example.com" });
    await returnFromGitHub(deps, { code: "sign-up" });

    const finished = await returnFromGitHub(deps, { code: "later", client: elsewhere });

    expect(finished.kind).toBe("signed-in");
    const mail = theNotice(deps, {
      to: "linus@example.com",
      subject: "New sign-in to your account",
      secrets: [elsewhere.deviceId],
    });
    expect(mail.text).toContain("IP address: 198.51.100.7");
  });

  it("with 2FA on, the notice comes once the second factor is passed, not at the password", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const { codeNow } = await enableTwoFactorFor(deps, account.session);
    deps.mailer.sent.length = 0;

    const first = unwrap(await logInAsAda(deps, elsewhere));
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    expect(deps.mailer.sent).toEqual([]);
    unwrap(
      await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, code: codeNow(), client: elsewhere }),
    );

    theNotice(deps, {
      to: "ada@example.com",
      subject: "New sign-in to your account",
      secrets: [first.mfaToken],
    });
  });
});

describe("security notices: an hourly allowance per account", () => {
  /** Changes the account's password `times` times (each is one `password_changed` notice). */
  function passwordChanger(deps: TestDeps, account: Awaited<ReturnType<typeof registered>>) {
    let current = strongPassword;
    return async (times: number) => {
      for (let i = 0; i < times; i++) {
        const next = `Another-pass-${current.length}-${i}!`;
        unwrap(
          await setPassword(deps, {
            session: account.session,
            currentPassword: current,
            newPassword: next,
            client: home,
          }),
        );
        current = next;
      }
    };
  }

  it(`mails an unproven address at most ${maxNoticesPerWindow} notices an hour: the rest are recorded and mail nothing until the hour has passed`, async () => {
    // Whoever registered someone else's address must not be able to flood that mailbox: a password
    // change is one request and one notice.
    const { deps } = setUp();
    const changePassword = passwordChanger(deps, await registered(deps));
    await changePassword(maxNoticesPerWindow + 5);
    expect(notices(deps)).toHaveLength(maxNoticesPerWindow);
    expect(deps.securityEvents.all().filter((e) => e.type === "password_changed")).toHaveLength(
      maxNoticesPerWindow + 5,
    );

    deps.clock.advance(3600_000);
    await changePassword(1);
    expect(notices(deps)).toHaveLength(maxNoticesPerWindow + 1);
  });

  it("mails a verified holder every notice: an intruder cannot use up an allowance before the change that matters", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    await deps.users.markEmailVerified({ userId: account.user.id, now: deps.clock.now() });
    await passwordChanger(deps, account)(maxNoticesPerWindow + 5);
    expect(notices(deps)).toHaveLength(maxNoticesPerWindow + 5);
  });
});

describe("security notices: the hourly allowance counts only notices that were mailed", () => {
  it("events of notice types that mail nothing (signing out everywhere) do not use up an unproven address's allowance", async () => {
    // Whoever holds the password could otherwise sign out everywhere ten times (no mail each), then
    // change the password or turn 2FA on with their own app unseen.
    const { deps } = setUp();
    const account = await registered(deps);
    for (let i = 0; i < maxNoticesPerWindow + 1; i++) {
      // A session each time (one signed out everywhere records nothing: ended, there was nothing).
      if (i > 0) {
        const now = deps.clock.now();
        const session = makeSession(account.user.id, {
          createdAt: now,
          lastUsedAt: now,
          authenticatedAt: now,
        });
        await deps.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      }
      unwrap(await logOutEverywhere(deps, { userId: account.user.id }));
    }
    expect(deps.securityEvents.all().filter((e) => e.type === "sessions_revoked")).toHaveLength(
      maxNoticesPerWindow + 1,
    );
    expect(notices(deps)).toHaveLength(0);
    // Signed out everywhere, the holder signs in again to change the password.
    const again = unwrapSignedIn(await logInAsAda(deps, home));
    const { session } = await storedRefreshToken(deps, again.refreshToken);
    unwrap(
      await setPassword(deps, {
        session,
        currentPassword: strongPassword,
        newPassword,
        client: home,
      }),
    );
    expect(notices(deps).map((mail) => mail.to)).toEqual(["ada@example.com"]);
  });
});

describe("security notices: a sign-in with a backup code, on an unproven address at the edge of its allowance", () => {
  it("the backup codes' notice counts the entries before it, not the sign-in's own: it still goes", async () => {
    const { deps } = setUp();
    const account = await registered(deps);
    const userId = account.user.id;
    // 2FA from before it waited for a proven address: such factors may still be in a database.
    const { backupCodes } = await enableTwoFactorOnUnverifiedAddress(deps, account.session);
    const kept = backupCodes[0] ?? "";
    const keptLookupId = parseBackupCode(kept)?.lookupId;
    // Three left, the one to type among them: using it leaves two, which calls for the notice.
    const others = (await deps.twoFactor.listUnusedBackupCodes(userId)).filter(
      (c) => c.lookupId !== keptLookupId,
    );
    for (const code of others.slice(0, 7))
      await deps.twoFactor.useBackupCode({ id: code.id, now: deps.clock.now() });
    // The allowance one short of spent: nine notices this hour.
    for (let i = 0; i < maxNoticesPerWindow - 1; i++) {
      await deps.securityEvents.recordSecurityEvent({
        id: deps.random.generateId(),
        userId,
        type: "password_changed",
        occurredAt: deps.clock.now(),
        ip: null,
        userAgent: null,
        actorId: null,
        details: {},
      });
    }
    deps.mailer.sent.length = 0;
    const elsewhere = { userAgent: "another browser", ip: "203.0.113.9" };
    const first = unwrap(await logInAsAda(deps, elsewhere));
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    unwrapSignedIn(
      await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, backupCode: kept, client: elsewhere }),
    );
    // The sign-in's "new sign-in" entry is the eleventh and mails nothing; before, the backup codes'
    // notice was composed after it too, counted it, and went neither.
    expect(notices(deps).map((mail) => mail.subject)).toEqual(["Your backup codes are running out"]);
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("new_device_sign_in");
  });
});
