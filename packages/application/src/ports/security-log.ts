import type { SecurityEvent, SecurityEventType, UserId } from "@superoauth/domain";

/** The account security log. Entries are never changed once written. */
export interface SecurityEventLog {
  recordSecurityEvent(event: SecurityEvent): Promise<void>;
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
