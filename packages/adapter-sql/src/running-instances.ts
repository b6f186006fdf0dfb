import type { SQLContext } from "./dialects/dialect.ts";

/** An instance serving the database, as its last heartbeat wrote it. */
export interface RunningInstance {
  /** Random, new at each start. */
  readonly id: string;
  /** The machine's host name (a container's id under Docker) and the port: `api-2:3000`. */
  readonly host: string;
  /** The release it runs (the service's package version). */
  readonly releaseVersion: string;
  readonly startedAt: Date;
  readonly seenAt: Date;
  /** A setting's name to the keyed digest of its value: never the value. */
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * The instances serving one database (the `running_instances` table), so each can compare the
 * settings that must match on all of them (docs/operations.md, "Several instances").
 */
export interface RunningInstances {
  /** Writes this instance's row, seen `now`; rows not seen for a day are deleted on the way. */
  announce(instance: Omit<RunningInstance, "seenAt">, now: Date): Promise<void>;
  /** The instances seen at or after `since`, but `exceptId`, oldest start first. */
  seenSince(input: { since: Date; exceptId?: string }): Promise<RunningInstance[]>;
  /** Deletes this instance's row (a clean shutdown). */
  withdraw(id: string): Promise<void>;
}

/** How long the row of an instance that stopped without withdrawing (a crash, a kill) stays. */
const forgottenAfterMs = 24 * 3600_000;

export function createRunningInstances({ db, dialect }: SQLContext): RunningInstances {
  return {
    async announce(instance, now) {
      const values = {
        host: instance.host.slice(0, 255),
        release_version: instance.releaseVersion.slice(0, 64),
        started_at: instance.startedAt,
        seen_at: now,
        settings: JSON.stringify(instance.settings),
      };
      await dialect
        .upsert(db.insertInto("running_instances").values({ id: instance.id, ...values }), {
          key: ["id"],
          set: values,
        })
        .execute();
      await db
        .deleteFrom("running_instances")
        .where("seen_at", "<", new Date(now.getTime() - forgottenAfterMs))
        .execute();
    },

    async seenSince({ since, exceptId }) {
      const rows = await db
        .selectFrom("running_instances")
        .selectAll()
        .where("seen_at", ">=", since)
        .$if(exceptId !== undefined, (q) => q.where("id", "!=", exceptId as string))
        .orderBy("started_at")
        .orderBy("id")
        .execute();
      return rows.map((row) => ({
        id: row.id,
        host: row.host,
        releaseVersion: row.release_version,
        startedAt: row.started_at,
        seenAt: row.seen_at,
        settings: parseSettings(row.settings),
      }));
    },

    async withdraw(id) {
      await db.deleteFrom("running_instances").where("id", "=", id).execute();
    },
  };
}

/** The stored map, or nothing to compare when it is not one (written by hand, or cut short). */
function parseSettings(text: string): Readonly<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}
