import { isLoopbackHost } from "@superoauth/domain";

/**
 * How every connection to SMTP_URL's server is made (the mailer's and the readiness check's): the
 * URL, and STARTTLS required unless the server is on this machine (ADR 0064).
 *
 * Over `smtp://` nodemailer upgrades to TLS only when the server's greeting offers STARTTLS, so
 * whoever sits between the service and a remote server can strip the offer and read the login and
 * every mail, password-reset links included, in plain text. Required, the connection fails instead
 * (nodemailer's `ETLS`) and nothing is sent. A server on the loopback interface (a local relay, a
 * development mail catcher) is exempt: no network lies between. `?requireTLS=false` in the URL
 * turns the requirement off for a relay on a network the operator trusts (nodemailer's URL options
 * override the ones given beside it); `smtps://` is TLS from the first byte either way.
 */
export function smtpConnection(url: string): { readonly url: string; readonly requireTLS: boolean } {
  return { url, requireTLS: !isLoopbackHost(hostOf(url)) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    // Not a URL: nodemailer refuses it on its own; nothing to exempt.
    return "";
  }
}
