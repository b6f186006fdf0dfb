import type { SecurityEvent, SecurityEventType, UserId } from "@superoauth/domain";

/** A member of staff's read allowance: at most `max` reads recorded with them as actor since `since`. */
export interface StaffReadAllowance {
  readonly since: Date;
  readonly max: number;
}

/**
 * A staff read recorded; folded into an earlier entry (its fold did not admit it: nothing recorded
 * or counted); or refused because the allowance was spent, with the oldest read that spent it.
 */
export type StaffReadRecord =
  | { readonly recorded: true }
  | { readonly recorded: false; readonly folded: true }
  | { readonly recorded: false; readonly folded?: undefined; readonly oldest: Date };

/**
 * What decides, from a user's latest entries, whether a new one is recorded: a fold, which keeps an
 * attacker's unbounded attempts from growing the log (`recordsRefusedSignIn`).
 */
export interface EntryFold {
  /** The types of the entries `admits` is given, newest first, and at most how many. */
  readonly types: readonly SecurityEventType[];
  readonly limit: number;
  admits(recent: readonly SecurityEvent[]): boolean;
}

/** The account security log. Entries are never changed once written. */
export interface SecurityEventLog {
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /**
   * Records a staff read (`event` of a `staffReadTypes` type, with its actor) unless `fold` (when
   * given) does not admit it, or its actor's reads recorded at or after `allowance.since` already
   * number `allowance.max`. Both are decided under a lock of the actor's row: of any number of
   * records at once, at most the allowance's go through (docs/admin.md, "Read allowance"), and a
   * fold on the actor's own entries (a view of one account again) lets exactly one through.
   */
  recordStaffRead(
    event: SecurityEvent,
    allowance: StaffReadAllowance,
    fold?: EntryFold,
  ): Promise<StaffReadRecord>;
  /**
   * Records `event` when `fold.admits` its user's latest entries of `fold.types`, read under a lock
   * of the user's row: of any number of records at once each sees those before it, so exactly as
   * many are recorded as the fold admits one after the other. Whether it was recorded.
   */
  recordFolded(event: SecurityEvent, fold: EntryFold): Promise<boolean>;
  /**
   * Newest first; `beforeId` continues a listing after the last entry of the previous page; with
   * `types`, only events of those types.
   */
  listSecurityEventsOfUser(input: {
    userId: UserId;
    limit: number;
    beforeId?: string;
    types?: readonly SecurityEventType[];
  }): Promise<SecurityEvent[]>;
}
