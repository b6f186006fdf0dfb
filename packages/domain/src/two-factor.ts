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

/** One single-use backup code. Only its argon2id hash is kept. */
export interface BackupCode {
  readonly id: string;
  readonly userId: UserId;
  readonly codeHash: string;
  readonly usedAt: Date | null;
}

/** What a user and a client may know of a user's second factor. */
export interface TwoFactorStatus {
  readonly enabled: boolean;
  readonly backupCodesRemaining: number;
}

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

/**
 * A backup code of 10 characters (50 bits) written `xxxxx-xxxxx`, made from a
 * random base64url secret: each of its first ten characters picks one of 32
 * letters (64 is a multiple of 32, so the choice stays uniform).
 */
export function backupCodeFromRandom(secret: string): string {
  const characters = [...secret.slice(0, 10)].map((c) => {
    const index = base64urlAlphabet.indexOf(c);
    if (index < 0) throw new Error("backupCodeFromRandom needs a base64url secret");
    return backupCodeAlphabet[index % 32];
  });
  if (characters.length < 10) throw new Error("backupCodeFromRandom needs at least 10 characters");
  return `${characters.slice(0, 5).join("")}-${characters.slice(5).join("")}`;
}

/** A typed backup code in the form it was hashed in: lower case, one dash; null if it cannot be one. */
export function normalizeBackupCode(input: string): string | null {
  const compact = input.replace(/[\s-]/g, "").toLowerCase().replace(/o/g, "0").replace(/[il]/g, "1");
  if (compact.length !== 10 || [...compact].some((c) => !backupCodeAlphabet.includes(c))) return null;
  return `${compact.slice(0, 5)}-${compact.slice(5)}`;
}
