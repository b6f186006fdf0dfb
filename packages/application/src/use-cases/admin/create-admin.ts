import {
  adminCreatedOnServer,
  createEmailToken,
  createUser,
  type EmailTokenId,
  err,
  formatEmailToken,
  nicknameFromDisplayName,
  ok,
  parseNewEmail,
  type Result,
  type User,
  type UserId,
} from "@superoauth/domain";
import { buildMailLink } from "../../mails.ts";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";

function unverified(email: string) {
  return err(
    "EMAIL_NOT_VERIFIED",
    `${email} has an account whose address was never verified: whoever made it may not own the mailbox, ` +
      "and the admin role would be theirs. If you made it yourself, follow its verification link; if not, " +
      'or if unsure, reset its password from the sign-in page ("Forgot your password?"): the mailed link ' +
      "proves the address, ends every session and removes the providers and second factor set up before. " +
      "Then run this command again.",
  );
}

/** What `pnpm admin:create` did. */
export type AdminCreated =
  | { readonly outcome: "promoted" | "already-admin"; readonly user: User }
  /**
   * A new account (`created`), or an admin without a password yet (`link-renewed`: the link printed
   * before expired, or never reached the operator because the command was killed after the account
   * was made): its password is set through `setPasswordLink`, a one-time reset link valid one hour.
   */
  | { readonly outcome: "created" | "link-renewed"; readonly user: User; readonly setPasswordLink: string };

/**
 * The operator's way in (`pnpm admin:create --email`), run on the server, so it needs no actor:
 * makes the account with this address an admin, or creates it (address verified, no password, the
 * admin role) and answers a one-time link to set its password, the reset-password mechanism and
 * page. A disabled account is promoted but stays disabled: enabling is a decision of its own.
 *
 * An account whose address was never verified is not promoted (EMAIL_NOT_VERIFIED): anyone can
 * register an address they do not own (ADR 0043), and the role would go to whoever did, with the
 * password, sessions and second factor they chose. The mailbox's owner proves it first; checked
 * again under the store's lock, so a change of address meanwhile is not promoted either.
 */
export async function createAdmin(
  deps: Pick<
    Dependencies,
    "users" | "accountAdministration" | "emailTokens" | "random" | "clock" | "secretHasher" | "securityEvents"
  > & { readonly settings: Pick<Dependencies["settings"], "appURL"> },
  input: { email: string },
): Promise<Result<AdminCreated, "VALIDATION_ERROR" | "USER_EXISTS" | "EMAIL_NOT_VERIFIED">> {
  const email = parseNewEmail(input.email);
  if (!email.ok) return email;
  const now = deps.clock.now();
  const existing = await deps.users.findUserByEmail(email.value);
  if (existing !== null) {
    if (existing.role === "admin") {
      // "Expired? Run this command again for a new link": an admin whose password was never set
      // gets a new link (the older ones stop working); one with a password is left as it is.
      if (existing.passwordHash !== null) return ok({ outcome: "already-admin", user: existing });
      const setPasswordLink = await issueSetPasswordLink(deps, { user: existing, now });
      return ok({ outcome: "link-renewed", user: existing, setPasswordLink });
    }
    const promoted = await deps.accountAdministration.updateAccount({
      userId: existing.id,
      change: { role: "admin" },
      now,
      guard: ({ user }) =>
        user.emailVerified && user.email === email.value ? ok(undefined) : unverified(email.value),
    });
    if (!promoted.ok) {
      if (promoted.error === "EMAIL_NOT_VERIFIED") return unverified(email.value);
      return err("VALIDATION_ERROR", "The account was deleted meanwhile; run the command again");
    }
    await recordSecurityEvent(deps, {
      userId: existing.id,
      type: "role_changed",
      details: { role: "admin", previousRole: existing.role, via: adminCreatedOnServer },
    });
    return ok({ outcome: "promoted", user: promoted.value });
  }
  const user: User = {
    ...createUser({
      id: deps.random.generateId() as UserId,
      email: email.value,
      nickname: nicknameFromDisplayName(email.value.slice(0, email.value.indexOf("@"))),
      passwordHash: null,
      now,
    }),
    // Whoever runs the command on the server vouches for the address.
    emailVerified: true,
    role: "admin",
  };
  const inserted = await deps.users.insertUser(user);
  if (!inserted.ok) return inserted;
  const setPasswordLink = await issueSetPasswordLink(deps, { user, now });
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "role_changed",
    details: { role: "admin", previousRole: "user", via: adminCreatedOnServer },
  });
  return ok({ outcome: "created", user, setPasswordLink });
}

/** A one-time reset link for the account, valid one hour; issuing it ends the older ones. */
async function issueSetPasswordLink(
  deps: Pick<Dependencies, "emailTokens" | "random" | "secretHasher"> & {
    readonly settings: Pick<Dependencies["settings"], "appURL">;
  },
  input: { user: User; now: Date },
): Promise<string> {
  const id = deps.random.generateId() as EmailTokenId;
  const secret = deps.random.generateSecret();
  await deps.emailTokens.issueEmailToken(
    createEmailToken({
      id,
      userId: input.user.id,
      purpose: "reset_password",
      secretHash: deps.secretHasher.hashSecret(secret),
      now: input.now,
    }),
  );
  return buildMailLink({
    appURL: deps.settings.appURL,
    purpose: "reset_password",
    token: formatEmailToken({ id, secret }),
  });
}
