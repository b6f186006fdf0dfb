import {
  describeUserAgent,
  type Email,
  type EmailTokenPurpose,
  providerDisplayName,
  type Role,
  type SecurityEvent,
  type SecurityNoticeEvent,
  type SecurityNoticeType,
  utcText,
} from "@superoauth/domain";
import type { MailBrand, MailKind, OutgoingMail } from "./ports/index.ts";

/**
 * The link a mail carries. The token rides in the fragment (`#token=`), which
 * browsers never send to a server, so it stays out of access logs, proxies and
 * Referer headers; the page at the link reads it and POSTs it to the API.
 */
export function buildMailLink(input: { appURL: string; purpose: EmailTokenPurpose; token: string }): string {
  return `${trimSlashes(input.appURL)}/${linkPaths[input.purpose]}#token=${input.token}`;
}

/** The page each kind of mailed link opens (served by adapter-web's mailed-link pages, ADR 0039). */
const linkPaths: Record<EmailTokenPurpose, string> = {
  verify_email: "verify-email",
  reset_password: "reset-password",
  change_email: "confirm-email",
  undo_email_change: "undo-email-change",
};

/**
 * Where a mail sends someone who did not do what it reports to choose a new password: the public
 * forgot-password page, which asks for the address and mails a reset link. It names no account: it
 * acts on the address typed there, signed in or not.
 */
function forgotPasswordLink(appURL: string): string {
  return `${trimSlashes(appURL)}/forgot-password`;
}

/**
 * A page of the account center a mail about an account sends its reader to (the sessions list, the
 * API's GET /api/v1/auth/sessions; the data exports), with that account's mark (`?account=`,
 * AccountLinkMark). A browser signed in as another account (a shared computer, a person with two
 * accounts) would show that account's page; with the mark, the page says the link is for another
 * account instead, and offers to sign it out. A mark, not a token: the page still needs a sign-in.
 */
function accountCenterLink(input: {
  appURL: string;
  page: "sessions" | "export";
  accountMark: string;
}): string {
  return `${trimSlashes(input.appURL)}/account/${input.page}?account=${encodeURIComponent(input.accountMark)}`;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}

// The wordings name the service as {service}; composeMail puts the brand's name there.
/** The purposes of links a person asks for (verification, reset, change), each with its own mail. */
export type RequestedLinkPurpose = Exclude<EmailTokenPurpose, "undo_email_change">;

const wording: Record<
  RequestedLinkPurpose,
  { subject: string; intro: string; action: string; validity: string; ignore: string }
> = {
  verify_email: {
    subject: "Verify your email address",
    intro: "Please confirm that this address belongs to your {service} account.",
    action: "Verify my email address",
    validity: "The link works once and expires in 24 hours.",
    ignore: "If you did not create an account, ignore this mail.",
  },
  reset_password: {
    subject: "Reset your password",
    intro: "Someone (hopefully you) asked to reset the password of your {service} account.",
    action: "Choose a new password",
    validity:
      "The link works once and expires in 1 hour. Resetting the password signs you out on every device.",
    ignore: "If you did not ask for this, ignore this mail: your password stays as it is.",
  },
  change_email: {
    subject: "Confirm your new email address",
    intro: "Someone (hopefully you) asked to use this address for their {service} account from now on.",
    action: "Confirm my new email address",
    validity:
      "The link works once and expires in 1 hour. Until it is used, the account keeps its current address.",
    ignore: "If you did not ask for this, ignore this mail: nothing changes.",
  },
};

/** The kind (metrics label) of the mail of each requested link. */
const tokenMailKinds: Record<RequestedLinkPurpose, MailKind> = {
  verify_email: "verification",
  reset_password: "password_reset",
  change_email: "email_change",
};

/** The mail that carries a verification, password-reset or email-change link, as plain text and HTML. */
export function composeTokenMail(input: {
  to: Email;
  nickname: string;
  purpose: RequestedLinkPurpose;
  link: string;
  brand: MailBrand;
}): OutgoingMail {
  const words = wording[input.purpose];
  return composeMail({
    kind: tokenMailKinds[input.purpose],
    to: input.to,
    brand: input.brand,
    subject: words.subject,
    nickname: input.nickname,
    blocks: [
      { lines: [words.intro] },
      { link: { label: words.action, url: input.link } },
      { lines: [words.validity, words.ignore] },
    ],
  });
}

// Subjects avoid "reset" and "verify": those words are how people (and tests) find the mails that carry links.
const noticeWording: Record<
  SecurityNoticeType,
  (details: SecurityEvent["details"], account: NoticeAccount) => Notice
> = {
  password_set: () => ({
    subject: "A password was added to your account",
    what: "A password was set on your {service} account: it can now sign in with your email address and that password.",
  }),
  password_changed: () => ({
    subject: "Your password was changed",
    what: "The password of your {service} account was changed, and every other session was signed out.",
  }),
  password_reset: () => ({
    subject: "Your password was changed",
    what: "The password of your {service} account was replaced through a password-reset link mailed to this address, and every session was signed out.",
  }),
  two_factor_enabled: () => ({
    subject: "Two-factor authentication was turned on",
    what: "Two-factor authentication was turned on for your {service} account: signing in now also asks for a code from an authenticator app.",
    // A thief who turned it on holds the second factor: a new password alone does not remove it.
    ifNot:
      "If it was not, someone else can sign in to your account and holds its codes. Change your password now (this signs you out everywhere) and ask {support} to reset two-factor authentication: a new password does not remove their authenticator.",
  }),
  two_factor_disabled: () => ({
    subject: "Two-factor authentication was turned off",
    what: "Two-factor authentication was turned off for your {service} account: signing in no longer asks for a code, and its backup codes were deleted.",
  }),
  two_factor_reset: () => ({
    subject: "Two-factor authentication was reset",
    what: "A member of {service}'s staff turned two-factor authentication off for your {service} account, as asked when a person has lost their authenticator and backup codes: signing in no longer asks for a code, and its backup codes were deleted.",
    // Staff did it, not the reader: "if this was you" does not fit.
    ifYou: "If you asked {support} for this, there is nothing to do.",
    ifNot:
      "If you did not, someone may have talked support into it: contact {support} now and change your password (this signs you out everywhere).",
  }),
  backup_codes_regenerated: () => ({
    subject: "New backup codes were made",
    what: "New backup codes were made for your {service} account; the old ones no longer work.",
  }),
  backup_code_used: (details) => ({
    subject: "Your backup codes are running out",
    what: `A backup code was used to sign in to your {service} account. ${countLeft(details.remaining)} left: make new ones from your account settings before you run out. That asks for a code from your authenticator app; if you lost it, turn two-factor authentication off there with a backup code, then set it up again on your new device.`,
  }),
  provider_linked: (details) => ({
    subject: `${providerDisplayName(details.provider)} was linked to your account`,
    what: `${providerDisplayName(details.provider)} was linked to your {service} account: that ${providerDisplayName(details.provider)} account can now sign in to it.`,
  }),
  provider_unlinked: (details, account) =>
    // Staff unlinked it on request (POST /admin/users/:id/unlink-provider): no reason, a `by`. An
    // unlink with a reason (a first proof of the address, an undone change, ADR 0043) reads as the
    // person's own: its own mail says why. A disabled account can neither ask for a password nor
    // link anything until it is enabled (the notice says so in its place, composeSecurityNotice).
    details.by !== undefined && details.reason === undefined
      ? {
          subject: `${providerDisplayName(details.provider)} was unlinked from your account`,
          what: `A member of {service}'s staff unlinked ${providerDisplayName(details.provider)} from your {service} account: it can no longer sign in to it.${account.disabled ? "" : ` If it was the account's only way to sign in, choose a password with the link below (it mails a link to this address); you may link ${providerDisplayName(details.provider)} again from your account.`}`,
          ifYou: "If you asked {support} for this, there is nothing to do.",
          ifNot:
            "If you did not, contact {support}: someone may have talked support into it. Check your sessions too:",
        }
      : {
          subject: `${providerDisplayName(details.provider)} was unlinked from your account`,
          what: `${providerDisplayName(details.provider)} was unlinked from your {service} account: it can no longer sign in to it.`,
        },
  refresh_token_reuse_detected: () => ({
    subject: "A session was signed out to protect your account",
    what: "A sign-in token of one of your {service} sessions was used after it had been replaced, which happens when it was copied. That session was signed out; sign in again on that device.",
  }),
  email_change_requested: (details) => ({
    subject: "A change of your email address was requested",
    what: `A change of the email address of your {service} account to ${String(details.to ?? "another address")} was requested. It takes effect only once the link mailed to the new address is used, within an hour.`,
  }),
  email_changed: (details) => ({
    subject: "Your email address was changed",
    what: `The email address of your {service} account was changed to ${String(details.to ?? "another address")}. Mail about the account now goes there, and this address no longer signs in to it.`,
    // This address can no longer ask for a reset: the way back is the undo link mailed with it.
    ifNot:
      "If it was not, undo the change: the link below gives this address back to the account, asks you for a new password and signs out every device. It works once, within 7 days.",
  }),
  email_change_undone: () => ({
    subject: "Your account is back on this address",
    what: "A change of the email address of your {service} account was undone with the link mailed here: the account is back on this address, with a new password, and every session was signed out. A sign-in provider linked to it, if any, was unlinked (a mail names each).",
    ifNot:
      "If it was not you, someone can read this mailbox: secure it first (its password, its recovery options), then choose a new password here, which signs them out:",
  }),
  account_disabled: () => ({
    subject: "Your account was disabled",
    what: "{service}'s staff disabled your {service} account: it can no longer sign in, and every session and app's access to it was ended.",
    ifYou: null,
    ifNot:
      "If you think this is a mistake, or want to know why, contact {support}: only staff can enable it again.",
    links: false,
  }),
  // The disable's counterpart: the reader may have asked for it (an appeal), or may not expect it;
  // the account signs in again, so the reset and sessions links help again.
  account_enabled: () => ({
    subject: "Your account was enabled again",
    what: "{service}'s staff enabled your {service} account again: it can sign in as before. The sessions and apps' access ended when it was disabled stay ended: sign in again, and allow your apps again where you use them.",
    ifYou: "If you asked {support} for this, there is nothing to do.",
    ifNot:
      "If you did not expect it, contact {support}. If someone else may know your password, choose a new one now (this signs you out everywhere) and review your sessions:",
  }),
  account_deleted: (details) => ({
    subject: "Your account was deleted",
    what: `${details.by === undefined ? "Your {service} account was deleted" : "{service}'s staff deleted your {service} account"}, with everything it held: your profile, sessions, two-factor settings, linked sign-in providers, authorized apps, the apps you registered and data exports. Its security log keeps only when and what happened, without your address or device. A search by a member of staff that named your nickname stays in that staff member's own log, as long as security logs are kept. This address can be used to make a new account.`,
    ifYou:
      details.by === undefined
        ? "If you deleted it, there is nothing to do."
        : "If you asked for this, there is nothing to do.",
    ifNot:
      details.by === undefined
        ? "If you did not, contact {support} now: someone who could sign in to your account may have deleted it."
        : "If you did not, contact {support}.",
    links: false,
  }),
  sessions_revoked: (_details, account) =>
    account.disabled
      ? {
          subject: "Your account was signed out everywhere",
          what: "{service}'s staff signed your {service} account out on every device.",
          ifYou: "If you asked {support} for this, there is nothing to do.",
        }
      : {
          subject: "Your account was signed out everywhere",
          what: "{service}'s staff signed your {service} account out on every device: sign in again to go on.",
          ifYou:
            "If you asked support for this because someone else may have been signed in, choose a new password too: whoever knows your password can sign in again, and apps you allowed keep their access until you do.",
        },
  email_verified: () => ({
    subject: "Staff confirmed this address for your account",
    what: "A member of {service}'s staff marked this email address as confirmed on your {service} account, as asked when a person cannot receive the confirmation link: sign-in providers that give this address may now be linked to the account, and two-factor authentication may be turned on.",
    ifYou: "If you asked {support} for this, there is nothing to do.",
    ifNot:
      "If you did not, someone else may have made an account on your address and talked support into confirming it: choose a new password now, which signs out every session, then unlink in your account any sign-in provider you did not link (or ask {support} to). If signing in asks for a two-factor code you do not have, contact {support}, who can turn it off.",
  }),
  // Never the app's name: its developer chose it, and this mail goes out under the service's name
  // (as a browser's header is never quoted, composeSecurityNotice). The account's page names it.
  app_authorized: () => ({
    subject: "An app can now access your account",
    what: "An app was allowed to access your {service} account until the access is withdrawn. The Authorized apps page of your account names it and what it may do, and withdraws it.",
    ifNot:
      "If it was not you, someone else is signed in to your account: choose a new password now (this signs you out everywhere and ends every app's access) and review your sessions:",
  }),
  new_device_sign_in: () => ({
    subject: "New sign-in to your account",
    what: "Your {service} account was signed in to from a device and a network it has not used before. Was this you?",
  }),
};

/** The account a notice is about, as it is when the notice is composed. */
interface NoticeAccount {
  /** Disabled by staff: it cannot sign in, nor be given a new password, until staff enable it. */
  readonly disabled: boolean;
}

/**
 * What a notice to a disabled account says instead of its own "if it was not you" (and in place of
 * the reset and sessions links, which cannot help it: a disabled account gets no reset link and
 * cannot sign in to see its sessions). Staff act on disabled accounts too (they unlink, reset 2FA,
 * confirm an address, end sessions), and the holder is told, with the one way that works.
 */
const disabledAccountIfNot =
  "Your account is disabled, so it cannot sign in, and no new password can be chosen for it, until {service}'s staff enable it again. If you did not ask for this, or want to know why your account is disabled, contact {support}.";

interface Notice {
  readonly subject: string;
  readonly what: string;
  /** What to do if the reader did it (default: nothing); null when the reader cannot have done it. */
  readonly ifYou?: string | null;
  /** What to do if the reader did not (default: change the password and review the sessions). */
  readonly ifNot?: string;
  /** Whether the reset and sessions links help (default true; not for an account gone or disabled). */
  readonly links?: boolean;
}

function countLeft(remaining: string | number | boolean | undefined): string {
  if (remaining === 0) return "None are";
  return remaining === 1 ? "Only 1 is" : `Only ${String(remaining)} are`;
}

/**
 * The mail that tells the account holder about a security event: what happened, when, from which
 * address and browser, and what to do if it was not them. It carries no token or secret, only
 * links to the sessions list and to the reset page, and the facts the security log shows anyway.
 */
export function composeSecurityNotice(input: {
  to: Email;
  nickname: string;
  event: SecurityNoticeEvent & Pick<SecurityEvent, "occurredAt" | "ip" | "userAgent">;
  appURL: string;
  brand: MailBrand;
  /** The mark of the account the notice is about (AccountLinkMark), for its sessions link. */
  accountMark: string;
  /** For `email_changed`: the link that gives the account back to the address it left (ADR 0047). */
  undoLink?: string;
  /** Whether the account is disabled now (a staff action on a disabled account): see disabledAccountIfNot. */
  accountDisabled?: boolean;
}): OutgoingMail {
  const { event } = input;
  // The disable's own notice says it all already (no links, support named).
  const disabled = input.accountDisabled === true && event.type !== "account_disabled";
  const notice = noticeWording[event.type](event.details, { disabled });
  // The way back, decided once: an undo link for a changed address (which can no longer ask for a
  // reset); a changed address without one (a second change within the week) has only support; the
  // others the reset page and the sessions list, unless the notice says they do not help.
  const changedWithoutUndo = event.type === "email_changed" && input.undoLink === undefined;
  const remedy: MailBlock[] =
    input.undoLink !== undefined
      ? [{ link: { label: "Undo the change", url: input.undoLink } }]
      : notice.links === false || changedWithoutUndo || disabled
        ? []
        : [
            { link: { label: "Choose a new password", url: forgotPasswordLink(input.appURL) } },
            { link: { label: "Review your sessions", url: sessionsLink(input) } },
          ];
  const ifNot = disabled
    ? disabledAccountIfNot
    : changedWithoutUndo
      ? "If it was not, contact {support}: this address can no longer sign in to the account or ask for a new password."
      : (notice.ifNot ??
        "If it was not, change your password now (this signs you out everywhere) and review your sessions:");
  return composeMail({
    kind: "security_notice",
    to: input.to,
    brand: input.brand,
    subject: notice.subject,
    nickname: input.nickname,
    blocks: [
      { lines: [notice.what] },
      // What is not known (an action by staff has no browser of the person's) is left out, not "unknown".
      {
        lines: [
          `When: ${utcText(event.occurredAt)}`,
          ...(event.ip === null ? [] : [`IP address: ${event.ip}`]),
          ...(event.userAgent === null ? [] : [`Browser or app: ${describeUserAgent(event.userAgent)}`]),
        ],
      },
      {
        lines: [
          ...(notice.ifYou === null ? [] : [notice.ifYou ?? "If this was you, there is nothing to do."]),
          ifNot,
        ],
      },
      ...remedy,
    ],
  });
}

/**
 * The mail that says an export is ready: where to download it (the account page; the API is
 * GET /api/v1/user/export/:id/download), until when, and the archive's SHA-256 to check it by.
 * No link carries a token: downloading needs the person signed in.
 */
export function composeExportReadyMail(input: {
  to: Email;
  nickname: string;
  appURL: string;
  sha256: string;
  expiresAt: Date;
  brand: MailBrand;
  /** The mark of the export's account (AccountLinkMark), for its account-center links. */
  accountMark: string;
}): OutgoingMail {
  return composeMail({
    kind: "export_ready",
    to: input.to,
    brand: input.brand,
    subject: "Your data export is ready",
    nickname: input.nickname,
    blocks: [
      { lines: ["The copy of your account data you asked for is ready to download."] },
      {
        link: {
          label: "Download my data",
          url: accountCenterLink({ appURL: input.appURL, page: "export", accountMark: input.accountMark }),
        },
      },
      {
        lines: [
          `It can be downloaded until ${utcText(input.expiresAt)}, then it is deleted.`,
          `Its SHA-256 checksum is ${input.sha256}.`,
          "If you did not ask for this, someone else is signed in to your account: change your password now (this signs you out everywhere) and review your sessions:",
        ],
      },
      { link: { label: "Choose a new password", url: forgotPasswordLink(input.appURL) } },
      { link: { label: "Review your sessions", url: sessionsLink(input) } },
    ],
  });
}

/**
 * What an account whose password staff removed gets (requireNewPassword): what was done, the reset
 * link to choose a new password, and where to ask for another once it expires. Its kind is the
 * reset mail's: it carries a reset link. An account that had no password (providers only) is told
 * of no old one.
 */
export function composeNewPasswordRequiredMail(input: {
  to: Email;
  nickname: string;
  link: string;
  appURL: string;
  brand: MailBrand;
  hadPassword: boolean;
}): OutgoingMail {
  return composeMail({
    kind: "password_reset",
    to: input.to,
    brand: input.brand,
    subject: "Choose a new password for your account",
    nickname: input.nickname,
    blocks: [
      {
        lines: [
          input.hadPassword
            ? "An administrator of {service} asked you to choose a new password for your account. Your old password no longer signs in, and you were signed out on every device and from every app."
            : "An administrator of {service} asked you to choose a password for your account, and you were signed out on every device and from every app.",
        ],
      },
      { link: { label: "Choose a new password", url: input.link } },
      {
        lines: [
          "The link works once and expires in 1 hour. After that, ask for a new one here (only the newest link works):",
        ],
      },
      { link: { label: "Ask for a new link", url: forgotPasswordLink(input.appURL) } },
      {
        lines: ["If you did not expect this, contact {support}."],
      },
    ],
  });
}

/** The account's sessions list, marked with the account (accountCenterLink). */
function sessionsLink(input: { appURL: string; accountMark: string }): string {
  return accountCenterLink({ appURL: input.appURL, page: "sessions", accountMark: input.accountMark });
}

/**
 * What the new address gets, instead of a confirmation link, when it already belongs to an account
 * (docs/decisions/0027-email-change-keeps-taken-addresses-private.md): its owner learns someone
 * tried, the requester learns nothing. Greets the address's own account, never the requester.
 */
export function composeEmailTakenNotice(input: {
  to: Email;
  nickname: string;
  appURL: string;
  brand: MailBrand;
}): OutgoingMail {
  return composeMail({
    kind: "email_taken",
    to: input.to,
    brand: input.brand,
    subject: "Someone tried to use your email address",
    nickname: input.nickname,
    blocks: [
      {
        lines: [
          "Someone asked to move another {service} account to this address. It already belongs to your account, so nothing changed and no account can take it.",
          "If it was you, sign in with this address instead. If not, there is nothing to do; if you do not recognise it at all, change your password:",
        ],
      },
      { link: { label: "Choose a new password", url: forgotPasswordLink(input.appURL) } },
    ],
  });
}

/**
 * What every other active admin gets when someone is given a staff role (docs/admin.md): who gave
 * which role to whom, and when, so a grant nobody meant (a stolen admin session, an insider) is
 * seen by the people who can take it back. Names accounts by address; no link carries a token.
 */
export function composeStaffRoleGrantedNotice(input: {
  to: Email;
  nickname: string;
  appURL: string;
  brand: MailBrand;
  grantee: Email;
  role: Role;
  grantedBy: Email;
  at: Date;
}): OutgoingMail {
  const { grantee, role, grantedBy } = input;
  const you = grantedBy === input.to;
  return composeMail({
    kind: "staff_role_granted",
    to: input.to,
    brand: input.brand,
    subject: `${grantee} was given the ${role} role on {service}`,
    nickname: input.nickname,
    blocks: [
      {
        lines: [
          `${you ? "You" : grantedBy} gave ${grantee} the ${role} role on {service} at ${utcText(input.at)}.`,
          "Every admin is told of a new member of staff. If nobody on your team meant to do this, take the role back in the admin console, and check the audit log for what else was done:",
        ],
      },
      { link: { label: "Open the audit log", url: `${trimSlashes(input.appURL)}/admin/audit` } },
    ],
  });
}

type MailBlock = { readonly lines: readonly string[] } | { readonly link: { label: string; url: string } };

/**
 * One layout for every mail: a greeting, the blocks, where to ask for help (when SUPPORT_URL is
 * set), a signature, in plain text and in HTML. The wordings' {service} becomes the brand's name,
 * and {support} where to ask for help.
 * Everything that goes into the HTML is escaped, including what a client sent (its user agent).
 */
function composeMail(input: {
  kind: MailKind;
  to: Email;
  brand: MailBrand;
  subject: string;
  nickname: string;
  blocks: readonly MailBlock[];
}): OutgoingMail {
  const { brand } = input;
  // {support}: the support SUPPORT_URL names below; without one, no support desk is promised but
  // the team that runs the service, as the pages say (adapter-web's support-help).
  const support = brand.supportURL === null ? "the team that runs {service}" : "{service}'s support";
  // A function as the replacement, so a `$` in the brand's name is taken as written.
  const named = (line: string): string =>
    line.replaceAll("{support}", support).replaceAll("{service}", () => brand.name);
  const text = [`Hello ${input.nickname},`, ""];
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Hello ${escapeHTML(input.nickname)},</p>`,
  ];
  for (const block of input.blocks) {
    if ("link" in block) {
      const url = escapeHTML(block.link.url);
      text.push(`${block.link.label}: ${block.link.url}`, "");
      html.push(
        `<p><a href="${url}">${escapeHTML(block.link.label)}</a></p>`,
        `<p>If the link does not work, copy this address into your browser:<br>${url}</p>`,
      );
    } else {
      const lines = block.lines.map(named);
      text.push(...lines, "");
      html.push(`<p>${lines.map(escapeHTML).join("<br>")}</p>`);
    }
  }
  if (brand.supportURL !== null) {
    const support = supportLine(brand.supportURL);
    text.push(`Need help? ${support.text}`, "");
    html.push(`<p>Need help? <a href="${escapeHTML(brand.supportURL)}">${escapeHTML(support.label)}</a></p>`);
  }
  text.push(brand.name);
  html.push(`<p>${escapeHTML(brand.name)}</p>`, "</body></html>");
  return {
    kind: input.kind,
    to: input.to,
    subject: named(input.subject),
    text: text.join("\n"),
    html: html.join("\n"),
  };
}

/** How a mail names the support address: a `mailto:` as the bare address to write to, an https URL as itself. */
function supportLine(supportURL: string): { text: string; label: string } {
  if (!supportURL.startsWith("mailto:"))
    return { text: `Contact support: ${supportURL}`, label: "Contact support" };
  const encoded = supportURL.slice("mailto:".length).split("?")[0] ?? "";
  let address: string;
  try {
    address = decodeURIComponent(encoded);
  } catch {
    address = encoded;
  }
  return { text: `Write to ${address}`, label: `Write to ${address}` };
}

function escapeHTML(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
