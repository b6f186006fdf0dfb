import {
  checkMayUnlinkProvider,
  err,
  ok,
  parseOAuthProvider,
  type Result,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import type { ClientInfo } from "./start-session.ts";

/** Removes a linked provider, unless it is the account's last way to sign in. */
export async function unlinkProvider(
  deps: Dependencies,
  input: { userId: UserId; provider: string; client?: ClientInfo },
): Promise<
  Result<void, "UNSUPPORTED_PROVIDER" | "USER_NOT_FOUND" | "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">
> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return err("UNSUPPORTED_PROVIDER", "Supported providers are discord, twitch, google and github");
  }
  const [user, linked] = await Promise.all([
    deps.users.findUserById(input.userId),
    deps.linkedProviders.listLinkedProvidersOfUser(input.userId),
  ]);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const allowed = checkMayUnlinkProvider({ user, linked, provider });
  if (!allowed.ok) return allowed;
  const removed = await deps.linkedProviders.unlinkProvider({ userId: user.id, provider });
  if (!removed) return err("PROVIDER_NOT_LINKED", "This provider is not linked to your account");
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "provider_unlinked",
    client: input.client,
    details: { provider },
  });
  return ok(undefined);
}
