import { randomUUID } from "node:crypto";
import type { Mailer, OutgoingMail } from "@superoauth/application";
import { createTransport } from "nodemailer";
import { smtpConnection } from "./smtp-connection.ts";

/**
 * The Message-ID and Date of each mail, made at its first attempt and kept for its retries: a
 * server that took the mail but answered too late gets the same message again, which mail programs
 * then show once (the background mailer retries with the same mail object).
 */
const identities = new WeakMap<OutgoingMail, { readonly messageId: string; readonly date: Date }>();

function identityOf(mail: OutgoingMail, domain: string): { readonly messageId: string; readonly date: Date } {
  let identity = identities.get(mail);
  if (identity === undefined) {
    identity = { messageId: `<${randomUUID()}@${domain}>`, date: new Date() };
    identities.set(mail, identity);
  }
  return identity;
}

/** The domain of a From address (`Name <a@b.example>` or `a@b.example`), for Message-IDs. */
export function domainOfAddress(from: string): string {
  const address = /<([^>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf("@") + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : "localhost";
}

/** A mailer that also lets go of its connections. */
export interface ClosableMailer extends Mailer {
  close(): void;
  /** Resolves when the server answers and accepts our login (readiness); rejects otherwise. */
  verify(): Promise<void>;
}

/**
 * Sends mail over SMTP with nodemailer. `url` is nodemailer's connection URL
 * (`smtp://user:pass@host:587`, `smtps://...:465`). `sendMail` resolves when the
 * server accepted the mail and rejects with nodemailer's error when it did not:
 * wrap it in createBackgroundMailer so that never reaches a request.
 */
export function createSMTPMailer(input: {
  url: string;
  from: string;
  /** How long to wait for the connection and for the server's greeting; idle sockets get twice that. Default 10 s. */
  timeoutMs?: number;
}): ClosableMailer {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const domain = domainOfAddress(input.from);
  // The timeouts are transport options and sit next to the URL: the second argument holds message
  // defaults only (nodemailer 10 types say so; before, the timeouts there were silently ignored).
  const transport = createTransport(
    {
      ...smtpConnection(input.url),
      // Fail a stuck server in seconds rather than nodemailer's minutes; the background mailer retries.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: 2 * timeoutMs,
    },
    { from: input.from },
  );
  return {
    async sendMail(mail: OutgoingMail): Promise<void> {
      const { messageId, date } = identityOf(mail, domain);
      await transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        date,
        // Sent by the service, not a person (RFC 3834): vacation replies are not sent back to it.
        headers: { "Auto-Submitted": "auto-generated" },
      });
    },
    close(): void {
      transport.close();
    },
    async verify(): Promise<void> {
      await transport.verify();
    },
  };
}
