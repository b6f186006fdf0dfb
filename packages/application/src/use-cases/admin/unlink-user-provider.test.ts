import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { linkIdentity, signedInWithRole } from "../../testing/use-case-helpers.ts";
import { unlinkUserProvider } from "./unlink-user-provider.ts";

type Deps = ReturnType<typeof createInMemoryDependencies>;

async function setUp() {
  const deps = createInMemoryDependencies();
  const helper = await signedInWithRole(deps, "helper", "support");
  const person = await signedInWithRole(deps, "person");
  await linkIdentity(deps, { userId: person.user.id, provider: "github", subject: "gh-1" });
  deps.mailer.sent.length = 0;
  return { deps, helper, person, userId: person.user.id };
}

const unlinkedEvents = (deps: Deps, userId: UserId) =>
  deps.securityEvents.all().filter((event) => event.userId === userId && event.type === "provider_unlinked");

describe("unlinkUserProvider", () => {
  it("unlinks, names the member of staff, mails the holder and says what is left", async () => {
    const { deps, helper, userId } = await setUp();
    await linkIdentity(deps, { userId, provider: "google", subject: "g-1" });

    const result = await unlinkUserProvider(deps, { actor: helper, userId, provider: "github" });

    expect(result).toEqual({
      ok: true,
      value: {
        provider: "github",
        unlinked: true,
        remainingSignIn: { password: true, providers: ["google"] },
        accountStatus: "active",
      },
    });
    expect((await deps.linkedProviders.listLinkedProvidersOfUser(userId)).map((l) => l.provider)).toEqual([
      "google",
    ]);
    expect(unlinkedEvents(deps, userId)).toMatchObject([
      { actorId: helper.user.id, details: { provider: "github", by: "support" } },
    ]);
    expect(deps.mailer.sentTo("person@example.com").map((mail) => mail.subject)).toEqual([
      "GitHub was unlinked from your account",
    ]);
  });

  it("may remove the last way in (the holder can set a password with a reset link), and says so", async () => {
    const { deps, helper, userId } = await setUp();
    await deps.users.updatePasswordHash({ userId, passwordHash: null, now: deps.clock.now() });

    const result = await unlinkUserProvider(deps, { actor: helper, userId, provider: "github" });

    expect(result).toMatchObject({
      ok: true,
      value: { unlinked: true, remainingSignIn: { password: false, providers: [] } },
    });
  });

  it("on a disabled account, says so, and the holder's mail offers no way that cannot work there", async () => {
    const { deps, helper, userId } = await setUp();
    await deps.users.updatePasswordHash({ userId, passwordHash: null, now: deps.clock.now() });
    await deps.accountAdministration.updateAccount({
      userId,
      change: { status: "disabled", disabledReason: "Chargeback fraud" },
      now: deps.clock.now(),
      guard: () => ({ ok: true, value: undefined }),
    });

    const result = await unlinkUserProvider(deps, { actor: helper, userId, provider: "github" });

    expect(result).toMatchObject({
      ok: true,
      value: {
        unlinked: true,
        remainingSignIn: { password: false, providers: [] },
        accountStatus: "disabled",
      },
    });
    const [mail] = deps.mailer.sentTo("person@example.com");
    expect(mail?.text).toContain(
      "A member of SuperOAuth's staff unlinked GitHub from your SuperOAuth account: it can no longer sign in to it.\n",
    );
    expect(mail?.text).toContain(
      "Your account is disabled, so it cannot sign in, and no new password can be chosen",
    );
    expect(mail?.text).not.toContain("choose a password");
    expect(mail?.text).not.toContain("/forgot-password");
  });

  it("a provider not linked answers unlinked: false, recording and mailing nothing", async () => {
    const { deps, helper, userId } = await setUp();

    const result = await unlinkUserProvider(deps, { actor: helper, userId, provider: "google" });

    expect(result).toEqual({
      ok: true,
      value: {
        provider: "google",
        unlinked: false,
        remainingSignIn: { password: true, providers: ["github"] },
        accountStatus: "active",
      },
    });
    expect(unlinkedEvents(deps, userId)).toEqual([]);
    expect(deps.mailer.sent).toEqual([]);
  });

  it("of two unlinks at once, exactly one unlinks, records and mails", async () => {
    const { deps, helper, userId } = await setUp();
    const admin = await signedInWithRole(deps, "boss", "admin");

    const outcomes = await Promise.all([
      unlinkUserProvider(deps, { actor: helper, userId, provider: "github" }),
      unlinkUserProvider(deps, { actor: admin, userId, provider: "github" }),
    ]);

    expect(outcomes.map((outcome) => outcome.ok && outcome.value.unlinked).sort()).toEqual([false, true]);
    expect(unlinkedEvents(deps, userId)).toHaveLength(1);
    expect(deps.mailer.sentTo("person@example.com")).toHaveLength(1);
  });

  it("an unknown provider id is VALIDATION_ERROR after the role and before the fresh proof", async () => {
    const { deps, helper, userId } = await setUp();
    const plain = await signedInWithRole(deps, "plain");
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);

    expect(await unlinkUserProvider(deps, { actor: plain, userId, provider: "GitHub" })).toMatchObject({
      ok: false,
      error: "INSUFFICIENT_PERMISSIONS",
    });
    expect(await unlinkUserProvider(deps, { actor: helper, userId, provider: "GitHub" })).toMatchObject({
      ok: false,
      error: "UNSUPPORTED_PROVIDER",
      message: "Supported providers are discord, twitch, google and github",
    });
    expect(await unlinkUserProvider(deps, { actor: helper, userId, provider: "github" })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(userId)).toHaveLength(1);
  });

  it("refuses one's own account, and support on staff accounts", async () => {
    const { deps, helper } = await setUp();
    const admin = await signedInWithRole(deps, "boss", "admin");
    for (const [actor, userId] of [
      [admin, admin.user.id],
      [helper, helper.user.id],
      [helper, admin.user.id],
    ] as const) {
      expect(await unlinkUserProvider(deps, { actor, userId, provider: "github" })).toMatchObject({
        ok: false,
        error: "INSUFFICIENT_PERMISSIONS",
      });
    }
  });
});
