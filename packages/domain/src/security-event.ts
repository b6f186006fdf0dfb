import type { UserId } from "./user.ts";

/** What happened to an account that its owner may want to review. */
export const securityEventTypes = [
  "login_succeeded",
  "login_failed",
  "account_locked",
  "password_set",
  "password_changed",
  "password_reset",
  "password_reset_requested",
  "email_verified",
  "profile_updated",
  "email_change_requested",
  "email_changed",
  "email_change_undone",
  "two_factor_enabled",
  "two_factor_disabled",
  "backup_code_used",
  "backup_codes_regenerated",
  "refresh_token_reuse_detected",
  "provider_linked",
  "provider_unlinked",
  "session_revoked",
  "sessions_revoked",
  "new_device_sign_in",
  "account_disabled",
  "account_enabled",
  "account_unlocked",
  "two_factor_reset",
  "role_changed",
  "account_deleted",
  "maintenance_notice_changed",
] as const;

export type SecurityEventType = (typeof securityEventTypes)[number];

/** One entry of an account's security log. `details` holds small, non-secret facts (method, provider). */
export interface SecurityEvent {
  readonly id: string;
  readonly userId: UserId;
  readonly type: SecurityEventType;
  readonly occurredAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The member of staff who did it (an admin action, docs/admin.md); null when the account's own holder or the system did. */
  readonly actorId: UserId | null;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}
