import type { MaintenanceNotices } from "@superoauth/application";
import type { MaintenanceNotice, UserId } from "@superoauth/domain";
import type { SQLContext } from "./dialects/dialect.ts";

/** The one row's id: there is one notice or none. */
const noticeId = 1;

/**
 * The MaintenanceNotices port over the `maintenance_notices` table: one row or none. Setting one
 * is an upsert of row 1, so two admins setting notices at once leave one of them, whole.
 */
export function createMaintenanceNotices({ db, dialect }: SQLContext): MaintenanceNotices {
  return {
    async current(): Promise<MaintenanceNotice | null> {
      const row = await db
        .selectFrom("maintenance_notices")
        .selectAll()
        .where("id", "=", noticeId)
        .executeTakeFirst();
      return row === undefined
        ? null
        : { message: row.message, setAt: row.set_at, setBy: row.set_by as UserId };
    },

    async replace(notice: MaintenanceNotice | null): Promise<void> {
      if (notice === null) {
        await db.deleteFrom("maintenance_notices").where("id", "=", noticeId).execute();
        return;
      }
      const values = { message: notice.message, set_at: notice.setAt, set_by: notice.setBy };
      await dialect
        .upsert(db.insertInto("maintenance_notices").values({ id: noticeId, ...values }), {
          key: ["id"],
          set: values,
        })
        .execute();
    },
  };
}
