import { createTransport } from "nodemailer";
import { smtpConnection } from "./smtp-connection.ts";

/**
 * Connects to the SMTP server at `url` as the mailer would (greeting, EHLO, STARTTLS where the mailer
 * requires it, login when the URL carries credentials) and hangs up without sending: resolves when it
 * accepts us, rejects with nodemailer's error (its `code`: ECONNECTION, ETIMEDOUT, EAUTH, ETLS, ...)
 * when it does not.
 */
export async function verifySMTPServer(input: { url: string; timeoutMs: number }): Promise<void> {
  const transport = createTransport({
    ...smtpConnection(input.url),
    connectionTimeout: input.timeoutMs,
    greetingTimeout: input.timeoutMs,
    socketTimeout: input.timeoutMs,
  });
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
