import type { LoginFailures } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { LockoutRepository, UserRepository } from "../ports/index.ts";
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

  /** Increments these counters of the account in one update. */
  const incrementAll = (lockout: LockoutRepository, input: { account: string; sources: string[] }) =>
    lockout.updateLoginFailures({
      ...input,
      update: (current) =>
        new Map(input.sources.map((source) => [source, increment(current.get(source) ?? null)])),
    });
  const count = async (lockout: LockoutRepository, input: { account: string; source: string }) =>
    (await lockout.findLoginFailures({ account: input.account, sources: [input.source] })).get(input.source)
      ?.count;

  describe(`LockoutRepository contract: ${name}`, () => {
    it("keeps one counter per account and source, field for field", async () => {
      const { lockout } = await makeStores();
      const a = account();
      expect(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "*"] })).toEqual(new Map());
      await incrementAll(lockout, { account: a, sources: ["ip:1"] });
      const second = (await incrementAll(lockout, { account: a, sources: ["ip:1"] })).get("ip:1");
      expect(second).toEqual({ count: 2, windowStartedAt: t0, lockedUntil: at(60_000) });
      await incrementAll(lockout, { account: a, sources: ["*"] });
      expect(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "*", "ip:2"] })).toEqual(
        new Map([
          ["ip:1", second],
          ["*", { count: 1, windowStartedAt: t0, lockedUntil: null }],
        ]),
      );
      expect(await lockout.findLoginFailures({ account: account(), sources: ["ip:1"] })).toEqual(new Map());
    });

    it("writes each counter of one update its own values, over a row that exists and a new one", async () => {
      const { lockout } = await makeStores();
      const a = account();
      await incrementAll(lockout, { account: a, sources: ["ip:1"] });
      const values = new Map<string, LoginFailures>([
        ["ip:1", { count: 7, windowStartedAt: at(1_000), lockedUntil: at(90_000) }],
        ["*", { count: 3, windowStartedAt: at(2_000), lockedUntil: null }],
        ["ip:2", { count: 1, windowStartedAt: at(3_000), lockedUntil: at(5_000) }],
      ]);
      const returned = await lockout.updateLoginFailures({
        account: a,
        sources: ["ip:2", "*", "ip:1"],
        update: () => values,
      });
      expect(returned).toEqual(values);
      expect(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "*", "ip:2"] })).toEqual(values);
    });

    it("loses no update when twenty race on one counter", async () => {
      const { lockout } = await makeStores();
      const a = account();
      await Promise.all(
        Array.from({ length: 20 }, () => incrementAll(lockout, { account: a, sources: ["ip:9"] })),
      );
      expect(await count(lockout, { account: a, source: "ip:9" })).toBe(20);
    });

    it("updates several counters as one step: loses nothing when overlapping sets race in either order", async () => {
      const { lockout } = await makeStores();
      const a = account();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          incrementAll(lockout, { account: a, sources: i % 2 === 0 ? ["ip:1", "*"] : ["*", "ip:1"] }),
        ),
      );
      expect(await count(lockout, { account: a, source: "ip:1" })).toBe(20);
      expect(await count(lockout, { account: a, source: "*" })).toBe(20);
    });

    it("of fifty concurrent reservations under a cap of five on a shared counter, exactly five write", async () => {
      const { lockout } = await makeStores();
      const a = account();
      const granted = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          let reserved = false;
          await lockout.updateLoginFailures({
            account: a,
            sources: [`ip:${i}`, "*"],
            update: (current) => {
              reserved = (current.get("*")?.count ?? 0) < 5;
              return reserved
                ? new Map([
                    [`ip:${i}`, increment(current.get(`ip:${i}`) ?? null)],
                    ["*", increment(current.get("*") ?? null)],
                  ])
                : new Map();
            },
          });
          return reserved;
        }),
      );
      expect(granted.filter(Boolean)).toHaveLength(5);
      expect(await count(lockout, { account: a, source: "*" })).toBe(5);
      const perSource = await lockout.findLoginFailures({
        account: a,
        sources: Array.from({ length: 50 }, (_, i) => `ip:${i}`),
      });
      expect([...perSource.values()].filter((f) => f.count > 0)).toHaveLength(5);
    });

    it("writes nothing when the update returns no counters, and returns them as they are", async () => {
      const { lockout } = await makeStores();
      const a = account();
      await incrementAll(lockout, { account: a, sources: ["*"] });
      const after = await lockout.updateLoginFailures({
        account: a,
        sources: ["ip:1", "*"],
        update: () => new Map(),
      });
      expect(after).toEqual(new Map([["*", { count: 1, windowStartedAt: t0, lockedUntil: null }]]));
      expect(await count(lockout, { account: a, source: "*" })).toBe(1);
    });

    it("clears some sources, or every source of the account, and no other account's", async () => {
      const { lockout } = await makeStores();
      const [a, b] = [account(), account()];
      for (const source of ["ip:1", "ip:2", "*"]) {
        await incrementAll(lockout, { account: a, sources: [source] });
        await incrementAll(lockout, { account: b, sources: [source] });
      }
      await lockout.clearLoginFailures({ account: a, sources: ["ip:1", "*"] });
      expect([
        ...(await lockout.findLoginFailures({ account: a, sources: ["ip:1", "ip:2", "*"] })).keys(),
      ]).toEqual(["ip:2"]);
      await lockout.clearLoginFailures({ account: a });
      expect((await lockout.findLoginFailures({ account: a, sources: ["ip:2"] })).size).toBe(0);
      expect((await lockout.findLoginFailures({ account: b, sources: ["ip:1", "ip:2", "*"] })).size).toBe(3);
    });

    it("lifts a lock in force with every counter of the account, and only then; of lifts at once exactly one", async () => {
      const { lockout } = await makeStores();
      const [a, b] = [account(), account()];
      const setCounter = (target: string, source: string, lockedUntil: Date | null) =>
        lockout.updateLoginFailures({
          account: target,
          sources: [source],
          update: () => new Map([[source, { count: 3, windowStartedAt: t0, lockedUntil }]]),
        });
      // Counted short of a lock, and a lock that has ended: nothing in force, nothing forgotten.
      await setCounter(a, "ip:1", null);
      await setCounter(a, "ip:2", at(1_000));
      expect(await lockout.liftLock({ account: a, now: at(1_000) })).toBe(false);
      expect((await lockout.findLoginFailures({ account: a, sources: ["ip:1", "ip:2"] })).size).toBe(2);
      // A lock in force: every counter of the account goes, another account's stay.
      await setCounter(a, "*", at(60_000));
      await setCounter(b, "*", at(60_000));
      const lifts = await Promise.all(
        Array.from({ length: 6 }, () => lockout.liftLock({ account: a, now: at(1_000) })),
      );
      expect(lifts.filter(Boolean)).toHaveLength(1);
      expect((await lockout.findLoginFailures({ account: a, sources: ["ip:1", "ip:2", "*"] })).size).toBe(0);
      expect((await lockout.findLoginFailures({ account: b, sources: ["*"] })).size).toBe(1);
    });

    it("remembers sources a user signed in from, as of their latest sign-in", async () => {
      const { lockout, users } = await makeStores();
      const user = makeUser();
      const other = makeUser();
      await users.insertUser(user);
      await users.insertUser(other);
      await lockout.rememberSignInSources({ userId: user.id, sources: ["device:abc", "ip:1"], now: t0 });
      await lockout.rememberSignInSources({ userId: user.id, sources: ["ip:1"], now: at(10_000) });
      await lockout.rememberSignInSources({ userId: user.id, sources: [], now: at(20_000) });
      const sources = ["device:abc", "ip:1", "ip:2"];
      expect((await lockout.findKnownSignInSources({ userId: user.id, sources, since: t0 })).sort()).toEqual([
        "device:abc",
        "ip:1",
      ]);
      expect(await lockout.findKnownSignInSources({ userId: user.id, sources, since: at(1) })).toEqual([
        "ip:1",
      ]);
      expect(await lockout.findKnownSignInSources({ userId: other.id, sources, since: t0 })).toEqual([]);
      // All of them, for the person's data export: most recent first.
      expect(await lockout.listKnownSignInSources(user.id)).toEqual([
        { source: "ip:1", lastSeenAt: at(10_000) },
        { source: "device:abc", lastSeenAt: t0 },
      ]);
      expect(await lockout.listKnownSignInSources(other.id)).toEqual([]);
    });
  });
}
