import type { SecurityEvent, SecurityEventType, UserId } from "@superoauth/domain";

/** A member of staff's read allowance: at most `max` reads recorded with them as actor since `since`. */
export interface StaffReadAllowance {
  readonly since: Date;
  readonly max: number;
}

/**
 * A staff read recorded; not recorded nor counted because its fold did not admit it (`folded`: an
 * earlier entry says it) or the account it reads is gone (`gone`: deleted); or refused because the
 * allowance was spent, with the oldest read that spent it.
 */
export type StaffReadRecord =
  | { readonly recorded: true }
  | { readonly recorded: false; readonly folded: true; readonly gone?: undefined }
  | { readonly recorded: false; readonly folded?: undefined; readonly gone: true }
  | {
      readonly recorded: false;
      readonly folded?: undefined;
      readonly gone?: undefined;
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
   * Records a staff read (`event` of a `staffReadTypes` type, with its actor) unless `fold` (when
   * given) does not admit it, the account it is about is gone, or its actor's reads recorded at or
   * after `allowance.since` already number `allowance.max`, in that order. All are decided under a
   * lock of the actor's row (and of the account's, when another's): of any number of records at
   * once, at most the allowance's go through (docs/admin.md, "Read allowance"), a fold on the
   * actor's own entries (a view of one account again) lets exactly one through, and nothing is
   * written under a deleted account's id.
   */
  recordStaffRead(
    event: SecurityEvent,
    allowance: StaffReadAllowance,
    fold?: EntryFold,
  ): Promise<StaffReadRecord>;
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
