import type { Email } from "./email.ts";
import { err, ok, type Result } from "./result.ts";
import type { User, UserId } from "./user.ts";

declare const emailTokenIdBrand: unique symbol;
/** The identifier of a single-use token sent by mail. */
export type EmailTokenId = string & { readonly [emailTokenIdBrand]: true };

/**
 * What a mailed token lets its holder do, once. `undo_email_change` goes to the address an account
 * just left: it gives the account back to that address's owner (docs/account-security.md,
 * "Changing the email address", ADR 0047).
 */
export type EmailTokenPurpose = "verify_email" | "reset_password" | "change_email" | "undo_email_change";

/** Every purpose, as the store may hold it. */
export const emailTokenPurposes: readonly EmailTokenPurpose[] = [
  "verify_email",
  "reset_password",
  "change_email",
  "undo_email_change",
];

/**
 * How long a mailed token stays usable: a day to verify an address; an hour to reset a password or
 * to confirm a new address, since both hand the account to whoever reads the mailbox
 * (docs/account-security.md, "Changing the email address"); a week to undo a change of address,
 * as the owner of an account taken over may not read that mail the same day.
 */
export const emailTokenLifetimeMs: Readonly<Record<EmailTokenPurpose, number>> = {
  verify_email: 24 * 3600 * 1000,
  reset_password: 3600 * 1000,
  change_email: 3600 * 1000,
  undo_email_change: 7 * 24 * 3600 * 1000,
};

/**
 * Whether issuing a token of this purpose ends the older unused ones of the same purpose (only the
 * newest link works). Not for undoing a change of address: each undo link belongs to another
 * address the account left, and a thief's second change must not end the first owner's link.
 */
export function supersedesOlderTokens(purpose: EmailTokenPurpose): boolean {
  return purpose !== "undo_email_change";
}

/** At most this many tokens of one purpose are mailed to one account per `mailAllowanceWindowMs`. */
export const maxMailsPerAddress = 3;
export const mailAllowanceWindowMs = 3600 * 1000;

/**
 * A single-use token sent by mail (verification link, password-reset link).
 * Only a hash of its secret is kept; `usedAt` is set exactly once.
 */
export interface EmailToken {
  readonly id: EmailTokenId;
  readonly userId: UserId;
  readonly purpose: EmailTokenPurpose;
  readonly secretHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  /** The address a `change_email` token moves the account to once used (an `undo_email_change` token: back to); null for the others. */
  readonly newEmail: Email | null;
}

/** Builds a new, unused token of `purpose` that expires after the purpose's lifetime. */
export function createEmailToken(input: {
  id: EmailTokenId;
  userId: UserId;
  purpose: EmailTokenPurpose;
  secretHash: string;
  now: Date;
  /** For `change_email`, the address the account moves to; for `undo_email_change`, the one it goes back to. */
  newEmail?: Email;
}): EmailToken {
  return {
    id: input.id,
    userId: input.userId,
    purpose: input.purpose,
    secretHash: input.secretHash,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + emailTokenLifetimeMs[input.purpose]),
    usedAt: null,
    newEmail: input.newEmail ?? null,
  };
}

/** Whether a stored token may be used now, or why not. */
export type EmailTokenState = "usable" | "wrong-purpose" | "used" | "expired";

/**
 * Decides whether a stored token may be used now for `purpose`. A token is
 * expired from its expiry instant on. Says nothing about its secret: compare that first.
 */
export function checkEmailTokenUsable(input: {
  token: EmailToken;
  purpose: EmailTokenPurpose;
  now: Date;
}): EmailTokenState {
  const { token, purpose, now } = input;
  if (token.purpose !== purpose) return "wrong-purpose";
  if (token.usedAt !== null) return "used";
  if (now.getTime() >= token.expiresAt.getTime()) return "expired";
  return "usable";
}

/**
 * What a new token of a purpose is counted against when it is issued at `now`: at most `max` issued
 * since `since` (the window's start; a token counts for exactly one window, from its issue up to,
 * not including, `mailAllowanceWindowMs` later). The store counts and issues in one step.
 */
export function mailAllowanceAt(now: Date): { since: Date; max: number } {
  return { since: new Date(now.getTime() - mailAllowanceWindowMs + 1), max: maxMailsPerAddress };
}

/**
 * A request for a verification or reset link within this long of the last one of its purpose, still
 * unused, mails nothing: that link is still on its way (a double tap on "Send", a reload, a
 * second try before the first mail arrived). Mailing a new one would supersede it, and the person
 * who opened the first mail to arrive would find its link dead.
 */
export const mailRepeatWindowMs = 60 * 1000;

/** The allowance of a requested link at `now`: `mailAllowanceAt`, and no repeat within `mailRepeatWindowMs`. */
export function requestedLinkAllowanceAt(now: Date): { since: Date; max: number; repeatSince: Date } {
  return { ...mailAllowanceAt(now), repeatSince: new Date(now.getTime() - mailRepeatWindowMs + 1) };
}

/**
 * Whether a new token may be issued within `allowance`, from the user's tokens of its purpose
 * issued since `allowance.since` (used or not; older ones are not counted). A repeat comes first:
 * with `repeatSince`, an unused token issued since then for the same new address (none, for a
 * reset or verification link) is still on its way ("recently-issued", ADR 0053), so a double tap
 * on the last request of the hour is not told the allowance is spent. Then the count: at `max`,
 * "allowance-spent".
 */
export function checkMailAllowance(
  issued: readonly Pick<EmailToken, "createdAt" | "usedAt" | "newEmail">[],
  token: Pick<EmailToken, "newEmail">,
  allowance: { since: Date; max: number; repeatSince?: Date | undefined },
): "allowed" | "allowance-spent" | "recently-issued" {
  const counted = issued.filter((other) => other.createdAt.getTime() >= allowance.since.getTime());
  const { repeatSince } = allowance;
  if (
    repeatSince !== undefined &&
    counted.some(
      (other) =>
        other.usedAt === null &&
        other.createdAt.getTime() >= repeatSince.getTime() &&
        other.newEmail === token.newEmail,
    )
  )
    return "recently-issued";
  return counted.length >= allowance.max ? "allowance-spent" : "allowed";
}

/**
 * The allowance of undo links (ADR 0047): one per account while an earlier one could still be
 * usable, used or not. So an address the account moves to and then leaves again within the week
 * (a thief's, changing twice) never gets a link that would give the account back to it; the first
 * address keeps the only one.
 */
export function undoLinkAllowanceAt(now: Date): { since: Date; max: number } {
  return { since: new Date(now.getTime() - emailTokenLifetimeMs.undo_email_change + 1), max: 1 };
}

/** A mailed token as the link carries it: `<token id>.<secret>`. */
export function formatEmailToken(input: { id: EmailTokenId; secret: string }): string {
  return `${input.id}.${input.secret}`;
}

const emailTokenPattern = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{22,})$/;

/** Splits a presented mailed token; null when it does not have the shape of one. */
export function parseEmailToken(raw: string): { id: EmailTokenId; secret: string } | null {
  const match = emailTokenPattern.exec(raw.trim());
  if (match === null) return null;
  const [, id, secret] = match;
  if (id === undefined || secret === undefined) return null;
  return { id: id as EmailTokenId, secret };
}

/**
 * With `required` (REQUIRE_EMAIL_VERIFICATION), an account whose address is not
 * verified may not sign in. Call only after the credentials were proven, so the
 * answer reveals nothing to someone guessing passwords.
 */
export function checkEmailVerifiedForSignIn(input: {
  user: User;
  required: boolean;
}): Result<void, "EMAIL_NOT_VERIFIED"> {
  return input.required && !input.user.emailVerified
    ? err("EMAIL_NOT_VERIFIED", "Verify your email address before signing in")
    : ok(undefined);
}
