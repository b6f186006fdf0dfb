import {
  checkEmailTokenUsable,
  createEmailToken,
  type Email,
  type EmailToken,
  type EmailTokenId,
  type EmailTokenPurpose,
  formatEmailToken,
  mailAllowanceAt,
  parseEmailToken,
  requestedLinkAllowanceAt,
  type User,
} from "@superoauth/domain";
import { buildMailLink, composeTokenMail, type RequestedLinkPurpose } from "../../../mails.ts";
import type { Dependencies, MailAllowance } from "../../../ports/index.ts";

type MailTokenDependencies = Pick<
  Dependencies,
  "random" | "secretHasher" | "emailTokens" | "mailer" | "settings"
>;

/**
 * Mails `user` a new single-use token of `purpose`, unless the account already
 * got its allowance of such mails this hour, or got one of them less than a
 * minute ago that is still unused (`mailRepeatWindowMs`: a double tap mails one
 * link, and it works). Issuing it supersedes the older unused links of the
 * purpose, so only the newest mail works. Runs after the reply (see
 * requestPasswordReset): its time says nothing to the requester.
 *
 * Answers whether a mail was sent. The mailer only queues: delivery happens in
 * the background and never fails the request.
 */
export async function mailTokenIfAllowed(
  deps: MailTokenDependencies,
  input: { user: User; purpose: RequestedLinkPurpose; now: Date },
): Promise<boolean> {
  const { user, purpose } = input;
  const link = await issueToken(deps, { ...input, allowance: requestedLinkAllowanceAt(input.now) });
  if (link === null) return false;
  await deps.mailer.sendMail(
    composeTokenMail({ to: user.email, nickname: user.nickname, purpose, link, brand: deps.settings.brand }),
  );
  return true;
}

/**
 * Issues a new single-use token of `purpose` within the hourly allowance (superseding the older
 * unused ones) and answers the link that carries it, for the caller to mail; null when the
 * allowance is spent. `newEmail` is what a `change_email` token moves the account to.
 */
export async function issueTokenIfAllowed(
  deps: Omit<MailTokenDependencies, "mailer">,
  input: { user: User; purpose: EmailTokenPurpose; now: Date; newEmail?: Email },
): Promise<string | null> {
  return issueToken(deps, { ...input, allowance: mailAllowanceAt(input.now) });
}

/**
 * Issues a new single-use token of `purpose` and answers the link that carries it; with an
 * `allowance`, null when it is spent (or, with its `repeatSince`, when a link was just issued). Without one the token is always issued: for a mail the account
 * holder did not ask for and must get (the undo link of a changed address), which only a confirmed
 * change can cause.
 */
export async function issueToken(
  deps: Omit<MailTokenDependencies, "mailer">,
  input: {
    user: User;
    purpose: EmailTokenPurpose;
    now: Date;
    newEmail?: Email;
    allowance?: MailAllowance;
  },
): Promise<string | null> {
  const { user, purpose, now } = input;
  const id = deps.random.generateId() as EmailTokenId;
  const secret = deps.random.generateSecret();
  const issued = await deps.emailTokens.issueEmailToken(
    createEmailToken({
      id,
      userId: user.id,
      purpose,
      secretHash: deps.secretHasher.hashSecret(secret),
      now,
      ...(input.newEmail === undefined ? {} : { newEmail: input.newEmail }),
    }),
    // Counted with the issue, under its lock: 20 requests at once still mail at most the allowance.
    input.allowance,
  );
  if (issued !== "issued") return null;
  return buildMailLink({ appURL: deps.settings.appURL, purpose, token: formatEmailToken({ id, secret }) });
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
  const token = await findPresentedEmailToken(deps, input.presented);
  if (token === null) return null;
  return checkEmailTokenUsable({ token, purpose: input.purpose, now: input.now }) === "usable" ? token : null;
}

/**
 * The stored token a presented one names, if its secret matches (in constant time), used, expired
 * or not: whoever presents it holds the mailed link.
 */
export async function findPresentedEmailToken(
  deps: Pick<Dependencies, "secretHasher" | "emailTokens">,
  presented: string,
): Promise<EmailToken | null> {
  const parsed = parseEmailToken(presented);
  if (parsed === null) return null;
  const token = await deps.emailTokens.findEmailToken(parsed.id);
  if (token === null) return null;
  return deps.secretHasher.secretMatchesHash({ secret: parsed.secret, hash: token.secretHash })
    ? token
    : null;
}
