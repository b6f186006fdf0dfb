import {
  checkMailAllowance,
  type Email,
  type EmailToken,
  type EmailTokenId,
  type EmailTokenPurpose,
  supersedesOlderTokens,
  type UserId,
} from "@superoauth/domain";
import type {
  EmailTokenIssue,
  EmailTokenRepository,
  MailAllowance,
  Mailer,
  OutgoingMail,
} from "../ports/index.ts";

export class InMemoryEmailTokenRepository implements EmailTokenRepository {
  readonly #tokens = new Map<EmailTokenId, EmailToken>();

  async issueEmailToken(token: EmailToken, allowance?: MailAllowance): Promise<EmailTokenIssue> {
    // No await before the insert: the count, the supersede and the insert happen in one turn of the event loop.
    if (allowance !== undefined) {
      const mine = [...this.#tokens.values()].filter(
        (other) => other.userId === token.userId && other.purpose === token.purpose,
      );
      const verdict = checkMailAllowance(mine, token, allowance);
      if (verdict !== "allowed") return verdict;
    }
    if (supersedesOlderTokens(token.purpose))
      this.#useAll({ userId: token.userId, purpose: token.purpose, now: token.createdAt });
    this.#tokens.set(token.id, { ...token });
    return "issued";
  }
  /** Deletes the user's tokens (an account deletion). */
  forgetUser(userId: UserId): void {
    for (const token of [...this.#tokens.values()])
      if (token.userId === userId) this.#tokens.delete(token.id);
  }
  async findEmailToken(id: EmailTokenId): Promise<EmailToken | null> {
    const token = this.#tokens.get(id);
    return token === undefined ? null : { ...token };
  }
  async useEmailToken(input: {
    id: EmailTokenId;
    now: Date;
    ending?: { userId: UserId; purposes: readonly EmailTokenPurpose[] };
  }): Promise<"used" | "already-used"> {
    const token = this.#tokens.get(input.id);
    if (token === undefined || token.usedAt !== null) return "already-used";
    this.#tokens.set(token.id, { ...token, usedAt: input.now });
    const { ending } = input;
    if (ending !== undefined) {
      for (const other of this.#tokens.values()) {
        if (
          other.userId === ending.userId &&
          other.usedAt === null &&
          ending.purposes.includes(other.purpose)
        )
          this.#tokens.set(other.id, { ...other, usedAt: input.now });
      }
    }
    return "used";
  }
  async useAllEmailTokensOfUser(input: {
    userId: UserId;
    purpose: EmailTokenPurpose;
    now: Date;
  }): Promise<void> {
    this.#useAll(input);
  }
  async deleteEmailTokensOfUser(input: { userId: UserId; purpose: EmailTokenPurpose }): Promise<void> {
    for (const token of [...this.#tokens.values()]) {
      if (token.userId === input.userId && token.purpose === input.purpose) this.#tokens.delete(token.id);
    }
  }
  #useAll(input: { userId: UserId; purpose: EmailTokenPurpose; now: Date }): void {
    for (const token of this.#tokens.values()) {
      if (token.userId === input.userId && token.purpose === input.purpose && token.usedAt === null) {
        this.#tokens.set(token.id, { ...token, usedAt: input.now });
      }
    }
  }
  async findPendingEmailChange(input: {
    userId: UserId;
    now: Date;
  }): Promise<{ newEmail: Email; expiresAt: Date } | null> {
    const pending = [...this.#tokens.values()]
      .filter(
        (t) =>
          t.userId === input.userId &&
          t.purpose === "change_email" &&
          t.usedAt === null &&
          t.expiresAt.getTime() > input.now.getTime() &&
          t.newEmail !== null,
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    return pending?.newEmail == null ? null : { newEmail: pending.newEmail, expiresAt: pending.expiresAt };
  }
  async countChangeLinksTo(input: { newEmail: Email; since: Date }): Promise<number> {
    return [...this.#tokens.values()].filter(
      (t) =>
        t.purpose === "change_email" &&
        t.newEmail === input.newEmail &&
        t.createdAt.getTime() >= input.since.getTime(),
    ).length;
  }
  /** Test helper: every stored token, in insertion order. */
  all(): EmailToken[] {
    return [...this.#tokens.values()].map((token) => ({ ...token }));
  }
}

/** Keeps every mail it is given, for tests to read (and follow the links in). */
export class InMemoryMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async sendMail(mail: OutgoingMail): Promise<void> {
    this.sent.push({ ...mail });
  }
  /** Test helper: the mails sent to `to`, oldest first. */
  sentTo(to: string): OutgoingMail[] {
    return this.sent.filter((mail) => mail.to === to);
  }
}

/** The token carried by the first link in a mail's text (`...#token=<token>`); throws if there is none. */
export function tokenFromMail(mail: Pick<OutgoingMail, "text">): string {
  const match = /#token=([A-Za-z0-9._-]+)/.exec(mail.text);
  if (match?.[1] === undefined) throw new Error(`no token link in mail: ${mail.text}`);
  return match[1];
}
