import { createHash, timingSafeEqual } from "node:crypto";
import { field } from "./page-kit.ts";

/**
 * Which account a page's form was shown for (the form's `account` field): 128 bits of a hash of
 * the account's id, apart from any other hash of it. A browser holds one signed-in account, and a
 * sign-in in another tab replaces it while the pages of the first stay open: a form of theirs sent
 * then would act on the account signed in now, which is not the one the person saw (a fresh proof
 * typed for one account checked against the other and counted toward its lock, "Continue as" one
 * account signing an app in as the other). The form's account is compared with the session's.
 */
export function formAccountOf(accountId: string): string {
  return createHash("sha256")
    .update("superoauth form account\0")
    .update(accountId)
    .digest("base64url")
    .slice(0, 22);
}

/** Whether a posted form was shown for `accountId` (false without the field: a page from before it). */
export function formIsFor(body: unknown, accountId: string): boolean {
  const presented = Buffer.from(field(body, "account", 64));
  const expected = Buffer.from(formAccountOf(accountId));
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
