import { makeUser, t0, testId } from "@superoauth/application/testing";
import { createEmailToken, type EmailToken, type EmailTokenId } from "@superoauth/domain";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

type TestDatabase = ReturnType<typeof useSQLiteTestDatabase>;

const mysql = useMySQLTestDatabase();
const sqlite = useSQLiteTestDatabase();

async function storedToken(database: TestDatabase) {
  const users = database.storage().users;
  const emailTokens = database.storage().emailTokens;
  const user = makeUser();
  await users.insertUser(user);
  const token = createEmailToken({
    id: testId() as EmailTokenId,
    userId: user.id,
    purpose: "reset_password",
    secretHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    now: t0,
  });
  await emailTokens.issueEmailToken(token);
  return { users, emailTokens, user, token };
}

for (const [name, database] of [
  ["MySQL", mysql],
  ["SQLite", sqlite],
] as const) {
  describe(`${name} email tokens`, () => {
    it("store the purpose, the hash and millisecond timestamps as given", async () => {
      const { token } = await storedToken(database);
      const { rows } = await sql<{ purpose: string; secret_hash: string; expires_at: Date }>`
        SELECT purpose, secret_hash, expires_at FROM email_tokens WHERE id = ${token.id}`.execute(
        database.db(),
      );
      expect(rows).toEqual([
        { purpose: "reset_password", secret_hash: token.secretHash, expires_at: token.expiresAt },
      ]);
    });

    it("of fifty concurrent uses of one token exactly one wins, on separate connections", async () => {
      const { emailTokens, token } = await storedToken(database);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => emailTokens.useEmailToken({ id: token.id, now: t0 })),
      );
      expect(outcomes.filter((o) => o === "used")).toHaveLength(1);
    });

    it("fifty registrations at once all get their link: issues for different users never deadlock", async () => {
      const users = database.storage().users;
      const emailTokens = database.storage().emailTokens;
      const accounts = Array.from({ length: 50 }, () => makeUser());
      const tokens = accounts.map((user) =>
        createEmailToken({
          id: testId() as EmailTokenId,
          userId: user.id,
          purpose: "verify_email",
          secretHash: `hash-${testId()}`,
          now: t0,
        }),
      );

      // As registrations do: each inserts its user, then issues its verification link.
      await Promise.all(
        accounts.map(async (user, i) => {
          await users.insertUser(user);
          await emailTokens.issueEmailToken(tokens[i] as EmailToken);
        }),
      );

      const stored = await Promise.all(tokens.map((token) => emailTokens.findEmailToken(token.id)));
      expect(stored).toEqual(tokens);
    });

    it("are deleted with their user", async () => {
      const { token, user } = await storedToken(database);
      await sql`DELETE FROM users WHERE id = ${user.id}`.execute(database.db());
      const { rows } = await sql<{
        n: number;
      }>`SELECT COUNT(*) AS n FROM email_tokens WHERE id = ${token.id}`.execute(database.db());
      expect(Number(rows[0]?.n)).toBe(0);
    });
  });
}
