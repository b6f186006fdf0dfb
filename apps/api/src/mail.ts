import {
  type BackgroundMailer,
  type BackgroundMailerOptions,
  type ClosableMailer,
  createBackgroundMailer,
  createOutboxMailer,
  createSMTPMailer,
  type MailLog,
  type OutboxMailer,
  silentMailLog,
} from "@superoauth/adapter-mail";
import type { Mailer } from "@superoauth/application";
import { emailTokenLifetimeMs } from "@superoauth/domain";
import type { Logger } from "pino";
import type { Config } from "./config.ts";

/** The service's mailer and how to stop it. */
export interface ComposedMailer {
  readonly mailer: BackgroundMailer;
  /** With SMTP_URL: asks the server (connect, greeting, login) without sending anything. */
  readonly verifySMTP: (() => Promise<void>) | undefined;
  /**
   * Without SMTP_URL: deletes the outbox's mails older than `outboxMailKeptMs` at `now` (the hourly
   * housekeeping), answering how many files went. Undefined with SMTP, which keeps no mail.
   */
  readonly pruneOutbox: ((now: Date) => Promise<number>) | undefined;
  /** Waits a little for mails still being delivered, logs those given up, and closes SMTP connections. */
  close(): Promise<void>;
}

/**
 * How long the development outbox keeps a mail: as long as the longest-lived link a mail carries
 * (an email change's undo, a week); after that no link in it works, and what it says of a person
 * (their address, their name) should not outlive its use (docs/account-export.md).
 */
export const outboxMailKeptMs = Math.max(...Object.values(emailTokenLifetimeMs));

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
  const { transport, smtp, outbox } = transportOf(config, log);
  const mailer = createBackgroundMailer({
    mailer: transport,
    log,
    ...(onDelivery === undefined ? {} : { onDelivery }),
  });
  return {
    mailer,
    verifySMTP: smtp === undefined ? undefined : () => smtp.verify(),
    pruneOutbox:
      outbox === undefined
        ? undefined
        : (now) => outbox.deleteMailsWrittenBefore(new Date(now.getTime() - outboxMailKeptMs)),
    async close() {
      const { pending } = await mailer.drain({ timeoutMs: 5_000 });
      if (pending > 0) log.error({ pending }, "shutting down with mails still undelivered; they are lost");
      smtp?.close();
    },
  };
}

/** The SMTP mailer when SMTP_URL is set, else the development outbox: exactly one of the two. */
function transportOf(
  config: Config["mail"],
  log: MailLog,
): { readonly transport: Mailer; readonly smtp?: ClosableMailer; readonly outbox?: OutboxMailer } {
  if (config.smtpURL !== undefined) {
    const smtp = createSMTPMailer({ url: config.smtpURL, from: config.from });
    return { transport: smtp, smtp };
  }
  log.info({ directory: config.outboxDirectory }, "SMTP_URL is not set: mails go to the outbox");
  const outbox = createOutboxMailer({ directory: config.outboxDirectory, from: config.from, log });
  return { transport: outbox, outbox };
}
