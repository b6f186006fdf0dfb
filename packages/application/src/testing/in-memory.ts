import {
  type AuthenticationMethod,
  defaultReauthMaxAgeMs,
  defaultStaffMailsPerHour,
  defaultStaffReadsPerHour,
  type Email,
  type ErrorCode,
  err,
  isAdminCreatedOnServer,
  isAuditEntry,
  type Nickname,
  normalizePassword,
  ok,
  passwordFormsToVerify,
  type RefreshToken,
  type RefreshTokenId,
  type Result,
  type SecurityEvent,
  type SecurityEventType,
  type Session,
  type SessionId,
  staffAllowanceTypesOf,
  type TwoFactorStatus,
  type User,
  type UserId,
} from "@superoauth/domain";
import type {
  AccessTokenClaims,
  AccessTokenIssuer,
  Clock,
  Dependencies,
  EntryFold,
  PasswordHasher,
  RandomSource,
  SecretHasher,
  SecurityEventLog,
  SessionHolder,
  SessionRepository,
  SessionsToEnd,
  StaffAllowance,
  StaffEntryRecord,
  StoredRefreshToken,
  TransactionalRepositories,
  Transactions,
  TwoFactorRepository,
  UserRepository,
} from "../ports/index.ts";
import {
  InMemoryAccountAdministration,
  InMemoryMaintenanceNotices,
  InMemoryThirdPartyGrants,
  InMemoryUserExports,
} from "./in-memory-admin.ts";
import {
  InMemoryAppAuthorizationRepository,
  InMemoryAppRepository,
  ScriptedThirdPartyAccessTokens,
} from "./in-memory-apps.ts";

import { InMemoryBackgroundTasks } from "./in-memory-background-tasks.ts";
import {
  CountingExportWorkerSignal,
  InMemoryExportArchiveStore,
  InMemoryExportJobRepository,
} from "./in-memory-data-export.ts";
import { InMemoryEmailTokenRepository, InMemoryMailer } from "./in-memory-mail.ts";
import { InMemoryLinkedProviderRepository, InMemoryOAuthFlowRepository } from "./in-memory-oauth.ts";
import { InMemoryOIDCModelStore } from "./in-memory-oidc.ts";
import { InMemoryPasswordStrengthChecker } from "./in-memory-password-strength.ts";
import {
  InMemoryLockoutRepository,
  InMemoryMFATokenIssuer,
  InMemorySecretCipher,
  InMemoryTOTPService,
  InMemoryTwoFactorRepository,
} from "./in-memory-two-factor.ts";

/** A clock that stands still until moved. */
export class ManualClock implements Clock {
  #now: Date;
  constructor(start: Date = new Date("2026-01-01T00:00:00.000Z")) {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
  set(to: Date): void {
    this.#now = new Date(to);
  }
}

/** Deterministic ids (UUID-shaped) and secrets (base64url-shaped), distinct per call. */
export class SequentialRandomSource implements RandomSource {
  #counter = 0;
  generateId(): string {
    this.#counter++;
    const hex = this.#counter.toString(16).padStart(12, "0");
    return `00000000-0000-7000-8000-${hex}`;
  }
  generateSecret(): string {
    this.#counter++;
    // The counter first, least significant digit leading, so secrets differ from their first
    // characters on, as random ones do (backup codes take their lookup id from them), however many.
    return `${[...this.#counter.toString(36)].reverse().join("")}_secret`.padEnd(43, "x");
  }
}

/**
 * A fast stand-in for argon2 (reversible, so never for real data) that normalises and
 * compares as the real one does and counts dummy verifications (one per form compared).
 */
export class InMemoryPasswordHasher implements PasswordHasher {
  dummyVerifications = 0;
  async hashPassword(password: string): Promise<string> {
    return InMemoryPasswordHasher.hashAsTyped(normalizePassword(password));
  }
  async verifyPassword(input: { hash: string; password: string }): Promise<boolean> {
    return passwordFormsToVerify(input.password).some(
      (form) => input.hash === InMemoryPasswordHasher.hashAsTyped(form),
    );
  }
  async verifyDummyPassword(password: string): Promise<void> {
    this.dummyVerifications += passwordFormsToVerify(password).length;
  }
  /** The hash of the password exactly as given, as hashes made before normalisation were. */
  static hashAsTyped(password: string): string {
    return `reversed:${[...password].reverse().join("")}`;
  }
}

/**
 * Another PasswordHasher, counting the verifications asked of it, real and dummy:
 * the slow work a request costs (wrapped around argon2id, the real work).
 */
export class CountingPasswordHasher implements PasswordHasher {
  verifications = 0;
  dummyVerifications = 0;
  readonly #inner: PasswordHasher;

  constructor(inner: PasswordHasher) {
    this.#inner = inner;
  }
  /** Verifications of both kinds. */
  get slowHashes(): number {
    return this.verifications + this.dummyVerifications;
  }
  hashPassword(password: string): Promise<string> {
    return this.#inner.hashPassword(password);
  }
  verifyPassword(input: { hash: string; password: string }): Promise<boolean> {
    this.verifications++;
    return this.#inner.verifyPassword(input);
  }
  verifyDummyPassword(password: string): Promise<void> {
    this.dummyVerifications++;
    return this.#inner.verifyDummyPassword(password);
  }
}

/**
 * Another PasswordHasher whose verifications, while held, wait until released:
 * lets a test fill a concurrency limit and look at it. Counts the verifications started.
 */
export class HeldPasswordHasher implements PasswordHasher {
  started = 0;
  readonly #inner: PasswordHasher;
  #gate: Promise<void> = Promise.resolve();
  #release: () => void = () => undefined;

  constructor(inner: PasswordHasher) {
    this.#inner = inner;
  }
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
  }
  release(): void {
    this.#release();
  }
  hashPassword(password: string): Promise<string> {
    return this.#inner.hashPassword(password);
  }
  async verifyPassword(input: { hash: string; password: string }): Promise<boolean> {
    this.started++;
    await this.#gate;
    return this.#inner.verifyPassword(input);
  }
  verifyDummyPassword(password: string): Promise<void> {
    return this.#inner.verifyDummyPassword(password);
  }
}

/** Reversible "hash" for tests: the point is the port's contract, not the digest. */
export class InMemorySecretHasher implements SecretHasher {
  hashSecret(secret: string): string {
    return `digest:${[...secret].reverse().join("")}`;
  }
  secretMatchesHash(input: { secret: string; hash: string }): boolean {
    return this.hashSecret(input.secret) === input.hash;
  }
  /** The verifier reversed: like S256, it maps a verifier into RFC 7636's challenge grammar. */
  codeChallengeOf(codeVerifier: string): string {
    return [...codeVerifier].reverse().join("");
  }
}

/** Unsigned JSON tokens with an expiry: enough to exercise the use cases. */
export class InMemoryAccessTokenIssuer implements AccessTokenIssuer {
  readonly accessTokenTtlSeconds: number;
  constructor(ttlSeconds = 300) {
    this.accessTokenTtlSeconds = ttlSeconds;
  }
  async issueAccessToken(input: { userId: UserId; sessionId: SessionId; now: Date }): Promise<string> {
    const exp = input.now.getTime() + this.accessTokenTtlSeconds * 1000;
    return `test-access.${JSON.stringify({ sub: input.userId, sid: input.sessionId, exp })}`;
  }
  async verifyAccessToken(input: {
    token: string;
    now: Date;
  }): Promise<Result<AccessTokenClaims, "TOKEN_EXPIRED" | "INVALID_TOKEN">> {
    if (!input.token.startsWith("test-access.")) return err("INVALID_TOKEN", "Invalid token");
    try {
      const claims = JSON.parse(input.token.slice("test-access.".length)) as {
        sub: string;
        sid: string;
        exp: number;
      };
      if (input.now.getTime() >= claims.exp) return err("TOKEN_EXPIRED", "Access token has expired");
      return ok({ userId: claims.sub as UserId, sessionId: claims.sid as SessionId });
    } catch {
      return err("INVALID_TOKEN", "Invalid token");
    }
  }
}

export class InMemoryUserRepository implements UserRepository {
  readonly #byId = new Map<UserId, User>();

  async insertUser(user: User): Promise<Result<void, "USER_EXISTS">> {
    for (const existing of this.#byId.values()) {
      if (existing.email === user.email) return err("USER_EXISTS");
    }
    this.#byId.set(user.id, { ...user });
    return ok(undefined);
  }
  /** The user now, without awaiting: what a store's lock would read. */
  peekUser(id: UserId): User | null {
    const user = this.#byId.get(id);
    return user === undefined ? null : { ...user };
  }
  async findUserById(id: UserId): Promise<User | null> {
    const user = this.#byId.get(id);
    return user === undefined ? null : { ...user };
  }
  async findUsersByIds(ids: readonly UserId[]): Promise<User[]> {
    return [...new Set(ids)].flatMap((id) => {
      const user = this.#byId.get(id);
      return user === undefined ? [] : [{ ...user }];
    });
  }
  async findUserByEmail(email: Email): Promise<User | null> {
    for (const user of this.#byId.values()) if (user.email === email) return { ...user };
    return null;
  }
  async updatePasswordHash(input: {
    userId: UserId;
    passwordHash: string | null;
    now: Date;
    ifCurrent?: string | null;
  }): Promise<boolean> {
    const user = this.#byId.get(input.userId);
    if (user === undefined || user.status !== "active") return false;
    if (input.ifCurrent !== undefined && user.passwordHash !== input.ifCurrent) return false;
    this.#byId.set(user.id, { ...user, passwordHash: input.passwordHash, updatedAt: input.now });
    return true;
  }
  async markEmailVerified(input: { userId: UserId; now: Date }): Promise<boolean> {
    const user = this.#byId.get(input.userId);
    if (user === undefined || user.emailVerified) return false;
    this.#byId.set(user.id, { ...user, emailVerified: true, updatedAt: input.now });
    return true;
  }
  async updateNickname(input: { userId: UserId; nickname: Nickname; now: Date }): Promise<void> {
    const user = this.#byId.get(input.userId);
    if (user !== undefined)
      this.#byId.set(user.id, { ...user, nickname: input.nickname, updatedAt: input.now });
  }
  async changeEmail(input: {
    userId: UserId;
    email: Email;
    now: Date;
    ifCurrent?: Email;
  }): Promise<Result<void, "USER_EXISTS" | "USER_NOT_FOUND">> {
    // No await between the check and the write: like the unique index, one turn decides.
    const user = this.#byId.get(input.userId);
    if (user === undefined || (input.ifCurrent !== undefined && user.email !== input.ifCurrent))
      return err("USER_NOT_FOUND");
    for (const existing of this.#byId.values()) {
      if (existing.email === input.email && existing.id !== input.userId) return err("USER_EXISTS");
    }
    this.#byId.set(user.id, { ...user, email: input.email, emailVerified: true, updatedAt: input.now });
    return ok(undefined);
  }
  /** Test helper: change a user as an administrator would. */
  setStatus(id: UserId, status: User["status"]): void {
    const user = this.#byId.get(id);
    if (user !== undefined) this.#byId.set(id, { ...user, status });
  }
  /** Test helper: delete a user. */
  deleteUser(id: UserId): void {
    this.#byId.delete(id);
  }
  /** Replaces a stored user (for InMemoryAccountAdministration). */
  replaceUser(user: User): void {
    if (this.#byId.has(user.id)) this.#byId.set(user.id, { ...user });
  }
  /** Every user, in id order (for InMemoryAccountAdministration). */
  allUsers(): User[] {
    return [...this.#byId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((u) => ({ ...u }));
  }
}

export class InMemorySessionRepository implements SessionRepository {
  readonly #sessions = new Map<SessionId, Session>();
  readonly #tokens = new Map<RefreshTokenId, RefreshToken>();
  /** Encrypted secrets of live tokens, kept for their predecessor's grace period. */
  readonly #keptSecrets = new Map<RefreshTokenId, { encrypted: string; expiresAt: Date }>();
  /** The users the sessions belong to, as a store with a join would see them. */
  readonly #users: InMemoryUserRepository;
  /** The 2FA store, for the status read together with the session. */
  readonly #twoFactor: Pick<TwoFactorRepository, "findTwoFactorStatus">;
  constructor(users: InMemoryUserRepository, twoFactor: Pick<TwoFactorRepository, "findTwoFactorStatus">) {
    this.#users = users;
    this.#twoFactor = twoFactor;
  }

  async createSession<E extends ErrorCode = never>(input: {
    session: Session;
    refreshToken: RefreshToken;
    endSessions?: SessionsToEnd;
    holder?: (holder: SessionHolder | null) => Result<void, E>;
  }): Promise<Result<readonly SessionId[], E>> {
    const { session, endSessions } = input;
    // No await before the insert: concurrent calls run one after the other, as the store's lock makes them.
    if (input.holder !== undefined) {
      const user = this.#users.peekUser(session.userId);
      const allowed = input.holder(
        user === null ? null : { status: user.status, passwordHash: user.passwordHash },
      );
      if (!allowed.ok) return allowed;
    }
    const ended =
      endSessions === undefined
        ? []
        : endSessions.choose(
            this.#liveSessionsOfUser({
              userId: session.userId,
              usedSince: endSessions.usedSince,
              ...(endSessions.createdSince === undefined ? {} : { createdSince: endSessions.createdSince }),
            }),
          );
    for (const id of ended) {
      const live = this.#sessions.get(id);
      if (live !== undefined && live.revokedAt === null) {
        this.#sessions.set(id, { ...live, revokedAt: session.createdAt });
      }
    }
    this.#sessions.set(session.id, { ...session });
    this.#tokens.set(input.refreshToken.id, { ...input.refreshToken });
    return ok(ended);
  }
  async findSession(id: SessionId): Promise<Session | null> {
    return this.peekSession(id);
  }
  /** The session now, without awaiting: what a store's lock would read. */
  peekSession(id: SessionId): Session | null {
    const session = this.#sessions.get(id);
    return session === undefined ? null : { ...session };
  }
  async findSessionWithUser(input: {
    sessionId: SessionId;
    userId: UserId;
  }): Promise<{ user: User | null; session: Session | null }> {
    const user = await this.#users.findUserById(input.userId);
    if (user === null) return { user: null, session: null };
    const session = this.#sessions.get(input.sessionId);
    return { user, session: session !== undefined && session.userId === user.id ? { ...session } : null };
  }
  async findSessionWithUserAndTwoFactorStatus(input: {
    sessionId: SessionId;
    userId: UserId;
  }): Promise<{ user: User | null; session: Session | null; twoFactor: TwoFactorStatus }> {
    const found = await this.findSessionWithUser(input);
    return { ...found, twoFactor: await this.#twoFactor.findTwoFactorStatus(input.userId) };
  }
  async findRefreshToken(id: RefreshTokenId): Promise<StoredRefreshToken | null> {
    const token = this.#tokens.get(id);
    if (token === undefined) return null;
    const session = this.#sessions.get(token.sessionId);
    if (session === undefined) return null;
    const user = await this.#users.findUserById(session.userId);
    if (user === null) return null;
    const successor = token.replacedById === null ? null : (this.#tokens.get(token.replacedById) ?? null);
    return {
      token: { ...token },
      session: { ...session },
      user,
      successor: successor === null ? null : { ...successor },
      encryptedSuccessorSecret:
        successor === null ? null : (this.#keptSecrets.get(successor.id)?.encrypted ?? null),
    };
  }
  async rotateRefreshToken(input: {
    rotatedId: RefreshTokenId;
    replacement: RefreshToken;
    replacementSecret: { encrypted: string; expiresAt: Date } | null;
    now: Date;
  }): Promise<"rotated" | "already-rotated"> {
    const token = this.#tokens.get(input.rotatedId);
    if (token === undefined || token.rotatedAt !== null) return "already-rotated";
    this.#tokens.set(token.id, { ...token, rotatedAt: input.now, replacedById: input.replacement.id });
    this.#tokens.set(input.replacement.id, { ...input.replacement });
    this.#keptSecrets.delete(token.id);
    if (input.replacementSecret !== null) {
      this.#keptSecrets.set(input.replacement.id, { ...input.replacementSecret });
    }
    this.#touch(token.sessionId, input.now);
    return "rotated";
  }
  async revokeSession(input: { sessionId: SessionId; now: Date }): Promise<boolean> {
    const session = this.#sessions.get(input.sessionId);
    if (session === undefined || session.revokedAt !== null) return false;
    this.#sessions.set(session.id, { ...session, revokedAt: input.now });
    return true;
  }
  async recordReauthentication(input: {
    sessionId: SessionId;
    now: Date;
    methods: readonly AuthenticationMethod[];
  }): Promise<void> {
    const session = this.#sessions.get(input.sessionId);
    if (session === undefined || session.revokedAt !== null) return;
    if (session.authenticatedAt.getTime() >= input.now.getTime()) return;
    this.#sessions.set(session.id, {
      ...session,
      authenticatedAt: input.now,
      authenticationMethods: [...input.methods],
    });
  }
  async recordSessionSeen(input: { sessionId: SessionId; now: Date }): Promise<void> {
    const session = this.#sessions.get(input.sessionId);
    if (session === undefined) return;
    if (session.lastSeenAt !== null && session.lastSeenAt.getTime() >= input.now.getTime()) return;
    this.#sessions.set(session.id, { ...session, lastSeenAt: input.now });
  }
  async revokeSessionsOfUser(input: {
    userId: UserId;
    now: Date;
    exceptSessionId?: SessionId;
    live?: { usedSince: Date; createdSince: Date };
  }): Promise<number> {
    const { live } = input;
    let revoked = 0;
    for (const session of this.#sessions.values()) {
      if (
        session.userId === input.userId &&
        session.revokedAt === null &&
        session.id !== input.exceptSessionId
      ) {
        this.#sessions.set(session.id, { ...session, revokedAt: input.now });
        const expired =
          live !== undefined &&
          (session.lastUsedAt.getTime() < live.usedSince.getTime() ||
            session.createdAt.getTime() < live.createdSince.getTime());
        if (!expired) revoked += 1;
      }
    }
    return revoked;
  }
  async listLiveSessionsOfUser(input: {
    userId: UserId;
    usedSince: Date;
    createdSince?: Date;
  }): Promise<Session[]> {
    return this.#liveSessionsOfUser(input);
  }
  /** Deletes the user's sessions and their refresh tokens (an account deletion); answers the ids of the sessions deleted. */
  forgetUser(userId: UserId): SessionId[] {
    const ended: SessionId[] = [];
    for (const session of [...this.#sessions.values()]) {
      if (session.userId !== userId) continue;
      ended.push(session.id);
      this.#sessions.delete(session.id);
      for (const token of [...this.#tokens.values()]) {
        if (token.sessionId !== session.id) continue;
        this.#tokens.delete(token.id);
        this.#keptSecrets.delete(token.id);
      }
    }
    return ended;
  }
  #liveSessionsOfUser(input: { userId: UserId; usedSince: Date; createdSince?: Date }): Session[] {
    return [...this.#sessions.values()]
      .filter(
        (s) =>
          s.userId === input.userId &&
          s.revokedAt === null &&
          s.lastUsedAt.getTime() >= input.usedSince.getTime() &&
          (input.createdSince === undefined || s.createdAt.getTime() >= input.createdSince.getTime()),
      )
      .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((s) => ({ ...s }));
  }
  #touch(sessionId: SessionId, now: Date): void {
    const session = this.#sessions.get(sessionId);
    if (session !== undefined) this.#sessions.set(sessionId, { ...session, lastUsedAt: now });
  }
}

export class InMemorySecurityEventLog implements SecurityEventLog {
  readonly #events: SecurityEvent[] = [];
  /** The accounts, so a record for a deleted one writes nothing, as on SQL (none given: every id exists). */
  readonly #users: InMemoryUserRepository | undefined;
  constructor(users?: InMemoryUserRepository) {
    this.#users = users;
  }
  #exists(userId: UserId): boolean {
    return this.#users === undefined || this.#users.peekUser(userId) !== null;
  }
  async recordSecurityEvent(event: SecurityEvent): Promise<void> {
    // Checked and written in one synchronous step, as the SQL store's one statement.
    if (this.#exists(event.userId)) this.#events.push({ ...event, details: { ...event.details } });
  }
  async recordOfDeletedAccount(event: SecurityEvent): Promise<void> {
    this.#events.push({ ...event, details: { ...event.details } });
  }
  /** Each member of staff's last record, which the next one waits for: the in-memory actor's row lock. */
  readonly #staffLocks = new Map<UserId, Promise<unknown>>();
  async recordStaffEntry(
    event: SecurityEvent,
    allowance: StaffAllowance,
    fold?: EntryFold,
    step?: () => Promise<boolean>,
  ): Promise<StaffEntryRecord> {
    // As over SQL: an entry without its actor is the caller's mistake, not an outcome.
    const actorId = event.actorId;
    if (actorId === null) throw new Error("a staff entry is recorded with its actor");
    // One record per member of staff at a time, as the actor's row lock makes it over SQL: `step`
    // runs between the count and the write, and a record that waited sees those before it.
    const before = this.#staffLocks.get(actorId) ?? Promise.resolve();
    const record = before.then(() => this.#recordStaffEntry(event, actorId, allowance, fold, step));
    const settled = record.catch(() => undefined);
    this.#staffLocks.set(actorId, settled);
    void settled.then(() => {
      if (this.#staffLocks.get(actorId) === settled) this.#staffLocks.delete(actorId);
    });
    return record;
  }
  async #recordStaffEntry(
    event: SecurityEvent,
    actorId: UserId,
    allowance: StaffAllowance,
    fold: EntryFold | undefined,
    step: (() => Promise<boolean>) | undefined,
  ): Promise<StaffEntryRecord> {
    if (!this.#exists(actorId) || !this.#exists(event.userId)) return { recorded: false, gone: true };
    if (
      fold !== undefined &&
      !fold.admits(this.#list({ userId: event.userId, limit: fold.limit, types: fold.types }))
    ) {
      return { recorded: false, folded: true };
    }
    const kind = staffAllowanceTypesOf(event.type);
    const counted = this.#events.filter(
      (e) => e.actorId === actorId && kind.includes(e.type) && e.occurredAt >= allowance.since,
    );
    if (counted.length >= allowance.max) {
      const oldest = Math.min(...counted.map((e) => e.occurredAt.getTime()));
      return { recorded: false, oldest: new Date(oldest) };
    }
    if (step !== undefined && !(await step())) return { recorded: false, withheld: true };
    this.#events.push({ ...event, details: { ...event.details } });
    return { recorded: true };
  }
  async recordFolded(event: SecurityEvent, fold: EntryFold): Promise<boolean> {
    // Read and recorded in one synchronous step: concurrent records each see those before them.
    if (!this.#exists(event.userId)) return false;
    if (!fold.admits(this.#list({ userId: event.userId, limit: fold.limit, types: fold.types })))
      return false;
    this.#events.push({ ...event, details: { ...event.details } });
    return true;
  }
  async listSecurityEventsOfUser(input: {
    userId: UserId;
    limit: number;
    beforeId?: string;
    types?: readonly SecurityEventType[];
  }): Promise<SecurityEvent[]> {
    return this.#list(input);
  }
  #list(input: {
    userId: UserId;
    limit: number;
    beforeId?: string;
    types?: readonly SecurityEventType[];
  }): SecurityEvent[] {
    return this.#events
      .filter(
        (e) =>
          e.userId === input.userId &&
          (input.beforeId === undefined || e.id < input.beforeId) &&
          (input.types === undefined || input.types.includes(e.type)),
      )
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, input.limit)
      .map((e) => ({ ...e, details: { ...e.details } }));
  }
  /** Test helper: every event of every user, oldest first. */
  all(): SecurityEvent[] {
    return [...this.#events];
  }
  /** The audit's events (with an actor, or an admin made on the server), newest first, after `beforeId`. */
  listStaffActions(input: { limit: number; beforeId?: string }): SecurityEvent[] {
    return this.#events
      .filter((e) => isAuditEntry(e) && (input.beforeId === undefined || e.id < input.beforeId))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, input.limit)
      .map((e) => ({ ...e, details: { ...e.details } }));
  }
  /** What `actorId` did as staff to other accounts, newest first, after `beforeId`. */
  listActionsBy(input: { actorId: UserId; limit: number; beforeId?: string }): SecurityEvent[] {
    return this.#events
      .filter(
        (e) =>
          e.actorId === input.actorId &&
          e.userId !== input.actorId &&
          (input.beforeId === undefined || e.id < input.beforeId),
      )
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, input.limit)
      .map((e) => ({ ...e, details: { ...e.details } }));
  }
  /** Keeps the user's events as anonymous facts under `pseudonymId` (an account deletion). */
  anonymiseUser(input: { userId: UserId; pseudonymId: UserId }): void {
    for (const [index, e] of this.#events.entries()) {
      const anonymous =
        e.userId === input.userId
          ? {
              ...e,
              userId: input.pseudonymId,
              // A member of staff's client on what staff did to the person is the staff member's.
              ...(e.actorId === null || e.actorId === input.userId ? { ip: null, userAgent: null } : {}),
              details: e.actorId === input.userId || isAdminCreatedOnServer(e) ? e.details : {},
            }
          : { ...e };
      this.#events[index] =
        anonymous.actorId === input.userId
          ? { ...anonymous, actorId: input.pseudonymId, ip: null, userAgent: null }
          : anonymous;
    }
  }
}

/**
 * No transactions: the in-memory store hands `work` no repository of its own, so it writes through
 * the dependencies' repositories as they are, and nothing is rolled back when it throws. Which
 * writes a use case holds together is seen with recordingTransactions; that they land together is
 * tested on SQL (transactionsContract holds only SQL to the rollback).
 */
export class InMemoryTransactions implements Transactions {
  async run<T>(work: (repositories: Partial<TransactionalRepositories>) => Promise<T>): Promise<T> {
    return work({});
  }
}

/** A full set of in-memory dependencies, each reachable for inspection. */
export function createInMemoryDependencies(
  overrides: Partial<Dependencies["settings"]> = {},
): Dependencies & {
  clock: ManualClock;
  passwordHasher: InMemoryPasswordHasher;
  users: InMemoryUserRepository;
  sessions: InMemorySessionRepository;
  securityEvents: InMemorySecurityEventLog;
  emailTokens: InMemoryEmailTokenRepository;
  mailer: InMemoryMailer;
  backgroundTasks: InMemoryBackgroundTasks;
  linkedProviders: InMemoryLinkedProviderRepository;
  oauthFlows: InMemoryOAuthFlowRepository;
  totp: InMemoryTOTPService;
  twoFactor: InMemoryTwoFactorRepository;
  lockout: InMemoryLockoutRepository;
  apps: InMemoryAppRepository;
  appAuthorizations: InMemoryAppAuthorizationRepository;
  oidcModels: InMemoryOIDCModelStore;
  thirdPartyAccessTokens: ScriptedThirdPartyAccessTokens;
  exportJobs: InMemoryExportJobRepository;
  exportArchives: InMemoryExportArchiveStore;
  exportWorker: CountingExportWorkerSignal;
  accountAdministration: InMemoryAccountAdministration;
  thirdPartyGrants: InMemoryThirdPartyGrants;
  userExports: InMemoryUserExports;
  maintenanceNotices: InMemoryMaintenanceNotices;
  transactions: InMemoryTransactions;
} {
  const users = new InMemoryUserRepository();
  const apps = new InMemoryAppRepository();
  const twoFactor = new InMemoryTwoFactorRepository();
  const clock = new ManualClock();
  const sessions = new InMemorySessionRepository(users, twoFactor);
  const stores = {
    users,
    maintenanceNotices: new InMemoryMaintenanceNotices(),
    sessions,
    securityEvents: new InMemorySecurityEventLog(users),
    emailTokens: new InMemoryEmailTokenRepository(),
    linkedProviders: new InMemoryLinkedProviderRepository(users, sessions),
    oauthFlows: new InMemoryOAuthFlowRepository(),
    twoFactor,
    lockout: new InMemoryLockoutRepository(),
  };
  return {
    ...stores,
    accountAdministration: new InMemoryAccountAdministration(stores),
    thirdPartyGrants: new InMemoryThirdPartyGrants(),
    userExports: new InMemoryUserExports(),
    clock,
    random: new SequentialRandomSource(),
    passwordHasher: new InMemoryPasswordHasher(),
    passwordStrength: new InMemoryPasswordStrengthChecker(),
    secretHasher: new InMemorySecretHasher(),
    accessTokens: new InMemoryAccessTokenIssuer(),
    mailer: new InMemoryMailer(),
    // A stand-in, not the hosted pages' mark (adapter-web's formAccountOf, which the API wires in and
    // the application may not import): one per account, told apart by the id. Tests of the pages
    // that compare marks put the pages' own here.
    accountLinkMark: (userId) => `mark-of-${userId}`,
    backgroundTasks: new InMemoryBackgroundTasks(),
    oauthProviders: {},
    totp: new InMemoryTOTPService(),
    secretCipher: new InMemorySecretCipher(),
    mfaTokens: new InMemoryMFATokenIssuer(),
    apps,
    appAuthorizations: new InMemoryAppAuthorizationRepository(apps),
    oidcModels: new InMemoryOIDCModelStore(),
    thirdPartyAccessTokens: new ScriptedThirdPartyAccessTokens(),
    exportJobs: new InMemoryExportJobRepository(),
    exportArchives: new InMemoryExportArchiveStore(clock),
    exportWorker: new CountingExportWorkerSignal(),
    transactions: new InMemoryTransactions(),
    settings: {
      refreshTokenTtlMs: 7 * 24 * 3600 * 1000,
      refreshReuseGraceMs: 10_000,
      sessionMaxAgeMs: 30 * 24 * 3600 * 1000,
      staffSessionMaxAgeMs: 12 * 3600 * 1000,
      maxSessionsPerUser: 50,
      appURL: "http://localhost:3000",
      brand: { name: "SuperOAuth", supportURL: null },
      requireEmailVerification: false,
      reauthMaxAgeMs: defaultReauthMaxAgeMs,
      staffRequireTwoFactor: false,
      staffReadsPerHour: defaultStaffReadsPerHour,
      staffMailsPerHour: defaultStaffMailsPerHour,
      lockout: { threshold: 5, windowMs: 15 * 60_000, durationMs: 30 * 60_000 },
      dataExport: { ttlMs: 7 * 24 * 3600 * 1000, leaseMs: 60_000, maxAttempts: 3 },
      ...overrides,
    },
  };
}
