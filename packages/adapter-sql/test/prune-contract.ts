import { makeRefreshToken, makeSession, makeUser, testId } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import type { Storage } from "../src/storage.ts";

const now = new Date("2026-06-01T12:00:00.000Z");
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const hash = (c: string) => c.repeat(64).slice(0, 64);

/** What Storage.prune deletes and keeps, on one backend (both run it from storage-contracts.ts). */
export function pruneContract(name: string, storage: () => Storage): void {
  describe(`Storage.prune: ${name}`, () => {
    it("deletes what expired and keeps everything still able to matter", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);

      await db
        .insertInto("oauth_authorizations")
        .values([
          {
            state_hash: hash("a"),
            provider: "github",
            link_user_id: null,
            created_at: minutes(-20),
            expires_at: minutes(-10),
          },
          {
            state_hash: hash("b"),
            provider: "github",
            link_user_id: null,
            created_at: minutes(-1),
            expires_at: minutes(9),
          },
        ])
        .execute();
      await db
        .insertInto("oauth_login_codes")
        .values([
          {
            code_hash: hash("c"),
            user_id: user.id,
            provider: "github",
            code_challenge_hash: hash("challenge"),
            created_at: minutes(-5),
            expires_at: minutes(-4),
          },
          {
            code_hash: hash("d"),
            user_id: user.id,
            provider: "github",
            code_challenge_hash: hash("challenge"),
            created_at: minutes(0),
            expires_at: minutes(1),
          },
        ])
        .execute();
      await db
        .insertInto("email_tokens")
        .values([
          {
            id: testId(),
            user_id: user.id,
            purpose: "verify_email",
            secret_hash: hash("e"),
            created_at: minutes(-3000),
            expires_at: minutes(-1560),
            used_at: null,
          },
          {
            id: testId(),
            user_id: user.id,
            purpose: "reset_password",
            secret_hash: hash("f"),
            created_at: minutes(-10),
            expires_at: minutes(50),
            used_at: null,
          },
        ])
        .execute();
      await db
        .insertInto("completed_mfa_challenges")
        .values([
          { id: testId(), user_id: user.id, expires_at: minutes(-1) },
          { id: testId(), user_id: user.id, expires_at: minutes(4) },
        ])
        .execute();
      await db
        .insertInto("login_failures")
        .values([
          // Window over, no lock: gone.
          {
            account: "old@example.com",
            source: "ip:1",
            failure_count: 2,
            window_started_at: minutes(-60),
            locked_until: null,
          },
          // Window over, lock over: gone.
          {
            account: "old@example.com",
            source: "ip:2",
            failure_count: 5,
            window_started_at: minutes(-60),
            locked_until: minutes(-1),
          },
          // Window over but still locked: kept.
          {
            account: "locked@example.com",
            source: "ip:3",
            failure_count: 5,
            window_started_at: minutes(-20),
            locked_until: minutes(10),
          },
          // Window still open: kept.
          {
            account: "new@example.com",
            source: "ip:4",
            failure_count: 1,
            window_started_at: minutes(-5),
            locked_until: null,
          },
        ])
        .execute();
      await db
        .insertInto("known_sign_in_sources")
        .values([
          { user_id: user.id, source: "device:old", last_seen_at: minutes(-91 * 24 * 60) },
          { user_id: user.id, source: "device:new", last_seen_at: minutes(-60) },
        ])
        .execute();

      // Two live refresh tokens whose secrets are kept for their predecessors' grace periods.
      const sessions = storage().sessions;
      const session = makeSession(user.id);
      await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      const keptUntil = (until: Date) => ({
        id: testId(),
        session_id: session.id,
        secret_hash: hash("e"),
        created_at: minutes(-1),
        expires_at: minutes(7 * 24 * 60),
        encrypted_secret: "v1.kept",
        encrypted_secret_expires_at: until,
      });
      const graceOver = keptUntil(new Date(now.getTime() - 1));
      const graceOn = keptUntil(now);
      await db.insertInto("refresh_tokens").values([graceOver, graceOn]).execute();

      await storage().oidcModels.upsert({
        model: "AccessToken",
        id: "expired",
        payload: {},
        expiresAt: minutes(-1),
      });
      await storage().oidcModels.upsert({ model: "AccessToken", id: "live", payload: {}, expiresAt: now });
      await storage().oidcModels.upsert({ model: "Grant", id: "forever", payload: {}, expiresAt: null });
      const signingKey = (kid: string, generation: number, expiresAt: Date | null) => ({
        kid,
        algorithm: "ES256" as const,
        generation,
        publicJWK: { kty: "EC" },
        encryptedPrivateJWK: "v1.sealed",
        createdAt: minutes(-120),
        activatedAt: minutes(-120),
        retiredAt: expiresAt === null ? null : minutes(-60),
        expiresAt,
      });
      await storage().signingKeys.add(signingKey("retired-and-expired", 1, minutes(-1)));
      await storage().signingKeys.add(signingKey("retired-until-now", 2, now));
      await storage().signingKeys.add(signingKey("signing", 3, null));

      const pruned = await storage().prune({
        now,
        loginFailureWindowMs: 15 * 60_000,
        knownSourceLifetimeMs: 90 * 24 * 3600 * 1000,
      });

      expect(pruned).toEqual({
        oauthAuthorizations: 1,
        oauthLoginCodes: 1,
        emailTokens: 1,
        completedMFAChallenges: 1,
        loginFailures: 2,
        knownSignInSources: 1,
        keptRefreshTokenSecrets: 1,
        oidcModels: 1,
        signingKeys: 1,
      });
      const keysLeft = await db.selectFrom("signing_keys").select("kid").orderBy("kid").execute();
      expect(keysLeft.map((r) => r.kid)).toEqual(["retired-until-now", "signing"]);
      const oidcLeft = await db.selectFrom("oidc_models").select("model").orderBy("model").execute();
      expect(oidcLeft.map((r) => r.model)).toEqual(["AccessToken", "Grant"]);
      const kept = await db
        .selectFrom("refresh_tokens")
        .where("encrypted_secret", "is not", null)
        .select(["id", "encrypted_secret_expires_at"])
        .execute();
      expect(kept).toEqual([{ id: graceOn.id, encrypted_secret_expires_at: now }]);
      const cleared = await db
        .selectFrom("refresh_tokens")
        .where("id", "=", graceOver.id)
        .selectAll()
        .execute();
      expect(cleared[0]).toMatchObject({ encrypted_secret: null, encrypted_secret_expires_at: null });
      const sources = await db.selectFrom("login_failures").select("source").orderBy("source").execute();
      expect(sources.map((r) => r.source)).toEqual(["ip:3", "ip:4"]);
      const devices = await db.selectFrom("known_sign_in_sources").select("source").execute();
      expect(devices.map((r) => r.source)).toEqual(["device:new"]);
      expect(
        await storage().prune({ now, loginFailureWindowMs: 15 * 60_000, knownSourceLifetimeMs: 1e10 }),
      ).toEqual({
        oauthAuthorizations: 0,
        oauthLoginCodes: 0,
        emailTokens: 0,
        completedMFAChallenges: 0,
        loginFailures: 0,
        knownSignInSources: 0,
        keptRefreshTokenSecrets: 0,
        oidcModels: 0,
        signingKeys: 0,
      });
    });

    it("clears every kept refresh-token secret past its grace in one prune, however many (more than one batch)", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const session = makeSession(user.id);
      await storage().sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      const backlog = 5_001;
      const rows = Array.from({ length: backlog }, () => ({
        id: testId(),
        session_id: session.id,
        secret_hash: hash("f"),
        created_at: minutes(-1),
        expires_at: minutes(7 * 24 * 60),
        encrypted_secret: "v1.kept",
        encrypted_secret_expires_at: minutes(-1),
      }));
      for (let i = 0; i < rows.length; i += 1_000) {
        await db
          .insertInto("refresh_tokens")
          .values(rows.slice(i, i + 1_000))
          .execute();
      }

      const pruned = await storage().prune({
        now,
        loginFailureWindowMs: 15 * 60_000,
        knownSourceLifetimeMs: 90 * 24 * 3600 * 1000,
      });

      expect(pruned.keptRefreshTokenSecrets).toBe(backlog);
      const left = await db
        .selectFrom("refresh_tokens")
        .where("session_id", "=", session.id)
        .where("encrypted_secret", "is not", null)
        .select(db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
    });
  });
}
