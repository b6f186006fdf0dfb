import {
  checkMayUnlinkProvider,
  err,
  ok,
  parseOAuthProvider,
  type Result,
  type Session,
  unsupportedProvider,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";

/** Removes a linked provider, unless it is the account's last way to sign in; needs a fresh proof. */
export async function unlinkProvider(
  deps: Dependencies,
  input: { session: Session; provider: string; client?: ClientInfo },
): Promise<
  Result<
    void,
    | "UNSUPPORTED_PROVIDER"
    | "USER_NOT_FOUND"
    | "PROVIDER_NOT_LINKED"
    | "CANNOT_UNLINK_LAST_AUTH"
    | "REAUTH_REQUIRED"
  >
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const userId = input.session.userId;
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return unsupportedProvider;
  }
  // The rule is decided inside the store's removal, on the account as it is then: checked
  // here first and removed after, two removals at once could both pass and leave nothing.
  const removed = await deps.linkedProviders.unlinkProvider({
    userId,
    provider,
    mayUnlink: ({ hasPassword, linked }) => checkMayUnlinkProvider({ hasPassword, linked, provider }),
  });
  if (!removed.ok) {
    return removed.error === "USER_NOT_FOUND"
      ? err("USER_NOT_FOUND", "The account no longer exists")
      : removed;
  }
  await recordSecurityEvent(deps, {
    userId,
    type: "provider_unlinked",
    client: input.client,
    details: { provider },
  });
  return ok(undefined);
}
