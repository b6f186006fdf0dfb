import { describe, expect, it } from "vitest";
import { diskSpaceCheck, lowDiskSpaceBytes } from "./disk-space-check.ts";
import { judgeDiskSpace } from "./doctor.ts";

const total = 50 * 2 ** 30;
const mib = 2 ** 20;

describe("the disk check of an SQLite deployment (/ready, /status)", () => {
  it("is up with room, or when the storage reports no disk (MySQL), and shows no figure", async () => {
    expect(
      await diskSpaceCheck(async () => ({ availableBytes: 20 * 2 ** 30, totalBytes: total })).check(),
    ).toEqual({
      status: "up",
    });
    expect(
      await diskSpaceCheck(async () => ({ availableBytes: lowDiskSpaceBytes, totalBytes: total })).check(),
    ).toEqual({ status: "up" });
    expect(await diskSpaceCheck(async () => null).check()).toEqual({ status: "up" });
  });

  it("is degraded, not down, under 100 MiB and when full, saying so without the figures", async () => {
    const check = (availableBytes: number) =>
      diskSpaceCheck(async () => ({ availableBytes, totalBytes: total }));
    expect(check(0).required).toBe(false);
    expect(check(0).name).toBe("disk");
    expect(await check(lowDiskSpaceBytes - 1).check()).toEqual({
      status: "degraded",
      detail: "under 100 MiB left on the database's disk",
    });
    expect(await check(0).check()).toEqual({
      status: "degraded",
      detail: "the database's disk is full: writes are refused",
    });
  });
});

describe("pnpm doctor's disk line", () => {
  it("gives the figures: ok with room, a warning under 100 MiB, a failure when full; nothing for MySQL", () => {
    expect(judgeDiskSpace({ availableBytes: 20 * 2 ** 30, totalBytes: total })).toEqual([
      { check: "disk", status: "ok", detail: "20,480 MiB free of 51,200 MiB on the database file's disk" },
    ]);
    expect(judgeDiskSpace({ availableBytes: 42 * mib, totalBytes: total })).toEqual([
      {
        check: "disk",
        status: "warn",
        detail:
          "42 MiB free of 51,200 MiB on the database file's disk: writes are refused (503) once it is full; make room (pruned rows are reused, not returned: docs/operations.md)",
      },
    ]);
    expect(judgeDiskSpace({ availableBytes: 0, totalBytes: total })).toEqual([
      {
        check: "disk",
        status: "fail",
        detail:
          "0 MiB free of 51,200 MiB on the database file's disk: every write is refused (503); make room, and the service recovers by itself",
      },
    ]);
    expect(judgeDiskSpace(null)).toEqual([]);
  });
});
