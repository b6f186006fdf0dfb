import {
  checkEmailTokenUsable,
  createEmailToken,
  type EmailToken,
  type EmailTokenId,
  type EmailTokenPurpose,
  formatEmailToken,
  mailAllowanceWindowMs,
  mayMailAnotherToken,
  parseEmailToken,
  type User,
} from "@superoauth/domain";
import { buildMailLink, composeTokenMail } from "../../../mails.ts";
import type { Dependencies } from "../../../ports/index.ts";

type MailTokenDependencies = Pick<
  Dependencies,
  "random" | "secretHasher" | "emailTokens" | "mailer" | "settings"
>;

/**
 * Mails `user` a new single-use token of `purpose`, unless the account already
 * got its allowance of such mails this hour. Issuing it supersedes the older
 * unused links of the purpose, so only the newest mail works. Runs after the
 * reply (see requestPasswordReset): its time says nothing to the requester.
 *
 * Answers whether a mail was sent. The mailer only queues: delivery happens in
 * the background and never fails the request.
 */
export async function mailTokenIfAllowed(
  deps: MailTokenDependencies,
  input: { user: User; purpose: EmailTokenPurpose; now: Date },
): Promise<boolean> {
  const { user, purpose, now } = input;
  const issued = await deps.emailTokens.countEmailTokensIssuedSince({
    userId: user.id,
    purpose,
    // A token counts for exactly one window: from its issue up to, not including, an hour later.
    since: new Date(now.getTime() - mailAllowanceWindowMs + 1),
  });
  if (!mayMailAnotherToken(issued)) return false;

  const id = deps.random.generateId() as EmailTokenId;
  const secret = deps.random.generateSecret();
  await deps.emailTokens.issueEmailToken(
    createEmailToken({ id, userId: user.id, purpose, secretHash: deps.secretHasher.hashSecret(secret), now }),
  );
  const link = buildMailLink({
    appURL: deps.settings.appURL,
    purpose,
    token: formatEmailToken({ id, secret }),
  });
  await deps.mailer.sendMail(composeTokenMail({ to: user.email, nickname: user.nickname, purpose, link }));
  return true;
}

/**
 * The stored token a presented one names, if its secret matches (in constant
 * time), it is meant for `purpose`, unused and unexpired; otherwise null. Does
 * not use it: the caller does that last, with `useEmailToken`, whose
 * conditional update picks exactly one winner among concurrent requests.
 */
export async function findUsableEmailToken(
  deps: Pick<Dependencies, "secretHasher" | "emailTokens">,
  input: { presented: string; purpose: EmailTokenPurpose; now: Date },
): Promise<EmailToken | null> {
  const parsed = parseEmailToken(input.presented);
  if (parsed === null) return null;
  const token = await deps.emailTokens.findEmailToken(parsed.id);
  if (token === null) return null;
  if (!deps.secretHasher.secretMatchesHash({ secret: parsed.secret, hash: token.secretHash })) return null;
  return checkEmailTokenUsable({ token, purpose: input.purpose, now: input.now }) === "usable" ? token : null;
}
