import type { SessionId, UserId } from "@superoauth/domain";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/database.ts";
import { sqliteSQLDialect } from "../src/dialects/sqlite.ts";
import { migrateToLatest } from "../src/migrate.ts";
import { createSessionRepository } from "../src/session-repository.ts";
import { sqliteJustBefore } from "./migrate-before.ts";

// The migration that records how a session's person proved who they are
// (sessions.authentication_methods) leaves the sessions from before it without methods: their
// ID tokens claim no amr rather than a guess.

const methodsMigration = "2026-12-01T04-00_add-sessions-authentication-methods";

let db: Kysely<Database>;
beforeAll(async () => {
  db = await sqliteJustBefore(methodsMigration);
});
afterAll(async () => db.destroy());

describe(methodsMigration, () => {
  it("keeps the sessions from before it, read back with no methods", async () => {
    const now = "2026-12-01T03:00:00.000Z";
    await sql`INSERT INTO users (id, email, email_verified, nickname, password_hash, created_at, updated_at)
      VALUES ('old-user', 'old@example.com', 1, 'old', NULL, ${now}, ${now})`.execute(db);
    await sql`INSERT INTO sessions (id, user_id, created_at, last_used_at, revoked_at, user_agent, ip, authenticated_at)
      VALUES ('old-session', 'old-user', ${now}, ${now}, NULL, 'curl/8', '127.0.0.1', ${now})`.execute(db);

    expect(await migrateToLatest(db)).toContain(methodsMigration);

    const sessions = createSessionRepository({ db, dialect: sqliteSQLDialect });
    const session = await sessions.findSession("old-session" as SessionId);
    expect(session).toMatchObject({
      id: "old-session",
      userId: "old-user" as UserId,
      authenticatedAt: new Date(now),
      authenticationMethods: [],
    });
  });
});
