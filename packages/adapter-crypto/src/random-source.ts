import { randomBytes } from "node:crypto";
import type { RandomSource } from "@superoauth/application";

/** Formats 16 bytes as a UUID string. */
function formatUUID(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * UUIDv7 (RFC 9562 section 5.7): 48 bits of Unix milliseconds then 74 random bits,
 * so ids sort by creation time and index well in a B-tree.
 */
export function generateUUIDv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUUID(bytes);
}

/** The production RandomSource: UUIDv7 ids and 256-bit base64url secrets from the OS CSPRNG. */
export function createSecureRandomSource(): RandomSource {
  return {
    generateId: () => generateUUIDv7(),
    generateSecret: () => randomBytes(32).toString("base64url"),
  };
}
