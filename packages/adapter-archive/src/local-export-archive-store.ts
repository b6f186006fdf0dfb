import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type {
  ExportArchiveEntry,
  ExportArchiveFile,
  ExportArchiveStore,
  StoredExportArchive,
} from "@superoauth/application";
import { ZipFile } from "yazl";

/** Text is handed to the ZIP writer in chunks of about this size, not a chunk per record. */
const chunkBytes = 64 * 1024;

/** What an export id and a file key may look like: a name in the directory, never a path. */
const exportIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const fileKeyPattern = /^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}\.zip$/;

/**
 * Export archives as ZIP files in one local directory (EXPORT_DIR; docs/decisions/0025). An archive
 * is written by yazl, streamed: each entry's content is read only while that entry is deflated,
 * a chunk at a time, so memory stays flat whatever the account's size. The file is written as
 * `<key>.partial` and renamed to `<key>` (`<exportId>.<random>.zip`) once complete and flushed, so
 * a reader never sees half an archive; a crash leaves a `.partial` that the next attempt or the
 * expiry of the export removes (removeArchives). Several instances can share the directory (a
 * network volume): names never collide, and each job is written by the one worker holding it.
 */
export function createLocalExportArchiveStore(input: {
  directory: string;
  /**
   * Told when a ready export's archive is not in the directory: deleted by hand, a lost volume,
   * or (the usual cause with several instances) an EXPORT_DIR that is not shared by all of them.
   */
  onMissingArchive?: (fileKey: string) => void;
}): ExportArchiveStore {
  const { directory } = input;
  const pathOf = (name: string) => join(directory, name);

  return {
    async writeArchive({ exportId, entries, closingEntries }): Promise<StoredExportArchive> {
      checkExportId(exportId);
      // Owner only, whatever the umask: an archive holds a person's data. (A folder that already
      // exists keeps its mode: the operator chose it.)
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const fileKey = `${exportId}.${randomUUID()}.zip`;
      const partial = pathOf(`${fileKey}.partial`);
      const zip = new ZipFile();
      // yazl's types say NodeJS.ReadableStream; it is a stream.PassThrough.
      const output = zip.outputStream as Readable;
      const archiveHash = createHash("sha256");
      let sizeBytes = 0;
      const written = pipeline(
        output,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            archiveHash.update(chunk);
            sizeBytes += chunk.length;
            done(null, chunk);
          },
        }),
        // flush: fsync before close, so the rename below never publishes bytes still in the page cache.
        createWriteStream(partial, { flags: "wx", flush: true, mode: 0o600 }),
      );
      // Until the pipeline settles, a failure anywhere (an entry's content, the disk) must stop
      // the waits below too.
      const failed = written.then(
        () => new Promise<never>(() => {}),
        (error: unknown) => Promise.reject(error),
      );
      const fail = (error: unknown) =>
        output.destroy(error instanceof Error ? error : new Error(String(error)));
      zip.on("error", fail);
      try {
        const files: ExportArchiveFile[] = [];
        // One entry at a time: the next one's content is not read before this one is written.
        const add = async (entry: ExportArchiveEntry) => {
          const done = new Promise<ExportArchiveFile>((resolve, reject) => {
            const stream = Readable.from(hashedChunks(entry, resolve));
            stream.on("error", (error) => {
              reject(error);
              fail(error);
            });
            zip.addReadStreamLazy(entry.name, (supply) => supply(null, stream));
          });
          return Promise.race([done, failed]);
        };
        for (const entry of entries) files.push(await add(entry));
        for (const entry of closingEntries(files)) await add(entry);
        zip.end();
        await written;
        await rename(partial, pathOf(fileKey));
        return { fileKey, sizeBytes, sha256: archiveHash.digest("hex") };
      } catch (error) {
        output.destroy();
        await written.catch(() => {});
        await rm(partial, { force: true });
        throw error;
      }
    },

    async openArchive(fileKey: string): Promise<AsyncIterable<Uint8Array> | null> {
      if (!fileKeyPattern.test(fileKey)) return null;
      try {
        const handle = await open(pathOf(fileKey), "r");
        return handle.createReadStream();
      } catch (error) {
        if (isMissing(error)) {
          input.onMissingArchive?.(fileKey);
          return null;
        }
        throw error;
      }
    },

    async removeArchive(fileKey: string): Promise<void> {
      if (!fileKeyPattern.test(fileKey)) return;
      await rm(pathOf(fileKey), { force: true });
    },

    async removeArchives(exportId: string): Promise<void> {
      checkExportId(exportId);
      for (const name of await namesIn(directory)) {
        if (name.startsWith(`${exportId}.`)) await rm(pathOf(name), { force: true });
      }
    },

    async listArchivedExportIds({ writtenBefore }): Promise<readonly string[]> {
      const ids = new Set<string>();
      for (const name of await namesIn(directory)) {
        // Only names this store writes (`<key>` and `<key>.partial`): anything else in the
        // directory is the operator's.
        if (!fileKeyPattern.test(name.replace(/\.partial$/, ""))) continue;
        const exportId = name.slice(0, name.indexOf("."));
        if (ids.has(exportId)) continue;
        try {
          if ((await stat(pathOf(name))).mtime < writtenBefore) ids.add(exportId);
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
      return [...ids];
    },
  };
}

/** The names in the directory; none when it does not exist yet. */
async function namesIn(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** The entry's text as UTF-8 chunks of about chunkBytes; reports the file's hash and size at its end. */
async function* hashedChunks(
  entry: ExportArchiveEntry,
  finished: (file: ExportArchiveFile) => void,
): AsyncIterable<Buffer> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const take = (): Buffer => {
    const bytes = Buffer.from(pending.join(""), "utf8");
    pending = [];
    pendingLength = 0;
    hash.update(bytes);
    sizeBytes += bytes.length;
    return bytes;
  };
  for await (const text of entry.content) {
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength >= chunkBytes) yield take();
  }
  if (pendingLength > 0) yield take();
  finished({ name: entry.name, sha256: hash.digest("hex"), sizeBytes });
}

function checkExportId(exportId: string): void {
  if (!exportIdPattern.test(exportId)) throw new Error("an export id must be a plain name");
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}
