import type { LoginFailures } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { LockoutRepository, UserRepository } from "../ports.ts";
import { at, makeUser, t0, testId } from "./fixtures.ts";

/** The behaviour every LockoutRepository must have. */
export function lockoutRepositoryContract(
  name: string,
  makeStores: () => Promise<{ lockout: LockoutRepository; users: UserRepository }>,
): void {
  const account = () => `user-${testId()}@example.com`;
  const increment = (current: LoginFailures | null): LoginFailures => ({
    count: (current?.count ?? 0) + 1,
    windowStartedAt: current?.windowStartedAt ?? t0,
    lockedUntil: current === null ? null : at(60_000),
  });

  describe(`LockoutRepository contract: ${name}`, () => {
    it("keeps one counter per account and source, field for field", async () => {
      const { lockout } = await makeStores();
      const a = account();
      expect(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "*"] })).toEqual(new Map());
      await lockout.updateLoginFailures({ account: a, source: "ip:1", update: increment });
      const second = await lockout.updateLoginFailures({ account: a, source: "ip:1", update: increment });
      expect(second).toEqual({ count: 2, windowStartedAt: t0, lockedUntil: at(60_000) });
      await lockout.updateLoginFailures({ account: a, source: "*", update: increment });
      expect(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "*", "ip:2"] })).toEqual(
        new Map([
          ["ip:1", second],
          ["*", { count: 1, windowStartedAt: t0, lockedUntil: null }],
        ]),
      );
      expect(await lockout.findLoginFailures({ account: account(), sources: ["ip:1"] })).toEqual(new Map());
    });

    it("loses no update when twenty race on one counter", async () => {
      const { lockout } = await makeStores();
      const a = account();
      await Promise.all(
        Array.from({ length: 20 }, () =>
          lockout.updateLoginFailures({ account: a, source: "ip:9", update: increment }),
        ),
      );
      expect((await lockout.findLoginFailures({ account: a, sources: ["ip:9"] })).get("ip:9")?.count).toBe(
        20,
      );
    });

    it("clears some sources, or every source of the account, and no other account's", async () => {
      const { lockout } = await makeStores();
      const [a, b] = [account(), account()];
      for (const source of ["ip:1", "ip:2", "*"]) {
        await lockout.updateLoginFailures({ account: a, source, update: increment });
        await lockout.updateLoginFailures({ account: b, source, update: increment });
      }
      await lockout.clearLoginFailures({ account: a, sources: ["ip:1", "*"] });
      expect([
        ...(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "ip:2", "*"] })).keys(),
      ]).toEqual(["ip:2"]);
      await lockout.clearLoginFailures({ account: a });
      expect((await lockout.findLoginFailures({ account: a, sources: ["ip:2"] })).size).toBe(0);
      expect((await lockout.findLoginFailures({ account: b, sources: ["ip:1", "ip:2", "*"] })).size).toBe(3);
    });

    it("remembers sources a user signed in from, as of their latest sign-in", async () => {
      const { lockout, users } = await makeStores();
      const user = makeUser();
      const other = makeUser();
      await users.insertUser(user);
      await users.insertUser(other);
      await lockout.rememberSignInSource({ userId: user.id, source: "device:abc", now: t0 });
      await lockout.rememberSignInSource({ userId: user.id, source: "ip:1", now: t0 });
      await lockout.rememberSignInSource({ userId: user.id, source: "ip:1", now: at(10_000) });
      const sources = ["device:abc", "ip:1", "ip:2"];
      expect((await lockout.findKnownSignInSources({ userId: user.id, sources, since: t0 })).sort()).toEqual([
        "device:abc",
        "ip:1",
      ]);
      expect(await lockout.findKnownSignInSources({ userId: user.id, sources, since: at(1) })).toEqual([
        "ip:1",
      ]);
      expect(await lockout.findKnownSignInSources({ userId: other.id, sources, since: t0 })).toEqual([]);
    });
  });
}
