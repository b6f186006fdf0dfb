import type { SecurityEventLog } from "@superoauth/application";
import {
  type SecurityEvent,
  type SecurityEventType,
  securityEventTypes,
  type UserId,
} from "@superoauth/domain";
import type { Selectable } from "kysely";
import type { SecurityEventsTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";

/** The SecurityEventLog port over SQL. Ids are UUIDv7, so ordering by id is ordering by time. */
export function createSecurityEventLog({ db }: SQLContext): SecurityEventLog {
  return {
    async recordSecurityEvent(event: SecurityEvent): Promise<void> {
      await db
        .insertInto("security_events")
        .values({
          id: event.id,
          user_id: event.userId,
          type: event.type,
          occurred_at: event.occurredAt,
          ip: event.ip?.slice(0, 64) ?? null,
          user_agent: event.userAgent?.slice(0, 512) ?? null,
          details: JSON.stringify(event.details),
          actor_id: event.actorId,
        })
        .execute();
    },

    async listSecurityEventsOfUser(input: {
      userId: UserId;
      limit: number;
      beforeId?: string;
      types?: readonly SecurityEventType[];
    }): Promise<SecurityEvent[]> {
      let query = db.selectFrom("security_events").selectAll().where("user_id", "=", input.userId);
      if (input.beforeId !== undefined) query = query.where("id", "<", input.beforeId);
      if (input.types !== undefined) {
        if (input.types.length === 0) return [];
        query = query.where("type", "in", [...input.types]);
      }
      const rows = await query.orderBy("id", "desc").limit(input.limit).execute();
      return mapSecurityEventRows(rows);
    },
  };
}

/**
 * `security_events` rows as domain SecurityEvents (shared with the admin audit's read). A row of a
 * type this release does not know is left out: a newer release beside it in a rolling restart adds
 * types without a migration (ADR 0046 keeps releases apart only across one), and its rows must not
 * make this release's activity page, export and audit answer 500. A page may then hold fewer.
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
