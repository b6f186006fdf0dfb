import type { LinkedProvider, UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** The provider identities linked to a user, oldest first. */
export async function listLinkedProviders(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<LinkedProvider[]> {
  return deps.linkedProviders.listLinkedProvidersOfUser(input.userId);
}
