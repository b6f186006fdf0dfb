import { expiredExportKeptMs } from "@superoauth/domain";
import type { DeleteQueryBuilder, DeleteResult, ExpressionBuilder, Kysely } from "kysely";
import type { Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { live } from "./oidc-model-store.ts";

/** How many rows each statement deletes at most, so one prune never holds locks for long. */
const batchSize = 5_000;

/** Rows removed by one prune, per table. */
export interface PrunedRecords {
  readonly oauthAuthorizations: number;
  readonly oauthLoginCodes: number;
  readonly emailTokens: number;
  readonly completedMFAChallenges: number;
  readonly loginFailures: number;
  readonly knownSignInSources: number;
  /** Refresh tokens whose encrypted secret, kept for a grace period that ended, was cleared. */
  readonly keptRefreshTokenSecrets: number;
  /** oidc-provider's expired models (tokens, codes, sessions, grants...). */
  readonly oidcModels: number;
  /** Authorizations of apps whose grant is gone (expired or ended by the provider). */
  readonly appAuthorizations: number;
  /** Signing keys every token of which has expired (ADR 0021). */
  readonly signingKeys: number;
  /** Refresh tokens expired, or of a session pruned. */
  readonly refreshTokens: number;
  /** Sessions ended (signed out, revoked, unused past the refresh tokens' lifetime, past their maximum age) over a day ago. */
  readonly sessions: number;
  /** Security events older than the retention (SECURITY_LOG_RETENTION). */
  readonly securityEvents: number;
  /** Data exports marked expired (archives deleted) over `expiredExportKeptMs` (30 days) before their expiry. */
  readonly exportJobs: number;
}

/** When a prune runs, and how long the records whose age decides stay useful. */
export interface PruneInput {
  readonly now: Date;
  /** Failure counters whose window ended this long ago (and hold no lock) go. */
  readonly loginFailureWindowMs: number;
  /** Known sign-in sources not seen for this long go. */
  readonly knownSourceLifetimeMs: number;
  /** When a session ends unused (REFRESH_TOKEN_TTL) and however used (SESSION_MAX_AGE). */
  readonly refreshTokenTtlMs: number;
  readonly sessionMaxAgeMs: number;
  /** Security events older than this go (SECURITY_LOG_RETENTION). */
  readonly securityLogRetentionMs: number;
}

/**
 * How long an ended session's row stays: its access tokens (15 minutes) meet "revoked" rather than
 * "unknown" meanwhile, and nothing reads it after (the lists show live sessions only).
 */
export const endedSessionKeptMs = 24 * 3600_000;

/**
 * Deletes records that can no longer matter: expired OAuth states and login codes, expired mail
 * tokens, completed MFA challenges whose token expired, failure counters whose window ended with no
 * lock in force, devices not seen for `knownSourceLifetimeMs`, oidc-provider's expired models and the
 * authorizations of apps whose grant is gone, retired signing keys
 * whose tokens have all expired, expired refresh tokens, sessions ended over a day ago (with their
 * tokens), security events past their retention, data-export jobs expired (their archives deleted)
 * over `expiredExportKeptMs` ago; and clears the encrypted refresh-token
 * secrets kept for a grace period that ended. Sessions and security events hold IP addresses and
 * user agents: keeping them only while they serve the holder is the privacy half of pruning. Nothing here is needed for a decision any more (each is
 * checked against its expiry when read), so pruning bounds growth (failed logins for made-up
 * addresses would otherwise add counter rows forever) and, for the kept secrets, how long an
 * encrypted live token stays in the database (docs/decisions/0002).
 */
export async function pruneExpiredRecords(
  { db, dialect }: SQLContext,
  input: PruneInput,
): Promise<PrunedRecords> {
  const { now } = input;
  // A batch per statement where the database takes a LIMIT (a shared MySQL server); SQLite has one
  // writer, this service, and deletes what expired in one statement.
  const batched = dialect.limitsWrites;
  const count = (result: { numDeletedRows: bigint }[]) => Number(result[0]?.numDeletedRows ?? 0n);
  const windowStart = new Date(now.getTime() - input.loginFailureWindowMs);
  const lastUseful = new Date(now.getTime() - input.knownSourceLifetimeMs);
  return {
    oauthAuthorizations: await deleteAll(
      db.deleteFrom("oauth_authorizations").where("expires_at", "<", now),
      batched,
    ),
    oauthLoginCodes: await deleteAll(
      db.deleteFrom("oauth_login_codes").where("expires_at", "<", now),
      batched,
    ),
    emailTokens: await deleteAll(db.deleteFrom("email_tokens").where("expires_at", "<", now), batched),
    completedMFAChallenges: await deleteAll(
      db.deleteFrom("completed_mfa_challenges").where("expires_at", "<", now),
      batched,
    ),
    loginFailures: await deleteAll(
      db
        .deleteFrom("login_failures")
        .where("window_started_at", "<", windowStart)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)])),
      batched,
    ),
    knownSignInSources: await deleteAll(
      db.deleteFrom("known_sign_in_sources").where("last_seen_at", "<", lastUseful),
      batched,
    ),
    oidcModels: await deleteAll(db.deleteFrom("oidc_models").where("expires_at", "<", now), batched),
    // After the grants that expired by now went just above.
    appAuthorizations: await pruneLapsedAuthorizations(db, now),
    signingKeys: count(await db.deleteFrom("signing_keys").where("expires_at", "<", now).execute()),
    keptRefreshTokenSecrets: await clearKeptSecretsPastTheirGrace({ db, dialect }, { now, batched }),
    ...(await pruneEndedSessions({ db, dialect }, input)),
    securityEvents: await deleteAll(
      db
        .deleteFrom("security_events")
        .where("occurred_at", "<", new Date(now.getTime() - input.securityLogRetentionMs)),
      batched,
    ),
    // Only those marked expired, whose archives expireDataExports has deleted: a ready job whose
    // files are still on disk keeps its row (and file key) until then. On the (status, expires_at) index.
    exportJobs: await deleteAll(
      db
        .deleteFrom("export_jobs")
        .where("status", "=", "expired")
        .where("expires_at", "<", new Date(now.getTime() - expiredExportKeptMs)),
      batched,
    ),
  };
}

/**
 * Runs a batched write again until a batch changes less than a full one (SQLite, unbatched, does
 * all at once). Answers how many rows it changed.
 */
async function untilNoneLeft(batch: () => Promise<number>): Promise<number> {
  let changed = 0;
  for (;;) {
    const n = await batch();
    changed += n;
    if (n < batchSize) return changed;
  }
}

const deleted = (result: { numDeletedRows: bigint }): number => Number(result.numDeletedRows);

/**
 * Deletes every row `query` selects, a batch at a time where the database takes a LIMIT, until none
 * is left. Every table, not only the large ones: one batch an hour bounds nothing once rows come
 * faster than 5,000 an hour (under 1.4 a second), which one client alone reaches on oidc_models
 * (a device code or DPoP proof per protocol request, 1,000 per 15 minutes per IP by default).
 */
function deleteAll<T extends keyof Database>(
  query: DeleteQueryBuilder<Database, T, DeleteResult>,
  batched: boolean,
): Promise<number> {
  return untilNoneLeft(async () =>
    deleted(await query.$if(batched, (q) => q.limit(batchSize)).executeTakeFirst()),
  );
}

/**
 * Expired refresh tokens (none can be used), then sessions that ended over a day ago with their
 * tokens. An ended session cannot come back (a revocation is final, a session unused past the
 * tokens' lifetime has no token left, its maximum age only grows), so its ids are read first, by a
 * plain read that locks nothing, and each batch deleted by key; a session that gained a token
 * meanwhile is kept by the NOT EXISTS and tried again next hour.
 */
async function pruneEndedSessions(
  { db, dialect }: SQLContext,
  input: PruneInput,
): Promise<{ refreshTokens: number; sessions: number }> {
  const { now } = input;
  let refreshTokens = await deleteAll(
    db.deleteFrom("refresh_tokens").where("expires_at", "<", now),
    dialect.limitsWrites,
  );
  const endedBefore = now.getTime() - endedSessionKeptMs;
  let sessions = 0;
  // In id order, each batch after the last: a batch of sessions kept for their tokens (unused past
  // today's token lifetime, holding one issued under a longer one) must not be read again and
  // again, ahead of ended sessions that could go.
  let after: string | null = null;
  for (;;) {
    const ended = await db
      .selectFrom("sessions")
      .select(["id", "revoked_at", "created_at"])
      .where((eb) =>
        eb.or([
          eb("revoked_at", "<", new Date(endedBefore)),
          eb("last_used_at", "<", new Date(endedBefore - input.refreshTokenTtlMs)),
          eb("created_at", "<", new Date(endedBefore - input.sessionMaxAgeMs)),
        ]),
      )
      .$if(after !== null, (q) => q.where("id", ">", after as string))
      .orderBy("id")
      .limit(keysPerBatch)
      .execute();
    if (ended.length === 0) break;
    const ids = ended.map((row) => row.id);
    // A revoked session's tokens, or one past its maximum age, are refused whatever they say; an
    // unused one's only once they expire (a token issued under a longer REFRESH_TOKEN_TTL than
    // today's still works): those went above when expired, and the session waits for the rest.
    const refused = ended
      .filter(
        (row) =>
          (row.revoked_at !== null && new Date(row.revoked_at).getTime() < endedBefore) ||
          new Date(row.created_at).getTime() < endedBefore - input.sessionMaxAgeMs,
      )
      .map((row) => row.id);
    if (refused.length > 0) {
      refreshTokens += deleted(
        await db.deleteFrom("refresh_tokens").where("session_id", "in", refused).executeTakeFirst(),
      );
    }
    const gone = deleted(
      await db
        .deleteFrom("sessions")
        .where("id", "in", ids)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("refresh_tokens")
                .select("id")
                .whereRef("refresh_tokens.session_id", "=", "sessions.id"),
            ),
          ),
        )
        .executeTakeFirst(),
    );
    sessions += gone;
    if (ended.length < keysPerBatch) break;
    after = ids[ids.length - 1] ?? null;
  }
  return { refreshTokens, sessions };
}

/** Rows per batch read by key (sessions, authorizations): their keys go into the statements as parameters. */
const keysPerBatch = 500;

/**
 * The authorizations of apps (ADR 0020) whose Grant is gone: the 30 days of a remembered consent
 * ran out (the grant was pruned just before), or the provider ended it (the app revoked its refresh
 * token; a code or refresh token was replayed). The app has no access left and must ask again; the
 * apps list and the export stopped showing it when its grant went (authorizedAppsOf), and the row
 * goes here: it named an app the person no longer lets act for them (storage limitation,
 * docs/account-export.md). A walk through the authorizations in key order by plain reads, which
 * lock nothing, looking each page's grants up by their ids; then each page's lapsed ones deleted
 * by key, and only while their grant is still missing: a consent that found the grant just before
 * it expired saves that same grant again, and keeps its row. By ids, never by joining the grant
 * column to `oidc_models.id`: on MySQL the two differ in character set (utf8mb4 and ascii), so such
 * a join could not use the primary key, and read (and, in the DELETE, lock) every grant.
 */
export async function pruneLapsedAuthorizations(db: Kysely<Database>, now: Date): Promise<number> {
  const liveGrantAmong = (ids: readonly string[]) => (eb: ExpressionBuilder<Database, "oidc_models">) =>
    eb.and([eb("oidc_models.model", "=", "Grant"), eb("oidc_models.id", "in", ids), live(now)(eb)]);
  let pruned = 0;
  let after: { user_id: string; client_id: string } | null = null;
  for (;;) {
    let query = db.selectFrom("app_authorizations").select(["user_id", "client_id", "grant_id"]);
    if (after !== null) {
      const { user_id, client_id } = after;
      query = query.where((eb) =>
        eb.or([
          eb("user_id", ">", user_id),
          eb.and([eb("user_id", "=", user_id), eb("client_id", ">", client_id)]),
        ]),
      );
    }
    const page = await query.orderBy("user_id").orderBy("client_id").limit(keysPerBatch).execute();
    if (page.length === 0) break;
    const liveGrants = await db
      .selectFrom("oidc_models")
      .select("oidc_models.id")
      .where(liveGrantAmong(page.map((row) => row.grant_id)))
      .execute();
    const stillGranted = new Set(liveGrants.map((row) => row.id));
    const lapsed = page.filter((row) => !stillGranted.has(row.grant_id));
    if (lapsed.length > 0) {
      pruned += deleted(
        await db
          .deleteFrom("app_authorizations")
          .where((eb) =>
            eb.or(
              lapsed.map((row) =>
                eb.and([
                  eb("user_id", "=", row.user_id),
                  eb("client_id", "=", row.client_id),
                  eb("grant_id", "=", row.grant_id),
                ]),
              ),
            ),
          )
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("oidc_models")
                  .select("oidc_models.id")
                  .where(liveGrantAmong(lapsed.map((row) => row.grant_id)))
                  .whereRef("oidc_models.id", "=", "app_authorizations.grant_id"),
              ),
            ),
          )
          .executeTakeFirst(),
      );
    }
    if (page.length < keysPerBatch) break;
    after = page[page.length - 1] ?? null;
  }
  return pruned;
}

/**
 * Clears every kept refresh-token secret whose grace period ended, batch after batch until none is
 * left: unlike the other tables, a backlog here is not just growth but encrypted live tokens kept
 * past the "grace period plus one prune interval" ADR 0002 promises.
 */
function clearKeptSecretsPastTheirGrace(
  { db }: SQLContext,
  input: { now: Date; batched: boolean },
): Promise<number> {
  return untilNoneLeft(async () => {
    const result = await db
      .updateTable("refresh_tokens")
      .set({ encrypted_secret: null, encrypted_secret_expires_at: null })
      .where("encrypted_secret_expires_at", "<", input.now)
      .$if(input.batched, (q) => q.limit(batchSize))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
