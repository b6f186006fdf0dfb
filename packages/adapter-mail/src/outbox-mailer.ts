import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Mailer, OutgoingMail } from "@superoauth/application";
import type { MailLog } from "./mail-log.ts";

/**
 * Development without SMTP: each mail becomes two files in `directory`, a
 * `.txt` (headers and the plain-text body, readable with `cat`) and a `.html`
 * (open it in a browser and click the link). The log names the files and
 * never carries the mail itself, whose links hold single-use tokens.
 */
export function createOutboxMailer(input: { directory: string; from: string; log: MailLog }): Mailer {
  return {
    async sendMail(mail: OutgoingMail): Promise<void> {
      await mkdir(input.directory, { recursive: true });
      const name = outboxFileName(mail, new Date());
      const headers = [`From: ${input.from}`, `To: ${mail.to}`, `Subject: ${mail.subject}`];
      const text = join(input.directory, `${name}.txt`);
      const html = join(input.directory, `${name}.html`);
      await writeFile(text, `${headers.join("\n")}\n\n${mail.text}\n`, { mode: 0o600 });
      await writeFile(html, `<!-- ${headers.join(" | ").replaceAll("--", "")} -->\n${mail.html}\n`, {
        mode: 0o600,
      });
      input.log.info({ file: html, text }, `mail written to ${html}`);
    },
  };
}

/** `2026-03-01T12-00-00-123Z-1a2b3c-verify-your-email-address`: sorts by time, never collides. */
export function outboxFileName(mail: Pick<OutgoingMail, "subject">, now: Date): string {
  const stamp = now.toISOString().replaceAll(":", "-").replace(".", "-");
  const slug = mail.subject
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  return `${stamp}-${randomBytes(3).toString("hex")}-${slug}`;
}
