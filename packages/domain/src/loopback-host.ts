/**
 * Whether a URL's hostname never leaves this machine: `localhost`, 127.0.0.0/8 and `::1` (bracketed
 * or not). Connections to such a host cross no network, so a rule about what may cross one (TLS for
 * mail, ADR 0064; the database's encryption, which the doctor reports) does not apply to them.
 * Redirect URIs keep their own, narrower list (RFC 8252's three, third-party-app.ts).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
