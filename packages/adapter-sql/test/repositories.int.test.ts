import { createHash, randomBytes } from "node:crypto";
import { at, makeRefreshToken, makeSession, makeUser, t0 } from "@superoauth/application/testing";
import { chooseSessionsToEnd, type Email } from "@superoauth/domain";
import { type RawBuilder, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { mysqlDialect } from "../src/dialects/mysql.ts";
import { createSessionRepository } from "../src/session-repository.ts";
import { createUserRepository } from "../src/user-repository.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

type Count = { n: number };
type TestDatabase = ReturnType<typeof useSQLiteTestDatabase>;

async function countRows(database: TestDatabase, query: RawBuilder<Count>): Promise<number> {
  const { rows } = await query.execute(database.db());
  return Number(rows[0]?.n);
}

async function insertUserWithSession(database: TestDatabase) {
  const users = database.storage().users;
  const sessions = database.storage().sessions;
  const user = makeUser();
  await users.insertUser(user);
  const session = makeSession(user.id);
  const token = makeRefreshToken(session.id);
  await sessions.createSession({ session, refreshToken: token });
  return { users, sessions, user, session, token };
}

const mysql = useMySQLTestDatabase();
const sqlite = useSQLiteTestDatabase();

// The same tests on both databases; the MySQL-only ones (its collations, DATETIME(3), a caller's
// MySQL transaction) follow.
for (const [name, database] of [
  ["MySQL", mysql],
  ["SQLite", sqlite],
] as const) {
  describe(`${name} user repository`, () => {
    it("of 50 concurrent inserts of one email exactly one succeeds, 49 answer USER_EXISTS and none throws", async () => {
      const users = database.storage().users;
      const email = makeUser().email;
      const settled = await Promise.allSettled(
        Array.from({ length: 50 }, () => users.insertUser(makeUser({ email }))),
      );
      const results = settled.map((outcome) =>
        outcome.status === "fulfilled" ? outcome.value : outcome.reason,
      );
      expect(settled.filter((outcome) => outcome.status === "rejected")).toEqual([]);
      expect(results.filter((result) => result.ok === true)).toHaveLength(1);
      expect(results.filter((result) => result.ok === false && result.error === "USER_EXISTS")).toHaveLength(
        49,
      );
      expect(
        await countRows(database, sql<Count>`SELECT COUNT(*) AS n FROM users WHERE email = ${email}`),
      ).toBe(1);
    });
  });

  describe(`${name} session repository`, () => {
    it("stores a refresh token's secret only as the hash it is given", async () => {
      const users = database.storage().users;
      const sessions = database.storage().sessions;
      const user = makeUser();
      await users.insertUser(user);
      const secret = randomBytes(32).toString("base64url");
      const secretHash = createHash("sha256").update(secret).digest("hex");
      const session = makeSession(user.id);
      const token = makeRefreshToken(session.id, { secretHash });
      await sessions.createSession({ session, refreshToken: token });

      const { rows } = await sql<
        Record<string, unknown>
      >`SELECT * FROM refresh_tokens WHERE id = ${token.id}`.execute(database.db());
      expect(rows).toHaveLength(1);
      expect(rows[0]?.secret_hash).toBe(secretHash);
      expect(Object.values(rows[0] ?? {}).some((value) => String(value).includes(secret))).toBe(false);
      // A column added later to hold the secret itself would show up here.
      expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
        "created_at",
        "encrypted_secret",
        "encrypted_secret_expires_at",
        "expires_at",
        "id",
        "parent_id",
        "replaced_by_id",
        "rotated_at",
        "secret_hash",
        "session_id",
      ]);
    });

    it("marks the rotated token, stores the replacement and touches the session in one transaction", async () => {
      const { sessions, session, token } = await insertUserWithSession(database);
      const replacement = makeRefreshToken(session.id, { parentId: token.id, createdAt: at(1000) });
      expect(
        await sessions.rotateRefreshToken({
          rotatedId: token.id,
          replacement,
          replacementSecret: { encrypted: "v1.kept", expiresAt: at(11_000) },
          now: at(1000),
        }),
      ).toBe("rotated");
      const rows = await database
        .db()
        .selectFrom("refresh_tokens")
        .select(["id", "replaced_by_id", "rotated_at", "encrypted_secret", "encrypted_secret_expires_at"])
        .where("session_id", "=", session.id)
        .orderBy("created_at")
        .execute();
      expect(rows).toEqual([
        {
          id: token.id,
          replaced_by_id: replacement.id,
          rotated_at: at(1000),
          encrypted_secret: null,
          encrypted_secret_expires_at: null,
        },
        {
          id: replacement.id,
          replaced_by_id: null,
          rotated_at: null,
          encrypted_secret: "v1.kept",
          encrypted_secret_expires_at: at(11_000),
        },
      ]);
    });

    it("a rotation whose replacement cannot be stored leaves the token unrotated, its kept secret in place and the session untouched", async () => {
      const { sessions, session, token: first } = await insertUserWithSession(database);
      const token = makeRefreshToken(session.id, { parentId: first.id });
      await sessions.rotateRefreshToken({
        rotatedId: first.id,
        replacement: token,
        replacementSecret: { encrypted: "v1.kept", expiresAt: at(11_000) },
        now: at(100),
      });
      // The replacement reuses an existing id, so its insert fails after the token was marked.
      const clashing = makeRefreshToken(session.id, { id: first.id, parentId: token.id });
      await expect(
        sessions.rotateRefreshToken({
          rotatedId: token.id,
          replacement: clashing,
          replacementSecret: null,
          now: at(2000),
        }),
      ).rejects.toMatchObject(
        // The primary key's refusal, by each database's own code.
        name === "MySQL" ? { errno: 1062 } : { code: "ERR_SQLITE_ERROR", errcode: 1555 },
      );

      const stored = await sessions.findRefreshToken(token.id);
      expect(stored?.token.rotatedAt).toBeNull();
      expect(stored?.token.replacedById).toBeNull();
      expect(stored?.session.lastUsedAt).toEqual(at(100));
      expect((await sessions.findRefreshToken(first.id))?.encryptedSuccessorSecret).toBe("v1.kept");
    });

    it("sign-ins of two users at once, each under a cap, neither deadlock nor wait on each other's sessions", async () => {
      const { sessions, user: first } = await insertUserWithSession(database);
      const { user: second } = await insertUserWithSession(database);
      const signIns = Array.from({ length: 12 }, (_, i) => {
        const session = makeSession(i % 2 === 0 ? first.id : second.id, {
          createdAt: at(i),
          lastUsedAt: at(i),
        });
        return sessions.createSession({
          session,
          refreshToken: makeRefreshToken(session.id),
          endSessions: {
            usedSince: at(-1000),
            choose: (liveSessions) => chooseSessionsToEnd({ liveSessions, maxSessions: 2 }),
          },
        });
      });
      await Promise.all(signIns);
      for (const user of [first, second]) {
        expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(-1000) })).toHaveLength(
          2,
        );
      }
    });

    it("deleting a user deletes their sessions and refresh tokens", async () => {
      const { user, session } = await insertUserWithSession(database);
      await sql`DELETE FROM users WHERE id = ${user.id}`.execute(database.db());
      expect(
        await countRows(database, sql<Count>`SELECT COUNT(*) AS n FROM sessions WHERE user_id = ${user.id}`),
      ).toBe(0);
      expect(
        await countRows(
          database,
          sql<Count>`SELECT COUNT(*) AS n FROM refresh_tokens WHERE session_id = ${session.id}`,
        ),
      ).toBe(0);
    });

    it("cuts an overlong user agent to the column's 512 characters instead of failing the sign-in", async () => {
      const users = database.storage().users;
      const sessions = database.storage().sessions;
      const user = makeUser();
      await users.insertUser(user);
      const session = makeSession(user.id, { userAgent: "é".repeat(600) });
      await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      expect((await sessions.findSession(session.id))?.userAgent).toBe("é".repeat(512));
    });
  });
}

describe("MySQL user repository", () => {
  const database = mysql;

  it("compares emails byte for byte: addresses differing in case are two rows only when inserted as two", async () => {
    const users = database.storage().users;
    const local = `case-${randomBytes(4).toString("hex")}`;
    const upper = `${local.toUpperCase()}@x.io` as Email;
    const lower = `${local}@x.io` as Email;

    expect((await users.insertUser(makeUser({ email: upper }))).ok).toBe(true);
    expect((await users.insertUser(makeUser({ email: lower }))).ok).toBe(true);
    expect(await users.insertUser(makeUser({ email: lower }))).toMatchObject({
      ok: false,
      error: "USER_EXISTS",
    });

    expect(
      await countRows(
        database,
        sql<Count>`SELECT COUNT(*) AS n FROM users WHERE email IN (${upper}, ${lower})`,
      ),
    ).toBe(2);
    // Under a case-insensitive collation this equality would match both rows.
    expect(
      await countRows(database, sql<Count>`SELECT COUNT(*) AS n FROM users WHERE email = ${lower}`),
    ).toBe(1);
    const { rows } = await sql<{ collation: string }>`
      SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = 'email'`.execute(
      database.db(),
    );
    expect(rows[0]?.collation).toBe("utf8mb4_bin");
  });

  it("stores times in UTC to the millisecond and flags as 0 or 1", async () => {
    const users = database.storage().users;
    const user = makeUser({ emailVerified: false, createdAt: t0, updatedAt: at(1) });
    await users.insertUser(user);
    const { rows } = await sql<{ created_at: string; updated_at: string; email_verified: number }>`
      SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') AS created_at,
             DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS updated_at,
             email_verified
      FROM users WHERE id = ${user.id}`.execute(database.db());
    expect(rows[0]).toEqual({
      created_at: "2026-03-01 12:00:00.123000",
      updated_at: "2026-03-01 12:00:00.124000",
      email_verified: 0,
    });
    expect((await users.findUserById(user.id))?.emailVerified).toBe(false);
  });
});

describe("MySQL session repository", () => {
  const database = mysql;

  it("the cap answers only the sessions it ended: one a sign-out is ending meanwhile is waited for, then left to that sign-out", async () => {
    const storage = database.storage();
    const user = makeUser();
    await storage.users.insertUser(user);
    const first = makeSession(user.id);
    const second = makeSession(user.id);
    for (const session of [first, second]) {
      await storage.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
    }
    const next = makeSession(user.id);
    let settled = false;
    let signingIn: Promise<unknown> | undefined;
    await storage.db.transaction().execute(async (trx) => {
      // As a sign-out of `first`: its row revoked, the transaction not yet committed.
      await trx
        .updateTable("sessions")
        .set({ revoked_at: at(500) })
        .where("id", "=", first.id)
        .execute();
      // The cap reads both sessions live (a plain read) and chooses to end both.
      signingIn = storage.sessions
        .createSession({
          session: next,
          refreshToken: makeRefreshToken(next.id),
          endSessions: { usedSince: at(0), choose: (live) => live.map((session) => session.id) },
        })
        .finally(() => {
          settled = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
    });
    expect(await signingIn).toEqual({ ok: true, value: [second.id] });
    expect((await storage.sessions.findSession(first.id))?.revokedAt).toEqual(at(500));
    expect((await storage.sessions.findSession(second.id))?.revokedAt).toEqual(next.createdAt);
  });

  it("the cap ends its chosen sessions in id order, the order a sign-out everywhere locks them in: the two wait, never deadlock", async () => {
    const storage = database.storage();
    const user = makeUser();
    await storage.users.insertUser(user);
    const sessions = Array.from({ length: 5 }, () => makeSession(user.id));
    for (const session of sessions) {
      await storage.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
    }
    const ids = sessions.map((session) => session.id).sort();
    const [lowest, , , , highest] = ids;
    if (lowest === undefined || highest === undefined) throw new Error("five sessions");
    const next = makeSession(user.id);
    let settled = false;
    let signingIn: Promise<unknown> | undefined;
    const signedOut = await storage.db
      .transaction()
      .execute(async (trx) => {
        // As "log out everywhere" part way through its index range: the first session locked.
        await trx
          .updateTable("sessions")
          .set({ revoked_at: at(500) })
          .where("id", "=", lowest)
          .execute();
        // The cap chooses all five, highest id first, and waits at the first in id order.
        signingIn = storage.sessions
          .createSession({
            session: next,
            refreshToken: makeRefreshToken(next.id),
            endSessions: {
              usedSince: at(0),
              choose: (live) =>
                live
                  .map((session) => session.id)
                  .sort()
                  .reverse(),
            },
          })
          .finally(() => {
            settled = true;
          });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled).toBe(false);
        // The sign-out goes on to the last one: free, as the cap holds none ahead of the one it waits
        // for (ended in another order, the cap would hold it and one of the two be a deadlock's victim).
        await trx
          .updateTable("sessions")
          .set({ revoked_at: at(500) })
          .where("id", "=", highest)
          .execute();
      })
      .then(
        () => "committed",
        (error: unknown) => error,
      );
    const signedIn = await signingIn;
    expect(signedOut).toBe("committed");
    expect(signedIn).toEqual({ ok: true, value: ids.slice(1, 4) });
    expect((await storage.sessions.findSession(highest))?.revokedAt).toEqual(at(500));
  });

  it("takes part in a caller's transaction and rolls back with it", async () => {
    const user = makeUser();
    const session = makeSession(user.id);
    const rollback = new Error("roll back");
    await expect(
      database
        .db()
        .transaction()
        .execute(async (trx) => {
          await createUserRepository({ db: trx, dialect: mysqlDialect }).insertUser(user);
          await createSessionRepository({ db: trx, dialect: mysqlDialect }).createSession({
            session,
            refreshToken: makeRefreshToken(session.id),
          });
          expect(
            await createSessionRepository({ db: trx, dialect: mysqlDialect }).findSession(session.id),
          ).not.toBeNull();
          throw rollback;
        }),
    ).rejects.toBe(rollback);
    expect(await database.storage().users.findUserById(user.id)).toBeNull();
    expect(await database.storage().sessions.findSession(session.id)).toBeNull();
  });
});
