import type { SecurityEvent, SecurityEventType, UserId } from "@superoauth/domain";

/**
 * A member of staff's allowance: at most `max` entries of the entry's kind (`staffAllowanceTypesOf`:
 * reads, or links mailed) recorded with them as actor since `since`.
 */
export interface StaffAllowance {
  readonly since: Date;
  readonly max: number;
}

/**
 * A staff entry recorded; not recorded nor counted because its fold did not admit it (`folded`: an
 * earlier entry says it), the account it is about is gone (`gone`: deleted), or the step it records
 * did nothing (`withheld`: a link not issued); or refused because the allowance was spent, with the
 * oldest entry that spent it.
 */
export type StaffEntryRecord =
  | { readonly recorded: true }
  | {
      readonly recorded: false;
      readonly folded: true;
      readonly gone?: undefined;
      readonly withheld?: undefined;
    }
  | {
      readonly recorded: false;
      readonly folded?: undefined;
      readonly gone: true;
      readonly withheld?: undefined;
    }
  | {
      readonly recorded: false;
      readonly folded?: undefined;
      readonly gone?: undefined;
      readonly withheld: true;
    }
  | {
      readonly recorded: false;
      readonly folded?: undefined;
      readonly gone?: undefined;
      readonly withheld?: undefined;
      readonly oldest: Date;
    };

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
  /**
   * Appends `event` while its user's account exists: an entry whose account is gone (deleted while
   * the request or task that writes it was in flight) is not written, so nothing of the attempt
   * (its address, its browser) is kept under the deleted id. An entry written first is there for
   * the deletion to pseudonymise (docs/admin.md, "Deletion"). One statement, decided against the
   * deletion by the account's row.
   */
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /** Appends the entry of an account's deletion, under the pseudonym that has no account row. */
  recordOfDeletedAccount(event: SecurityEvent): Promise<void>;
  /**
   * Records a staff entry (`event` of a `staffReadTypes` or `staffMailTypes` type, with its actor)
   * unless `fold` (when given) does not admit it, the account it is about is gone, its actor's
   * entries of its kind recorded at or after `allowance.since` already number `allowance.max`, or
   * `step` (when given, run last) answers false, in that order. All are decided under a lock of the
   * actor's row (and of the account's, when another's), held while `step` runs: of any number of
   * records at once, at most the allowance's go through (docs/admin.md, "Read allowance", "Mail
   * allowance"), a fold on the actor's own entries (a view of one account again) lets exactly one
   * through, and nothing is written under a deleted account's id. `step` is what the entry records
   * (a link issued): over SQL it runs in the record's transaction, so it must be called inside the
   * caller's transaction (inOneTransaction) and `step` write through that transaction's repositories;
   * what it wrote lands with the entry, or neither does.
   */
  recordStaffEntry(
    event: SecurityEvent,
    allowance: StaffAllowance,
    fold?: EntryFold,
    step?: () => Promise<boolean>,
  ): Promise<StaffEntryRecord>;
  /**
   * Records `event` when its user's account still exists and `fold.admits` its latest entries of
   * `fold.types`, both read under a lock of the user's row: of any number of records at once each
   * sees those before it, so exactly as many are recorded as the fold admits one after the other;
   * and a record that comes after the account's deletion (a background task) writes nothing under
   * its id. Whether it was recorded.
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
