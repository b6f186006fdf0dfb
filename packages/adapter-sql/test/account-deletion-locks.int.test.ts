import { makePublicApp, makeUser, testId } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStorage } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

// Deleting an account deletes the provider's records of the apps the person registered. It named
// them by a subquery (`client_id IN (SELECT id FROM apps WHERE owner_id = ?)`), which MariaDB ran
// as a scan of the whole of oidc_models: under REPEATABLE READ the deletion's transaction then
// held every row and gap of it, and every sign-in, consent and token of every app waited until
// it ended (a review found it with EXPLAIN). The apps are now read first and named.

const database = useMySQLTestDatabase();

describe("deleting an account, on MySQL", () => {
  it("deletes its apps' provider records by the client index, not by a scan of every record", async () => {
    const statements: string[] = [];
    const storage = await openStorage({
      url: database.url(),
      onQuery: (query) => statements.push(query.sql),
    });
    try {
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
      await sql`ANALYZE TABLE oidc_models`.execute(storage.db);

      statements.length = 0;
      const deleted = await storage.accountAdministration.deleteAccount({
        userId: owner.id,
        pseudonymId: testId() as UserId,
        guard: () => ({ ok: true, value: undefined }),
      });
      expect(deleted.ok).toBe(true);

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
    } finally {
      await storage.close();
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
