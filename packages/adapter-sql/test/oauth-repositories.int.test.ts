import { at, makeUser } from "@superoauth/application/testing";
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
