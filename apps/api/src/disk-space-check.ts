import type { DependencyCheck } from "@superoauth/adapter-http";
import type { DiskSpace } from "@superoauth/adapter-sql";

/**
 * Below this much room on the disk holding the SQLite file, /ready and /status call the database
 * degraded: the write-ahead log alone may grow by 40 MiB before a checkpoint, and at zero every
 * sign-in, registration and refresh answers 503 (reads still work). The metric
 * superoauth_database_disk_bytes gives the figure for an alert of the operator's own.
 */
export const lowDiskSpaceBytes = 100 * 1024 * 1024;

/**
 * The `disk` check of an SQLite deployment, not required: short of room it is degraded and /ready
 * stays 200 (a full disk still serves reads, and the only instance taken out of its load balancer
 * would serve nothing). The figures stay off the public answer; the detail says only that room is
 * short.
 */
export function diskSpaceCheck(read: () => Promise<DiskSpace | null>): DependencyCheck {
  return {
    name: "disk",
    required: false,
    async check() {
      const space = await read();
      if (space === null || space.availableBytes >= lowDiskSpaceBytes) return { status: "up" };
      return {
        status: "degraded",
        detail:
          space.availableBytes === 0
            ? "the database's disk is full: writes are refused"
            : "under 100 MiB left on the database's disk",
      };
    },
  };
}
