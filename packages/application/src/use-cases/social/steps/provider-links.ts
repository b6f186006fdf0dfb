import {
  type ErrorCode,
  err,
  type LinkedProvider,
  parseEmail,
  type Result,
  type User,
  type UserId,
} from "@superoauth/domain";
import { DeletedMeanwhileError } from "../../../deleted-meanwhile-error.ts";
import { OverloadedError } from "../../../overloaded-error.ts";
import type { Dependencies, ProviderProfile } from "../../../ports/index.ts";
import { StorageUnavailableError } from "../../../storage-unavailable.ts";

/** The link of a provider identity to a user, as the provider described the identity at `now`. */
export function linkFromProfile(input: {
  userId: UserId;
  profile: ProviderProfile;
  now: Date;
}): LinkedProvider {
  const { userId, profile, now } = input;
  const email = profile.email === null ? null : parseEmail(profile.email);
  return {
    userId,
    provider: profile.provider,
    subject: profile.subject,
    email: email?.ok === true ? email.value : null,
    displayName: profile.displayName?.slice(0, 255) ?? null,
    linkedAt: now,
  };
}

/**
 * Runs a write of a link. The account deleted after the request read it (the link's foreign key
 * refused it: DeletedMeanwhileError) answers USER_NOT_FOUND, as a deletion before the read does
 * (ADR 0044). A database that cannot be reached or is busy (StorageUnavailableError,
 * OverloadedError) passes through, and is answered 503 as everywhere else. Any other failure of the
 * write answers the contract's ACCOUNT_LINK_FAILED (its documented cause is "database error"), with
 * the error kept as the failure's cause for the server log.
 */
export async function writeLink<T, E extends ErrorCode>(
  providerName: string,
  write: () => Promise<Result<T, E>>,
): Promise<Result<T, E | "ACCOUNT_LINK_FAILED" | "USER_NOT_FOUND">> {
  try {
    return await write();
  } catch (cause) {
    if (cause instanceof StorageUnavailableError || cause instanceof OverloadedError) throw cause;
    if (cause instanceof DeletedMeanwhileError) {
      return err("USER_NOT_FOUND", "The account was deleted while this request ran", cause);
    }
    return err("ACCOUNT_LINK_FAILED", `Could not link the ${providerName} account: try again`, cause);
  }
}

/** The user an identity is linked to; undefined when unlinked, null when the link's user is gone. */
export async function findLinkedUser(
  deps: Pick<Dependencies, "linkedProviders" | "users">,
  profile: ProviderProfile,
): Promise<User | null | undefined> {
  const link = await deps.linkedProviders.findLinkedProvider({
    provider: profile.provider,
    subject: profile.subject,
  });
  if (link === null) return undefined;
  return deps.users.findUserById(link.userId);
}
