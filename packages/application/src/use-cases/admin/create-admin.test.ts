import type { Email } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap } from "../../testing/use-case-helpers.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { createAdmin } from "./create-admin.ts";

const email = "ops@example.com";

describe("createAdmin (pnpm admin:create)", () => {
  it("does not promote an account whose address was never verified, and records nothing", async () => {
    const deps = createInMemoryDependencies();
    const squatter = await registerAccount(deps, { email });

    const result = await createAdmin(deps, { email });

    expect(result).toMatchObject({ ok: false, error: "EMAIL_NOT_VERIFIED" });
    expect(!result.ok && result.message).toContain(
      "ops@example.com has an account whose address was never verified",
    );
    expect(await deps.users.findUserById(squatter.user.id)).toMatchObject({ role: "user" });
    expect(deps.securityEvents.all().filter((event) => event.type === "role_changed")).toEqual([]);
  });

  it("checks the address again under the store's lock: unverified there, the account is not promoted", async () => {
    const deps = createInMemoryDependencies();
    const squatter = await registerAccount(deps, { email });
    // The read before the lock saw a verified address (say, an account whose address changed since).
    const read = deps.users.findUserByEmail.bind(deps.users);
    deps.users.findUserByEmail = async (address: Email) => {
      const user = await read(address);
      return user === null ? null : { ...user, emailVerified: true };
    };

    const result = await createAdmin(deps, { email });

    expect(result).toMatchObject({ ok: false, error: "EMAIL_NOT_VERIFIED" });
    expect(await deps.users.findUserById(squatter.user.id)).toMatchObject({ role: "user" });
  });

  it("promotes an account with a verified address and records it without an actor", async () => {
    const deps = createInMemoryDependencies();
    const holder = await registerAccount(deps, { email });
    await deps.users.markEmailVerified({ userId: holder.user.id, now: deps.clock.now() });

    const created = unwrap(await createAdmin(deps, { email }));

    expect(created).toMatchObject({ outcome: "promoted", user: { id: holder.user.id, role: "admin" } });
    expect(deps.securityEvents.all().filter((event) => event.type === "role_changed")).toEqual([
      expect.objectContaining({
        userId: holder.user.id,
        actorId: null,
        details: { role: "admin", previousRole: "user", via: "admin:create" },
      }),
    ]);
    expect(unwrap(await createAdmin(deps, { email })).outcome).toBe("already-admin");
  });

  it("run again for an admin it made whose password was never set (the link expired, or the command was killed before printing it): a new link, the older one spent", async () => {
    const deps = createInMemoryDependencies();
    const first = unwrap(await createAdmin(deps, { email }));
    expect(first.outcome).toBe("created");

    const again = unwrap(await createAdmin(deps, { email }));

    // Before the fix: "already-admin" and no link, though the command said to run it again for one.
    expect(again).toMatchObject({ outcome: "link-renewed", user: { id: first.user.id, role: "admin" } });
    const link = "setPasswordLink" in again ? again.setPasswordLink : "";
    expect(link).toContain("/reset-password#token=");
    const firstLink = "setPasswordLink" in first ? first.setPasswordLink : "";
    expect(link).not.toBe(firstLink);
    const tokenOf = (url: string) => url.slice(url.indexOf("#token=") + "#token=".length);
    expect(
      await resetPassword(deps, { token: tokenOf(firstLink), newPassword: strongPassword }),
    ).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect(await resetPassword(deps, { token: tokenOf(link), newPassword: strongPassword })).toEqual({
      ok: true,
      value: { twoFactor: "off" },
    });
    // With a password set, the command leaves the admin as it is.
    expect(unwrap(await createAdmin(deps, { email })).outcome).toBe("already-admin");
  });
});
