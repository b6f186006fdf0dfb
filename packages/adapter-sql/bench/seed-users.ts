import { sql } from "kysely";
import type { Storage } from "../src/storage.ts";

/** Seeded accounts' emails start with this; nothing else registers under the domain. */
const seedDomain = "@seed.bench.invalid";
/** Rows per INSERT ... SELECT: ten batches make a million. */
const batchSize = 100_000;

/**
 * Makes the storage hold exactly `count` seeded users (a multiple of 100,000, or fewer than that),
 * for the benchmark's many-users comparison (docs/performance.md). Each batch is one
 * `INSERT ... SELECT` over a cross join of digit tables, so a million rows are ten statements
 * with no data sent: the same SQL on SQLite and MySQL (CONCAT exists on both since SQLite 3.44).
 * Seeded users have no password (they cannot sign in) and ids no UUIDv7 generator would make
 * (`00000000-0000-7000-8000-` and twelve digits). Already seeded: nothing to do; seeded to another
 * count: the seeded rows are deleted and seeded again. Answers how many rows it inserted. On MySQL a
 * seeding of 100,000 rows or more then waits for InnoDB to flush them (settleWrites).
 */
export async function seedUsers(storage: Storage, count: number): Promise<number> {
  const { db } = storage;
  const pattern = `%${seedDomain}`;
  const existing = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("email", "like", pattern)
    .executeTakeFirstOrThrow();
  if (Number(existing.n) === count) return 0;
  if (Number(existing.n) > 0) await db.deleteFrom("users").where("email", "like", pattern).execute();

  const now = new Date();
  const digits = sql.raw(
    `(${Array.from({ length: 10 }, (_, d) => `SELECT '${d}' AS d`).join(" UNION ALL ")})`,
  );
  const batches = Math.ceil(count / batchSize);
  for (let batch = 0; batch < batches; batch++) {
    const rows = Math.min(batchSize, count - batch * batchSize);
    // Digits d1..d5 make 00000..99999 within the batch; the batch number makes them unique.
    const number = sql`CONCAT(${String(batch).padStart(7, "0")}, d1.d, d2.d, d3.d, d4.d, d5.d)`;
    await sql`
      INSERT INTO users (id, email, email_verified, nickname, password_hash, status, role, created_at, updated_at)
      SELECT CONCAT('00000000-0000-7000-8000-', ${number}), CONCAT('seed-', ${number}, ${seedDomain}),
             1, 'seeded', NULL, 'active', 'user', ${now}, ${now}
      FROM ${digits} d1 CROSS JOIN ${digits} d2 CROSS JOIN ${digits} d3
           CROSS JOIN ${digits} d4 CROSS JOIN ${digits} d5
      ${rows < batchSize ? sql`WHERE CONCAT(d1.d, d2.d, d3.d, d4.d, d5.d) < ${String(rows).padStart(5, "0")}` : sql``}
    `.execute(db);
  }
  // A few batches' pages are flushed within seconds; a million rows' take a minute or more.
  if (count >= batchSize) await settleWrites(storage);
  return count;
}

/** InnoDB's dirty pages at which the seeded writes count as flushed (16 KiB each: 16 MiB). */
const settledDirtyPages = 1024;
/** The longest the seeding waits for them: a slow disk must not stall the benchmark for good. */
const settleLimitMs = 120_000;

/**
 * On MySQL, waits until InnoDB has written most of the seeded rows' pages to disk (its dirty pages
 * under `settledDirtyPages`, at most `settleLimitMs`). A million rows leave hundreds of MiB dirty,
 * which InnoDB flushes in the background for a minute or more: the rows measured right after the
 * seeding met that flushing (their commits' fsyncs queued behind it), and measured the disk, not
 * the service. SQLite writes its pages within the commit: nothing to wait for.
 */
async function settleWrites(storage: Storage): Promise<void> {
  if ((await storage.describe()).dialect !== "mysql") return;
  const started = Date.now();
  while (Date.now() - started < settleLimitMs) {
    const { rows } = await sql<{
      Value: string;
    }>`SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'`.execute(storage.db);
    if (Number(rows[0]?.Value ?? 0) < settledDirtyPages) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
