import { buffer } from "node:stream/consumers";
import { fromBufferPromise } from "yauzl";

/**
 * The files of a ZIP archive, in archive order, as UTF-8 text. yauzl checks each file's CRC-32
 * as it inflates, so a corrupted archive rejects here.
 */
export async function readZip(bytes: Uint8Array): Promise<Map<string, string>> {
  const zip = await fromBufferPromise(Buffer.from(bytes));
  const files = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    files.set(entry.fileName, (await buffer(await zip.openReadStreamPromise(entry))).toString("utf8"));
  }
  zip.close();
  return files;
}

/** Every chunk of a byte stream, joined. */
export async function readAll(content: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
