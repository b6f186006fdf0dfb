import type { Email, EmailToken, EmailTokenId, EmailTokenPurpose, UserId } from "@superoauth/domain";

/** The per-address mail allowance an issue is counted against: at most `max` issued since `since`. */
export interface MailAllowance {
  readonly since: Date;
  readonly max: number;
  /**
   * With it, an unused token of the user and purpose for the same new address (none, but for a
   * change of address) issued at or after this instant is taken to be still on its way (a double
   * tap, a reload): nothing is written ("recently-issued", whatever the count), and that earlier
   * link stays the one that works (`checkMailAllowance`).
   */
  readonly repeatSince?: Date;
}

/** What an issue did: wrote the token, or wrote nothing (the allowance spent, or a link just sent). */
export type EmailTokenIssue = "issued" | "allowance-spent" | "recently-issued";

/** Single-use tokens sent by mail (verification, password reset). Only hashes of their secrets are stored. */
export interface EmailTokenRepository {
  /**
   * Stores a new token and marks every other unused token of its user and purpose used (at its
   * `createdAt`), atomically: a newer link supersedes the older ones, and of concurrent issues for
   * one user and purpose at most one token stays usable (OWASP Forgot Password Cheat Sheet).
   * With `allowance`, the tokens of the user and purpose issued at or after `since` (used or not)
   * are counted in the same step, under the same lock, and at `max` nothing is written
   * ("allowance-spent"): of any number of issues at once, at most the allowance's go through.
   * With the allowance's `repeatSince`, an unused token of the user and purpose for the same new
   * address issued at or after it, seen under the same lock, means nothing is written
   * ("recently-issued"): of issues at once, exactly one is written.
   */
  issueEmailToken(token: EmailToken, allowance?: MailAllowance): Promise<EmailTokenIssue>;
  findEmailToken(id: EmailTokenId): Promise<EmailToken | null>;
  /**
   * Sets `usedAt` only if the token was not used yet. Of concurrent calls for one
   * token exactly one answers "used"; the others answer "already-used".
   *
   * With `ending`, the same step also marks used every unused token of the user (`userId`, the
   * token's) of those purposes, one use at a time per user: of two uses that end each other's
   * purposes (a password reset and a change of address), exactly one answers "used".
   */
  useEmailToken(input: {
    id: EmailTokenId;
    now: Date;
    ending?: { userId: UserId; purposes: readonly EmailTokenPurpose[] };
  }): Promise<"used" | "already-used">;
  /** Marks every unused token of the user and purpose used, so older links die with the newest. */
  useAllEmailTokensOfUser(input: { userId: UserId; purpose: EmailTokenPurpose; now: Date }): Promise<void>;
  /**
   * Deletes every token of the user and purpose, used or not: links mailed to an address the
   * account no longer has, which must not even say "already verified" of the new one.
   */
  deleteEmailTokensOfUser(input: { userId: UserId; purpose: EmailTokenPurpose }): Promise<void>;
  /**
   * The change of address the user asked for and has not confirmed: the newest unused, unexpired
   * `change_email` token's address and expiry (their data export); null when none.
   */
  findPendingEmailChange(input: {
    userId: UserId;
    now: Date;
  }): Promise<{ newEmail: Email; expiresAt: Date } | null>;
  /**
   * How many `change_email` tokens of any account name `newEmail` and were issued at or after
   * `since`, used or not: the mails a change of address sent that address, whoever asked.
   */
  countChangeLinksTo(input: { newEmail: Email; since: Date }): Promise<number>;
}

/**
 * Who the mails come from: the service's name as its operator calls it (BRAND_NAME, which the
 * hosted pages show too) and where people ask for help (SUPPORT_URL: an https URL or a `mailto:`
 * address; null when none is configured).
 */
export interface MailBrand {
  readonly name: string;
  readonly supportURL: string | null;
}

/**
 * Which mail this is, for metrics (mail deliveries by kind): one per composer of mails.ts, the
 * token mails by the link they carry. A closed set, so it may become a label.
 */
export const mailKinds = [
  "verification",
  "password_reset",
  "email_change",
  "email_taken",
  "security_notice",
  "export_ready",
  "staff_role_granted",
] as const;
export type MailKind = (typeof mailKinds)[number];

/** A mail to one recipient, with a plain-text and an HTML body. */
export interface OutgoingMail {
  readonly kind: MailKind;
  readonly to: Email;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The mark of an account that the account-center links of its mails carry (`?account=`), so the
 * hosted pages, opened in a browser signed in as another account, show neither account's page and
 * say so (a notice's "Review your sessions" in ada's browser would otherwise list ada's sessions to
 * the bob it warned). A one-way hash of the id, never the id, and the pages' own mark of an account
 * (adapter-web's `formAccountOf`): the pages compare it, so there is one implementation, theirs.
 */
export type AccountLinkMark = (userId: UserId) => string;

/**
 * Sends mail. `sendMail` resolves once the mail is accepted for delivery; an
 * adapter that cannot deliver at once retries in the background and logs a
 * final failure, so a slow or failing mail server never fails the user's request.
 */
export interface Mailer {
  sendMail(mail: OutgoingMail): Promise<void>;
}
