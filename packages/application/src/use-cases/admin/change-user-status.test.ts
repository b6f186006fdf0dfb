import { ok } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { signedInWithRole, unwrap } from "../../testing/use-case-helpers.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { changeUserStatus } from "./change-user-status.ts";

type Deps = ReturnType<typeof createInMemoryDependencies>;

const signedIn = signedInWithRole;

describe("changeUserStatus: the order of a disable's refusals", () => {
  it("the reason is checked after the role and before the fresh proof: a stale proof and an empty reason answer VALIDATION_ERROR", async () => {
    const deps = createInMemoryDependencies();
    const admin = await signedIn(deps, "boss", "admin");
    const target = await signedIn(deps, "target");
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const disable = (actor: Authenticated, reason: string) =>
      changeUserStatus(deps, { actor, userId: target.user.id, status: "disabled", reason });

    expect(await disable(admin, "   ")).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "reason must not be empty: say why the account is disabled",
    });
    // A good reason, the same stale proof: now the proof is asked.
    expect(await disable(admin, "Spam")).toMatchObject({ ok: false, error: "REAUTH_REQUIRED" });
    // A role that may not disable learns nothing from the reason: refused for the role first.
    for (const [name, role] of [
      ["plain", "user"],
      ["helper", "support"],
    ] as const) {
      const actor = await signedIn(deps, name, role);
      for (const reason of ["", "x".repeat(501)]) {
        expect(await disable(actor, reason)).toMatchObject({ ok: false, error: "INSUFFICIENT_PERMISSIONS" });
      }
    }
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("active");

    // With STAFF_REQUIRE_2FA, an admin without 2FA may not be staff: told so first too (403).
    const strict = createInMemoryDependencies({ staffRequireTwoFactor: true });
    const strictAdmin = await signedIn(strict, "boss", "admin");
    const person = await signedIn(strict, "target");
    expect(
      await changeUserStatus(strict, {
        actor: strictAdmin,
        userId: person.user.id,
        status: "disabled",
        reason: "",
      }),
    ).toMatchObject({ ok: false, error: "TWO_FACTOR_REQUIRED" });
  });
});

describe("changeUserStatus: a disable of an account already disabled", () => {
  /** The audit's account_disabled entries: what was recorded. */
  const disabledEntries = (deps: Deps) =>
    deps.securityEvents.all().filter((event) => event.type === "account_disabled");

  it("the disable that changes the status answers its own reason, changed; a second one succeeds, records nothing, and answers the reason that stands", async () => {
    const deps = createInMemoryDependencies();
    const admin = await signedIn(deps, "boss", "admin");
    const target = await signedIn(deps, "target");
    const disable = (reason: string) =>
      changeUserStatus(deps, { actor: admin, userId: target.user.id, status: "disabled", reason });

    expect(await disable("  Spam, ticket 4127 ")).toEqual({
      ok: true,
      value: { status: "disabled", changed: true, disabledReason: "Spam, ticket 4127" },
    });
    expect(await disable("Chargeback fraud")).toEqual({
      ok: true,
      value: { status: "disabled", changed: false, disabledReason: "Spam, ticket 4127" },
    });
    expect(disabledEntries(deps)).toHaveLength(1);
    expect(await deps.accountAdministration.findDisabledReason(target.user.id)).toBe("Spam, ticket 4127");

    // Enabled again, the reason is gone; an enable of an active account changes nothing.
    const enable = () => changeUserStatus(deps, { actor: admin, userId: target.user.id, status: "active" });
    expect(await enable()).toEqual({
      ok: true,
      value: { status: "active", changed: true, disabledReason: null },
    });
    expect(await enable()).toEqual({
      ok: true,
      value: { status: "active", changed: false, disabledReason: null },
    });
  });

  it("an account disabled before reasons were kept answers a null reason, not the one sent", async () => {
    const deps = createInMemoryDependencies();
    const admin = await signedIn(deps, "boss", "admin");
    const target = await signedIn(deps, "target");
    await deps.accountAdministration.updateAccount({
      userId: target.user.id,
      change: { status: "disabled" },
      now: deps.clock.now(),
      guard: () => ok(undefined),
    });
    expect(
      await changeUserStatus(deps, {
        actor: admin,
        userId: target.user.id,
        status: "disabled",
        reason: "Spam",
      }),
    ).toEqual({ ok: true, value: { status: "disabled", changed: false, disabledReason: null } });
    expect(disabledEntries(deps)).toEqual([]);
  });

  it("of two disables at once with different reasons, exactly one changes it; the other is told the winner's reason", async () => {
    const deps = createInMemoryDependencies();
    const first = await signedIn(deps, "boss", "admin");
    const second = await signedIn(deps, "deputy", "admin");
    const target = await signedIn(deps, "target");
    const disable = (actor: Authenticated, reason: string) =>
      changeUserStatus(deps, { actor, userId: target.user.id, status: "disabled", reason });
    const outcomes = await Promise.all([
      disable(first, "Abusive messages"),
      disable(second, "Chargeback fraud"),
    ]);
    const values = outcomes.map((outcome) => unwrap(outcome));
    const winners = values.filter((value) => value.changed);
    expect(winners).toHaveLength(1);
    const kept = await deps.accountAdministration.findDisabledReason(target.user.id);
    expect(winners[0]?.disabledReason).toBe(kept);
    expect(values.filter((value) => !value.changed)).toEqual([
      { status: "disabled", changed: false, disabledReason: kept },
    ]);
    expect(disabledEntries(deps).map((event) => event.details)).toEqual([
      expect.objectContaining({ staffReason: kept }),
    ]);
  });
});
