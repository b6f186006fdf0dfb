import { at, makeRefreshToken, makeSession, makeUser } from "@superoauth/application/testing";
import { err, ok } from "@superoauth/domain";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
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

describe("MySQL: a link from a session, beside a sign-out of it", () => {
  it("a link whose session a sign-out is ending waits for the sign-out, then sees the session ended and writes nothing", async () => {
    const storage = mysql.storage();
    const user = makeUser({ passwordHash: null });
    await storage.users.insertUser(user);
    const session = makeSession(user.id);
    await storage.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
    const subject = `held-${user.id}`;
    let settled = false;
    let linking: Promise<unknown> | undefined;
    await storage.db.transaction().execute(async (trx) => {
      // As "log out everywhere": the session's row revoked, the transaction not yet committed.
      await trx
        .updateTable("sessions")
        .set({ revoked_at: at(1000) })
        .where("user_id", "=", user.id)
        .execute();
      linking = storage.linkedProviders
        .linkProvider(
          { userId: user.id, provider: "github", subject, email: null, displayName: null, linkedAt: at(0) },
          {
            sessionId: session.id,
            mayLink: (holder) => (holder?.sessionLive === true ? ok(undefined) : err("INVALID_TOKEN")),
          },
        )
        .finally(() => {
          settled = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
    });
    expect(await linking).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
    expect(await storage.linkedProviders.findLinkedProvider({ provider: "github", subject })).toBeNull();
  });
});
