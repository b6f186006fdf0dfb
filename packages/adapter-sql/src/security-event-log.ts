import type { EntryFold, SecurityEventLog, StaffAllowance, StaffEntryRecord } from "@superoauth/application";
import {
  type SecurityEvent,
  type SecurityEventType,
  securityEventTypes,
  staffAllowanceTypesOf,
  type UserId,
} from "@superoauth/domain";
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Database, SecurityEventsTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/** The SecurityEventLog port over SQL. Ids are UUIDv7, so ordering by id is ordering by time. */
export function createSecurityEventLog(context: SQLContext): SecurityEventLog {
  const { db } = context;
  return {
    async recordSecurityEvent(event: SecurityEvent): Promise<void> {
      // One statement, written only while the account's row is there: on MySQL the SELECT part is a
      // locking read (REPEATABLE READ), so it waits for a deletion holding the row and then finds it
      // gone, or it goes first and the deletion finds the entry; SQLite writes one at a time.
      const row = rowOf(event);
      await db
        .insertInto("security_events")
        .columns(eventColumns)
        .expression(
          db
            .selectFrom("users")
            .select(eventColumns.map((column) => sql`${row[column]}`.as(column)))
            .where("users.id", "=", event.userId),
        )
        .execute();
    },

    async recordOfDeletedAccount(event: SecurityEvent): Promise<void> {
      await insertEvent(db, event);
    },

    async recordStaffEntry(
      event: SecurityEvent,
      allowance: StaffAllowance,
      fold?: EntryFold,
      step?: () => Promise<boolean>,
    ): Promise<StaffEntryRecord> {
      const actorId = event.actorId;
      if (actorId === null) throw new Error("a staff entry is recorded with its actor");
      // A spent allowance is answered by plain reads (the fold first: a read it folds is not
      // counted, so it is never refused); under it, the lock decides. Not inside a caller's
      // transaction: there the lock below must come first, for its snapshot (REPEATABLE READ) to be
      // taken after it and see every entry committed before it.
      if (!db.isTransaction) {
        const before = await countStaffEntries(db, actorId, event.type, allowance);
        if (before.count >= allowance.max) {
          if (fold !== undefined && !(await admitted(db, event.userId, fold))) {
            return { recorded: false, folded: true };
          }
          return { recorded: false, oldest: before.oldest ?? allowance.since };
        }
      }
      return runInTransaction(context, async (trx) => {
        // The actor's user row is the lock every entry of theirs takes first, so concurrent ones are
        // counted one after the other (as a user's mail issues are: email-token-repository.ts); the
        // account read is locked next, so a deletion cannot commit between its check and the insert.
        const present =
          (await lockedAccount(context, trx, actorId)) &&
          (event.userId === actorId || (await lockedAccount(context, trx, event.userId)));
        if (!present) return { recorded: false, gone: true } as const;
        // The plain reads come after the lock, so the transaction's snapshot is taken after it.
        if (fold !== undefined && !(await admitted(trx, event.userId, fold))) {
          return { recorded: false, folded: true } as const;
        }
        const counted = await countStaffEntries(trx, actorId, event.type, allowance);
        if (counted.count >= allowance.max) {
          return { recorded: false, oldest: counted.oldest ?? allowance.since } as const;
        }
        // The step (a link issued) writes in this transaction, under the locks: with the entry or not at all.
        if (step !== undefined && !(await step())) return { recorded: false, withheld: true } as const;
        await insertEvent(trx, event);
        return { recorded: true } as const;
      });
    },

    async recordFolded(event: SecurityEvent, fold: EntryFold): Promise<boolean> {
      return runInTransaction(context, async (trx) => {
        // The user's row is the lock, as for staff reads above: concurrent records fold one after the
        // other. No row: the account was deleted (after a refusal queued this), and its id gets nothing.
        if (!(await lockedAccount(context, trx, event.userId))) return false;
        if (!(await admitted(trx, event.userId, fold))) return false;
        await insertEvent(trx, event);
        return true;
      });
    },

    listSecurityEventsOfUser: (input) => listEvents(db, input),
  };
}

/** Locks the account's row (`FOR UPDATE`; SQLite's transaction is the lock), and whether it exists. */
async function lockedAccount(
  { dialect }: SQLContext,
  trx: Transaction<Database>,
  userId: UserId,
): Promise<boolean> {
  const rows = await dialect
    .forUpdate(trx.selectFrom("users").select("id").where("id", "=", userId))
    .execute();
  return rows.length > 0;
}

/** Whether `fold` admits a new entry, given the user's latest entries of its types. */
async function admitted(
  db: Kysely<Database> | Transaction<Database>,
  userId: UserId,
  fold: EntryFold,
): Promise<boolean> {
  return fold.admits(await listEvents(db, { userId, limit: fold.limit, types: fold.types }));
}

/** A user's entries, newest first; `beforeId` continues after a page's last; `types`: only those. */
async function listEvents(
  db: Kysely<Database> | Transaction<Database>,
  input: { userId: UserId; limit: number; beforeId?: string; types?: readonly SecurityEventType[] },
): Promise<SecurityEvent[]> {
  if (input.types !== undefined && input.types.length === 0) return [];
  let query = db
    .selectFrom("security_events")
    .selectAll()
    .where("user_id", "=", input.userId)
    .where("type", "in", [...(input.types ?? securityEventTypes)]);
  if (input.beforeId !== undefined) query = query.where("id", "<", input.beforeId);
  const rows = await query.orderBy("id", "desc").limit(input.limit).execute();
  return mapSecurityEventRows(rows);
}

const eventColumns = [
  "id",
  "user_id",
  "type",
  "occurred_at",
  "ip",
  "user_agent",
  "details",
  "actor_id",
] as const satisfies readonly (keyof SecurityEventsTable)[];

/** The row an entry is stored as. */
function rowOf(
  event: SecurityEvent,
): Insertable<SecurityEventsTable> & Record<(typeof eventColumns)[number], unknown> {
  return {
    id: event.id,
    user_id: event.userId,
    type: event.type,
    occurred_at: event.occurredAt,
    ip: event.ip?.slice(0, 64) ?? null,
    user_agent: event.userAgent?.slice(0, 512) ?? null,
    details: JSON.stringify(event.details),
    actor_id: event.actorId,
  };
}

/** Writes the entry as it is: its account's row is locked by the caller, or gone by design (a pseudonym). */
async function insertEvent(
  db: Kysely<Database> | Transaction<Database>,
  event: SecurityEvent,
): Promise<void> {
  await db.insertInto("security_events").values(rowOf(event)).execute();
}

/** The actor's entries of the event's kind (staffAllowanceTypesOf) recorded at or after the allowance's start (by the actor index), and the oldest one's time. */
async function countStaffEntries(
  db: Kysely<Database> | Transaction<Database>,
  actorId: UserId,
  type: SecurityEventType,
  allowance: StaffAllowance,
): Promise<{ count: number; oldest: Date | null }> {
  const kind = staffAllowanceTypesOf(type);
  if (kind.length === 0) throw new Error(`no staff allowance counts ${type}`);
  const row = await db
    .selectFrom("security_events")
    .select((eb) => [
      eb.fn.countAll<number | bigint | string>().as("n"),
      // Named `*_at` so SQLite's dialect reads it back as a Date, as mysql2 does a DATETIME's MIN.
      eb.fn.min<Date | null>("occurred_at").as("oldest_at"),
    ])
    .where("actor_id", "=", actorId)
    .where("type", "in", [...kind])
    .where("occurred_at", ">=", allowance.since)
    .executeTakeFirst();
  return { count: Number(row?.n ?? 0), oldest: row?.oldest_at ?? null };
}

/**
 * `security_events` rows as domain SecurityEvents (shared with the admin audit's read). A row of a
 * type this release does not know is left out: a newer release beside it in a rolling restart adds
 * types without a migration (ADR 0046 keeps releases apart only across one), and its rows must not
 * make this release's activity page, export and audit answer 500. Every read also asks only for the
 * types it knows (`type IN` securityEventTypes), so its LIMIT counts the rows it keeps: a page with
 * such rows among it was short, and a reader that stops at a short page (the export, the pages'
 * "more") stopped before the older entries.
 */
export function mapSecurityEventRows(rows: readonly Selectable<SecurityEventsTable>[]): SecurityEvent[] {
  return rows.filter((row) => (securityEventTypes as readonly string[]).includes(row.type)).map(mapRow);
}

function mapRow(row: Selectable<SecurityEventsTable>): SecurityEvent {
  return {
    id: row.id,
    userId: row.user_id as UserId,
    type: row.type as SecurityEventType,
    occurredAt: row.occurred_at,
    ip: row.ip,
    userAgent: row.user_agent,
    actorId: row.actor_id as UserId | null,
    details: JSON.parse(row.details) as SecurityEvent["details"],
  };
}
