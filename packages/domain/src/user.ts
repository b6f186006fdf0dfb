import type { Email } from "./email.ts";
import type { Nickname } from "./nickname.ts";
import { parseOneLineText } from "./one-line-text.ts";
import { err, ok, type Result } from "./result.ts";
import type { Role } from "./role.ts";

declare const userIdBrand: unique symbol;
/** A user's identifier (a UUIDv7 string made by the application's id source). */
export type UserId = string & { readonly [userIdBrand]: true };

export type UserStatus = "active" | "disabled";

/** A person with an account. `passwordHash` is null for accounts that only sign in through a provider. */
export interface User {
  readonly id: UserId;
  readonly email: Email;
  readonly emailVerified: boolean;
  readonly nickname: Nickname;
  readonly passwordHash: string | null;
  readonly status: UserStatus;
  /** What the person may do to other accounts (docs/admin.md); `user` for nearly everyone. */
  readonly role: Role;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Builds a new, active, unverified user with the `user` role. */
export function createUser(input: {
  id: UserId;
  email: Email;
  nickname: Nickname;
  passwordHash: string | null;
  now: Date;
}): User {
  return {
    id: input.id,
    email: input.email,
    emailVerified: false,
    nickname: input.nickname,
    passwordHash: input.passwordHash,
    status: "active",
    role: "user",
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/** A disabled account may not sign in or use its tokens. */
export function checkUserMaySignIn(user: Pick<User, "status">): Result<void, "ACCOUNT_DISABLED"> {
  return user.status === "disabled"
    ? err("ACCOUNT_DISABLED", "This account has been disabled")
    : ok(undefined);
}

/**
 * What waits for the account's address to be proven: turning on a second factor and registering a
 * third-party app. Until the first proof, whoever made the account may be a stranger who registered
 * someone else's address (account pre-hijacking, ADR 0043), and what they set up would stay on the
 * owner's account once the owner proves it: a factor keeping the owner at a code prompt, an app whose
 * secret the stranger holds and whose consent screen names the owner. `beforeWhat` names the step
 * in the refusal's words ("Verify your email address before <beforeWhat>: ...").
 */
export function checkAddressProven(
  user: Pick<User, "emailVerified">,
  beforeWhat: string,
): Result<void, "EMAIL_NOT_VERIFIED"> {
  return user.emailVerified
    ? ok(undefined)
    : err(
        "EMAIL_NOT_VERIFIED",
        `Verify your email address before ${beforeWhat}: open the link we mailed to it`,
      );
}

/** The longest reason staff may give for a disable: a sentence or two, or a ticket's reference. */
export const maxDisableReasonLength = 500;

/** A disable's reason as given: trimmed, 1 to 500 characters, one line of printable text. */
export function parseDisableReason(text: string): Result<string, "VALIDATION_ERROR"> {
  return parseOneLineText({
    field: "reason",
    text,
    maxLength: maxDisableReasonLength,
    whenEmpty: "say why the account is disabled",
  });
}
