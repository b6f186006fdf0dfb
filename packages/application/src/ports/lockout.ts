import type { LoginFailures, UserId } from "@superoauth/domain";

/**
 * Failed-sign-in counters and the sources accounts signed in from
 * (docs/decisions/0008-lockout-design.md). `account` is the normalised email,
 * so unknown addresses lock like real ones and a lock reveals nothing.
 */
export interface LockoutRepository {
  /** The counters of these sources of the account (absent ones are missing from the map). */
  findLoginFailures(input: {
    account: string;
    sources: readonly string[];
  }): Promise<Map<string, LoginFailures>>;
  /**
   * Reads the counters of these sources of the account and writes what
   * `update(current)` returns, as one atomic step: concurrent updates sharing a
   * counter are applied one after the other, none lost, so a rule `update`
   * applies (reserving an attempt under a threshold) holds under any parallelism.
   * `current` lacks absent counters; the returned map holds the counters to write
   * (only of `sources`; empty: write nothing). `update` is pure and may be called
   * again if the store retries. Returns the counters as they are after the update. Runs in no
   * caller's transaction (over SQL it refuses to: it is one of its own).
   */
  updateLoginFailures(input: {
    account: string;
    sources: readonly string[];
    update: (current: ReadonlyMap<string, LoginFailures>) => ReadonlyMap<string, LoginFailures>;
  }): Promise<ReadonlyMap<string, LoginFailures>>;
  /** Forgets the counters of these sources of the account, or all of them when `sources` is absent (unlock). */
  clearLoginFailures(input: { account: string; sources?: readonly string[] }): Promise<void>;
  /**
   * Forgets every counter of the account if one of them holds a lock in force at `now` (locked
   * until after it), and whether it did; with no lock in force it forgets nothing. The lock found
   * is the decision: of any number of lifts at once exactly one answers true (staff's unlock, which
   * records only a lock it lifted).
   */
  liftLock(input: { account: string; now: Date }): Promise<boolean>;
  /** Remembers that the user signed in from these sources (its device and its network) at `now`, in one write. */
  rememberSignInSources(input: { userId: UserId; sources: readonly string[]; now: Date }): Promise<void>;
  /** Of these sources, those the user signed in from at or after `since`. */
  findKnownSignInSources(input: {
    userId: UserId;
    sources: readonly string[];
    since: Date;
  }): Promise<string[]>;
  /** Every source the user signed in from, with when last (their data export), most recent first. */
  listKnownSignInSources(userId: UserId): Promise<{ source: string; lastSeenAt: Date }[]>;
}
