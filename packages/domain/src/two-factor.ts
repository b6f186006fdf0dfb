import type { UserId } from "./user.ts";

/**
 * A user's TOTP factor (RFC 6238: SHA-1, 6 digits, 30-second steps). The secret
 * is kept only encrypted. It is "pending" from setup until a first code confirms
 * it, then "enabled". `lastUsedStep` is the newest time step whose code was
 * accepted: no code of that step or an older one is accepted again.
 */
export interface TOTPFactor {
  readonly userId: UserId;
  readonly encryptedSecret: string;
  readonly status: "pending" | "enabled";
  readonly lastUsedStep: number | null;
  readonly createdAt: Date;
  readonly enabledAt: Date | null;
}

/** One single-use backup code. Only its argon2id hash is kept, and its lookup id. */
export interface BackupCode {
  readonly id: string;
  readonly userId: UserId;
  /**
   * The code's first two characters, kept in clear so a typed code finds its one
   * candidate (distinct among the user's codes); null for codes issued before
   * lookup ids existed, which are found by trying each (ADR 0010).
   */
  readonly lookupId: string | null;
  readonly codeHash: string;
  readonly usedAt: Date | null;
}

/** What a user and a client may know of a user's second factor. */
export interface TwoFactorStatus {
  readonly enabled: boolean;
  readonly backupCodesRemaining: number;
}

/**
 * A second factor is turned on only on an account whose address is proven (`checkAddressProven`,
 * with these words). Until then whoever made the account may be a stranger who registered someone
 * else's address (account pre-hijacking, ADR 0043): the address's first proof turns off a factor from
 * before it, so the owner would lose a factor they set up themselves, and a stranger's would keep the
 * owner at a code prompt if it stayed.
 */
export const turningOnTwoFactor = "turning on two-factor authentication";

/** How many backup codes a user gets at once. */
export const backupCodeCount = 10;

/** TOTP parameters every authenticator app understands (RFC 6238 defaults). */
export const totpPeriodSeconds = 30;
export const totpDigits = 6;

/** The RFC 6238 time step (counter) of an instant. */
export function totpTimeStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / totpPeriodSeconds);
}

/**
 * A typed TOTP code with spaces and dashes removed ("123 456" is "123456"); null
 * when what remains is not six digits. Normalising first makes "123 456" and
 * "123456" the same code for replay protection, not two.
 */
export function normalizeTOTPCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(code) ? code : null;
}

// Crockford's base32 alphabet: no i, l, o or u, so a code read off paper is typed right
// (a typed o is read as 0, i and l as 1).
const backupCodeAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** How many leading characters of a backup code are its lookup id (not secret). */
export const backupCodeLookupIdLength = 2;

/**
 * A backup code of 12 characters written `xxxx-xxxx-xxxx`, made from a random
 * base64url secret: each of its first twelve characters picks one of 32 letters
 * (64 is a multiple of 32, so the choice stays uniform). The first two are the
 * code's lookup id, stored in clear; the other ten (50 bits) are its secret, as
 * in the 10-character codes issued before (ADR 0010).
 */
export function backupCodeFromRandom(secret: string): string {
  const characters = [...secret.slice(0, 12)].map((c) => {
    const index = base64urlAlphabet.indexOf(c);
    if (index < 0) throw new Error("backupCodeFromRandom needs a base64url secret");
    return backupCodeAlphabet[index % 32];
  });
  if (characters.length < 12) throw new Error("backupCodeFromRandom needs at least 12 characters");
  return groupBackupCode(characters.join(""));
}

/** A typed backup code in the form it was hashed in, and the lookup id it carries. */
export interface ParsedBackupCode {
  /** Lower case, dashes between groups: what was hashed. */
  readonly code: string;
  /** Null for a code of the 10-character form issued before lookup ids existed. */
  readonly lookupId: string | null;
}

/**
 * Reads a typed backup code: case, spaces and dashes do not matter, and o, i
 * and l are read as 0, 1 and 1. Twelve characters are a code with a lookup id,
 * ten one issued before lookup ids; anything else cannot be a code (null).
 */
export function parseBackupCode(input: string): ParsedBackupCode | null {
  const compact = input.replace(/[\s-]/g, "").toLowerCase().replace(/o/g, "0").replace(/[il]/g, "1");
  if ([...compact].some((c) => !backupCodeAlphabet.includes(c))) return null;
  if (compact.length === 12) {
    return { code: groupBackupCode(compact), lookupId: compact.slice(0, backupCodeLookupIdLength) };
  }
  if (compact.length === 10) return { code: `${compact.slice(0, 5)}-${compact.slice(5)}`, lookupId: null };
  return null;
}

function groupBackupCode(compact: string): string {
  return `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}`;
}
