import { OverloadedError, type TwoFactorRepository } from "@superoauth/application";
import type { BackupCode, TOTPFactor, TwoFactorStatus, UserId } from "@superoauth/domain";
import type { Kysely, Selectable, Transaction } from "kysely";
import { conflictAttempts } from "./conflicts.ts";
import type { BackupCodesTable, Database, TOTPFactorsTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/**
 * The TwoFactorRepository port over SQL. The single-use rules are conditional
 * UPDATEs: InnoDB lets one statement at a time change a row, and SQLite one
 * writer at a time, so of concurrent uses of one time step or one backup code
 * exactly one changes it.
 */
export function createTwoFactorRepository(context: SQLContext): TwoFactorRepository {
  const { db, dialect } = context;
  async function insertBackupCodes(
    trx: Kysely<Database> | Transaction<Database>,
    codes: readonly BackupCode[],
  ): Promise<void> {
    if (codes.length === 0) return;
    await trx
      .insertInto("backup_codes")
      .values(
        codes.map((c) => ({
          id: c.id,
          user_id: c.userId,
          lookup_id: c.lookupId,
          code_hash: c.codeHash,
          used_at: c.usedAt,
        })),
      )
      .execute();
  }

  const repository: TwoFactorRepository = {
    async findTOTPFactor(userId) {
      const row = await db
        .selectFrom("totp_factors")
        .selectAll()
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return row === undefined ? null : mapFactorRow(row);
    },

    async savePendingTOTPFactor({ userId, encryptedSecret, now, over }) {
      // Replace a pending factor (the one read, with `over`); otherwise insert. The primary key
      // settles a race between two inserts.
      for (let attempt = 0; attempt < conflictAttempts; attempt++) {
        if (over !== null) {
          let replace = db
            .updateTable("totp_factors")
            .set({ encrypted_secret: encryptedSecret, created_at: now, last_used_step: null })
            .where("user_id", "=", userId)
            .where("status", "=", "pending");
          if (over !== undefined) replace = replace.where("encrypted_secret", "=", over);
          const replaced = await replace.executeTakeFirst();
          if (replaced.numUpdatedRows === 1n) return "saved";
        }
        if (over === undefined || over === null) {
          try {
            await db
              .insertInto("totp_factors")
              .values({
                user_id: userId,
                encrypted_secret: encryptedSecret,
                status: "pending",
                last_used_step: null,
                created_at: now,
                enabled_at: null,
              })
              .execute();
            return "saved";
          } catch (error) {
            if (!dialect.isUniqueViolation(error)) throw error;
          }
        }
        const existing = await repository.findTOTPFactor(userId);
        if (existing?.status === "enabled") return "already-enabled";
        if (over !== undefined) return "changed";
      }
      throw new OverloadedError({
        message: "Could not save the pending TOTP factor: it kept changing concurrently",
        retryAfterSeconds: 1,
      });
    },

    enableTOTPFactor({ userId, confirmedSecret, usedStep, backupCodes, now }) {
      return runInTransaction(context, async (trx) => {
        const enabled = await trx
          .updateTable("totp_factors")
          .set({ status: "enabled", enabled_at: now, last_used_step: usedStep })
          .where("user_id", "=", userId)
          .where("status", "=", "pending")
          .where("encrypted_secret", "=", confirmedSecret)
          .executeTakeFirst();
        if (enabled.numUpdatedRows !== 1n) {
          // Tell the two misses apart; the row is locked by the UPDATE above until commit.
          const row = await trx
            .selectFrom("totp_factors")
            .select("status")
            .where("user_id", "=", userId)
            .executeTakeFirst();
          return row?.status === "pending" ? "secret-changed" : "not-pending";
        }
        await trx.deleteFrom("backup_codes").where("user_id", "=", userId).execute();
        await insertBackupCodes(trx, backupCodes);
        // The user's row says so too, in the same transaction: GET /auth/me reads it (ADR 0037).
        await trx.updateTable("users").set({ two_factor_enabled: true }).where("id", "=", userId).execute();
        return "enabled";
      });
    },

    async useTOTPStep({ userId, step }) {
      const result = await db
        .updateTable("totp_factors")
        .set({ last_used_step: step })
        .where("user_id", "=", userId)
        .where("status", "=", "enabled")
        .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async listTOTPSecrets({ afterUserId, limit }) {
      let query = db
        .selectFrom("totp_factors")
        .select(["user_id", "encrypted_secret"])
        .orderBy("user_id")
        .limit(limit);
      if (afterUserId !== null) query = query.where("user_id", ">", afterUserId);
      const rows = await query.execute();
      return rows.map((row) => ({ userId: row.user_id as UserId, encryptedSecret: row.encrypted_secret }));
    },

    async replaceTOTPSecret({ userId, from, to }) {
      const result = await db
        .updateTable("totp_factors")
        .set({ encrypted_secret: to })
        .where("user_id", "=", userId)
        .where("encrypted_secret", "=", from)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async deleteTwoFactor(userId) {
      return runInTransaction(context, async (trx) => {
        // The factor's row first, as replaceBackupCodes locks it first: no cycle between the two.
        // A concurrent removal waits on that row and then finds it gone: it removed no enabled one.
        const removed = await trx
          .deleteFrom("totp_factors")
          .where("user_id", "=", userId)
          .where("status", "=", "enabled")
          .executeTakeFirst();
        await trx.deleteFrom("totp_factors").where("user_id", "=", userId).execute();
        await trx.deleteFrom("backup_codes").where("user_id", "=", userId).execute();
        await trx.updateTable("users").set({ two_factor_enabled: false }).where("id", "=", userId).execute();
        return removed.numDeletedRows > 0n;
      });
    },

    async listUnusedBackupCodes(userId) {
      const rows = await db
        .selectFrom("backup_codes")
        .selectAll()
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .execute();
      return rows.map(mapBackupCodeRow);
    },

    async findUnusedBackupCode({ userId, lookupId }) {
      // The unique index (user_id, lookup_id) finds it.
      const row = await db
        .selectFrom("backup_codes")
        .selectAll()
        .where("user_id", "=", userId)
        .where("lookup_id", "=", lookupId)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return row === undefined ? null : mapBackupCodeRow(row);
    },

    async useBackupCode({ id, now }) {
      const result = await db
        .updateTable("backup_codes")
        .set({ used_at: now })
        .where("id", "=", id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async replaceBackupCodes({ userId, backupCodes }) {
      return runInTransaction(context, async (trx) => {
        // The enabled factor's row, locked: a removal (deleteTwoFactor) waits for this renewal, or
        // this one finds the factor gone and writes nothing.
        const factor = await dialect
          .forUpdate(
            trx
              .selectFrom("totp_factors")
              .select("user_id")
              .where("user_id", "=", userId)
              .where("status", "=", "enabled"),
          )
          .executeTakeFirst();
        if (factor === undefined) return "not-enabled" as const;
        await trx.deleteFrom("backup_codes").where("user_id", "=", userId).execute();
        await insertBackupCodes(trx, backupCodes);
        return "replaced" as const;
      });
    },

    async findTwoFactorStatus(userId): Promise<TwoFactorStatus> {
      // One round trip: the factor's status and, through the (user_id, used_at) index, the unused codes.
      const row = await db
        .selectNoFrom((eb) => [
          eb
            .selectFrom("totp_factors")
            .select("status")
            .where("user_id", "=", userId)
            .$asScalar()
            .as("two_factor_status"),
          unusedBackupCodeCount(db, userId).$asScalar().as("backup_codes_remaining"),
        ])
        .executeTakeFirstOrThrow();
      return mapTwoFactorStatus(row);
    },

    async completeMFAChallenge({ challengeId, userId, expiresAt }) {
      // Records of expired tokens protect nothing; the scheduled prune forgets them (pruneExpiredRecords).
      try {
        await db
          .insertInto("completed_mfa_challenges")
          .values({ id: challengeId, user_id: userId, expires_at: expiresAt })
          .execute();
        return true;
      } catch (error) {
        // The primary key is the single-use rule: a second insert of one challenge is a duplicate.
        if (dialect.isUniqueViolation(error)) return false;
        throw error;
      }
    },

    async isMFAChallengeCompleted({ challengeId }) {
      const row = await db
        .selectFrom("completed_mfa_challenges")
        .select("id")
        .where("id", "=", challengeId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
  return repository;
}

/**
 * The number of the user's unused backup codes, through the (user_id, used_at) index. MySQL
 * answers COUNT(*) as a string, SQLite as a number.
 */
export function unusedBackupCodeCount(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom("backup_codes")
    .select((eb) => eb.fn.countAll<number | string>().as("remaining"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null);
}

/** The factor's status and the unused codes' count as the domain's status (MySQL answers COUNT(*) as a string). */
export function mapTwoFactorStatus(row: {
  two_factor_status: string | null;
  backup_codes_remaining: number | string;
}): TwoFactorStatus {
  const enabled = row.two_factor_status === "enabled";
  return { enabled, backupCodesRemaining: enabled ? Number(row.backup_codes_remaining) : 0 };
}

function mapFactorRow(row: Selectable<TOTPFactorsTable>): TOTPFactor {
  if (row.status !== "pending" && row.status !== "enabled") {
    throw new Error(`Unknown TOTP factor status in the database: ${row.status}`);
  }
  return {
    userId: row.user_id as UserId,
    encryptedSecret: row.encrypted_secret,
    status: row.status,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    createdAt: row.created_at,
    enabledAt: row.enabled_at,
  };
}

function mapBackupCodeRow(row: Selectable<BackupCodesTable>): BackupCode {
  return {
    id: row.id,
    userId: row.user_id as UserId,
    lookupId: row.lookup_id,
    codeHash: row.code_hash,
    usedAt: row.used_at,
  };
}
