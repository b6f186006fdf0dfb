import { randomBytes } from "node:crypto";
import type { RandomSource } from "@superoauth/application";

/** Formats 16 bytes as a UUID string. */
function formatUUID(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 16 random bytes made a UUIDv7 of `ms`: the timestamp, then the version and variant bits. */
function uuidv7Bytes(ms: number, random: Buffer): Buffer {
  random.writeUIntBE(ms, 0, 6);
  random[6] = ((random[6] ?? 0) & 0x0f) | 0x70;
  random[8] = ((random[8] ?? 0) & 0x3f) | 0x80;
  return random;
}

/**
 * UUIDv7 (RFC 9562 section 5.7): 48 bits of Unix milliseconds then 74 random bits,
 * so ids sort by creation time and index well in a B-tree.
 */
export function generateUUIDv7(now: number = Date.now()): string {
  return formatUUID(uuidv7Bytes(now, randomBytes(16)));
}

/** Adds one to the 74 random bits of a UUIDv7 (bytes 6 to 15 but the version and variant); false on overflow. */
function incrementRandomBits(bytes: Buffer): boolean {
  for (let index = 15; index >= 6; index--) {
    const mask = index === 6 ? 0x0f : index === 8 ? 0x3f : 0xff;
    const byte = bytes[index] ?? 0;
    if ((byte & mask) < mask) {
      bytes[index] = byte + 1;
      return true;
    }
    bytes[index] = byte & ~mask;
  }
  return false;
}

/**
 * UUIDv7 ids that increase strictly within this process (RFC 9562 section 6.2, "monotonic
 * random"): an id made in the millisecond of the one before, or after the clock stepped back,
 * keeps that one's timestamp and adds one to its random bits (past their last value, the next
 * millisecond's). Records written one after another in a millisecond then sort in that order: a
 * security log's entries, which list newest first by id, among them. An id made in the same
 * millisecond as another is that one plus one, so ids are guessable from one another: none is a
 * secret here (a mailed link's or a token's secret is separate, from generateSecret).
 */
export function createMonotonicUUIDv7(
  random: (size: number) => Buffer = randomBytes,
): (now?: number) => string {
  let last: { ms: number; bytes: Buffer } | undefined;
  return (now = Date.now()) => {
    if (last === undefined || now > last.ms) {
      last = { ms: now, bytes: uuidv7Bytes(now, random(16)) };
    } else {
      const bytes = Buffer.from(last.bytes);
      last = incrementRandomBits(bytes)
        ? { ms: last.ms, bytes }
        : { ms: last.ms + 1, bytes: uuidv7Bytes(last.ms + 1, random(16)) };
    }
    return formatUUID(last.bytes);
  };
}

/** The production RandomSource: UUIDv7 ids (increasing within the process) and 256-bit base64url secrets from the OS CSPRNG. */
export function createSecureRandomSource(): RandomSource {
  const generateId = createMonotonicUUIDv7();
  return {
    generateId: () => generateId(),
    generateSecret: () => randomBytes(32).toString("base64url"),
  };
}
