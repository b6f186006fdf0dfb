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

/** Whether a counter is locked at `now`. */
export function isLockedAt(failures: LoginFailures | null, now: Date): boolean {
  return failures?.lockedUntil != null && failures.lockedUntil.getTime() > now.getTime();
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
  if (failures !== null && isLockedAt(failures, now)) return { failures, lockedNow: false };
  const stale =
    failures === null ||
    failures.lockedUntil !== null ||
    now.getTime() - failures.windowStartedAt.getTime() >= policy.windowMs;
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
 * never signed in to this account before.
 */
export function decideLockout(input: {
  sourceFailures: LoginFailures | null;
  accountFailures: LoginFailures | null;
  sourceIsKnown: boolean;
  now: Date;
}): LockoutDecision {
  const { sourceFailures, accountFailures, sourceIsKnown, now } = input;
  if (sourceFailures !== null && isLockedAt(sourceFailures, now) && sourceFailures.lockedUntil !== null) {
    return { locked: true, until: sourceFailures.lockedUntil };
  }
  if (
    !sourceIsKnown &&
    accountFailures !== null &&
    isLockedAt(accountFailures, now) &&
    accountFailures.lockedUntil !== null
  ) {
    return { locked: true, until: accountFailures.lockedUntil };
  }
  return { locked: false };
}

/** Whole seconds until `until`, at least 1: the value of a Retry-After header. */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
