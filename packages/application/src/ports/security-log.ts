import type { SecurityEvent, SecurityEventType, UserId } from "@superoauth/domain";

/** A member of staff's read allowance: at most `max` reads recorded with them as actor since `since`. */
export interface StaffReadAllowance {
  readonly since: Date;
  readonly max: number;
}

/** A staff read recorded, or refused because the allowance was spent, with the oldest read that spent it. */
export type StaffReadRecord =
  | { readonly recorded: true }
  | { readonly recorded: false; readonly oldest: Date };

/** The account security log. Entries are never changed once written. */
export interface SecurityEventLog {
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
  /**
   * Records a staff read (`event` of a `staffReadTypes` type, with its actor) unless its actor's
   * reads recorded at or after `allowance.since` already number `allowance.max`: of any number of
   * records at once, at most the allowance's go through (docs/admin.md, "Read allowance").
   */
  recordStaffRead(event: SecurityEvent, allowance: StaffReadAllowance): Promise<StaffReadRecord>;
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
