import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  accountWithoutPassword,
  registerAccount,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";

// The issue lists "password set/changed" among the security events: the first password of an
// account that signed in only through a provider is `password_set`, a replaced one `password_changed`.

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Brand-new-secret-2?";

describe("password events in the security log", () => {
  it("setting a first password records password_set with the client", async () => {
    const deps = createInMemoryDependencies();
    const signedIn = await accountWithoutPassword(deps, {
      email: "ada@example.com",
      nickname: "ada",
      client,
    });
    const { session, user } = signedIn;
    unwrap(await setPassword(deps, { session, newPassword, client }));
    expect(deps.securityEvents.all().map((e) => e.type)).toEqual(["password_set"]);
    expect(deps.securityEvents.all()[0]).toMatchObject({
      userId: user.id,
      ip: "127.0.0.1",
      userAgent: "vitest",
    });
  });

  it("replacing a password records password_changed, not password_set", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    unwrap(
      await setPassword(deps, {
        session,
        currentPassword: strongPassword,
        newPassword,
        client,
      }),
    );
    const types = deps.securityEvents.all().map((e) => e.type);
    expect(types).toContain("password_changed");
    expect(types).not.toContain("password_set");
  });
});
