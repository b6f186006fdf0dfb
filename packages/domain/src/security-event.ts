import type { UserId } from "./user.ts";

/** What happened to an account that its owner may want to review. */
export const securityEventTypes = [
  "login_succeeded",
  "login_failed",
  "account_locked",
  "login_refused_locked",
  "password_set",
  "password_changed",
  "password_reset",
  "password_reset_requested",
  "password_reset_required",
  "verification_resent",
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
  "account_viewed",
  "users_searched",
  "app_authorized",
  "app_revoked",
  "app_token_reuse_detected",
  "app_registered",
  "app_updated",
  "app_secret_rotated",
  "app_deleted",
  "data_export_requested",
  "data_export_downloaded",
  "reauthentication_failed",
] as const;

export type SecurityEventType = (typeof securityEventTypes)[number];

/**
 * The events that record staff reading personal data rather than changing anything (docs/admin.md,
 * "Audit"): opening one account's details, searching the accounts. The audit shows them as reads.
 */
export const staffReadTypes = [
  "account_viewed",
  "users_searched",
] as const satisfies readonly SecurityEventType[];

/** Whether the event records a staff read (`staffReadTypes`) rather than a change. */
export function isStaffRead(type: SecurityEventType): boolean {
  return (staffReadTypes as readonly SecurityEventType[]).includes(type);
}

/** How `pnpm admin:create` marks the `role_changed` it records (`details.via`): run on the server, by no account. */
export const adminCreatedOnServer = "admin:create";

/**
 * Whether the admins' audit lists the event: what a member of staff did (an event with an actor),
 * and the admins `pnpm admin:create` made on the server: who holds the admin role, and since when,
 * is what an audit is read for. Decided by the type and the actor alone, so the store can select
 * exactly these rows (two index reads, no filter after the limit).
 */
export function isAuditEntry(event: Pick<SecurityEvent, "type" | "actorId">): boolean {
  return event.actorId !== null || isAdminCreatedOnServer(event);
}

/**
 * Whether the event is a grant by `pnpm admin:create`: a `role_changed` with no actor, which only
 * that command records (every member of staff's change names its actor). Its details say so too
 * (`via: "admin:create"`).
 */
export function isAdminCreatedOnServer(event: Pick<SecurityEvent, "type" | "actorId">): boolean {
  return event.actorId === null && event.type === "role_changed";
}

/**
 * Views of one account by one member of staff within this window are one `account_viewed` entry:
 * the page reloads after every action, and a log of reloads hides who looked at whom.
 */
export const staffViewFoldWindowMs = 10 * 60_000;

/**
 * A member of staff's directory reads (`staffReadTypes` recorded with them as actor: searches'
 * pages and account views) are counted over this window against STAFF_READS_PER_HOUR: a stolen
 * staff session cannot page out the user directory (docs/admin.md, "Read allowance"; ADR 0051).
 */
export const staffReadAllowanceWindowMs = 3600_000;

/** The reads a member of staff may record within `staffReadAllowanceWindowMs` unless configured (STAFF_READS_PER_HOUR). */
export const defaultStaffReadsPerHour = 300;

/**
 * The links staff have mailed to an account's own address, no fresh proof asked (a new verification
 * link, a password-reset link): recorded with the member of staff as actor, they are counted over
 * `staffReadAllowanceWindowMs` against STAFF_MAILS_PER_HOUR, as reads are against theirs, so a stolen
 * staff session cannot spend every person's own allowance of such mails (docs/admin.md, "Mail
 * allowance"; ADR 0066). The person's own requests record the same types with no actor: not counted.
 */
export const staffMailTypes = [
  "verification_resent",
  "password_reset_requested",
] as const satisfies readonly SecurityEventType[];

/** The links a member of staff may have mailed within `staffReadAllowanceWindowMs` unless configured (STAFF_MAILS_PER_HOUR). */
export const defaultStaffMailsPerHour = 30;

/**
 * The entries a member of staff's allowance counts with an entry of `type`: their reads
 * (`staffReadTypes`) or the links they had mailed (`staffMailTypes`); none for another type.
 */
export function staffAllowanceTypesOf(type: SecurityEventType): readonly SecurityEventType[] {
  for (const kind of [staffReadTypes, staffMailTypes] as const) {
    if ((kind as readonly SecurityEventType[]).includes(type)) return kind;
  }
  return [];
}

/**
 * Sign-in attempts refused by a lock (`login_refused_locked`) are folded: an attacker may make any
 * number, and the log must not grow with them. Within this window an account's log gets at most
 * one entry per address, and at most `refusedSignInEntriesPerWindow` in all (a botnet's many
 * addresses): at most 480 a day for an account under constant attack, as many as its lockout lets
 * `login_failed` through from a handful of addresses.
 */
export const refusedSignInFoldWindowMs = 15 * 60_000;

/** The most `login_refused_locked` entries an account's log gets within `refusedSignInFoldWindowMs`. */
export const refusedSignInEntriesPerWindow = 5;

/**
 * Whether a sign-in attempt refused by a lock, from `ip` at `now`, gets an entry, given the
 * account's latest `login_refused_locked` entries (newest first, at least
 * `refusedSignInEntriesPerWindow` of them when there are that many): not when one from the same
 * address is within the fold window, nor when the window holds the most it may.
 */
export function recordsRefusedSignIn(
  recent: readonly SecurityEvent[],
  attempt: { readonly ip: string | null; readonly now: Date },
): boolean {
  const since = attempt.now.getTime() - refusedSignInFoldWindowMs;
  const within = recent.filter(
    (event) => event.type === "login_refused_locked" && event.occurredAt.getTime() > since,
  );
  return within.length < refusedSignInEntriesPerWindow && !within.some((event) => event.ip === attempt.ip);
}

/** One entry of an account's security log. `details` holds small, non-secret facts (method, provider). */
export interface SecurityEvent {
  readonly id: string;
  readonly userId: UserId;
  readonly type: SecurityEventType;
  readonly occurredAt: Date;
  /** Where the request came from: the holder's, or the member of staff's for a staff action (see `asSeenByHolder`). */
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The member of staff who did it (an admin action, docs/admin.md); null when the account's own holder or the system did. */
  readonly actorId: UserId | null;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The detail of a staff action that holds the member of staff's own words about the account (the
 * reason of a disable): for staff, never for the account's holder (it may be internal notes).
 */
export const staffReasonDetail = "staffReason";

/**
 * An event as the account's holder sees it (their log, their export, their notice mail, the
 * console's view of their log): a member of staff's address and browser are the staff member's
 * personal data, kept for the admins' audit only (docs/admin.md, "Audit"), and so are their words
 * about the account (`staffReasonDetail`). What a person did as staff on their own account (a
 * maintenance notice they set) keeps its client and details: they are theirs.
 */
export function asSeenByHolder<E extends SecurityEvent>(event: E): E {
  if (event.actorId === null || event.actorId === event.userId) return event;
  const { [staffReasonDetail]: reason, ...details } = event.details;
  if (event.ip === null && event.userAgent === null && reason === undefined) return event;
  return { ...event, ip: null, userAgent: null, ...(reason === undefined ? {} : { details }) };
}

/** The detail that says a staff reason was left out of an audit entry for its reader (`asSeenInAuditBy`). */
export const staffReasonWithheldDetail = "staffReasonWithheld";

/**
 * An audit entry as the admin `reader` sees it: the reason another member of staff gave about the
 * reader's own account (a disable, enabled again since) is withheld, as it is from every holder
 * (`asSeenByHolder`), and the entry says so (`staffReasonWithheldDetail`). The acting member of
 * staff's address and browser stay: the audit is where admins read them.
 */
export function asSeenInAuditBy<E extends SecurityEvent>(event: E, reader: UserId): E {
  if (event.userId !== reader || event.actorId === null || event.actorId === reader) return event;
  const { [staffReasonDetail]: reason, ...details } = event.details;
  if (reason === undefined) return event;
  return { ...event, details: { ...details, [staffReasonWithheldDetail]: true } };
}
