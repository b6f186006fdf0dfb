import {
  type BackgroundMailer,
  type BackgroundMailerOptions,
  createBackgroundMailer,
  createOutboxMailer,
  createSMTPMailer,
  type MailLog,
  silentMailLog,
} from "@superoauth/adapter-mail";
import type { Logger } from "pino";
import type { Config } from "./config.ts";

/** The service's mailer and how to stop it. */
export interface ComposedMailer {
  readonly mailer: BackgroundMailer;
  /** With SMTP_URL: asks the server (connect, greeting, login) without sending anything. */
  readonly verifySMTP: (() => Promise<void>) | undefined;
  /** Waits a little for mails still being delivered, logs those given up, and closes SMTP connections. */
  close(): Promise<void>;
}

/**
 * SMTP when SMTP_URL is set, otherwise the development outbox; either way
 * behind the background mailer, so a request never waits for (or fails with)
 * mail delivery.
 */
export function composeMailer(
  config: Config["mail"],
  /** The mail area's logger (componentLogger), if any. */
  logger: Logger | undefined,
  /** Told how each delivery attempt ended, and of which kind of mail (metrics). */
  onDelivery?: BackgroundMailerOptions["onDelivery"],
): ComposedMailer {
  const log: MailLog = logger ?? silentMailLog;
  const smtp =
    config.smtpURL === undefined ? undefined : createSMTPMailer({ url: config.smtpURL, from: config.from });
  const transport = smtp ?? createOutboxMailer({ directory: config.outboxDirectory, from: config.from, log });
  if (smtp === undefined)
    log.info({ directory: config.outboxDirectory }, "SMTP_URL is not set: mails go to the outbox");
  const mailer = createBackgroundMailer({
    mailer: transport,
    log,
    ...(onDelivery === undefined ? {} : { onDelivery }),
  });
  return {
    mailer,
    verifySMTP: smtp === undefined ? undefined : () => smtp.verify(),
    async close() {
      const { pending } = await mailer.drain({ timeoutMs: 5_000 });
      if (pending > 0) log.error({ pending }, "shutting down with mails still undelivered; they are lost");
      smtp?.close();
    },
  };
}
