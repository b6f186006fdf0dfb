import { providerDisplayName } from "./linked-provider.ts";
import {
  adminCreatedOnServer,
  type SecurityEvent,
  type SecurityEventType,
  staffReasonDetail,
  staffReasonWithheldDetail,
} from "./security-event.ts";

/**
 * One sentence per event for the account holder's timeline ("Your two-factor authentication was
 * reset by support"). Staff actions name the actor's role (`details.by`), never the person: the
 * holder learns that staff acted and in what capacity, as the audit view tells admins who.
 */
export function describeSecurityEvent(event: Pick<SecurityEvent, "type" | "details">): string {
  // What staff record on their own account ("You searched..."): the holder is the actor, no "by".
  const by = ownStaffEventTypes.has(event.type) ? null : staffName(event.details.by);
  const sentence = sentences[event.type](event.details);
  return by === null ? sentence : `${sentence} by ${by}`;
}

/** The staff events recorded on the actor's own account (the maintenance notice, a search). */
const ownStaffEventTypes: ReadonlySet<SecurityEventType> = new Set([
  "maintenance_notice_changed",
  "users_searched",
]);

function staffName(by: string | number | boolean | undefined): string | null {
  if (by === "support") return "support";
  if (by === "admin") return "an administrator";
  return null;
}

type Details = SecurityEvent["details"];

const sentences: Readonly<Record<SecurityEventType, (details: Details) => string>> = {
  login_succeeded: (d) =>
    `You signed in${d.method === undefined ? "" : ` with ${String(d.method)}`}${d.secondFactor === true ? " and your second factor" : ""}`,
  login_failed: (d) =>
    d.noPassword === true
      ? "A sign-in with a password failed: your account has no password"
      : "A sign-in attempt failed",
  account_locked: () => "Sign-in was locked after too many failed attempts",
  login_refused_locked: () =>
    "A sign-in attempt was refused while sign-in was locked; more from the same address within 15 minutes are not listed again",
  password_set: () => "A password was added to your account",
  password_changed: () => "Your password was changed",
  password_reset: () => "Your password was reset through a mailed link",
  password_reset_requested: () => "A password-reset link was mailed to you",
  // Staff only record it: " by an administrator" follows (the mail says what it did).
  password_reset_required: () => "You were asked to choose a new password",
  verification_resent: () => "A new link to verify your email address was mailed to you",
  email_verified: () => "Your email address was verified",
  profile_updated: () => "Your profile was updated",
  email_change_requested: (d) =>
    `A change of your email address${d.to === undefined ? "" : ` to ${String(d.to)}`} was requested`,
  email_changed: (d) =>
    `Your email address was changed${d.from === undefined ? "" : ` from ${String(d.from)}`}${d.to === undefined ? "" : ` to ${String(d.to)}`}`,
  email_change_undone: (d) =>
    `A change of your email address was undone${d.restored === undefined ? "" : `: the account is back on ${String(d.restored)}`}, with a new password, and every session was signed out`,
  two_factor_enabled: () => "Two-factor authentication was turned on",
  two_factor_disabled: () => "Two-factor authentication was turned off",
  backup_code_used: () => "A backup code was used",
  backup_codes_regenerated: () => "New backup codes were made",
  refresh_token_reuse_detected: () => "A session was signed out because its token was used twice",
  provider_linked: (d) => `${providerDisplayName(d.provider)} was linked to your account`,
  provider_unlinked: (d) => `${providerDisplayName(d.provider)} was unlinked from your account`,
  session_revoked: () => "A session was signed out",
  sessions_revoked: (d) =>
    d.reason === "logout_others" ? "Your other sessions were signed out" : "Every session was signed out",
  new_device_sign_in: () => "Your account was signed in to from a new device and network",
  account_disabled: () => "Your account was disabled",
  account_enabled: () => "Your account was enabled again",
  account_unlocked: () => "Your account's sign-in lock was lifted",
  two_factor_reset: () => "Your two-factor authentication was reset",
  role_changed: (d) => `Your role was changed to ${String(d.role ?? "another role")}`,
  account_deleted: () => "The account was deleted",
  maintenance_notice_changed: (d) =>
    d.message === undefined
      ? "You cleared the maintenance notice of the status page"
      : `You set the maintenance notice of the status page: "${String(d.message)}"`,
  account_viewed: () => "Your account's details were viewed",
  users_searched: (d) => `You searched the accounts${searchedFor(d)}, ${String(d.results ?? 0)} found`,
  app_authorized: (d) =>
    `You allowed ${app(d, (name) => name, "an app")} to access your account${d.remembered === false ? " this once" : ""}`,
  app_revoked: (d) => `You withdrew the access of ${app(d, (name) => name, "an app")} to your account`,
  app_token_reuse_detected: (d) =>
    `${app(d, (name) => `The app ${name}`, "An app")} lost its access to your account: a token it was given was used twice, as a copied one would be`,
  app_registered: (d) => `You registered ${app(d, (name) => `the app ${name}`, "an app")}`,
  app_updated: (d) =>
    `The settings of ${app(d, (name) => `your app ${name}`, "one of your apps")} were changed${changedFields(d)}`,
  app_secret_rotated: (d) =>
    `${app(d, (name) => `Your app ${name}`, "One of your apps")} got a new client secret`,
  app_deleted: (d) => `${app(d, (name) => `Your app ${name}`, "One of your apps")} was deleted`,
  data_export_requested: () => "A copy of your account data was requested",
  data_export_downloaded: () => "A copy of your account data was downloaded",
  reauthentication_failed: (d) =>
    `A wrong ${d.method === "password" ? "password" : "code"} was given to confirm it was you, ${proofOccasion(d)}`,
};

/** When a factor was given again (`during`); events recorded before it was kept say "before a change". */
const proofOccasions: Readonly<Record<string, string>> = {
  password_change: "when changing the password",
  two_factor_off: "when turning off two-step verification",
  backup_codes: "when making new backup codes",
};

function proofOccasion(d: Details): string {
  return typeof d.during === "string" && Object.hasOwn(proofOccasions, d.during)
    ? (proofOccasions[d.during] as string)
    : "before a change";
}

/**
 * An app as the log names it: by its name when the event kept one, quoted (its developer chose it,
 * and the quotes keep it from reading as the service's own words), else by `unnamed`.
 */
function app(d: Details, named: (quoted: string) => string, unnamed: string): string {
  return typeof d.app === "string" && d.app !== "" ? named(`"${d.app}"`) : unnamed;
}

/** ` (redirectURIs, name)`: which settings an app's change touched. */
function changedFields(d: Details): string {
  return typeof d.fields === "string" && d.fields !== "" ? ` (${d.fields})` : "";
}

/** ` for "ada"`: what a search was for (nothing when it listed everyone). */
function searchedFor(d: Details): string {
  return d.query === undefined || d.query === "" ? "" : ` for "${String(d.query)}"`;
}

/** ` for "ada" (3 found)`: what a search was for and how many accounts it found. */
function searched(d: Details): string {
  return `${searchedFor(d)} (${String(d.results ?? 0)} found)`;
}

/**
 * One sentence per staff action for the admin audit, which names the actor and the account in
 * columns of its own: what was done ("Disabled the account"), not the holder's "Your account was
 * disabled by an administrator". An event no staff action records reads as the holder's sentence.
 */
export function describeStaffAction(event: Pick<SecurityEvent, "type" | "details">): string {
  const staffSentence = staffSentences[event.type];
  return staffSentence === undefined ? sentences[event.type](event.details) : staffSentence(event.details);
}

const staffSentences: Partial<Readonly<Record<SecurityEventType, (details: Details) => string>>> = {
  // The reason the member of staff gave; none for a disable recorded before reasons were kept. An
  // entry whose details are all gone (no `by`, which every staff action records) is of a deleted
  // account, whose deletion took the reason with the rest: it was not "not recorded".
  account_disabled: (d) =>
    d[staffReasonDetail] !== undefined
      ? `Disabled the account: "${String(d[staffReasonDetail])}"`
      : d[staffReasonWithheldDetail] === true
        ? "Disabled the account (its reason is not shown to the account's holder: you)"
        : d.by === undefined
          ? "Disabled the account (its reason was erased with the account)"
          : "Disabled the account (no reason recorded)",
  account_enabled: () => "Enabled the account again",
  account_unlocked: () => "Lifted the account's sign-in lock",
  email_verified: () => "Marked the email address verified",
  verification_resent: () => "Mailed the address a new verification link",
  password_reset_requested: () => "Mailed the address a password-reset link",
  // `linkMailed: false`: the password was removed while a reset link under a minute old was on its
  // way (the person's own request, ADR 0053), so this request mailed none.
  password_reset_required: (d) =>
    d.linkMailed === false
      ? "Required a new password: the old one no longer signs in and every session was signed out; no link was mailed with it, as the reset link mailed to the address less than a minute before works"
      : "Required a new password: the old one no longer signs in, every session was signed out, and a link to choose one was mailed",
  two_factor_reset: () => "Reset the account's two-factor authentication",
  // On request (POST /admin/users/:id/unlink-provider), or with an address marked verified (ADR 0043).
  provider_unlinked: (d) =>
    `Unlinked ${providerDisplayName(d.provider)}${d.reason === "staff_verification_of_unverified_address" ? " (the address was marked verified)" : ""}`,
  role_changed: (d) =>
    d.via === adminCreatedOnServer
      ? "Made an admin with pnpm admin:create"
      : `Changed the role to ${String(d.role ?? "another role")}`,
  sessions_revoked: () => "Signed out every session of the account",
  session_revoked: () => "Signed out a session of the account",
  account_deleted: () => "Deleted the account",
  maintenance_notice_changed: (d) =>
    d.message === undefined
      ? "Cleared the maintenance notice"
      : `Set the maintenance notice: "${String(d.message)}"`,
  account_viewed: () => "Viewed the account's details",
  users_searched: (d) => `Searched the accounts${searched(d)}`,
};
