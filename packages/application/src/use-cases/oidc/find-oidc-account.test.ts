import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount } from "../../testing/use-case-helpers.ts";
import { findOIDCAccount } from "./find-oidc-account.ts";

describe("findOIDCAccount", () => {
  it("gives the claims' source for an active account", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    expect(await findOIDCAccount(deps, { accountId: user.id })).toEqual({
      accountId: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      nickname: user.nickname,
      updatedAt: user.updatedAt,
    });
  });

  it("refuses a disabled account", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    deps.users.setStatus(user.id, "disabled");
    expect(await findOIDCAccount(deps, { accountId: user.id })).toBeNull();
  });

  it("refuses an unknown account", async () => {
    const deps = createInMemoryDependencies();
    expect(await findOIDCAccount(deps, { accountId: "01936f3e-0000-7000-8000-000000000000" })).toBeNull();
  });
});
