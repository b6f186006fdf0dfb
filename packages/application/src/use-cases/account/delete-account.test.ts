import type { Email } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { deleteAccount } from "./delete-account.ts";

// Deletion is resumable rather than one transaction across stores (docs/admin.md, "Deletion"):
// what can fail outside the database runs first, and a failure there leaves an account that a
// second attempt deletes.

describe("deleteAccount", () => {
  it("needs a fresh proof and deletes nothing without one", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    deps.clock.advance(6 * 60_000);
    expect(await deleteAccount(deps, { user, session })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
    expect(deps.thirdPartyGrants.revokedUserIds).toEqual([]);
  });

  it("a failure before the records go leaves the account, signed out; deleting again finishes", async () => {
    const inMemory = createInMemoryDependencies();
    const { user, session, accessToken } = await registerAccount(inMemory);
    let exportsFail = true;
    const deps: Dependencies = {
      ...inMemory,
      userExports: {
        async removeExportsOfUser(input) {
          if (exportsFail) throw new Error("export storage unreachable");
          await inMemory.userExports.removeExportsOfUser(input);
        },
      },
    };
    inMemory.userExports.usersWithExports.add(user.id);

    await expect(deleteAccount(deps, { user, session })).rejects.toThrow("export storage");
    expect(await deps.users.findUserById(user.id)).not.toBeNull();
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });

    exportsFail = false;
    unwrap(await deleteAccount(deps, { user, session }));
    expect(await deps.users.findUserById(user.id)).toBeNull();
    expect(inMemory.userExports.usersWithExports.has(user.id)).toBe(false);
    expect(await deps.users.findUserByEmail("ada@example.com" as Email)).toBeNull();
  });

  it("records account_deleted under the pseudonym, without the client, and nothing under the old id", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "login_succeeded",
      client: { ip: "203.0.113.9", userAgent: "Their Browser" },
      details: { method: "password" },
    });
    unwrap(await deleteAccount(deps, { user, session }));
    const events = deps.securityEvents.all();
    expect(events.some((e) => e.userId === user.id)).toBe(false);
    const deleted = events.find((e) => e.type === "account_deleted");
    expect(deleted).toMatchObject({ ip: null, userAgent: null, actorId: null, details: {} });
    expect(events.filter((e) => e.userId === deleted?.userId).map((e) => e.type)).toEqual(
      expect.arrayContaining(["login_succeeded", "account_deleted"]),
    );
    expect(events.every((e) => e.ip === null && e.userAgent === null)).toBe(true);
  });
});
