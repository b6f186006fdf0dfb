import type { BackupCode, Result, TOTPFactor, TwoFactorStatus, UserId } from "@superoauth/domain";

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) for authenticator apps (otplib in
 * production). Time always comes from the caller, so tests control it.
 */
export interface TOTPService {
  /** A new random secret, base32, at least 160 bits. */
  generateTOTPSecret(): string;
  /** The `otpauth://totp/...` URI an authenticator app reads from the QR code. */
  createOtpauthURL(input: { secret: string; accountName: string }): string;
  /** The URI as a QR code image, a `data:image/...` URL. */
  renderQRCode(otpauthURL: string): Promise<string>;
  /**
   * The time step whose code `code` is, looking one step back and one ahead of
   * `now` (clock drift); null when it is none of them. Replay is the caller's concern.
   */
  findTOTPTimeStep(input: { secret: string; code: string; now: Date }): Promise<number | null>;
}

/** What an MFA token stands for: a user who passed the first factor, and how. */
export interface MFAChallenge {
  /** Unique per token (its `jti`): completing the challenge records it, so a token signs in once. */
  readonly challengeId: string;
  readonly userId: UserId;
  /** The first factor: "password" or a provider id. */
  readonly method: string;
  /**
   * The password in force at the first step, as a digest of its stored hash (passwordFingerprint):
   * a new password (a change or a reset) before the second step ends the sign-in, as it ends every
   * session. A digest of a salted hash, so the token, which the client can read, tells nothing.
   */
  readonly credential: string;
}

/**
 * Short-lived, single-purpose tokens between the first factor and the second.
 * They are not access tokens and must never verify as one (or as a refresh token).
 */
export interface MFATokenIssuer {
  readonly mfaTokenTtlSeconds: number;
  issueMFAToken(input: MFAChallenge & { now: Date }): Promise<string>;
  /**
   * The challenge of a valid token, with the instant it was issued (to the second: a JWT's `iat`)
   * and the instant it expires.
   */
  verifyMFAToken(input: {
    token: string;
    now: Date;
  }): Promise<Result<MFAChallenge & { issuedAt: Date; expiresAt: Date }, "INVALID_MFA_TOKEN">>;
}

/** Users' TOTP factors and backup codes. */
export interface TwoFactorRepository {
  findTOTPFactor(userId: UserId): Promise<TOTPFactor | null>;
  /**
   * Stores a new pending factor, replacing a pending one; never replaces an enabled one
   * ("already-enabled"). With `over`, only over the state the caller decided on: the pending
   * factor's secret it read, or null for none pending; any other state (another set-up saved
   * meanwhile, or the pending one removed) is "changed" and nothing is written. Of saves at once
   * over one state, exactly one is "saved".
   */
  savePendingTOTPFactor(input: {
    userId: UserId;
    encryptedSecret: string;
    now: Date;
    over?: string | null;
  }): Promise<"saved" | "already-enabled" | "changed">;
  /**
   * Turns the pending factor on, records `usedStep` as its last used step and
   * stores the backup codes, atomically. "not-pending" when there is no pending
   * factor any more (enabled meanwhile, or never set up); "secret-changed" when the
   * pending secret is no longer `confirmedSecret` (a new setup replaced the one the
   * code was checked against), so a secret whose code nobody confirmed is never turned on.
   */
  enableTOTPFactor(input: {
    userId: UserId;
    confirmedSecret: string;
    usedStep: number;
    backupCodes: readonly BackupCode[];
    now: Date;
  }): Promise<"enabled" | "not-pending" | "secret-changed">;
  /**
   * Records that a code of `step` was used, only if no code of this step or a
   * later one was used before. Of concurrent calls with one step exactly one
   * answers true: a TOTP code works once.
   */
  useTOTPStep(input: { userId: UserId; step: number }): Promise<boolean>;
  /**
   * Removes the factor (pending or enabled) and every backup code of the user. True only for the
   * call that removed an enabled factor: of concurrent removals exactly one answers true (it
   * records the event and mails the holder).
   */
  deleteTwoFactor(userId: UserId): Promise<boolean>;
  /**
   * The encrypted secrets of the TOTP factors, pending and enabled, in user-id order: at most
   * `limit` of those after `afterUserId` (null: from the first). What a re-encryption under a new
   * key walks through (reencryptTwoFactorSecrets).
   */
  listTOTPSecrets(input: {
    afterUserId: UserId | null;
    limit: number;
  }): Promise<{ userId: UserId; encryptedSecret: string }[]>;
  /**
   * Replaces the factor's encrypted secret with `to` if it is still `from`, in one conditional
   * write; false when it changed meanwhile (a new setup) or the factor is gone.
   */
  replaceTOTPSecret(input: { userId: UserId; from: string; to: string }): Promise<boolean>;
  /** The user's backup codes not used yet. */
  listUnusedBackupCodes(userId: UserId): Promise<BackupCode[]>;
  /** The user's unused backup code with this lookup id (a user's lookup ids are distinct), or null. */
  findUnusedBackupCode(input: { userId: UserId; lookupId: string }): Promise<BackupCode | null>;
  /** Marks a code used only if it was not; of concurrent calls exactly one answers true. */
  useBackupCode(input: { id: string; now: Date }): Promise<boolean>;
  /**
   * Replaces every backup code of the user with new ones, atomically, while an enabled factor
   * holds ("not-enabled", nothing written, once it is gone): a renewal racing the factor's removal
   * either lands before it, and the removal takes the new codes too, or is refused.
   */
  replaceBackupCodes(input: {
    userId: UserId;
    backupCodes: readonly BackupCode[];
  }): Promise<"replaced" | "not-enabled">;
  /** Whether 2FA is on and how many backup codes are left, in one indexed read. */
  findTwoFactorStatus(userId: UserId): Promise<TwoFactorStatus>;
  /**
   * Records that an MFA challenge was completed, only if it was not before: of
   * concurrent calls for one challenge exactly one answers true, so an MFA token
   * opens one session. Records of challenges expired before `now` may be forgotten.
   */
  completeMFAChallenge(input: {
    challengeId: string;
    userId: UserId;
    expiresAt: Date;
    now: Date;
  }): Promise<boolean>;
  /**
   * Whether this MFA challenge was completed already (a read; `completeMFAChallenge` stays the
   * single-use rule). Lets a second step sent again after its answer was lost say so before any
   * code is checked, so no code is spent and no failure counted on a sign-in that is done.
   */
  isMFAChallengeCompleted(input: { challengeId: string }): Promise<boolean>;
}
