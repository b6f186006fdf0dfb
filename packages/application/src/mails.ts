import type { Email, EmailTokenPurpose } from "@superoauth/domain";
import type { OutgoingMail } from "./ports.ts";

/**
 * The link a mail carries. The token rides in the fragment (`#token=`), which
 * browsers never send to a server, so it stays out of access logs, proxies and
 * Referer headers; the page at the link reads it and POSTs it to the API.
 */
export function buildMailLink(input: { appURL: string; purpose: EmailTokenPurpose; token: string }): string {
  const path = input.purpose === "verify_email" ? "verify-email" : "reset-password";
  return `${input.appURL.replace(/\/+$/, "")}/${path}#token=${input.token}`;
}

const wording: Record<
  EmailTokenPurpose,
  { subject: string; intro: string; action: string; validity: string; ignore: string }
> = {
  verify_email: {
    subject: "Verify your email address",
    intro: "Please confirm that this address belongs to your SuperOAuth account.",
    action: "Verify my email address",
    validity: "The link works once and expires in 24 hours.",
    ignore: "If you did not create an account, ignore this mail.",
  },
  reset_password: {
    subject: "Reset your password",
    intro: "Someone (hopefully you) asked to reset the password of your SuperOAuth account.",
    action: "Choose a new password",
    validity:
      "The link works once and expires in 1 hour. Resetting the password signs you out on every device.",
    ignore: "If you did not ask for this, ignore this mail: your password stays as it is.",
  },
};

/** The mail that carries a verification or password-reset link, as plain text and HTML. */
export function composeTokenMail(input: {
  to: Email;
  nickname: string;
  purpose: EmailTokenPurpose;
  link: string;
}): OutgoingMail {
  const words = wording[input.purpose];
  const text = [
    `Hello ${input.nickname},`,
    "",
    words.intro,
    "",
    `${words.action}: ${input.link}`,
    "",
    words.validity,
    words.ignore,
    "",
    "SuperOAuth",
  ].join("\n");
  const link = escapeHTML(input.link);
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Hello ${escapeHTML(input.nickname)},</p>`,
    `<p>${escapeHTML(words.intro)}</p>`,
    `<p><a href="${link}">${escapeHTML(words.action)}</a></p>`,
    `<p>If the button does not work, copy this address into your browser:<br>${link}</p>`,
    `<p>${escapeHTML(words.validity)}<br>${escapeHTML(words.ignore)}</p>`,
    "<p>SuperOAuth</p>",
    "</body></html>",
  ].join("\n");
  return { to: input.to, subject: words.subject, text, html };
}

function escapeHTML(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
