import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalExportArchiveStore } from "@superoauth/adapter-archive";
import type { ExportArchiveStore } from "@superoauth/application";
import { InMemoryExportJobRepository } from "@superoauth/application/testing";
import { createExportJob, type UserId } from "@superoauth/domain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { userExportsOf } from "./user-exports.ts";

const userId = "0190a000-0000-7000-8000-000000000001" as UserId;
const exportId = "0190a000-0000-7000-8000-0000000000e1";

async function* text(value: string): AsyncIterable<string> {
  yield value;
}

describe("removing a deleted account's data exports (userExportsOf)", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "user-exports-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("interrupted at the archives (a crash, a failing disk), then run again as deleting the account again does: neither the archive nor the job is left", async () => {
    const jobs = new InMemoryExportJobRepository();
    await jobs.enqueueExportJob(createExportJob({ id: exportId, userId, requestedAt: new Date(0) }));
    const archives = createLocalExportArchiveStore({ directory });
    await archives.writeArchive({
      exportId,
      entries: [{ name: "profile.json", content: text('{"email":"holder@example.com"}\n') }],
      closingEntries: () => [],
    });
    expect(await readdir(directory)).toHaveLength(1);
    let interrupted = false;
    const failingOnce: ExportArchiveStore = {
      ...archives,
      async removeArchives(id) {
        if (!interrupted) {
          interrupted = true;
          throw new Error("the process died here");
        }
        return archives.removeArchives(id);
      },
    };
    const exports = userExportsOf(jobs, failingOnce);

    await expect(exports.removeExportsOfUser({ userId })).rejects.toThrow("the process died here");
    // Deleting the account again runs the removal again. Before the fix the job records went first,
    // so this run found none and the archive, the person's data, stayed on disk for good.
    await exports.removeExportsOfUser({ userId });
    expect(await readdir(directory)).toEqual([]);
    expect(await jobs.listExportJobIdsOfUser(userId)).toEqual([]);
  });

  it("an export's worker that publishes its archive while the deletion runs, between the archives and the records: the archive is not left", async () => {
    const jobs = new InMemoryExportJobRepository();
    await jobs.enqueueExportJob(createExportJob({ id: exportId, userId, requestedAt: new Date(0) }));
    const archives = createLocalExportArchiveStore({ directory });
    // The worker finishes just after the deletion removed the archives and before it deleted the
    // records: its completion finds its job and keeps the archive it renamed into place.
    const publishThenDelete = async (ids: readonly string[]) => {
      await archives.writeArchive({
        exportId,
        entries: [{ name: "profile.json", content: text('{"email":"holder@example.com"}\n') }],
        closingEntries: () => [],
      });
      return jobs.deleteExportJobs(ids);
    };
    const racing = new Proxy(jobs, {
      get(target, property) {
        if (property === "deleteExportJobs") return publishThenDelete;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

    await userExportsOf(racing, archives).removeExportsOfUser({ userId });

    // Before the fix the archive stayed: no record named it, so nothing would ever remove it.
    expect(await readdir(directory)).toEqual([]);
    expect(await jobs.listExportJobIdsOfUser(userId)).toEqual([]);
  });
});
