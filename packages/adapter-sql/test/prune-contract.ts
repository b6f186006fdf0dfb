import {
  makePublicApp,
  makeRefreshToken,
  makeSession,
  makeUser,
  testId,
} from "@superoauth/application/testing";
import { expiredExportKeptMs, type SessionId, type UserId } from "@superoauth/domain";
import { type KyselyPlugin, SelectQueryNode, TableNode } from "kysely";
import { describe, expect, it } from "vitest";
import { pruneLapsedAuthorizations } from "../src/prune-expired-records.ts";
import type { Storage } from "../src/storage.ts";

export const now = new Date("2026-06-01T12:00:00.000Z");
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const hash = (c: string) => c.repeat(64).slice(0, 64);
export const day = 24 * 3600_000;
/** The service's defaults: REFRESH_TOKEN_TTL, SESSION_MAX_AGE, SECURITY_LOG_RETENTION, the lockout's window, the sign-in sources' lifetime. */
export const settings = {
  refreshTokenTtlMs: 7 * day,
  sessionMaxAgeMs: 30 * day,
  securityLogRetentionMs: 365 * day,
  loginFailureWindowMs: 15 * 60_000,
  knownSourceLifetimeMs: 90 * day,
};

/**
 * A session signed in `ageMs` ago and last used `idleMs` ago, revoked `revokedMsAgo` ago if given,
 * with one refresh token from its last use, of `tokenTtlMs` (today's REFRESH_TOKEN_TTL unless given).
 */
async function seedSession(
  storage: Storage,
  userId: Parameters<typeof makeSession>[0],
  input: { ageMs: number; idleMs: number; revokedMsAgo?: number; tokenTtlMs?: number },
) {
  const lastUsedAt = new Date(now.getTime() - input.idleMs);
  const session = makeSession(userId, {
    createdAt: new Date(now.getTime() - input.ageMs),
    lastUsedAt,
    revokedAt: input.revokedMsAgo === undefined ? null : new Date(now.getTime() - input.revokedMsAgo),
  });
  const refreshToken = makeRefreshToken(session.id, {
    createdAt: lastUsedAt,
    expiresAt: new Date(lastUsedAt.getTime() + (input.tokenTtlMs ?? settings.refreshTokenTtlMs)),
  });
  await storage.db
    .insertInto("sessions")
    .values({
      id: session.id,
      user_id: userId,
      created_at: session.createdAt,
      last_used_at: session.lastUsedAt,
      revoked_at: session.revokedAt,
      user_agent: "vitest",
      ip: "203.0.113.9",
      authenticated_at: session.createdAt,
      authentication_methods: "pwd",
    })
    .execute();
  await storage.db
    .insertInto("refresh_tokens")
    .values({
      id: refreshToken.id,
      session_id: session.id,
      secret_hash: hash("s"),
      parent_id: null,
      replaced_by_id: null,
      created_at: refreshToken.createdAt,
      expires_at: refreshToken.expiresAt,
      rotated_at: null,
    })
    .execute();
  return session.id;
}

/** Whether a SELECT reads from `table` (its FROM names it). */
function readsFrom(node: SelectQueryNode, table: string): boolean {
  return (node.from?.froms ?? []).some((from) => TableNode.is(from) && from.table.identifier.name === table);
}

/** `userId`'s first consent to the app, an hour ago, recorded as naming the grant `grantId`. */
async function authorize(storage: Storage, input: { userId: UserId; clientId: string; grantId: string }) {
  await storage.appAuthorizations.recordAuthorization({
    ...input,
    scopes: ["openid"],
    now: minutes(-60),
    replacing: null,
  });
}

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
      const session = makeSession(user.id, { createdAt: minutes(-1), lastUsedAt: minutes(-1) });
      await sessions.createSession({
        session,
        refreshToken: makeRefreshToken(session.id, { expiresAt: minutes(7 * 24 * 60) }),
      });
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

      const pruned = await storage().prune({ now, ...settings });

      expect(pruned).toEqual({
        oauthAuthorizations: 1,
        oauthLoginCodes: 1,
        emailTokens: 1,
        completedMFAChallenges: 1,
        loginFailures: 2,
        knownSignInSources: 1,
        keptRefreshTokenSecrets: 1,
        oidcModels: 1,
        appAuthorizations: 0,
        signingKeys: 1,
        refreshTokens: 0,
        sessions: 0,
        securityEvents: 0,
        exportJobs: 0,
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
      expect(await storage().prune({ now, ...settings, knownSourceLifetimeMs: 1e10 })).toEqual({
        oauthAuthorizations: 0,
        oauthLoginCodes: 0,
        emailTokens: 0,
        completedMFAChallenges: 0,
        loginFailures: 0,
        knownSignInSources: 0,
        keptRefreshTokenSecrets: 0,
        oidcModels: 0,
        appAuthorizations: 0,
        signingKeys: 0,
        refreshTokens: 0,
        sessions: 0,
        securityEvents: 0,
        exportJobs: 0,
      });
    });

    it("deletes the authorizations of apps whose grant is gone (expired, or ended by the provider); keeps those whose grant lives", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const [live, expired, ended] = [makePublicApp(user.id), makePublicApp(user.id), makePublicApp(user.id)];
      for (const app of [live, expired, ended]) await storage().apps.createApp(app);
      const grant = (id: string, expiresAt: Date) =>
        storage().oidcModels.upsert({ model: "Grant", id, payload: {}, expiresAt });
      await grant("grant-live", minutes(1));
      // The 30 days of a remembered consent ran out a minute ago: the same prune deletes the grant.
      await grant("grant-expired", minutes(-1));
      // "grant-ended" is not stored: the provider destroyed it (its app revoked the refresh token).
      for (const [app, grantId] of [
        [live, "grant-live"],
        [expired, "grant-expired"],
        [ended, "grant-ended"],
      ] as const) {
        await authorize(storage(), { userId: user.id, clientId: app.clientId, grantId });
      }

      expect(await storage().prune({ now, ...settings })).toMatchObject({
        oidcModels: 1,
        appAuthorizations: 2,
      });

      const left = await db
        .selectFrom("app_authorizations")
        .select(["client_id", "grant_id"])
        .where("user_id", "=", user.id)
        .execute();
      expect(left).toEqual([{ client_id: live.clientId, grant_id: "grant-live" }]);
      expect((await storage().prune({ now, ...settings })).appAuthorizations).toBe(0);
    });

    it("keeps an authorization whose grant a consent saved again between the prune's read and its delete", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const app = makePublicApp(user.id);
      await storage().apps.createApp(app);
      const grantId = `grant-${testId()}`;
      const saveGrant = (expiresAt: Date) =>
        storage().oidcModels.upsert({ model: "Grant", id: grantId, payload: {}, expiresAt });
      // Expired a moment ago and not pruned yet: a consent that found it just before saves it anew.
      await saveGrant(minutes(-1));
      await authorize(storage(), { userId: user.id, clientId: app.clientId, grantId });
      let grantReads = 0;
      const consentSavesAfterGrantRead: KyselyPlugin = {
        transformQuery({ node }) {
          if (SelectQueryNode.is(node) && readsFrom(node, "oidc_models")) grantReads += 1;
          return node;
        },
        async transformResult({ result }) {
          // After the read that found its grant expired, before its delete.
          if (grantReads === 1) {
            grantReads += 1;
            await saveGrant(minutes(30 * 24 * 60));
          }
          return result;
        },
      };

      expect(await pruneLapsedAuthorizations(db.withPlugin(consentSavesAfterGrantRead), now)).toBe(0);

      expect(grantReads).toBe(2);
      expect(
        await storage().appAuthorizations.findAuthorization({ userId: user.id, clientId: app.clientId }),
      ).toMatchObject({ grantId });
    });

    it("deletes every lapsed authorization in one prune, however many (more than one batch)", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const apps = Array.from({ length: 501 }, () => makePublicApp(user.id));
      for (const app of apps) await storage().apps.createApp(app);
      await db
        .insertInto("app_authorizations")
        .values(
          apps.map((app) => ({
            user_id: user.id,
            client_id: app.clientId,
            grant_id: `gone-${app.clientId}`,
            scopes: "openid",
            granted_at: minutes(-60),
            last_used_at: minutes(-60),
          })),
        )
        .execute();

      expect((await storage().prune({ now, ...settings })).appAuthorizations).toBe(apps.length);

      const left = await db
        .selectFrom("app_authorizations")
        .where("user_id", "=", user.id)
        .select(db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
    });

    it("deletes sessions ended over a day ago with their tokens, expired tokens and events past the retention; keeps the rest", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const hour = 3600_000;
      const seeded = {
        live: await seedSession(storage(), user.id, { ageMs: 2 * day, idleMs: hour }),
        revokedAnHourAgo: await seedSession(storage(), user.id, {
          ageMs: 2 * day,
          idleMs: 2 * hour,
          revokedMsAgo: hour,
        }),
        revokedTwoDaysAgo: await seedSession(storage(), user.id, {
          ageMs: 3 * day,
          idleMs: 2 * day,
          revokedMsAgo: 2 * day,
        }),
        idleJustPastItsTokens: await seedSession(storage(), user.id, {
          ageMs: 9 * day,
          idleMs: 7 * day + hour,
        }),
        idleADayPastItsTokens: await seedSession(storage(), user.id, {
          ageMs: 9 * day,
          idleMs: 8 * day + hour,
        }),
        pastMaxAgeToday: await seedSession(storage(), user.id, { ageMs: 30 * day + hour, idleMs: hour }),
        pastMaxAgeTwoDaysAgo: await seedSession(storage(), user.id, { ageMs: 32 * day, idleMs: hour }),
        // Unused past today's token lifetime, its token issued when it was 30 days: still usable.
        idleWithALongerLivedToken: await seedSession(storage(), user.id, {
          ageMs: 10 * day,
          idleMs: 9 * day,
          tokenTtlMs: 30 * day,
        }),
      };
      // A rotated token of the live session, expired a minute ago: nothing can use it.
      await db
        .insertInto("refresh_tokens")
        .values({
          id: testId(),
          session_id: seeded.live,
          secret_hash: hash("r"),
          parent_id: null,
          replaced_by_id: null,
          created_at: minutes(-7 * 24 * 60 - 1),
          expires_at: minutes(-1),
          rotated_at: minutes(-60),
        })
        .execute();
      const event = (id: string, occurredAt: Date) => ({
        id,
        user_id: user.id,
        type: "login_succeeded",
        occurred_at: occurredAt,
        ip: "203.0.113.9",
        user_agent: "vitest",
        details: "{}",
      });
      await db
        .insertInto("security_events")
        .values([
          event(testId(), new Date(now.getTime() - 366 * day)),
          event(testId(), new Date(now.getTime() - 364 * day)),
        ])
        .execute();

      const pruned = await storage().prune({ now, ...settings });

      expect(pruned).toMatchObject({ sessions: 3, refreshTokens: 5, securityEvents: 1 });
      const left = await db.selectFrom("sessions").select("id").execute();
      const names = Object.entries(seeded)
        .filter(([, id]) => left.some((row) => row.id === id))
        .map(([name]) => name);
      expect(names).toEqual([
        "live",
        "revokedAnHourAgo",
        "idleJustPastItsTokens",
        "pastMaxAgeToday",
        "idleWithALongerLivedToken",
      ]);
      const tokensLeft = await db
        .selectFrom("refresh_tokens")
        .select("session_id")
        .where("session_id", "in", Object.values(seeded))
        .execute();
      // The idle session's only token expired with its lifetime; the others keep theirs until their session goes.
      expect(tokensLeft.map((row) => row.session_id).sort()).toEqual(
        [
          seeded.live,
          seeded.revokedAnHourAgo,
          seeded.pastMaxAgeToday,
          seeded.idleWithALongerLivedToken,
        ].sort(),
      );
      const eventsLeft = await db
        .selectFrom("security_events")
        .select("occurred_at")
        .where("user_id", "=", user.id)
        .execute();
      expect(eventsLeft.map((row) => new Date(row.occurred_at).getTime())).toEqual([
        now.getTime() - 364 * day,
      ]);
      expect(await storage().prune({ now, ...settings })).toMatchObject({
        sessions: 0,
        refreshTokens: 0,
        securityEvents: 0,
      });
    });

    it("deletes an ended session behind more than a batch of sessions kept for their longer-lived tokens", async () => {
      // Sessions unused past today's token lifetime whose token was issued under a longer one are
      // read with the ended ones and kept. A batch of them first in the table stopped every prune
      // there (it deleted none of them, and gave up), so the ended sessions behind them stayed.
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const lastUsedAt = new Date(now.getTime() - 9 * day);
      const kept = Array.from(
        { length: 501 },
        (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
      );
      const sessionRow = (id: string, revokedAt: Date | null) => ({
        id,
        user_id: user.id,
        created_at: new Date(now.getTime() - 10 * day),
        last_used_at: lastUsedAt,
        revoked_at: revokedAt,
        user_agent: "vitest",
        ip: "203.0.113.9",
        authenticated_at: new Date(now.getTime() - 10 * day),
        authentication_methods: "pwd",
      });
      for (let i = 0; i < kept.length; i += 250) {
        const ids = kept.slice(i, i + 250);
        await db
          .insertInto("sessions")
          .values(ids.map((id) => sessionRow(id, null)))
          .execute();
        await db
          .insertInto("refresh_tokens")
          .values(
            ids.map((id) => ({
              id: testId(),
              session_id: id,
              secret_hash: hash("k"),
              parent_id: null,
              replaced_by_id: null,
              created_at: lastUsedAt,
              expires_at: new Date(lastUsedAt.getTime() + 30 * day),
              rotated_at: null,
            })),
          )
          .execute();
      }
      const revoked = "ffffffff-ffff-7fff-bfff-ffffffffffff";
      await db
        .insertInto("sessions")
        .values(sessionRow(revoked, new Date(now.getTime() - 2 * day)))
        .execute();

      await storage().prune({ now, ...settings });

      expect(await storage().sessions.findSession(revoked as SessionId)).toBeNull();
      const left = await db
        .selectFrom("sessions")
        .where("id", "in", kept)
        .select(db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(kept.length);
    });

    it("deletes data-export jobs 30 days after they expired, only once marked expired; keeps the rest", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const ago = (ms: number) => new Date(now.getTime() - ms);
      const job = (status: string, expiresAt: Date) => ({
        id: testId(),
        user_id: user.id,
        active_user_id: null,
        status,
        attempts: 1,
        progress: 100,
        records_written: 1,
        lease_token: null,
        lease_expires_at: null,
        file_key: status === "expired" ? null : "kept.zip",
        size_bytes: null,
        sha256: null,
        requested_at: ago(40 * day),
        started_at: ago(40 * day),
        finished_at: ago(40 * day),
        expires_at: expiresAt,
      });
      const rows = {
        expiredOverAMonthAgo: job("expired", ago(expiredExportKeptMs + 1)),
        expiredAMonthAgoToTheMillisecond: job("expired", ago(expiredExportKeptMs)),
        expiredLastWeek: job("expired", ago(7 * day)),
        // Past its expiry, but its archive not deleted yet (expireDataExports has not run): kept.
        readyOverAMonthAgo: job("ready", ago(expiredExportKeptMs + day)),
        failedOverAMonthAgo: job("failed", ago(expiredExportKeptMs + day)),
      };
      await db.insertInto("export_jobs").values(Object.values(rows)).execute();

      expect(await storage().prune({ now, ...settings })).toMatchObject({ exportJobs: 1 });
      const left = await db.selectFrom("export_jobs").select("id").where("user_id", "=", user.id).execute();
      const { expiredOverAMonthAgo, ...kept } = rows;
      expect(left.map((row) => row.id).sort()).toEqual(
        Object.values(kept)
          .map((row) => row.id)
          .sort(),
      );
      expect(
        await storage().exportJobs.findExportJobOfUser({ id: expiredOverAMonthAgo.id, userId: user.id }),
      ).toBeNull();
      expect(await storage().prune({ now, ...settings })).toMatchObject({ exportJobs: 0 });
    });

    it("deletes every expired row of a small table in one prune, however many (more than one batch)", async () => {
      // One client reaches this: a device authorization request stores a DeviceCode for any public
      // app's id, 1,000 per 15 minutes per IP; at one batch an hour the backlog only grew.
      const { db } = storage();
      const backlog = 5_001;
      const deviceCodes = Array.from({ length: backlog }, () => ({
        model: "DeviceCode",
        id: testId(),
        payload: "{}",
        grant_id: null,
        uid: null,
        user_code: null,
        account_id: null,
        client_id: "app-public",
        expires_at: minutes(-1),
      }));
      const failures = Array.from({ length: backlog }, (_, i) => ({
        account: `made-up-${i}@example.com`,
        source: "203.0.113.9",
        failure_count: 1,
        window_started_at: minutes(-60),
        locked_until: null,
      }));
      for (let i = 0; i < backlog; i += 1_000) {
        await db
          .insertInto("oidc_models")
          .values(deviceCodes.slice(i, i + 1_000))
          .execute();
        await db
          .insertInto("login_failures")
          .values(failures.slice(i, i + 1_000))
          .execute();
      }

      const pruned = await storage().prune({ now, ...settings });

      expect(pruned.oidcModels).toBeGreaterThanOrEqual(backlog);
      expect(pruned.loginFailures).toBeGreaterThanOrEqual(backlog);
      const codesLeft = await db
        .selectFrom("oidc_models")
        .where("client_id", "=", "app-public")
        .select(db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const failuresLeft = await db
        .selectFrom("login_failures")
        .where("account", "like", "made-up-%")
        .select(db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect([Number(codesLeft.n), Number(failuresLeft.n)]).toEqual([0, 0]);
    });

    it("clears every kept refresh-token secret past its grace in one prune, however many (more than one batch)", async () => {
      const { db } = storage();
      const user = makeUser();
      await storage().users.insertUser(user);
      const session = makeSession(user.id, { createdAt: minutes(-1), lastUsedAt: minutes(-1) });
      await storage().sessions.createSession({
        session,
        refreshToken: makeRefreshToken(session.id, { expiresAt: minutes(7 * 24 * 60) }),
      });
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

      const pruned = await storage().prune({ now, ...settings });

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
