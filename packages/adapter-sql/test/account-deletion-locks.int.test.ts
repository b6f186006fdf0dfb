import {
  makePublicApp,
  makeRefreshToken,
  makeSession,
  makeUser,
  testId,
} from "@superoauth/application/testing";
import type { SessionId, UserId } from "@superoauth/domain";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStorage } from "../src/storage.ts";
import { createTestDatabase, useMySQLTestDatabase } from "./mysql-test-database.ts";

// Deleting an account deletes the provider's records of the apps the person registered. It named
// them by a subquery (`client_id IN (SELECT id FROM apps WHERE owner_id = ?)`), which MariaDB ran
// as a scan of the whole of oidc_models: under REPEATABLE READ the deletion's transaction then
// held every row and gap of it, and every sign-in, consent and token of every app waited until
// it ended (a review found it with EXPLAIN). The apps are now read first and named.

const database = useMySQLTestDatabase();

type RecordedStorage = Awaited<ReturnType<typeof openStorage>>;

/** Runs `test` on a storage whose statements are recorded; `deletion` deletes an account and answers its statements. */
async function withRecordedStorage(
  test: (
    storage: RecordedStorage,
    deletion: (input: { userId: UserId; analysed: string }) => Promise<string[]>,
  ) => Promise<void>,
): Promise<void> {
  const statements: string[] = [];
  const storage = await openStorage({ url: database.url(), onQuery: (query) => statements.push(query.sql) });
  const deletion = async (input: { userId: UserId; analysed: string }) => {
    // Statistics as a table of this size would have them, so the plan is the one it would get.
    await sql`ANALYZE TABLE ${sql.table(input.analysed)}`.execute(storage.db);
    statements.length = 0;
    const deleted = await storage.accountAdministration.deleteAccount({
      userId: input.userId,
      pseudonymId: testId() as UserId,
      guard: () => ({ ok: true, value: undefined }),
    });
    expect(deleted.ok).toBe(true);
    return [...statements];
  };
  try {
    await test(storage, deletion);
  } finally {
    await storage.close();
  }
}

describe("deleting an account, on MySQL", () => {
  it("deletes its apps' provider records by the client index, not by a scan of every record", async () => {
    await withRecordedStorage(async (storage, deletion) => {
      const owner = makeUser();
      await storage.users.insertUser(owner);
      const clientId = `client-${testId()}`;
      await storage.apps.createApp(makePublicApp(owner.id, { clientId }));
      // Someone else's grant at the person's app, and records of other apps beside it.
      await storage.oidcModels.upsert({
        model: "Grant",
        id: `grant-${testId()}`,
        payload: { accountId: "someone-else", clientId, kind: "Grant" },
        expiresAt: null,
      });
      for (let i = 0; i < 50; i += 1) {
        await storage.oidcModels.upsert({
          model: "Grant",
          id: `other-${i}-${testId()}`,
          payload: { accountId: `account-${i}`, clientId: `other-app-${i}`, kind: "Grant" },
          expiresAt: null,
        });
      }
      const statements = await deletion({ userId: owner.id, analysed: "oidc_models" });
      const byClient = statements.filter((statement) =>
        /^delete from `oidc_models` where `client_id` in/i.test(statement),
      );
      expect(byClient).toHaveLength(1);
      expect(byClient[0]).not.toMatch(/select/i);
      // The statement's plan reads the client index's range, not the table.
      const { rows } = await sql<{
        type: string;
        key: string | null;
      }>`EXPLAIN DELETE FROM oidc_models WHERE client_id IN (${clientId})`.execute(storage.db);
      expect(rows[0]).toMatchObject({ type: "range", key: "oidc_models_client_id_index" });
      expect(
        await storage.db.selectFrom("oidc_models").select("id").where("client_id", "=", clientId).execute(),
      ).toEqual([]);
      expect(
        await storage.db
          .selectFrom("oidc_models")
          .select("id")
          .where("client_id", "like", "other-app-%")
          .execute(),
      ).toHaveLength(50);
    });
  });

  it("deletes the trips that re-prove its sessions by their index, not by a scan of every trip", async () => {
    // The same flaw in the trips' delete: `reauthenticate_session_id IN (SELECT id FROM sessions
    // ...)` OR the link's column, neither indexed, scanned the table, and under REPEATABLE READ held
    // every trip and gap of it: every social sign-in starting meanwhile waited for the deletion.
    await withRecordedStorage(async (storage, deletion) => {
      const [owner, other] = [makeUser(), makeUser()];
      for (const user of [owner, other]) await storage.users.insertUser(user);
      const [session, othersSession] = [makeSession(owner.id), makeSession(other.id)];
      for (const s of [session, othersSession]) {
        await storage.sessions.createSession({ session: s, refreshToken: makeRefreshToken(s.id) });
      }
      const trip = (reauthenticateSessionId: SessionId) => ({
        stateHash: testId(),
        provider: "github" as const,
        linkUserId: null,
        linkSessionId: null,
        codeChallengeHash: null,
        reauthenticateSessionId,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 600_000),
      });
      const own = trip(session.id);
      await storage.oauthFlows.saveAuthorization(own);
      const others = Array.from({ length: 50 }, () => trip(othersSession.id));
      for (const t of others) await storage.oauthFlows.saveAuthorization(t);
      const statements = await deletion({ userId: owner.id, analysed: "oauth_authorizations" });
      // Read by the index (a plain read, no locks), deleted by key.
      const tripStatements = statements.filter((statement) => /`oauth_authorizations`/i.test(statement));
      expect(tripStatements).toEqual([
        expect.stringMatching(
          /^select `state_hash` from `oauth_authorizations` where `reauthenticate_session_id` in \(\?\)$/i,
        ),
        expect.stringMatching(/^delete from `oauth_authorizations` where `state_hash` in \(\?\)$/i),
      ]);
      const { rows } = await sql<{
        type: string;
        key: string | null;
      }>`EXPLAIN SELECT state_hash FROM oauth_authorizations WHERE reauthenticate_session_id IN (${session.id})`.execute(
        storage.db,
      );
      expect(rows[0]).toMatchObject({
        type: expect.stringMatching(/^(ref|range)$/),
        key: "oauth_authorizations_reauthenticate_session_id_index",
      });
      expect(
        await storage.oauthFlows.consumeAuthorization({ stateHash: own.stateHash, now: new Date() }),
      ).toBeNull();
      const left = await storage.db
        .selectFrom("oauth_authorizations")
        .select("state_hash")
        .where("reauthenticate_session_id", "=", othersSession.id)
        .execute();
      expect(left).toHaveLength(50);
    });
  });

  it("a social sign-in starting while the deletion runs does not wait for it, whatever its trip's state hash", async () => {
    // A DELETE by the trips' index that finds none of the person's trips (the usual case: no fresh
    // proof in flight) still holds, under REPEATABLE READ, the gap where their session ids would
    // be: with no fresh proof in flight, from the last sign-in trip (which names no session) to the
    // end, so a sign-in whose state hash sorted past every one in flight waited for the deletion.
    // A database of its own: the other tests' trips, even deleted ones not yet purged, move the gap.
    const own = await createTestDatabase();
    try {
      const { storage } = own;
      const person = makeUser();
      await storage.users.insertUser(person);
      const session = makeSession(person.id);
      await storage.sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      for (let i = 0; i < 5; i += 1) {
        await storage.oauthFlows.saveAuthorization({
          stateHash: `5${i}`.padEnd(64, "0"),
          provider: "github",
          linkUserId: null,
          linkSessionId: null,
          codeChallengeHash: null,
          reauthenticateSessionId: null,
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 600_000),
        });
      }
      // The deletion is held at a later statement (the person's failure counters) by a row another
      // transaction is writing, with whatever it has locked so far.
      await storage.db.connection().execute(async (blocker) => {
        await sql`BEGIN`.execute(blocker);
        await blocker
          .insertInto("login_failures")
          .values({ account: person.email, source: "*", failure_count: 1, window_started_at: new Date() })
          .execute();
        const deletion = storage.accountAdministration.deleteAccount({
          userId: person.id,
          pseudonymId: testId() as UserId,
          guard: () => ({ ok: true, value: undefined }),
        });
        try {
          for (let waited = 0; ; waited += 20) {
            const { rows } = await sql<{ n: number | string }>`
              SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
              WHERE INFO LIKE 'delete from \`login_failures\`%'`.execute(storage.db);
            if (Number(rows[0]?.n) > 0) break;
            if (waited > 5000) throw new Error("the deletion never reached the failure counters");
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          const signIn = await storage.db.connection().execute(async (connection) => {
            await sql`SET SESSION innodb_lock_wait_timeout = 1`.execute(connection);
            return connection
              .insertInto("oauth_authorizations")
              .values({
                state_hash: "f".repeat(64),
                provider: "github",
                created_at: new Date(),
                expires_at: new Date(Date.now() + 600_000),
              })
              .execute()
              .then(
                () => "inserted",
                (error: unknown) => (error as Error).message,
              );
          });
          expect(signIn).toBe("inserted");
        } finally {
          await sql`ROLLBACK`.execute(blocker);
          expect((await deletion).ok).toBe(true);
        }
      });
    } finally {
      await own.drop();
    }
  });

  it("a log entry written while the deletion holds the account's row waits for it, then writes nothing", async () => {
    const storage = await openStorage({ url: database.url() });
    try {
      const person = makeUser();
      await storage.users.insertUser(person);
      const entry = {
        id: testId(),
        userId: person.id,
        type: "login_failed" as const,
        occurredAt: new Date(),
        ip: "203.0.113.90",
        userAgent: "in-flight/1.0",
        actorId: null,
        details: { method: "password" },
      };
      let written = false;
      let write: Promise<void> | undefined;
      await storage.db.transaction().execute(async (trx) => {
        // As deleteAccount: the row locked first, then deleted, the transaction still open.
        await trx.selectFrom("users").select("id").where("id", "=", person.id).forUpdate().execute();
        await trx.deleteFrom("users").where("id", "=", person.id).execute();
        write = storage.securityEvents.recordSecurityEvent(entry).then(() => {
          written = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(written).toBe(false);
      });
      // The transaction committed; the write that waited for the row found it gone.
      await write;
      expect(written).toBe(true);
      expect(
        await storage.db
          .selectFrom("security_events")
          .select("id")
          .where("user_id", "=", person.id)
          .execute(),
      ).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});
