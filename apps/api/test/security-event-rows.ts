import { randomUUID } from "node:crypto";
import type { Storage } from "@superoauth/adapter-sql";

/**
 * Writes `count` sign-in events of one account straight into `security_events`, 1,000 rows per
 * INSERT, one second apart and ending now: a large account in seconds, for the data export's
 * benchmark (bench/export-memory.ts) and its crash test, where registering through the API would
 * take minutes of argon2.
 */
export async function seedSecurityEvents(
  db: Storage["db"],
  input: { userId: string; count: number },
): Promise<void> {
  const batch = 1_000;
  const base = Date.now() - input.count * 1000;
  for (let done = 0; done < input.count; done += batch) {
    const rows = Array.from({ length: Math.min(batch, input.count - done) }, (_, i) => {
      const n = done + i;
      // UUIDv7-like ids that sort by time, as the log's cursor expects.
      const time = (base + n * 1000).toString(16).padStart(12, "0");
      return {
        id: `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`,
        user_id: input.userId,
        type: n % 2 === 0 ? "login_succeeded" : "login_failed",
        occurred_at: new Date(base + n * 1000),
        ip: `203.0.113.${n % 250}`,
        user_agent:
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        details: JSON.stringify({ method: "password" }),
      };
    });
    await db.insertInto("security_events").values(rows).execute();
  }
}
