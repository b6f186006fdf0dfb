import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExportArchiveEntry, ExportArchiveFile } from "@superoauth/application";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalExportArchiveStore } from "../src/local-export-archive-store.ts";
import { readAll, readZip } from "./read-zip.ts";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "superoauth-exports-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const exportId = "0190a000-0000-7000-8000-000000000001";
const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

async function* chunks(...parts: string[]): AsyncIterable<string> {
  for (const part of parts) yield part;
}

const entry = (name: string, ...parts: string[]): ExportArchiveEntry => ({ name, content: chunks(...parts) });

describe("the local export archive store", () => {
  it("writes a ZIP of the entries and closing entries built from their hashes, and reports the archive's SHA-256", async () => {
    const store = createLocalExportArchiveStore({ directory });
    let seen: readonly ExportArchiveFile[] = [];
    const written = await store.writeArchive({
      exportId,
      entries: [entry("a.json", '{"a":', "1}"), entry("é.json", "[]", "\n"), entry("empty.json")],
      closingEntries: (files) => {
        seen = files;
        return [entry("manifest.json", JSON.stringify(files))];
      },
    });
    expect(seen).toEqual([
      { name: "a.json", sha256: sha256('{"a":1}'), sizeBytes: 7 },
      { name: "é.json", sha256: sha256("[]\n"), sizeBytes: 3 },
      { name: "empty.json", sha256: sha256(""), sizeBytes: 0 },
    ]);
    expect(written.fileKey).toMatch(new RegExp(`^${exportId}\\.[0-9a-f-]{36}\\.zip$`));
    expect(await readdir(directory)).toEqual([written.fileKey]);
    const bytes = await readFile(join(directory, written.fileKey));
    expect(written).toMatchObject({ sizeBytes: bytes.length, sha256: sha256(bytes) });
    const files = await readZip(bytes);
    expect([...files.entries()]).toEqual([
      ["a.json", '{"a":1}'],
      ["é.json", "[]\n"],
      ["empty.json", ""],
      ["manifest.json", JSON.stringify(seen)],
    ]);
    const content = await store.openArchive(written.fileKey);
    if (content === null) throw new Error("the archive is missing");
    expect((await readAll(content)).equals(bytes)).toBe(true);
  });

  it("a download opened before the expiry removes the archive still sends every byte (the open file outlives its name)", async () => {
    const store = createLocalExportArchiveStore({ directory });
    const big = "x".repeat(256 * 1024);
    const written = await store.writeArchive({
      exportId,
      entries: [entry("a.json", big, big, big, big)],
      closingEntries: () => [],
    });
    const bytes = await readFile(join(directory, written.fileKey));
    const content = await store.openArchive(written.fileKey);
    if (content === null) throw new Error("the archive is missing");
    const reading = content[Symbol.asyncIterator]();
    const first = await reading.next();
    await store.removeArchive(written.fileKey);
    expect(await readdir(directory)).toEqual([]);
    const rest: Uint8Array[] = [];
    for (let next = await reading.next(); next.done !== true; next = await reading.next())
      rest.push(next.value);
    const sent = Buffer.concat([first.value as Uint8Array, ...rest]);
    expect(sent.length).toBe(written.sizeBytes);
    expect(sent.equals(bytes)).toBe(true);
    expect(await store.openArchive(written.fileKey)).toBeNull();
  });

  it("reads an entry's content only once the entries before it are written", async () => {
    const store = createLocalExportArchiveStore({ directory });
    const events: string[] = [];
    async function* traced(name: string): AsyncIterable<string> {
      events.push(`${name} start`);
      yield name;
      events.push(`${name} end`);
    }
    await store.writeArchive({
      exportId,
      entries: ["one", "two", "three"].map((name) => ({ name, content: traced(name) })),
      closingEntries: () => [],
    });
    expect(events).toEqual(["one start", "one end", "two start", "two end", "three start", "three end"]);
  });

  it("rejects with an entry's error and leaves no file, not even a partial one", async () => {
    const store = createLocalExportArchiveStore({ directory });
    async function* broken(): AsyncIterable<string> {
      yield "x".repeat(200_000);
      throw new Error("lease lost");
    }
    const write = store.writeArchive({
      exportId,
      entries: [entry("a.json", "{}"), { name: "b.json", content: broken() }, entry("c.json", "{}")],
      closingEntries: () => [entry("manifest.json", "{}")],
    });
    await expect(write).rejects.toThrow("lease lost");
    expect(await readdir(directory)).toEqual([]);
  });

  it("rejects when the closing entries cannot be built, leaving no file", async () => {
    const store = createLocalExportArchiveStore({ directory });
    const write = store.writeArchive({
      exportId,
      entries: [entry("a.json", "{}")],
      closingEntries: () => {
        throw new Error("no manifest");
      },
    });
    await expect(write).rejects.toThrow("no manifest");
    expect(await readdir(directory)).toEqual([]);
  });

  it("answers null for an archive that is gone or a key that is not a plain name, and tells of the one gone", async () => {
    const missing: string[] = [];
    const store = createLocalExportArchiveStore({ directory, onMissingArchive: (key) => missing.push(key) });
    expect(await store.openArchive(`${exportId}.gone.zip`)).toBeNull();
    expect(missing).toEqual([`${exportId}.gone.zip`]);
    await writeFile(join(directory, "..", "outside.zip"), "x");
    expect(await store.openArchive("../outside.zip")).toBeNull();
    await rm(join(directory, "..", "outside.zip"));
    await expect(store.removeArchives("../x")).rejects.toThrow("plain name");
  });

  it("removes every file of an export, its leftovers included, and nothing of another's", async () => {
    const store = createLocalExportArchiveStore({ directory });
    const other = "0190a000-0000-7000-8000-000000000002";
    const mine = await store.writeArchive({ exportId, entries: [entry("a", "1")], closingEntries: () => [] });
    const theirs = await store.writeArchive({
      exportId: other,
      entries: [entry("a", "1")],
      closingEntries: () => [],
    });
    await writeFile(join(directory, `${exportId}.dead.zip.partial`), "half");
    await store.removeArchives(exportId);
    expect(await readdir(directory)).toEqual([theirs.fileKey]);
    expect(await store.openArchive(mine.fileKey)).toBeNull();
    await store.removeArchive(theirs.fileKey);
    expect(await readdir(directory)).toEqual([]);
    await store.removeArchives(exportId);
  });

  it("lists the exports its files belong to, once each, by when they were last written, and nothing it did not write", async () => {
    const store = createLocalExportArchiveStore({ directory });
    expect(
      await createLocalExportArchiveStore({ directory: join(directory, "none") }).listArchivedExportIds({
        writtenBefore: new Date(),
      }),
    ).toEqual([]);
    const old = "0190a000-0000-7000-8000-00000000000a";
    const partialOnly = "0190a000-0000-7000-8000-00000000000b";
    const recent = "0190a000-0000-7000-8000-00000000000c";
    const hourAgo = new Date(Date.now() - 3600_000);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const first = await store.writeArchive({
      exportId: old,
      entries: [entry("a", "1")],
      closingEntries: () => [],
    });
    await writeFile(join(directory, `${old}.dead.zip.partial`), "half");
    await writeFile(join(directory, `${partialOnly}.dead.zip.partial`), "half");
    await store.writeArchive({ exportId: recent, entries: [entry("a", "1")], closingEntries: () => [] });
    // The operator's files, however old: never listed.
    await writeFile(join(directory, "README.txt"), "mine");
    await writeFile(join(directory, `${old}.zip`), "not a key");
    for (const name of [
      first.fileKey,
      `${old}.dead.zip.partial`,
      `${partialOnly}.dead.zip.partial`,
      "README.txt",
      `${old}.zip`,
    ])
      await utimes(join(directory, name), twoHoursAgo, twoHoursAgo);

    expect([...(await store.listArchivedExportIds({ writtenBefore: hourAgo }))].sort()).toEqual([
      old,
      partialOnly,
    ]);
    expect(await store.listArchivedExportIds({ writtenBefore: twoHoursAgo })).toEqual([]);
    expect(
      [...(await store.listArchivedExportIds({ writtenBefore: new Date(Date.now() + 1000) }))].sort(),
    ).toEqual([old, partialOnly, recent]);
  });

  it("creates its directory on first write, for its owner only, and removing from a missing one does nothing", async () => {
    const nested = join(directory, "a", "b");
    const store = createLocalExportArchiveStore({ directory: nested });
    await store.removeArchives(exportId);
    const written = await store.writeArchive({
      exportId,
      entries: [entry("a", "1")],
      closingEntries: () => [],
    });
    expect(await readdir(nested)).toEqual([written.fileKey]);
    // A person's data: owner only, whatever the process's umask (0022 here would give 0755 and 0644).
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    expect((await stat(join(nested, written.fileKey))).mode & 0o777).toBe(0o600);
  });
});
