import {
  checkPageCursor,
  err,
  hasControlCharacters,
  ok,
  parseEmail,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { admitStaff, type StaffGateRefusal } from "./steps/authorize-staff-action.ts";
import { splitPage } from "./steps/next-page.ts";
import { recordStaffSearch } from "./steps/record-staff-read.ts";

export const defaultUserPageSize = 20;
export const maxUserPageSize = 100;

/** One page of a user search, and the cursor of the next (null on the last page). */
export interface UserPage {
  readonly users: User[];
  readonly nextCursor: string | null;
}

/**
 * Staff search users by a part of their email or nickname (case-insensitive), in creation order, a
 * page at a time: `cursor` is the `nextCursor` of the previous page. No query lists everyone; one
 * holding a control character is refused (VALIDATION_ERROR naming `q`).
 * Every page is recorded (`users_searched`) before it is answered: a failed record fails the search,
 * and a page past the staff member's read allowance (STAFF_READS_PER_HOUR) is refused.
 */
export async function searchUsers(
  deps: Dependencies,
  input: {
    actor: Authenticated;
    client?: ClientInfo | undefined;
    query?: string | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  },
): Promise<Result<UserPage, StaffGateRefusal | "VALIDATION_ERROR"> | AllowanceSpent> {
  const admitted = await admitStaff(deps, { actor: input.actor, action: "read_users" });
  if (!admitted.ok) return admitted;
  const limit = input.limit ?? defaultUserPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxUserPageSize) {
    return err("VALIDATION_ERROR", `limit must be an integer from 1 to ${maxUserPageSize}`);
  }
  const cursor = checkPageCursor({ parameter: "cursor", answeredAs: "nextCursor", value: input.cursor });
  if (!cursor.ok) return cursor;
  // Addresses are stored in NFC (parseEmail): a query pasted in NFD (`e` + a combining accent, as
  // macOS file names and some keyboards give it) must find `élodie@example.com` too.
  const typed = input.query?.trim().normalize("NFC").toLowerCase() ?? "";
  // No address or nickname holds one, and a NUL cut SQLite's pattern short (`q=%00` listed every
  // account, and the entry kept the NUL): refused before the search, so nothing is recorded.
  if (hasControlCharacters(typed)) {
    return err(
      "VALIDATION_ERROR",
      "q must be printable text: it holds a control character (a NUL, a tab, a line break)",
    );
  }
  // A whole address is read as every address is: `anna@bücher.de` finds the stored `anna@xn--bcher-kva.de`.
  const asAddress = parseEmail(typed);
  const query = asAddress.ok ? asAddress.value : typed;
  // One more than asked tells whether another page follows, without a count query.
  const found = await deps.accountAdministration.searchUsers({
    query: query === "" ? null : query,
    ...(input.cursor === undefined ? {} : { afterId: input.cursor }),
    limit: limit + 1,
  });
  const { items, nextCursor } = splitPage(found, limit);
  const spent = await recordStaffSearch(deps, {
    actor: input.actor,
    client: input.client,
    query,
    results: items.length,
    page: input.cursor !== undefined,
  });
  if (spent !== null) return spent;
  return ok({ users: items, nextCursor });
}
