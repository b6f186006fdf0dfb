import { describe, expect, it } from "vitest";
import type { TransactionalRepositories, Transactions } from "../ports/index.ts";
import { makeRefreshToken, makeSession, makeUser } from "./fixtures.ts";

/**
 * The behaviour every Transactions implementation must have (ADR 0056). `make` answers the
 * transactions and the repositories a use case holds outside them; the work writes through those,
 * replaced by whatever `run` hands it, as inOneTransaction does. Only a store that `rollsBack` is
 * held to landing nothing of a work that throws: the in-memory store has no transactions.
 */
export function transactionsContract(
  name: string,
  make: () => Promise<{ transactions: Transactions; repositories: TransactionalRepositories }>,
  options: { rollsBack: boolean },
): void {
  describe(`Transactions contract (${name})`, () => {
    /** Runs `work` as inOneTransaction runs a use case's: the handed repositories over the caller's. */
    async function run<T>(
      store: { transactions: Transactions; repositories: TransactionalRepositories },
      work: (repositories: TransactionalRepositories) => Promise<T>,
    ): Promise<T> {
      return store.transactions.run((handed) => work({ ...store.repositories, ...handed }));
    }

    it("lands the writes made through several repositories, and answers what the work answers", async () => {
      const store = await make();
      const user = makeUser();
      const session = makeSession(user.id);
      const answered = await run(store, async ({ users, sessions }) => {
        await users.insertUser(user);
        // A method that runs a transaction of its own joins this one.
        await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
        return session.id;
      });
      expect(answered).toBe(session.id);
      expect(await store.repositories.users.findUserById(user.id)).not.toBeNull();
      expect(await store.repositories.sessions.findSession(session.id)).not.toBeNull();
    });

    it("a refusal a repository answers inside it (a unique index) leaves its other writes to commit", async () => {
      const store = await make();
      const [holder, mover, added] = [makeUser(), makeUser(), makeUser()];
      for (const user of [holder, mover]) await store.repositories.users.insertUser(user);
      const moved = await run(store, async ({ users }) => {
        await users.insertUser(added);
        return users.changeEmail({ userId: mover.id, email: holder.email, now: new Date() });
      });
      expect(moved).toMatchObject({ ok: false, error: "USER_EXISTS" });
      expect(await store.repositories.users.findUserById(added.id)).not.toBeNull();
      expect((await store.repositories.users.findUserById(mover.id))?.email).toBe(mover.email);
    });

    it(`throws what the work threw${options.rollsBack ? ", and lands none of its writes, a repository's own transaction among them" : " (and, in memory, keeps its writes)"}`, async () => {
      const store = await make();
      const [kept, lost] = [makeUser(), makeUser()];
      await store.repositories.users.insertUser(kept);
      const session = makeSession(lost.id);
      await expect(
        run(store, async ({ users, sessions }) => {
          await users.insertUser(lost);
          await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
          expect(
            await users.updatePasswordHash({ userId: kept.id, passwordHash: "changed", now: new Date() }),
          ).toBe(true);
          // The work's own reads see its writes.
          expect((await users.findUserById(kept.id))?.passwordHash).toBe("changed");
          throw new Error("the process died here");
        }),
      ).rejects.toThrow("the process died here");
      const { users, sessions } = store.repositories;
      expect({
        lostUser: (await users.findUserById(lost.id)) !== null,
        lostSession: (await sessions.findSession(session.id)) !== null,
        changedPassword: (await users.findUserById(kept.id))?.passwordHash === "changed",
      }).toEqual(
        options.rollsBack
          ? { lostUser: false, lostSession: false, changedPassword: false }
          : { lostUser: true, lostSession: true, changedPassword: true },
      );
    });
  });
}
