import { describe, expect, it } from "vitest";
import {
  decideAfterFailedAttempt,
  type ExportStatus,
  exportStatusAt,
  exportStatuses,
  isActiveExport,
  leaseHasLapsed,
} from "./data-export.ts";

const now = new Date("2026-11-30T12:00:00.000Z");
const before = new Date(now.getTime() - 1);
const after = new Date(now.getTime() + 1);

describe("data export rules", () => {
  it("only pending and running exports are active", () => {
    const active = exportStatuses.filter(isActiveExport);
    expect(active).toEqual(["pending", "running"]);
  });

  it("a ready or failed export reads as expired from its expiry on, whatever the prune did", () => {
    for (const status of ["ready", "failed"] as const) {
      expect(exportStatusAt({ status, expiresAt: after }, now)).toBe(status);
      expect(exportStatusAt({ status, expiresAt: now }, now)).toBe("expired");
      expect(exportStatusAt({ status, expiresAt: before }, now)).toBe("expired");
    }
  });

  it("pending, running and expired exports read as they are stored", () => {
    for (const status of ["pending", "running", "expired"] satisfies ExportStatus[]) {
      expect(exportStatusAt({ status, expiresAt: before }, now)).toBe(status);
      expect(exportStatusAt({ status, expiresAt: null }, now)).toBe(status);
    }
  });

  it("a failed attempt is retried while attempts are left, then the job fails", () => {
    expect(decideAfterFailedAttempt({ attempts: 1, maxAttempts: 3 })).toBe("retry");
    expect(decideAfterFailedAttempt({ attempts: 2, maxAttempts: 3 })).toBe("retry");
    expect(decideAfterFailedAttempt({ attempts: 3, maxAttempts: 3 })).toBe("fail");
    expect(decideAfterFailedAttempt({ attempts: 4, maxAttempts: 3 })).toBe("fail");
  });

  it("a lease lapses at its expiry, and only a running job holds one", () => {
    expect(leaseHasLapsed({ status: "running", leaseExpiresAt: after }, now)).toBe(false);
    expect(leaseHasLapsed({ status: "running", leaseExpiresAt: now }, now)).toBe(true);
    expect(leaseHasLapsed({ status: "running", leaseExpiresAt: before }, now)).toBe(true);
    expect(leaseHasLapsed({ status: "pending", leaseExpiresAt: before }, now)).toBe(false);
    expect(leaseHasLapsed({ status: "running", leaseExpiresAt: null }, now)).toBe(false);
  });
});
