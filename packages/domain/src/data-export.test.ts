import { describe, expect, it } from "vitest";
import {
  countsTowardExportAllowance,
  decideAfterFailedAttempt,
  type ExportStatus,
  exportAllowanceAt,
  exportAllowanceWindowMs,
  exportStatusAt,
  exportStatuses,
  isActiveExport,
  leaseHasLapsed,
  maxExportsPerWindow,
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

  it("counts active exports and those that made an archive, never one that failed on our side", () => {
    const sha256 = "ab".repeat(32);
    expect(countsTowardExportAllowance({ status: "pending", sha256: null })).toBe(true);
    expect(countsTowardExportAllowance({ status: "running", sha256: null })).toBe(true);
    expect(countsTowardExportAllowance({ status: "ready", sha256 })).toBe(true);
    expect(countsTowardExportAllowance({ status: "expired", sha256 })).toBe(true);
    expect(countsTowardExportAllowance({ status: "failed", sha256: null })).toBe(false);
    // A failed one after its expiry (EXPORT_TTL may be shorter than the window): still not counted.
    expect(countsTowardExportAllowance({ status: "expired", sha256: null })).toBe(false);
  });

  it("allows five exports a day, then says when the oldest counted one leaves the window", () => {
    const hour = 3600_000;
    const ago = (ms: number) => new Date(now.getTime() - ms);
    // Newest first, as the repository answers them.
    const five = [ago(1 * hour), ago(2 * hour), ago(3 * hour), ago(4 * hour), ago(5 * hour)];
    expect(maxExportsPerWindow).toBe(5);
    expect(exportAllowanceAt([], now)).toEqual({ allowed: true });
    expect(exportAllowanceAt(five.slice(0, 4), now)).toEqual({ allowed: true });
    expect(exportAllowanceAt(five, now)).toEqual({
      allowed: false,
      waitMs: exportAllowanceWindowMs - 5 * hour,
    });
    // One requested exactly a day ago has left the window.
    expect(exportAllowanceAt([...five.slice(0, 4), ago(exportAllowanceWindowMs)], now)).toEqual({
      allowed: true,
    });
    expect(exportAllowanceAt([...five.slice(0, 4), ago(exportAllowanceWindowMs - 1)], now)).toEqual({
      allowed: false,
      waitMs: 1,
    });
    // More than five (requests that raced): the fifth newest decides.
    expect(exportAllowanceAt([ago(0), ...five], now)).toEqual({
      allowed: false,
      waitMs: exportAllowanceWindowMs - 4 * hour,
    });
  });
});
