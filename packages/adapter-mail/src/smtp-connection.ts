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

/** `localhost`, 127.0.0.0/8 and ::1: names and addresses that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
