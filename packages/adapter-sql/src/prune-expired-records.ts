import type { SQLContext } from "./dialects/dialect.ts";

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
  /** Signing keys every token of which has expired (ADR 0021). */
  readonly signingKeys: number;
}

/** When a prune runs, and how long the records whose age decides stay useful. */
export interface PruneInput {
  readonly now: Date;
  /** Failure counters whose window ended this long ago (and hold no lock) go. */
  readonly loginFailureWindowMs: number;
  /** Known sign-in sources not seen for this long go. */
  readonly knownSourceLifetimeMs: number;
}

/**
 * Deletes records that can no longer matter: expired OAuth states and login codes, expired mail
 * tokens, completed MFA challenges whose token expired, failure counters whose window ended with no
 * lock in force, devices not seen for `knownSourceLifetimeMs`, oidc-provider's expired models, retired signing keys
 * whose tokens have all expired; and clears the encrypted refresh-token
 * secrets kept for a grace period that ended. Nothing here is needed for a decision any more (each is
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
    oauthAuthorizations: count(
      await db
        .deleteFrom("oauth_authorizations")
        .where("expires_at", "<", now)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    oauthLoginCodes: count(
      await db
        .deleteFrom("oauth_login_codes")
        .where("expires_at", "<", now)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    emailTokens: count(
      await db
        .deleteFrom("email_tokens")
        .where("expires_at", "<", now)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    completedMFAChallenges: count(
      await db
        .deleteFrom("completed_mfa_challenges")
        .where("expires_at", "<", now)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    loginFailures: count(
      await db
        .deleteFrom("login_failures")
        .where("window_started_at", "<", windowStart)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    knownSignInSources: count(
      await db
        .deleteFrom("known_sign_in_sources")
        .where("last_seen_at", "<", lastUseful)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    oidcModels: count(
      await db
        .deleteFrom("oidc_models")
        .where("expires_at", "<", now)
        .$if(batched, (q) => q.limit(batchSize))
        .execute(),
    ),
    signingKeys: count(await db.deleteFrom("signing_keys").where("expires_at", "<", now).execute()),
    keptRefreshTokenSecrets: await clearKeptSecretsPastTheirGrace({ db, dialect }, { now, batched }),
  };
}

/**
 * Clears every kept refresh-token secret whose grace period ended, batch after batch until none is
 * left: unlike the other tables, a backlog here is not just growth but encrypted live tokens kept
 * past the "grace period plus one prune interval" ADR 0002 promises.
 */
async function clearKeptSecretsPastTheirGrace(
  { db }: SQLContext,
  input: { now: Date; batched: boolean },
): Promise<number> {
  let cleared = 0;
  for (;;) {
    const result = await db
      .updateTable("refresh_tokens")
      .set({ encrypted_secret: null, encrypted_secret_expires_at: null })
      .where("encrypted_secret_expires_at", "<", input.now)
      .$if(input.batched, (q) => q.limit(batchSize))
      .executeTakeFirst();
    const changed = Number(result.numUpdatedRows);
    cleared += changed;
    if (!input.batched || changed < batchSize) return cleared;
  }
}
