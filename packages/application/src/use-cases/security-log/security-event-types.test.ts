import { createUser, type Nickname, parseEmail, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap } from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { startSession } from "../sessions/steps/start-session.ts";

// The issue lists "password set/changed" among the security events: the first password of an
// account that signed in only through a provider is `password_set`, a replaced one `password_changed`.

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Brand-new-secret-2?";

describe("password events in the security log", () => {
  it("setting a first password records password_set with the client", async () => {
    const deps = createInMemoryDependencies();
    const user = createUser({
      id: deps.random.generateId() as UserId,
      email: unwrap(parseEmail("ada@example.com")),
      nickname: "ada" as Nickname,
      passwordHash: null,
      now: deps.clock.now(),
    });
    unwrap(await deps.users.insertUser(user));
    const signedIn = await startSession(deps, {
      user,
      client,
      now: deps.clock.now(),
      authenticationMethods: ["pwd"],
    });
    const { session } = unwrap(await authenticateAccessToken(deps, { token: signedIn.accessToken }));
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
