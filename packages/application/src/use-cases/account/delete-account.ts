import { checkAnAdminRemains, type Result, type Session, type User } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { removeAccount } from "../admin/steps/remove-account.ts";
import { requireFreshProof } from "./steps/fresh-proof.ts";

/**
 * The holder deletes their own account (`DELETE /user`), behind a fresh proof (ADR 0012): every
 * session, grant and token ends and every record of the person goes (removeAccount). An admin
 * cannot delete themselves while they are the last active admin (LAST_ADMIN).
 */
export async function deleteAccount(
  deps: Dependencies,
  input: { user: User; session: Session },
): Promise<Result<void, "REAUTH_REQUIRED" | "USER_NOT_FOUND" | "LAST_ADMIN">> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  return removeAccount(deps, {
    user: input.user,
    actor: null,
    guard: ({ user, activeAdminIds }) => checkAnAdminRemains({ target: user, after: null, activeAdminIds }),
  });
}
