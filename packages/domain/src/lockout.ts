import { timeSince } from "./clock.ts";

/**
 * Account lockout arithmetic (docs/decisions/0008-lockout-design.md).
 *
 * Failed sign-in attempts are counted per account and source (a device the
 * account signed in from before, or else the client's IP), and once more per
 * account over every source. Reaching the threshold within the window locks
 * that counter for the lock duration. A source the account signed in from
 * before is held back only by its own counter, so an attacker elsewhere cannot
 * lock the owner out of a device they use.
 */

/** How many failures, within how long, lock for how long. */
export interface LockoutPolicy {
  /** Consecutive failures that lock (default 5). */
  readonly threshold: number;
  /** Failures older than this no longer count (default 15 minutes). */
  readonly windowMs: number;
  /** How long a lock lasts (default 30 minutes, as the troubleshooting guide says). */
  readonly durationMs: number;
}

/** The failure counter of one account and source. */
export interface LoginFailures {
  readonly count: number;
  /** When the first failure that still counts happened. */
  readonly windowStartedAt: Date;
  /** Set once the threshold is reached; the counter is locked until then. */
  readonly lockedUntil: Date | null;
}

/** The key of the counter over every source of an account. */
export const accountWideSource = "*";

/** How long a successful sign-in keeps its source "known" to the account. */
export const knownSourceLifetimeMs = 90 * 24 * 3600 * 1000;

/**
 * Whether a counter is locked at `now`: until its lock ends, unless the lock began (`durationMs`
 * before its end) further ahead of `now` than a lock lasts. Such a lock was set by a clock that was
 * fast (this one before NTP stepped it back, or another instance's) and would otherwise hold until
 * this clock caught up with it: a year after a year's step. Measured by its distance (timeSince),
 * it holds no longer than twice its duration; a step back of N lengthens a lock by at most N.
 */
export function isLockedAt(failures: LoginFailures | null, now: Date, policy: LockoutPolicy): boolean {
  if (failures?.lockedUntil == null || failures.lockedUntil.getTime() <= now.getTime()) return false;
  const lockedAt = new Date(failures.lockedUntil.getTime() - policy.durationMs);
  return timeSince(lockedAt, now) < policy.durationMs;
}

/**
 * Counts one more failure. A counter whose lock has run out, or whose window has
 * passed, starts again at one. Failures while locked are not counted: they were
 * never checked, and counting them would let an attacker extend a lock at will.
 */
export function countFailedLogin(input: {
  failures: LoginFailures | null;
  now: Date;
  policy: LockoutPolicy;
}): { failures: LoginFailures; lockedNow: boolean } {
  const { failures, now, policy } = input;
  if (failures !== null && isLockedAt(failures, now, policy)) return { failures, lockedNow: false };
  const stale =
    failures === null ||
    failures.lockedUntil !== null ||
    // A window that began ahead of this clock counts by its distance, as a lock does (isLockedAt).
    timeSince(failures.windowStartedAt, now) >= policy.windowMs;
  const count = stale ? 1 : failures.count + 1;
  const windowStartedAt = stale ? now : failures.windowStartedAt;
  if (count >= policy.threshold) {
    return {
      failures: { count, windowStartedAt, lockedUntil: new Date(now.getTime() + policy.durationMs) },
      lockedNow: true,
    };
  }
  return { failures: { count, windowStartedAt, lockedUntil: null }, lockedNow: false };
}

/** Whether a sign-in attempt may be checked at all, and if not, until when it is refused. */
export type LockoutDecision = { readonly locked: false } | { readonly locked: true; readonly until: Date };

/**
 * Decides whether an attempt from a source is refused: when the source's own
 * counter is locked, or when the account-wide counter is locked and the source
 * never signed in to this account before; refused until the later of the locks
 * that apply ends.
 */
export function decideLockout(input: {
  sourceFailures: LoginFailures | null;
  accountFailures: LoginFailures | null;
  sourceIsKnown: boolean;
  now: Date;
  policy: LockoutPolicy;
}): LockoutDecision {
  const { sourceFailures, accountFailures, sourceIsKnown, now, policy } = input;
  // Every lock that holds this attempt back; it may go on only once the last of them ends, so that
  // is when it is told to come back (Retry-After), not when the first ends.
  const locks: Date[] = [];
  if (sourceFailures?.lockedUntil != null && isLockedAt(sourceFailures, now, policy)) {
    locks.push(sourceFailures.lockedUntil);
  }
  if (!sourceIsKnown && accountFailures?.lockedUntil != null && isLockedAt(accountFailures, now, policy)) {
    locks.push(accountFailures.lockedUntil);
  }
  if (locks.length === 0) return { locked: false };
  return { locked: true, until: new Date(Math.max(...locks.map((until) => until.getTime()))) };
}

/** Which counters an attempt's failure locked: the source's own, the account-wide one, or both. */
export type LockedScope = "source" | "account";

/**
 * What reserving an attempt comes to: refused while a lock is in force (nothing
 * counted), or counted on both counters before the proof is checked.
 */
export type LoginAttemptReservation =
  | { readonly locked: true; readonly until: Date }
  | {
      readonly locked: false;
      readonly sourceFailures: LoginFailures;
      readonly accountFailures: LoginFailures;
      /** The counters this attempt locked, should its proof turn out wrong. */
      readonly lockedScopes: readonly LockedScope[];
    };

/**
 * Reserves one attempt: decides the lock (decideLockout) and, when the attempt may
 * go on, counts it as a failure on the source's counter and the account-wide one
 * at once, before the password or code is checked. Applied to the counters under
 * the store's lock, so of any number of concurrent attempts at most `threshold`
 * are let through per counter and window: counting afterwards would let every
 * attempt in flight pass the check (OWASP ASVS 5.0 V6.3.1, NIST SP 800-63B-4
 * section 3.2.2). A right proof gives the attempt back (refundLoginAttempt).
 */
export function reserveLoginAttempt(input: {
  sourceFailures: LoginFailures | null;
  accountFailures: LoginFailures | null;
  sourceIsKnown: boolean;
  now: Date;
  policy: LockoutPolicy;
}): LoginAttemptReservation {
  const { now, policy } = input;
  const decision = decideLockout(input);
  if (decision.locked) return decision;
  const source = countFailedLogin({ failures: input.sourceFailures, now, policy });
  const account = countFailedLogin({ failures: input.accountFailures, now, policy });
  const lockedScopes: LockedScope[] = [];
  if (source.lockedNow) lockedScopes.push("source");
  if (account.lockedNow) lockedScopes.push("account");
  return { locked: false, sourceFailures: source.failures, accountFailures: account.failures, lockedScopes };
}

/**
 * Gives back an attempt reserved at `reservedAt` whose proof was right, leaving
 * the counter as if the attempt had never been counted: one fewer, and unlocked
 * when that takes it below the threshold (the lock it reached was partly this
 * attempt's). A counter cleared since (null) or started again after the
 * reservation no longer holds the attempt and stays as it is.
 */
export function refundLoginAttempt(input: {
  failures: LoginFailures | null;
  reservedAt: Date;
  policy: LockoutPolicy;
}): LoginFailures | null {
  const { failures, reservedAt, policy } = input;
  if (failures === null || failures.count === 0) return failures;
  if (failures.windowStartedAt.getTime() > reservedAt.getTime()) return failures;
  const count = failures.count - 1;
  return {
    count,
    windowStartedAt: failures.windowStartedAt,
    lockedUntil: count >= policy.threshold ? failures.lockedUntil : null,
  };
}

/** Whole seconds until `until`, at least 1: the value of a Retry-After header. */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
