import type { Mailer, OutgoingMail } from "@superoauth/application";
import { createTransport } from "nodemailer";

/** A mailer that also lets go of its connections. */
export interface ClosableMailer extends Mailer {
  close(): void;
}

/**
 * Sends mail over SMTP with nodemailer. `url` is nodemailer's connection URL
 * (`smtp://user:pass@host:587`, `smtps://...:465`). `sendMail` resolves when the
 * server accepted the mail and rejects with nodemailer's error when it did not:
 * wrap it in createBackgroundMailer so that never reaches a request.
 */
export function createSMTPMailer(input: { url: string; from: string }): ClosableMailer {
  const transport = createTransport(input.url, {
    from: input.from,
    // Fail a stuck server in seconds rather than nodemailer's minutes; the background mailer retries.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async sendMail(mail: OutgoingMail): Promise<void> {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close(): void {
      transport.close();
    },
  };
}
