import type { SecurityEvent, SecurityEventType } from "./security-event.ts";

/**
 * Security notices: the events the account holder is mailed about. ASVS 5.0 asks that users be
 * notified after updates to authentication details (V6.3.7) and of suspicious sign-ins, such as
 * one from an unusual client (V6.3.5). Which events those are is decided here, on the event alone.
 */

/** Using a backup code mails the holder once this many or fewer are left: time to make new ones. */
export const lowBackupCodesThreshold = 3;

/** The event types that may mail the holder (whether one does is `notifiesAccountHolder`'s call). */
export const securityNoticeTypes = [
  "password_set",
  "password_changed",
  "password_reset",
  "two_factor_enabled",
  "two_factor_disabled",
  "two_factor_reset",
  "backup_codes_regenerated",
  "backup_code_used",
  "provider_linked",
  "provider_unlinked",
  "refresh_token_reuse_detected",
  "new_device_sign_in",
  "email_change_requested",
  "email_changed",
  "email_change_undone",
  "account_disabled",
  "account_enabled",
  "account_deleted",
  "sessions_revoked",
  "email_verified",
  "app_authorized",
] as const satisfies readonly SecurityEventType[];

export type SecurityNoticeType = (typeof securityNoticeTypes)[number];

/** An event that mails the account holder. */
export type SecurityNoticeEvent = Pick<SecurityEvent, "details"> & { readonly type: SecurityNoticeType };

/**
 * Whether an event mails the account holder. A used backup code does only when few are left
 * (`lowBackupCodesThreshold`); a provider linked by signing up with it does not (the account was
 * made with it, there is nothing to warn about); ending every session does only when staff did it
 * (the error reference tells a disabled person to look for a notice in their mail; a person deleted
 * or signed out by staff should learn of it the same way); an app's authorization does only when it
 * lasts (remembered). Every other notice type always does.
 */
export function notifiesAccountHolder(
  event: Pick<SecurityEvent, "type" | "details">,
): event is SecurityNoticeEvent {
  if (!(securityNoticeTypes as readonly SecurityEventType[]).includes(event.type)) return false;
  switch (event.type) {
    case "backup_code_used": {
      const remaining = event.details.remaining;
      return typeof remaining === "number" && remaining <= lowBackupCodesThreshold;
    }
    case "provider_linked":
      return event.details.via !== "sign-up";
    // Signed out everywhere by staff (details.by); the person's own "log out everywhere" mails nothing.
    case "sessions_revoked":
      return event.details.by !== undefined;
    // Marked verified by staff: the mailbox hears that staff vouched for it. The holder's own link
    // (the mail it came in was the news) mails nothing.
    case "email_verified":
      return event.details.by !== undefined;
    // An app given lasting access (a remembered consent: a refresh token, until withdrawn) is a way
    // into the account, as a linked provider is. One allowed this once (a native app asks every
    // time) holds an access token for minutes: the log shows it, a mail each time would be noise.
    // So is a remembered consent given again with nothing new (`renewed`: prompt=consent at every
    // sign-in, as a native app is always asked): the app had that access already.
    case "app_authorized":
      return event.details.remembered === true && event.details.renewed !== true;
    default:
      return true;
  }
}

/**
 * At most this many notices mail an account whose address is unproven within `noticeWindowMs`;
 * past it the events are still recorded (the security log shows them) but mail nothing. Without it,
 * whoever registered someone else's address could mail that address without end (a password change
 * is one notice, one request). A verified holder gets every notice (`recordSecurityEvent`). The
 * count is of the account's events in the window that call for a notice (`notifiesAccountHolder`),
 * the one being recorded included: an event of a notice type that mails nothing (signing out
 * everywhere oneself, a backup code used with many left) does not count, or ten of them would
 * silence the notice that matters without the mailbox hearing of any.
 */
export const maxNoticesPerWindow = 10;

/** The window of `maxNoticesPerWindow`: an hour. */
export const noticeWindowMs = 3600_000;

/**
 * How many of the account's newest events of notice types `noticeAllowanceLeft` reads: events that
 * mail nothing are among them, and past this many the oldest are not seen (a notice more goes out,
 * never one fewer).
 */
export const noticeEventsRead = 20 * (maxNoticesPerWindow + 1);

/**
 * Whether a notice may still be mailed, given the account's newest events of notice types (newest
 * first, the one being recorded included; `noticeEventsRead` of them).
 */
export function noticeAllowanceLeft(
  recentNoticeEvents: readonly Pick<SecurityEvent, "occurredAt" | "type" | "details">[],
  now: Date,
): boolean {
  const since = now.getTime() - noticeWindowMs;
  return (
    recentNoticeEvents.filter((e) => e.occurredAt.getTime() > since && notifiesAccountHolder(e)).length <=
    maxNoticesPerWindow
  );
}
