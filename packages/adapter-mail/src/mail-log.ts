import type { OutgoingMail } from "@superoauth/application";
import { type Email, maskEmail } from "@superoauth/domain";

/** The slice of a pino logger the mail adapters write to. Never given a mail's body: bodies carry tokens. */
export interface MailLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  /** Mail queued (DEBUG=superoauth:mail): recipient and subject, never the body. */
  debug?(details: object, message: string): void;
}

/** A log that drops everything. */
export const silentMailLog: MailLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Which mail a line is about: its recipient and subject, each address masked (`a***@example.com`).
 * A subject may name a person other than the recipient (the notice to admins that
 * `grace@example.com was given the support role`): masked too, so no line at the default level
 * holds an address in full.
 */
export function describeMail(mail: Pick<OutgoingMail, "to" | "subject">): { to: string; subject: string } {
  return { to: maskEmail(mail.to), subject: maskAddresses(mail.subject) };
}

/**
 * The facts of a delivery failure worth logging: codes and the server's reply, never the mail. A
 * server's reply quotes addresses ("550 5.1.1 <ada@example.com>: Recipient address rejected"):
 * they are masked as the recipient is (`a***@example.com`), so no line at the default level pairs
 * a full address with its trouble.
 */
export function describeMailError(error: unknown): Record<string, unknown> {
  if (typeof error !== "object" || error === null) return { message: maskAddresses(String(error)) };
  const { code, responseCode, command, message } = error as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({
      code,
      responseCode,
      command,
      message: typeof message === "string" ? maskAddresses(message) : message,
    }).filter(([, value]) => value !== undefined),
  );
}

/** Every address in a text masked as a recipient is (the domain's `maskEmail`). */
function maskAddresses(text: string): string {
  // Domains of any script (李雷@例子.中国, user@bücher.de): the service accepts them, so a reply quotes them.
  return text.replaceAll(/[^\s<>"'@,;:()[\]]+@[\p{L}\p{M}\p{N}.-]+/gu, (address) =>
    maskEmail(address as Email),
  );
}
