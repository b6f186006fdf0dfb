import {
  checkEmailTokenUsable,
  createEmailToken,
  type Email,
  type EmailToken,
  type EmailTokenId,
  type EmailTokenPurpose,
  formatEmailToken,
  parseEmailToken,
  requestedLinkAllowanceAt,
  type User,
} from "@superoauth/domain";
import { buildMailLink, composeTokenMail, type RequestedLinkPurpose } from "../../../mails.ts";
import type { Dependencies, EmailTokenIssue, MailAllowance } from "../../../ports/index.ts";

type MailTokenDependencies = Pick<
  Dependencies,
  "random" | "secretHasher" | "emailTokens" | "mailer" | "settings"
>;

/**
 * Mails `user` a new single-use token of `purpose`, unless the account already
 * got its allowance of such mails this hour, or got one of them less than a
 * minute ago that is still unused (`mailRepeatWindowMs`: a double tap mails one
 * link, and it works). Issuing it supersedes the older unused links of the
 * purpose, so only the newest mail works; `issue` issues it another way (a member of staff's, within
 * their allowance too). A person's own request runs it after the reply (see
 * requestPasswordReset): its time says nothing to the requester; staff's (resendUserVerification)
 * waits for it, to say what happened.
 *
 * Answers "sent", or why no mail was (the allowance is spent, or the same link went moments ago).
 * The mailer only queues: delivery happens in the background and never fails the request.
 */
export async function mailTokenIfAllowed(
  deps: MailTokenDependencies,
  input: { user: User; purpose: RequestedLinkPurpose; now: Date; issue?: LinkIssuer | undefined },
): Promise<LinkMailing> {
  const { user, purpose, now } = input;
  const link = { user, purpose, now };
  const issued = await (input.issue === undefined ? issueTokenIfAllowed(deps, link) : input.issue(link));
  if (!("link" in issued)) return issued.notIssued;
  await mailIssuedLink(deps, { user: input.user, purpose: input.purpose, issued });
  return "sent";
}

/**
 * How a requested link is issued, when not by issueTokenIfAllowed alone: staff's also within their
 * own allowance, recorded with the issue (answerStaffMailedLink).
 */
export type LinkIssuer = (link: {
  user: User;
  purpose: RequestedLinkPurpose;
  now: Date;
}) => Promise<LinkIssue>;

/** What a request for a link did: mailed it, or why not. */
export type LinkMailing = "sent" | Exclude<EmailTokenIssue, "issued">;

/**
 * Mails `user` the link `issued` carries, if one was issued: for a link issued inside a
 * transaction, once it committed.
 */
export async function mailIssuedLink(
  deps: Pick<Dependencies, "mailer" | "settings">,
  input: { user: User; purpose: RequestedLinkPurpose; issued: LinkIssue },
): Promise<void> {
  const { user, purpose, issued } = input;
  if (!("link" in issued)) return;
  await deps.mailer.sendMail(
    composeTokenMail({
      to: user.email,
      nickname: user.nickname,
      purpose,
      link: issued.link,
      brand: deps.settings.brand,
    }),
  );
}

/** A link issued, or why none was: the allowance is spent, or the same link was asked for moments ago. */
export type LinkIssue =
  | { readonly link: string }
  | { readonly notIssued: Exclude<EmailTokenIssue, "issued"> };

/**
 * Issues a new single-use token of `purpose` within the hourly allowance (superseding the older
 * unused ones) and answers the link that carries it, for the caller to mail; none when the
 * allowance is spent, or when the same was asked for less than a minute ago and that link is
 * unused ("recently-issued", ADR 0053: it is still on its way). `newEmail` is what a `change_email`
 * token moves the account to; a link to another address is not the same.
 */
export async function issueTokenIfAllowed(
  deps: Omit<MailTokenDependencies, "mailer">,
  input: { user: User; purpose: EmailTokenPurpose; now: Date; newEmail?: Email },
): Promise<LinkIssue> {
  return issueToken(deps, { ...input, allowance: requestedLinkAllowanceAt(input.now) });
}

/**
 * Issues a new single-use token of `purpose` and answers the link that carries it; with an
 * `allowance`, none when it is spent (or, with its `repeatSince`, when the same link was just
 * issued). Without one the token is always issued: for a mail the account holder did not ask for
 * and must get (the undo link of a changed address), which only a confirmed change can cause.
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
): Promise<LinkIssue> {
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
  if (issued !== "issued") return { notIssued: issued };
  return {
    link: buildMailLink({ appURL: deps.settings.appURL, purpose, token: formatEmailToken({ id, secret }) }),
  };
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
