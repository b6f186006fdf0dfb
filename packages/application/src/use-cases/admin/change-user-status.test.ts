import { ok, type Role } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { type Authenticated, authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { changeUserStatus } from "./change-user-status.ts";

type Deps = ReturnType<typeof createInMemoryDependencies>;

/** `name@example.com`, signed in, with the role given (set in the store, as `pnpm admin:create` does). */
async function signedIn(deps: Deps, name: string, role: Role = "user"): Promise<Authenticated> {
  const account = await registerAccount(deps, { email: `${name}@example.com`, nickname: name });
  if (role !== "user") {
    await deps.accountAdministration.updateAccount({
      userId: account.user.id,
      change: { role },
      now: deps.clock.now(),
      guard: () => ok(undefined),
    });
  }
  return unwrap(await authenticateAccessToken(deps, { token: account.accessToken }));
}

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
