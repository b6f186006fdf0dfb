import { createHash, timingSafeEqual } from "node:crypto";
import { field } from "./page-kit.ts";

/**
 * A form's own mark of what it was shown for: 128 bits of a hash of `value` under `purpose` (so no
 * mark equals any other hash of the same value). It names neither the value nor anything a hash
 * stored elsewhere could be matched with; the pages put it in a hidden field and compare it, in
 * constant time, with the mark of what the browser holds when the form comes back.
 */
export function formMark(purpose: string, value: string): string {
  return createHash("sha256")
    .update(`superoauth ${purpose}\0`)
    .update(value)
    .digest("base64url")
    .slice(0, markLength);
}

/** 128 bits of base64url. */
const markLength = 22;
/** What formMark gives: exactly that many base64url characters. */
const wellFormedMark = new RegExp(`^[A-Za-z0-9_-]{${markLength}}$`);

/**
 * A posted form's field `name` against `expected`: the same mark, another one, or none (a page
 * rendered before the field existed, kept open across an update of the service).
 */
export function checkFormMark(body: unknown, name: string, expected: string): FormMarkCheck {
  const presented = Buffer.from(field(body, name, 64));
  if (presented.length === 0) return "missing";
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted) ? "same" : "other";
}

export type FormMarkCheck = "same" | "other" | "missing";

/** The first words a page says to a form without its mark: nothing was done for it. */
export const unmarkedForm = "This page was loaded before an update of the service";

/**
 * Which account a page's form was shown for (the form's `account` field). A browser holds one
 * signed-in account, and a sign-in in another tab replaces it while the pages of the first stay
 * open: a form of theirs sent then would act on the account signed in now, which is not the one the
 * person saw (a fresh proof typed for one account checked against the other and counted toward its
 * lock, "Continue as" one account signing an app in as the other). The form's account is compared
 * with the session's. The mails' account-center links carry the same mark (the application's
 * AccountLinkMark, which apps/api wires to this), for `linkAccountCheck`.
 */
export function formAccountOf(accountId: string): string {
  return formMark("form account", accountId);
}

/** Whether a posted form was shown for `accountId`, for another account, or says not (a page from before the field). */
export function formAccountCheck(body: unknown, accountId: string): FormMarkCheck {
  return checkFormMark(body, "account", formAccountOf(accountId));
}

/**
 * Which account a mailed link's page was linked for (its `account` query, a notice's "Review your
 * sessions": AccountLinkMark, the application's name for `formAccountOf`), compared as a form's.
 * A mark the service cannot have mailed (not 22 base64url characters, or given twice) says none
 * ("missing"): it names no account, and taken for another's it would send the link's own account
 * round for ever (sign out, sign in, the same page), where ignored it shows the page as before marks.
 */
export function linkAccountCheck(query: unknown, accountId: string): FormMarkCheck {
  // Cut one past a mark's length, so a longer value is not cut down to one.
  if (!wellFormedMark.test(field(query, "account", markLength + 1))) return "missing";
  return formAccountCheck(query, accountId);
}
