import type { LinkGuard } from "@superoauth/application";
import { at, makeRefreshToken, makeSession, makeUser } from "@superoauth/application/testing";
import { type ErrorCode, err, ok, type UserId } from "@superoauth/domain";
import { sql, type Transaction } from "kysely";
import { describe, expect, it } from "vitest";
import type { Database } from "../src/database.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

const mysql = useMySQLTestDatabase();
const sqlite = useSQLiteTestDatabase();

type Count = { n: number };

for (const [name, database] of [
  ["MySQL", mysql],
  ["SQLite", sqlite],
] as const) {
  describe(`${name} OAuth tables`, () => {
    it("deleting a user deletes their links, pending link requests and login codes", async () => {
      const users = database.storage().users;
      const links = database.storage().linkedProviders;
      const flows = database.storage().oauthFlows;
      const user = makeUser();
      await users.insertUser(user);
      await links.linkProvider({
        userId: user.id,
        provider: "google",
        subject: `g-${user.id}`,
        email: null,
        displayName: null,
        linkedAt: at(0),
      });
      await flows.saveAuthorization({
        stateHash: `s-${user.id}`,
        provider: "google",
        linkUserId: user.id,
        linkSessionId: null,
        codeChallengeHash: null,
        reauthenticateSessionId: null,
        createdAt: at(0),
        expiresAt: at(1000),
      });
      await flows.saveLoginCode({
        codeHash: `c-${user.id}`,
        userId: user.id,
        provider: "google",
        codeChallengeHash: `h-${user.id}`,
        createdAt: at(0),
        expiresAt: at(1000),
      });
      await sql`DELETE FROM users WHERE id = ${user.id}`.execute(database.db());
      for (const [table, column] of [
        ["linked_providers", "user_id"],
        ["oauth_authorizations", "link_user_id"],
        ["oauth_login_codes", "user_id"],
      ] as const) {
        const { rows } = await sql<Count>`SELECT COUNT(*) AS n FROM ${sql.table(table)} WHERE ${sql.ref(
          column,
        )} = ${user.id}`.execute(database.db());
        expect(Number(rows[0]?.n), table).toBe(0);
      }
    });

    it("a link that fails for another reason than a duplicate takes its new user with it", async () => {
      const users = database.storage().users;
      const links = database.storage().linkedProviders;
      const user = makeUser({ passwordHash: null });
      // The link names a user that does not exist: the foreign key refuses it after the user was inserted.
      const orphaned = links.createUserWithLinkedProvider({
        user,
        link: {
          userId: makeUser().id,
          provider: "github",
          subject: `fk-${user.id}`,
          email: null,
          displayName: null,
          linkedAt: at(0),
        },
      });
      await expect(orphaned).rejects.toMatchObject({
        name: "DeletedMeanwhileError",
        // The foreign key's refusal, by each database's own code.
        cause: name === "MySQL" ? { errno: 1452 } : { code: "ERR_SQLITE_ERROR", errcode: 787 },
      });
      expect(await users.findUserById(user.id)).toBeNull();
      expect(await users.findUserByEmail(user.email)).toBeNull();
    });
  });
}

describe("MySQL: a guarded link beside a change of its session or account held uncommitted", () => {
  /**
   * Runs `change` in a transaction held open for 300 ms while a guarded link of a github identity to
   * `userId` starts, which must still be waiting then; answers the link's outcome once the change
   * has committed, and whether the identity ended up linked.
   */
  async function linkWhileHeld(input: {
    userId: UserId;
    change: (trx: Transaction<Database>) => Promise<unknown>;
    guard: LinkGuard<ErrorCode>;
  }) {
    const storage = mysql.storage();
    const subject = `held-${input.userId}`;
    let settled = false;
    let linking: Promise<unknown> | undefined;
    await storage.db.transaction().execute(async (trx) => {
      await input.change(trx);
      linking = storage.linkedProviders
        .linkProvider(
          {
            userId: input.userId,
            provider: "github",
            subject,
            email: null,
            displayName: null,
            linkedAt: at(0),
          },
          input.guard,
        )
        .finally(() => {
          settled = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
    });
    return {
      outcome: await linking,
      linked: (await storage.linkedProviders.findLinkedProvider({ provider: "github", subject })) !== null,
    };
  }

  it("a link whose session a sign-out is ending waits for the sign-out, then sees the session ended and writes nothing", async () => {
    const storage = mysql.storage();
    const user = makeUser({ passwordHash: null });
    await storage.users.insertUser(user);
    const session = makeSession(user.id);
    await storage.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
    const { outcome, linked } = await linkWhileHeld({
      userId: user.id,
      // As "log out everywhere": the session's row revoked, the transaction not yet committed.
      change: (trx) =>
        trx
          .updateTable("sessions")
          .set({ revoked_at: at(1000) })
          .where("user_id", "=", user.id)
          .execute(),
      guard: {
        sessionId: session.id,
        mayLink: (holder) => (holder?.sessionLive === true ? ok(undefined) : err("INVALID_TOKEN")),
      },
    });
    expect(outcome).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
    expect(linked).toBe(false);
  });

  it("a link by address whose account an undone change of address is changing waits for it, then sees the account as changed and writes nothing", async () => {
    const user = makeUser({ passwordHash: null });
    await mysql.storage().users.insertUser(user);
    const { outcome, linked } = await linkWhileHeld({
      userId: user.id,
      // As the undo: the owner's address back and a new password, the transaction not yet committed.
      change: (trx) =>
        trx
          .updateTable("users")
          .set({ email: `restored-${user.id}@example.com`, password_hash: "owner's new hash" })
          .where("id", "=", user.id)
          .execute(),
      guard: {
        mayLink: (holder) =>
          holder?.user.email === user.email && holder.user.passwordHash === null
            ? ok(undefined)
            : err("OAUTH_EMAIL_CONFLICT"),
      },
    });
    // A plain read of the account would have seen it as it was, and the link landed after the undo.
    expect(outcome).toMatchObject({ ok: false, error: "OAUTH_EMAIL_CONFLICT" });
    expect(linked).toBe(false);
  });
});
