export type { BackgroundMailer, BackgroundMailerOptions } from "./background-mailer.ts";
export { createBackgroundMailer } from "./background-mailer.ts";
export type { MailLog } from "./mail-log.ts";
export { silentMailLog } from "./mail-log.ts";
export type { OutboxMailer } from "./outbox-mailer.ts";
export { createOutboxMailer, outboxFileName } from "./outbox-mailer.ts";
export type { ClosableMailer } from "./smtp-mailer.ts";
export { createSMTPMailer } from "./smtp-mailer.ts";
export { verifySMTPServer } from "./verify-smtp.ts";
