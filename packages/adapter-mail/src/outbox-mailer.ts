import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Mailer, OutgoingMail } from "@superoauth/application";
import type { MailLog } from "./mail-log.ts";

/** The development outbox: a Mailer, and the clean-up of the mails it wrote. */
export interface OutboxMailer extends Mailer {
  /**
   * Deletes the mails written before `before` (by the time in their file names), both files of
   * each; answers how many files went. Only files named as this mailer names them: anything else in
   * the folder is left alone. A missing folder holds none.
   */
  deleteMailsWrittenBefore(before: Date): Promise<number>;
}

/**
 * Development without SMTP: each mail becomes two files in `directory`, a
 * `.txt` (headers and the plain-text body, readable with `cat`) and a `.html`
 * (open it in a browser and click the link). The log names the files and
 * never carries the mail itself, whose links hold single-use tokens.
 */
export function createOutboxMailer(input: { directory: string; from: string; log: MailLog }): OutboxMailer {
  return {
    async deleteMailsWrittenBefore(before: Date): Promise<number> {
      let names: string[];
      try {
        names = await readdir(input.directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
        throw error;
      }
      const old = names.filter((name) => {
        const writtenAt = writtenAtOf(name);
        return writtenAt !== null && writtenAt < before.getTime();
      });
      for (const name of old) await rm(join(input.directory, name), { force: true });
      return old.length;
    },
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

/** An outbox file's name: the time it was written, 6 random hex digits, the subject's slug, and .txt or .html. */
const outboxFile =
  /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[0-9a-f]{6}-[a-z0-9-]*\.(?:txt|html)$/;

/** When the outbox file `name` was written (ms since the epoch), or null for a file not named as ours. */
function writtenAtOf(name: string): number | null {
  const match = outboxFile.exec(name);
  if (match === null) return null;
  const [, day, hours, minutes, seconds, ms] = match;
  const at = Date.parse(`${day}T${hours}:${minutes}:${seconds}.${ms}Z`);
  return Number.isNaN(at) ? null : at;
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
