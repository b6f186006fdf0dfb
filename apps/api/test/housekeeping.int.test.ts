import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outboxFileName } from "@superoauth/adapter-mail";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { composeService } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

const database = useTestDatabase();

describe("housekeeping of the composed service", () => {
  it("prunes expired single-use records when it starts", async () => {
    const expired = new Date(Date.now() - 60_000);
    await database
      .db()
      .insertInto("oauth_authorizations")
      .values({
        state_hash: "e".repeat(64),
        provider: "github",
        link_user_id: null,
        created_at: expired,
        expires_at: expired,
      })
      .execute();
    const config = integrationTestConfig({
      DATABASE_URL: database.url(),
    });
    const service = await composeService(config, undefined);
    try {
      const deadline = Date.now() + 5_000;
      let left = 1;
      while (left > 0 && Date.now() < deadline) {
        left = (await database.db().selectFrom("oauth_authorizations").select("state_hash").execute()).length;
        if (left > 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(left).toBe(0);
    } finally {
      await service.close();
    }
  });

  it("removes at start the export archives no job owns that are more than an hour old, and nothing else", async () => {
    const root = await mkdtemp(join(tmpdir(), "superoauth-housekeeping-"));
    const directory = join(root, "exports");
    await mkdir(directory);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    // A deleted account's archive and a dead attempt's partial file (no job row names them), old.
    const orphans = [
      "0190a000-0000-7000-8000-0000000000a1.6a3d1c9e-0000-4000-8000-000000000001.zip",
      "0190a000-0000-7000-8000-0000000000a2.6a3d1c9e-0000-4000-8000-000000000002.zip.partial",
    ];
    // No job either, but written minutes ago; and the operator's own file, old.
    const kept = [
      "0190a000-0000-7000-8000-0000000000a3.6a3d1c9e-0000-4000-8000-000000000003.zip",
      "NOTES.txt",
    ];
    for (const name of [...orphans, ...kept]) await writeFile(join(directory, name), "x");
    for (const name of [...orphans, kept[1] ?? ""])
      await utimes(join(directory, name), twoHoursAgo, twoHoursAgo);
    const lines: { msg?: string; exports?: number }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const service = await composeService(
      integrationTestConfig({ DATABASE_URL: database.url(), EXPORT_DIR: directory }),
      logger,
    );
    try {
      const deadline = Date.now() + 5_000;
      while ((await readdir(directory)).length > kept.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect((await readdir(directory)).sort()).toEqual([...kept].sort());
      expect(lines).toContainEqual(
        expect.objectContaining({
          exports: 2,
          msg: "removed the archives of exports that no longer exist (left by an interrupted deletion or expiry)",
        }),
      );
    } finally {
      await service.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("deletes at start the outbox's mails older than a week (the longest a mailed link lives), and nothing else", async () => {
    const directory = await mkdtemp(join(tmpdir(), "superoauth-outbox-"));
    const day = 24 * 3600_000;
    const mailAt = (msAgo: number, subject: string) =>
      outboxFileName({ subject }, new Date(Date.now() - msAgo));
    const old = mailAt(7 * day + 3600_000, "Undo the change of your email address");
    const recent = mailAt(7 * day - 3600_000, "Undo the change of your email address");
    const files = [`${old}.txt`, `${old}.html`, `${recent}.txt`, `${recent}.html`, "NOTES.txt"];
    for (const name of files) await writeFile(join(directory, name), "x");
    const service = await composeService(
      integrationTestConfig({ DATABASE_URL: database.url(), OUTBOX_DIR: directory }),
      undefined,
    );
    try {
      const deadline = Date.now() + 5_000;
      while ((await readdir(directory)).length > 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect((await readdir(directory)).sort()).toEqual(
        [`${recent}.html`, `${recent}.txt`, "NOTES.txt"].sort(),
      );
    } finally {
      await service.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
