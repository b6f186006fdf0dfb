import {
  type BackupCode,
  err,
  type LoginFailures,
  ok,
  type Result,
  type TOTPFactor,
  type TwoFactorStatus,
  totpTimeStepAt,
  type UserId,
} from "@superoauth/domain";
import type {
  LockoutRepository,
  MFAChallenge,
  MFATokenIssuer,
  SecretCipher,
  TOTPService,
  TwoFactorRepository,
} from "../ports/index.ts";

/**
 * A stand-in for TOTP with the real one's window (one step back, one ahead) but
 * a made-up code function: tests compute codes with `codeAt`.
 */
export class InMemoryTOTPService implements TOTPService {
  #counter = 0;
  generateTOTPSecret(): string {
    this.#counter++;
    // Base32 like a real secret: the counter's decimal digits written as the letters A-J.
    return `TESTSECRET${[...String(this.#counter)].map((d) => "ABCDEFGHIJ"[Number(d)]).join("")}`;
  }
  createOtpauthURL(input: { secret: string; accountName: string }): string {
    return `otpauth://totp/SuperOAuth:${encodeURIComponent(input.accountName)}?secret=${input.secret}&issuer=SuperOAuth`;
  }
  async renderQRCode(otpauthURL: string): Promise<string> {
    return `data:image/svg+xml,${encodeURIComponent(`<svg>${otpauthURL}</svg>`)}`;
  }
  async findTOTPTimeStep(input: { secret: string; code: string; now: Date }): Promise<number | null> {
    const current = totpTimeStepAt(input.now);
    for (const step of [current - 1, current, current + 1]) {
      if (InMemoryTOTPService.codeForStep(input.secret, step) === input.code) return step;
    }
    return null;
  }
  /** The code of a secret at an instant. */
  static codeAt(secret: string, now: Date): string {
    return InMemoryTOTPService.codeForStep(secret, totpTimeStepAt(now));
  }
  /** The code of a secret for a time step (FNV-1a, six digits). */
  static codeForStep(secret: string, step: number): string {
    let hash = 0x811c9dc5;
    for (const c of `${secret}:${step}`) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return String(hash % 1_000_000).padStart(6, "0");
  }
}

/** Reversible "encryption" bound to its associated data: enough to test that use cases never store the secret. */
export class InMemorySecretCipher implements SecretCipher {
  encryptSecret(input: { plaintext: string; associatedData: string }): string {
    return `sealed:${encodeURIComponent(JSON.stringify(input))}`;
  }
  decryptSecret(input: { ciphertext: string; associatedData: string }): string {
    const sealed = JSON.parse(decodeURIComponent(input.ciphertext.slice("sealed:".length))) as {
      plaintext: string;
      associatedData: string;
    };
    if (sealed.associatedData !== input.associatedData) throw new Error("ciphertext belongs to someone else");
    return sealed.plaintext;
  }
}

/** Unsigned JSON MFA tokens with an expiry, distinct in shape from the in-memory access tokens. */
export class InMemoryMFATokenIssuer implements MFATokenIssuer {
  readonly mfaTokenTtlSeconds: number;
  constructor(ttlSeconds = 300) {
    this.mfaTokenTtlSeconds = ttlSeconds;
  }
  async issueMFAToken(input: MFAChallenge & { now: Date }): Promise<string> {
    const exp = input.now.getTime() + this.mfaTokenTtlSeconds * 1000;
    const { challengeId: jti, userId: sub, method, credential } = input;
    return `test-mfa.${JSON.stringify({ jti, sub, method, credential, iat: input.now.getTime(), exp })}`;
  }
  async verifyMFAToken(input: {
    token: string;
    now: Date;
  }): Promise<Result<MFAChallenge & { issuedAt: Date; expiresAt: Date }, "INVALID_MFA_TOKEN">> {
    const invalid = err("INVALID_MFA_TOKEN", "The MFA token is invalid or expired; sign in again");
    if (!input.token.startsWith("test-mfa.")) return invalid;
    try {
      const claims = JSON.parse(input.token.slice("test-mfa.".length)) as {
        jti: string;
        sub: string;
        method: string;
        credential: string;
        iat: number;
        exp: number;
      };
      if (input.now.getTime() >= claims.exp) return invalid;
      return ok({
        challengeId: claims.jti,
        userId: claims.sub as UserId,
        method: claims.method,
        credential: claims.credential,
        issuedAt: new Date(claims.iat),
        expiresAt: new Date(claims.exp),
      });
    } catch {
      return invalid;
    }
  }
}

export class InMemoryTwoFactorRepository implements TwoFactorRepository {
  readonly #factors = new Map<UserId, TOTPFactor>();
  #codes: BackupCode[] = [];
  /** Completed MFA challenges and when their tokens expire. */
  readonly #completedChallenges = new Map<string, Date>();

  /** Deletes every record of the user (an account deletion). */
  forgetUser(userId: UserId): void {
    this.#factors.delete(userId);
    this.#codes = this.#codes.filter((code) => code.userId !== userId);
  }
  async findTOTPFactor(userId: UserId): Promise<TOTPFactor | null> {
    const factor = this.#factors.get(userId);
    return factor === undefined ? null : { ...factor };
  }
  async savePendingTOTPFactor(input: {
    userId: UserId;
    encryptedSecret: string;
    now: Date;
    over?: string | null;
  }): Promise<"saved" | "already-enabled" | "changed"> {
    const factor = this.#factors.get(input.userId);
    if (factor?.status === "enabled") return "already-enabled";
    if (input.over !== undefined && (factor?.encryptedSecret ?? null) !== input.over) return "changed";
    this.#factors.set(input.userId, {
      userId: input.userId,
      encryptedSecret: input.encryptedSecret,
      status: "pending",
      lastUsedStep: null,
      createdAt: input.now,
      enabledAt: null,
    });
    return "saved";
  }
  async enableTOTPFactor(input: {
    userId: UserId;
    confirmedSecret: string;
    usedStep: number;
    backupCodes: readonly BackupCode[];
    now: Date;
  }): Promise<"enabled" | "not-pending" | "secret-changed"> {
    const factor = this.#factors.get(input.userId);
    if (factor?.status !== "pending") return "not-pending";
    if (factor.encryptedSecret !== input.confirmedSecret) return "secret-changed";
    this.#factors.set(input.userId, {
      ...factor,
      status: "enabled",
      lastUsedStep: input.usedStep,
      enabledAt: input.now,
    });
    this.#codes = [
      ...this.#codes.filter((c) => c.userId !== input.userId),
      ...input.backupCodes.map((c) => ({ ...c })),
    ];
    return "enabled";
  }
  async useTOTPStep(input: { userId: UserId; step: number }): Promise<boolean> {
    const factor = this.#factors.get(input.userId);
    if (factor?.status !== "enabled") return false;
    if (factor.lastUsedStep !== null && factor.lastUsedStep >= input.step) return false;
    this.#factors.set(input.userId, { ...factor, lastUsedStep: input.step });
    return true;
  }
  async deleteTwoFactor(userId: UserId): Promise<boolean> {
    const removedEnabled = this.#factors.get(userId)?.status === "enabled";
    this.#factors.delete(userId);
    this.#codes = this.#codes.filter((c) => c.userId !== userId);
    return removedEnabled;
  }
  async listTOTPSecrets(input: {
    afterUserId: UserId | null;
    limit: number;
  }): Promise<{ userId: UserId; encryptedSecret: string }[]> {
    return [...this.#factors.values()]
      .filter((factor) => input.afterUserId === null || factor.userId > input.afterUserId)
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
      .slice(0, input.limit)
      .map((factor) => ({ userId: factor.userId, encryptedSecret: factor.encryptedSecret }));
  }
  async replaceTOTPSecret(input: { userId: UserId; from: string; to: string }): Promise<boolean> {
    const factor = this.#factors.get(input.userId);
    if (factor?.encryptedSecret !== input.from) return false;
    this.#factors.set(input.userId, { ...factor, encryptedSecret: input.to });
    return true;
  }
  async listUnusedBackupCodes(userId: UserId): Promise<BackupCode[]> {
    return this.#codes.filter((c) => c.userId === userId && c.usedAt === null).map((c) => ({ ...c }));
  }
  async findUnusedBackupCode(input: { userId: UserId; lookupId: string }): Promise<BackupCode | null> {
    const code = this.#codes.find(
      (c) => c.userId === input.userId && c.lookupId === input.lookupId && c.usedAt === null,
    );
    return code === undefined ? null : { ...code };
  }
  async useBackupCode(input: { id: string; now: Date }): Promise<boolean> {
    const index = this.#codes.findIndex((c) => c.id === input.id && c.usedAt === null);
    const code = this.#codes[index];
    if (code === undefined) return false;
    this.#codes[index] = { ...code, usedAt: input.now };
    return true;
  }
  async replaceBackupCodes(input: {
    userId: UserId;
    backupCodes: readonly BackupCode[];
  }): Promise<"replaced" | "not-enabled"> {
    if (this.#factors.get(input.userId)?.status !== "enabled") return "not-enabled";
    this.#codes = [
      ...this.#codes.filter((c) => c.userId !== input.userId),
      ...input.backupCodes.map((c) => ({ ...c })),
    ];
    return "replaced";
  }
  async findTwoFactorStatus(userId: UserId): Promise<TwoFactorStatus> {
    const enabled = this.#factors.get(userId)?.status === "enabled";
    return {
      enabled,
      backupCodesRemaining: enabled
        ? this.#codes.filter((c) => c.userId === userId && c.usedAt === null).length
        : 0,
    };
  }
  async completeMFAChallenge(input: {
    challengeId: string;
    userId: UserId;
    expiresAt: Date;
    now: Date;
  }): Promise<boolean> {
    for (const [id, expiresAt] of this.#completedChallenges) {
      if (expiresAt.getTime() < input.now.getTime()) this.#completedChallenges.delete(id);
    }
    if (this.#completedChallenges.has(input.challengeId)) return false;
    this.#completedChallenges.set(input.challengeId, input.expiresAt);
    return true;
  }
  async isMFAChallengeCompleted(input: { challengeId: string }): Promise<boolean> {
    return this.#completedChallenges.has(input.challengeId);
  }
}

export class InMemoryLockoutRepository implements LockoutRepository {
  readonly #failures = new Map<string, LoginFailures>();
  readonly #known = new Map<string, Date>();

  /** Deletes the counters of the address and the user's known sources (an account deletion). */
  forgetUser(input: { userId: UserId; account: string }): void {
    for (const k of [...this.#failures.keys()])
      if (k.startsWith(`${input.account}\u0000`)) this.#failures.delete(k);
    for (const k of [...this.#known.keys()]) if (k.startsWith(`${input.userId}\u0000`)) this.#known.delete(k);
  }
  /** When the last lock of the address's counters ends, if one holds at `now`. */
  lockedUntil(input: { account: string; now: Date }): Date | null {
    let until: Date | null = null;
    for (const [k, failures] of this.#failures) {
      if (!k.startsWith(`${input.account}\u0000`) || failures.lockedUntil === null) continue;
      if (failures.lockedUntil.getTime() <= input.now.getTime()) continue;
      if (until === null || failures.lockedUntil.getTime() > until.getTime()) until = failures.lockedUntil;
    }
    return until;
  }
  async findLoginFailures(input: {
    account: string;
    sources: readonly string[];
  }): Promise<Map<string, LoginFailures>> {
    const found = new Map<string, LoginFailures>();
    for (const source of input.sources) {
      const failures = this.#failures.get(key(input.account, source));
      if (failures !== undefined) found.set(source, { ...failures });
    }
    return found;
  }
  async updateLoginFailures(input: {
    account: string;
    sources: readonly string[];
    update: (current: ReadonlyMap<string, LoginFailures>) => ReadonlyMap<string, LoginFailures>;
  }): Promise<ReadonlyMap<string, LoginFailures>> {
    // No await between the read and the write: JavaScript runs this as one step.
    const current = new Map<string, LoginFailures>();
    for (const source of input.sources) {
      const failures = this.#failures.get(key(input.account, source));
      if (failures !== undefined) current.set(source, { ...failures });
    }
    const next = input.update(current);
    for (const [source, failures] of next) {
      if (!input.sources.includes(source)) throw new Error(`updateLoginFailures: ${source} was not read`);
      this.#failures.set(key(input.account, source), { ...failures });
      current.set(source, { ...failures });
    }
    return current;
  }
  async clearLoginFailures(input: { account: string; sources?: readonly string[] }): Promise<void> {
    for (const k of [...this.#failures.keys()]) {
      const [account, source] = k.split("\u0000");
      if (
        account === input.account &&
        (input.sources === undefined || input.sources.includes(source ?? ""))
      ) {
        this.#failures.delete(k);
      }
    }
  }
  async liftLock(input: { account: string; now: Date }): Promise<boolean> {
    // Found and forgotten in one synchronous step: of lifts at once, the first finds the lock.
    if (this.lockedUntil(input) === null) return false;
    for (const k of [...this.#failures.keys()])
      if (k.startsWith(`${input.account}\u0000`)) this.#failures.delete(k);
    return true;
  }
  async rememberSignInSources(input: {
    userId: UserId;
    sources: readonly string[];
    now: Date;
  }): Promise<void> {
    for (const source of input.sources) this.#known.set(key(input.userId, source), input.now);
  }
  async findKnownSignInSources(input: {
    userId: UserId;
    sources: readonly string[];
    since: Date;
  }): Promise<string[]> {
    return input.sources.filter((source) => {
      const seen = this.#known.get(key(input.userId, source));
      return seen !== undefined && seen.getTime() >= input.since.getTime();
    });
  }
  async listKnownSignInSources(userId: UserId): Promise<{ source: string; lastSeenAt: Date }[]> {
    const prefix = `${userId}\u0000`;
    return [...this.#known]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, lastSeenAt]) => ({ source: k.slice(prefix.length), lastSeenAt }))
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }
}

function key(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
