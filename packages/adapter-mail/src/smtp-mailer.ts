import type { Mailer, OutgoingMail } from "@superoauth/application";
import { createTransport } from "nodemailer";

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
  // The timeouts are transport options and sit next to the URL: the second argument holds message
  // defaults only (nodemailer 10 types say so; before, the timeouts there were silently ignored).
  const transport = createTransport(
    {
      url: input.url,
      // Fail a stuck server in seconds rather than nodemailer's minutes; the background mailer retries.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: 2 * timeoutMs,
    },
    { from: input.from },
  );
  return {
    async sendMail(mail: OutgoingMail): Promise<void> {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close(): void {
      transport.close();
    },
    async verify(): Promise<void> {
      await transport.verify();
    },
  };
}
