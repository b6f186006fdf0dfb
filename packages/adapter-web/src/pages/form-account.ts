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
    .slice(0, 22);
}

/** Whether a posted form's field `name` holds `expected` (false without the field: a page from before it). */
export function formMarkIs(body: unknown, name: string, expected: string): boolean {
  const presented = Buffer.from(field(body, name, 64));
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

/**
 * Which account a page's form was shown for (the form's `account` field). A browser holds one
 * signed-in account, and a sign-in in another tab replaces it while the pages of the first stay
 * open: a form of theirs sent then would act on the account signed in now, which is not the one the
 * person saw (a fresh proof typed for one account checked against the other and counted toward its
 * lock, "Continue as" one account signing an app in as the other). The form's account is compared
 * with the session's.
 */
export function formAccountOf(accountId: string): string {
  return formMark("form account", accountId);
}

/** Whether a posted form was shown for `accountId` (false without the field: a page from before it). */
export function formIsFor(body: unknown, accountId: string): boolean {
  return formMarkIs(body, "account", formAccountOf(accountId));
}
