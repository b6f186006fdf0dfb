import type { Kysely } from "kysely";
import type { Database } from "./database.ts";
import type { Storage } from "./storage.ts";

/**
 * Every table of the schema, parents before children: a row's foreign key (sessions.user_id,
 * refresh_tokens.session_id, ...) always points at a table copied before it. Typed as a record of
 * every key of Database so a table added there and missing here fails to compile; copy-storage tests
 * compare it with the tables the migrations create, so a table added by a migration alone fails too.
 * The Kysely migration tables are not listed: the target migrates itself. Nor are the tables of
 * the running service rather than of its data (`notCopied`).
 */
const copyOrder: Readonly<Record<Exclude<keyof Database, NotCopied>, number>> = {
  users: 0,
  sessions: 1,
  refresh_tokens: 2,
  security_events: 3,
  linked_providers: 4,
  oauth_authorizations: 5,
  oauth_login_codes: 6,
  email_tokens: 7,
  totp_factors: 8,
  backup_codes: 9,
  login_failures: 10,
  known_sign_in_sources: 11,
  completed_mfa_challenges: 12,
  oidc_models: 13,
  signing_keys: 14,
  apps: 15,
  app_authorizations: 16,
  export_jobs: 17,
  maintenance_notices: 18,
};

/**
 * The instances that served the source (each writes its row every minute): the target's own
 * instances write theirs. A target holding rows only here (a service started on it once) is empty.
 */
export const notCopied = ["running_instances"] as const;
type NotCopied = (typeof notCopied)[number];

/** The tables copyStorage copies, in the order it copies them. */
export const copiedTables: readonly Exclude<keyof Database, NotCopied>[] = (
  Object.keys(copyOrder) as Exclude<keyof Database, NotCopied>[]
).sort((a, b) => copyOrder[a] - copyOrder[b]);

/** Rows per INSERT: memory stays bounded whatever the table's size, and far below both dialects' parameter limits. */
const defaultBatchSize = 500;

export interface TableCount {
  readonly table: keyof Database;
  readonly rows: number;
}

export type CopyOutcome =
  | { readonly copied: true; readonly tables: readonly TableCount[]; readonly total: number }
  /** The source's schema is behind the code: copying it would miss columns the target has. */
  | { readonly copied: false; readonly reason: "SOURCE_NOT_MIGRATED"; readonly pending: readonly string[] }
  /** The target holds rows (in any table, ours or not): a copy never overwrites or merges. */
  | { readonly copied: false; readonly reason: "TARGET_NOT_EMPTY"; readonly tables: readonly string[] };

/**
 * Copies every row of one storage into another, of either dialect: the target is migrated to the
 * latest schema, then each table is streamed from the source and inserted in batches, one transaction
 * per table (parents first, so the target's foreign keys hold throughout). Values go through Kysely
 * on both sides, so each driver converts them: Dates (DATETIME(3) in MySQL, ISO-8601 text in SQLite)
 * and booleans (TINYINT(1), 0/1). The service must not run on either database meanwhile (a row written
 * during the copy may be missed). Throws when the row counts differ afterwards.
 */
export async function copyStorage(input: {
  from: Storage;
  to: Storage;
  /** Called after each table, with its row count. */
  onProgress?: (count: TableCount) => void;
  batchSize?: number;
}): Promise<CopyOutcome> {
  const { from, to } = input;
  const pending = (await from.migrationStatus()).filter((m) => m.executedAt === null).map((m) => m.name);
  if (pending.length > 0) return { copied: false, reason: "SOURCE_NOT_MIGRATED", pending };

  // Migrating first also creates a missing MySQL database; on a non-empty target it applies only what
  // the service itself would apply at its next start, and no row is touched.
  await to.migrate();
  const occupied = await tablesWithRows(to.db);
  if (occupied.length > 0) return { copied: false, reason: "TARGET_NOT_EMPTY", tables: occupied };

  const batchSize = input.batchSize ?? defaultBatchSize;
  const tables: TableCount[] = [];
  for (const table of copiedTables) {
    const rows = await copyTable({ from: from.db, to: to.db, table, batchSize });
    const count = { table, rows };
    tables.push(count);
    input.onProgress?.(count);
  }

  for (const { table, rows } of tables) {
    const [source, target] = await Promise.all([countRows(from.db, table), countRows(to.db, table)]);
    if (source !== rows || target !== rows) {
      throw new Error(
        `Copying ${table} is incomplete: ${rows} row(s) copied, ${source} in the source and ${target} in the target now`,
      );
    }
  }
  return { copied: true, tables, total: tables.reduce((sum, t) => sum + t.rows, 0) };
}

async function copyTable(input: {
  from: Kysely<Database>;
  to: Kysely<Database>;
  table: keyof Database;
  batchSize: number;
}): Promise<number> {
  const { from, to, table, batchSize } = input;
  return to.transaction().execute(async (trx) => {
    let copied = 0;
    let batch: Record<string, unknown>[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      // Rows of one table, read by selectAll from the same schema: the columns match the target's.
      await trx
        .insertInto(table)
        .values(batch as never)
        .execute();
      copied += batch.length;
      batch = [];
    };
    // A stream, not one SELECT: only one batch of rows is held at a time.
    for await (const row of from.selectFrom(table).selectAll().stream(batchSize)) {
      batch.push(row);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    return copied;
  });
}

async function countRows(db: Kysely<Database>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table as keyof Database)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Every table of the database that holds a row. Kysely's introspection leaves out its own migration
 * tables (which migrate just wrote), and includes tables that are not ours: a database shared with
 * something else is not a target either.
 */
async function tablesWithRows(db: Kysely<Database>): Promise<string[]> {
  const occupied: string[] = [];
  for (const { name } of await db.introspection.getTables()) {
    if ((notCopied as readonly string[]).includes(name)) continue;
    if ((await countRows(db, name)) > 0) occupied.push(name);
  }
  return occupied;
}
