import type { Email } from "./email.ts";
import type { Nickname } from "./nickname.ts";
import { err, ok, type Result } from "./result.ts";
import type { User, UserId } from "./user.ts";

/** The identity providers a user can sign in with. Ids are lower-case and matched exactly. */
export const oauthProviderIds = ["discord", "twitch", "google", "github"] as const;

export type OAuthProviderId = (typeof oauthProviderIds)[number];

/** How each provider is named to people. */
export const oauthProviderNames: Readonly<Record<OAuthProviderId, string>> = {
  discord: "Discord",
  twitch: "Twitch",
  google: "Google",
  github: "GitHub",
};

/**
 * A provider as a sentence names it ("GitHub"), from a recorded id (a security event's details);
 * "A sign-in provider" for anything that is not one of ours.
 */
export function providerDisplayName(recorded: string | number | boolean | undefined): string {
  const id = typeof recorded === "string" ? parseOAuthProvider(recorded) : null;
  return id === null ? "A sign-in provider" : oauthProviderNames[id];
}

/** What a provider id that is none of ours answers, wherever the API takes one (the error reference's UNSUPPORTED_PROVIDER). */
export const unsupportedProvider = err(
  "UNSUPPORTED_PROVIDER",
  "Supported providers are discord, twitch, google and github",
);

/** Narrows a path segment to a provider id; "GitHub" or "github " are not ids. */
export function parseOAuthProvider(raw: string): OAuthProviderId | null {
  return (oauthProviderIds as readonly string[]).includes(raw) ? (raw as OAuthProviderId) : null;
}

/**
 * One identity at a provider, linked to one user. `(provider, subject)` belongs
 * to at most one user, and a user links at most one identity per provider.
 * `email` and `displayName` are what the provider said when the link was made.
 */
export interface LinkedProvider {
  readonly userId: UserId;
  readonly provider: OAuthProviderId;
  /** The provider's stable user id (never the email, which can change hands). */
  readonly subject: string;
  readonly email: Email | null;
  readonly displayName: string | null;
  readonly linkedAt: Date;
}

/**
 * Keep at least one way to sign in: a provider may be unlinked only while the
 * account keeps a password or another linked provider. The store applies it to
 * the account as it is while the removal holds the account, so two removals at
 * once cannot each count on the other's provider.
 */
export function checkMayUnlinkProvider(input: {
  hasPassword: boolean;
  linked: readonly LinkedProvider[];
  provider: OAuthProviderId;
}): Result<void, "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH"> {
  const { hasPassword, linked, provider } = input;
  if (!linked.some((link) => link.provider === provider)) {
    return err("PROVIDER_NOT_LINKED", `No ${oauthProviderNames[provider]} account is linked`);
  }
  const othersRemain = linked.some((link) => link.provider !== provider);
  if (!hasPassword && !othersRemain) {
    return err(
      "CANNOT_UNLINK_LAST_AUTH",
      `${oauthProviderNames[provider]} is this account's only way to sign in: set a password or link another provider first`,
    );
  }
  return ok(undefined);
}

/**
 * Link by email only when both sides verified it, and the account has nothing a stranger could
 * have set: a provider identity not linked to anyone may join the existing account that has its
 * email address only when the provider vouches that the person controls the address, the account
 * has proven it too (the Lucia guide's rule, "link accounts by email only when the provider
 * verified it"), and the account has no password. Otherwise whoever registered the address first,
 * or whoever claims it at a provider that checks nothing, could take the account over. A password
 * proves nothing about the mailbox: a stranger may have registered the address with one, and the
 * owner then clicked the verification mail, so merging would leave the stranger's password working
 * in the owner's account (account pre-hijacking, Sudhodanan & Paverd 2022; ADR 0043). Such an owner
 * signs in with the password and links the provider from the account. The caller found the
 * account by the same normalised address.
 */
export function mayLinkByEmail(input: {
  providerVerifiedEmail: boolean;
  account: Pick<User, "emailVerified" | "passwordHash">;
}): boolean {
  return input.providerVerifiedEmail && input.account.emailVerified && input.account.passwordHash === null;
}

const nicknameMaxLength = 30;

/**
 * A nickname (2-30 of A-Z a-z 0-9 _ -) made from a provider's display name:
 * accents dropped, other characters turned into underscores, runs collapsed.
 * Falls back to "user" when nothing usable is left.
 */
export function nicknameFromDisplayName(displayName: string | null): Nickname {
  const ascii = (displayName ?? "").normalize("NFKD").replace(/\p{M}/gu, "");
  const cleaned = ascii
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/^[_-]+|[_-]+$/g, "")
    .slice(0, nicknameMaxLength)
    .replace(/[_-]+$/g, "");
  return (cleaned.length >= 2 ? cleaned : "user") as Nickname;
}
